import { UNICEP_KEY } from './keys.js';
import { keyedPolicy, type KeyedPolicyOptions } from './keyed.js';
import type { QueuePolicy } from './policy.js';

/**
 * UNICEP (Tang et al., 2009): favours jobs that have waited long relative to their size, with a
 * logarithmic width penalty:
 *
 *   key = −(w + 1e-15) / (log2(n + 1e-15) · r)        with the real waiting time w = now − s
 *
 * The 1e-15 terms (from RLScheduler) keep a one-processor job finite: it gets a very large
 * priority. Time-dependent, re-sorted at every decision. Blocking by default.
 */
export function unicep(opts: KeyedPolicyOptions = {}): QueuePolicy {
  return keyedPolicy(UNICEP_KEY, opts);
}
