import { PRIORITY_RANK } from '../core/priority.js';
import { orderByKey, type BackfillPolicy, type QueuePolicy, type QueuedRequest } from './policy.js';

/**
 * Strict priority classes: critical before high before medium before low before background;
 * within a class, first come first served:
 *
 *   key = rank(class) · 10¹² + arrival        (rank 0 = critical … 4 = background)
 *
 * A steady stream of high-class work can starve background work for ever; use
 * `weightedPriority` when that matters. Not blocking by default (a waiting critical request does
 * not stop smaller background work from using idle capacity; preemption handles urgency).
 */
const KEY = (q: QueuedRequest): number => PRIORITY_RANK[q.request.priority] * 1e12 + q.request.arrival;

export function priorityClasses(
  opts: { blocking?: boolean; headOfLine?: 'commit' | 'reorder'; backfill?: BackfillPolicy } = {},
): QueuePolicy {
  return {
    name: 'priority',
    blocking: opts.blocking ?? false,
    headOfLine: opts.headOfLine ?? 'reorder',
    ...(opts.backfill === undefined ? {} : { backfill: opts.backfill }),
    staticKey: KEY,
    order: (waiting: readonly QueuedRequest[]) => orderByKey(waiting, KEY),
  };
}
