import { WFP3_KEY } from './keys.js';
import { keyedPolicy, type KeyedPolicyOptions } from './keyed.js';
import type { QueuePolicy } from './policy.js';

/**
 * WFP3 (Tang et al., "Fault-aware, utility-based job scheduling on Blue Gene/P systems", 2009):
 * favours jobs that have waited long relative to their requested time, weighted by width:
 *
 *   key = −(w / r)³ · n        with the real waiting time w = now − s
 *
 * The order changes as time passes, so it is re-sorted at every decision. Blocking by default.
 */
export function wfp3(opts: KeyedPolicyOptions = {}): QueuePolicy {
  return keyedPolicy(WFP3_KEY, opts);
}
