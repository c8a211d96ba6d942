import { SJF_KEY } from './keys.js';
import { keyedPolicy, type KeyedPolicyOptions } from './keyed.js';
import type { QueuePolicy } from './policy.js';

/**
 * Shortest job first, by *requested* run time (the estimate a scheduler can see, never the
 * actual one): key = (r, s), then queue order. Blocking by default.
 */
export function sjf(opts: KeyedPolicyOptions = {}): QueuePolicy {
  return keyedPolicy(SJF_KEY, opts);
}
