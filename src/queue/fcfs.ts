import { orderByKey, type QueuePolicy, type QueuedRequest } from './policy.js';

/**
 * First come, first served: by submit time (then queue order). Blocking by default: the oldest
 * request that does not fit holds back everything behind it (add backfilling to soften that).
 */
export function fcfs(opts: { blocking?: boolean; headOfLine?: 'commit' | 'reorder' } = {}): QueuePolicy {
  return {
    name: 'fcfs',
    blocking: opts.blocking ?? true,
    headOfLine: opts.headOfLine ?? 'reorder',
    order: (waiting: readonly QueuedRequest[]) => orderByKey(waiting, (q) => q.request.arrival),
  };
}
