import { PRIORITY_RANK } from '../core/priority.js';
import { staticCompare, type BackfillPolicy, type QueuePolicy, type QueuedRequest } from './policy.js';

/**
 * Strict priority classes: critical before high before medium before low before background;
 * within a class, first come first served:
 *
 *   key = rank(class)  (0 = critical … 4 = background), ties by arrival, then queue order
 *
 * Two keys, not one number: the former `rank · 10¹² + arrival` resolved arrivals only to 2⁻¹¹ s
 * (≈ 0.5 ms) in the background class, so two requests 0.2 ms apart tied and went by `seq`, which
 * puts a requeued (preempted) request behind later arrivals of its class.
 *
 * A steady stream of high-class work can starve background work for ever; use
 * `weightedPriority` when that matters. Not blocking by default (a waiting critical request does
 * not stop smaller background work from using idle capacity; preemption handles urgency).
 */
const RANK = (q: QueuedRequest): number => PRIORITY_RANK[q.request.priority];
const ARRIVAL = (q: QueuedRequest): number => q.request.arrival;
const ORDER = staticCompare(RANK, ARRIVAL);

export function priorityClasses(
  opts: { blocking?: boolean; headOfLine?: 'commit' | 'reorder'; backfill?: BackfillPolicy } = {},
): QueuePolicy {
  return {
    name: 'priority',
    blocking: opts.blocking ?? false,
    headOfLine: opts.headOfLine ?? 'reorder',
    ...(opts.backfill === undefined ? {} : { backfill: opts.backfill }),
    staticKey: RANK,
    staticTie: ARRIVAL,
    order: (waiting: readonly QueuedRequest[]) => [...waiting].sort(ORDER),
  };
}
