import { PRIORITY_RANK } from '../core/priority.js';
import { orderByKey, type QueuePolicy, type QueuedRequest } from './policy.js';

/**
 * Strict priority classes: critical before high before medium before low before background;
 * within a class, first come first served. Not blocking by default (a waiting critical request
 * does not stop smaller background work from using idle capacity; preemption handles urgency).
 */
export function priorityClasses(opts: { blocking?: boolean; headOfLine?: 'commit' | 'reorder' } = {}): QueuePolicy {
  return {
    name: 'priority',
    blocking: opts.blocking ?? false,
    headOfLine: opts.headOfLine ?? 'reorder',
    order: (waiting: readonly QueuedRequest[]) =>
      orderByKey(waiting, (q) => PRIORITY_RANK[q.request.priority] * 1e12 + q.request.arrival),
  };
}
