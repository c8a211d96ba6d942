/**
 * Rule 6's blind spot (SchedulingPass.offer). The preempting allocator stages the strategy's
 * placements of a decision before it searches victims for the requests left waiting, and those
 * placements are not running yet, so they are no victims: a `critical` request that needed their
 * room and some running preemptible work is left waiting while lower-priority preemptible work
 * starts beside it. Once started, that work is a victim like any other, but a pass that freed
 * nothing offers only new requests, so the critical request would wait until capacity is freed.
 * `passedOver` is true when a decision of the preempting allocator left a request that may
 * preempt waiting and started preemptible work of lower priority: the pass then asks its driver
 * for another pass offering everything (`again`). Work a newcomer starts in a pass that offered
 * only newcomers changes nothing for a request already waiting: the room it took was free, and
 * it can be evicted now just as that room could be taken.
 */
import type { Allocator } from '../algorithms/allocator.js';
import type { AppliedDecision } from '../algorithms/decide.js';
import { PreemptingAllocator } from '../algorithms/preemption.js';
import type { Request } from '../core/model.js';
import { mayPreempt, PRIORITY_RANK } from '../core/priority.js';

/** The rank of `r` (PRIORITY_RANK) if it may preempt, else Infinity. */
export function preemptorRank(r: Request): number {
  return mayPreempt(r.priority) ? PRIORITY_RANK[r.priority] : Number.POSITIVE_INFINITY;
}

/** `res`, a decision of `allocator`, started preemptible work of a priority below `rank` (the most important waiting request that may preempt) and `allocator` preempts. */
export function passedOver(allocator: Allocator, res: AppliedDecision, rank: number): boolean {
  if (rank === Number.POSITIVE_INFINITY || !(allocator instanceof PreemptingAllocator)) return false;
  for (const a of res.started) if (a.request.preemptible === true && PRIORITY_RANK[a.request.priority] > rank) return true;
  return false;
}
