import { PRIORITIES, PRIORITY_RANK, type Priority } from '../core/priority.js';
import { orderByKey, type BackfillPolicy, type QueuePolicy, type QueuedRequest } from './policy.js';

export interface WeightedPriorityOptions {
  readonly blocking?: boolean;
  readonly headOfLine?: 'commit' | 'reorder';
  readonly backfill?: BackfillPolicy;
  /** Seconds of waiting worth one priority class (default 600). */
  readonly step?: number;
  /** Per-class head start in seconds, overriding `rank · step` for the classes given. */
  readonly offsets?: Partial<Readonly<Record<Priority, number>>>;
}

/**
 * Weighted (aged) priority classes: each class is a head start in time, not an absolute rank.
 *
 *   key = arrival + offset(class)        offset(class) = rank(class) · step   (step = 600 s)
 *
 * Equivalently, effective priority = offset(class) − age: a waiting request climbs one class per
 * `step` seconds of waiting. So with the defaults a background request (offset 2400 s) goes ahead
 * of any critical request that arrives more than 40 minutes after it, and of a medium one
 * arriving more than 20 minutes after it.
 *
 * No starvation: a request of class c that arrived at a can be overtaken only by requests that
 * arrive before a + offset(c) − offset(critical) = a + offset(c). Once that moment has passed,
 * nothing new ever goes ahead of it, so it reaches the head after the finitely many requests
 * already ahead (with strict classes, new critical work could overtake it for ever). The key does
 * not depend on `now`, so it is published as `staticKey`. Not blocking by default.
 */
export function weightedPriority(opts: WeightedPriorityOptions = {}): QueuePolicy {
  const step = opts.step ?? 600;
  if (!(step >= 0) || !Number.isFinite(step)) throw new RangeError(`weightedPriority: step must be a finite number ≥ 0, got ${step}`);
  const offset = {} as Record<Priority, number>;
  for (const p of PRIORITIES) {
    const o = opts.offsets?.[p] ?? PRIORITY_RANK[p] * step;
    if (!Number.isFinite(o)) throw new RangeError(`weightedPriority: offsets.${p} must be finite, got ${o}`);
    offset[p] = o;
  }
  const key = (q: QueuedRequest): number => q.request.arrival + offset[q.request.priority];
  return {
    name: 'weighted-priority',
    blocking: opts.blocking ?? false,
    headOfLine: opts.headOfLine ?? 'reorder',
    ...(opts.backfill === undefined ? {} : { backfill: opts.backfill }),
    staticKey: key,
    order: (waiting: readonly QueuedRequest[]) => orderByKey(waiting, key),
  };
}
