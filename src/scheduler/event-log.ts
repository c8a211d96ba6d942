import { UserError } from '../core/errors.js';
import type { EventType } from './store.js';
import type { SchedulerEvents } from './types.js';

/** Every event type, in the order the docs list them (the SSE stream and the event log carry all of them). */
export const EVENT_TYPES: readonly EventType[] = ['allocated', 'queued', 'released', 'preempted', 'expired', 'timed-out', 'cancelled', 'rejected', 'renewed', 'lost', 'scaled', 'node-failed', 'node-repaired', 'pool-added'];

/** Refuse (UserError, field `type`) a name for another component's event that is malformed or one of the scheduler's own. */
export function checkEventType(type: string): void {
  if (!/^[a-z][a-z0-9.-]{0,63}$/.test(type) || (EVENT_TYPES as readonly string[]).includes(type)) {
    throw new UserError(`event type '${type}' must be 1-64 lowercase letters, digits, '.', '-' and not one of the scheduler's own (${EVENT_TYPES.join(', ')})`, { field: 'type' });
  }
}

/** The tenant an event belongs to (null: cluster-wide, visible to every token). */
export function eventTenant<K extends EventType>(type: K, payload: SchedulerEvents[K]): string | null {
  const p = payload as SchedulerEvents[EventType];
  switch (type) {
    case 'allocated':
    case 'released':
    case 'expired':
    case 'renewed':
    case 'preempted':
    case 'lost':
      return (p as SchedulerEvents['released']).allocation.tenant;
    case 'queued':
    case 'timed-out':
    case 'cancelled':
    case 'rejected':
      return (p as SchedulerEvents['queued']).tenant;
    case 'scaled':
    case 'pool-added':
    case 'node-failed':
    case 'node-repaired':
      return null;
    default:
      return null;
  }
}
