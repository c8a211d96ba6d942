import { FCFS_KEY } from './keys.js';
import { keyedPolicy, type KeyedPolicyOptions } from './keyed.js';
import type { QueuePolicy } from './policy.js';

/**
 * First come, first served: by submit time, key = s (then queue order). Blocking by default: the
 * oldest request that does not fit holds back everything behind it (add backfilling to soften
 * that). The key is static, so the driver may keep the queue sorted on insert (`staticKey`).
 */
export function fcfs(opts: KeyedPolicyOptions = {}): QueuePolicy {
  return keyedPolicy(FCFS_KEY, opts);
}
