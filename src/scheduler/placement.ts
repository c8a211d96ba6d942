import type { Allocator, AllocatorContext } from '../algorithms/allocator.js';
import { decideAndApply } from '../algorithms/decide.js';
import type { Allocation, Request } from '../core/model.js';
import { mayPreempt, PRIORITY_RANK } from '../core/priority.js';
import { isPermanent, type Rejection } from '../core/rejection.js';
import type { Rng } from '../core/rng.js';
import { restoreAllocation } from '../engine/pass.js';
import type { FairShare } from '../engine/quota.js';
import type { AllocationBook } from './allocations.js';
import type { ClusterRef } from './pools.js';
import type { Tx } from './runtime.js';
import type { PreemptionRecord, SchedulerRejection } from './types.js';

/** Placement attempt result, before it is reported. */
export type Attempt = { readonly placed: Allocation; readonly preempted: PreemptionRecord[] } | { readonly placed?: undefined; readonly rejection: SchedulerRejection };

export interface PlacerOptions {
  readonly cluster: ClusterRef;
  readonly book: AllocationBook;
  readonly fair: FairShare | undefined;
  /** The strategy as configured. */
  readonly allocator: Allocator;
  /** The strategies' Rng. */
  readonly rng: Rng;
  /** Allocator wall-clock budget per decision, ms. */
  readonly budgetMs: number;
}

/**
 * The explicit preemption operation (`ResourceScheduler.preempt(target, request)`): the caller
 * names the victim, so it is not a scheduling pass. Every scheduling decision (queued or not)
 * goes through the engine's pass (see QueueRunner).
 */
export class Placer {
  private readonly o: PlacerOptions;

  constructor(o: PlacerOptions) {
    this.o = o;
  }

  /**
   * `preempt(target, r)` once the rule allows it: check r's quota (counting the target's usage
   * as gone when both belong to the same tenant), evict the target and let the strategy place r.
   * If r still cannot be placed, the target is put back as it was.
   */
  replace(tx: Tx, target: Allocation, r: Request, leaseMs: number | null): Attempt {
    const minus = r.tenant === target.request.tenant ? target.request.demand.map((v) => -v) : undefined;
    const quota = this.o.fair?.checkMax(r, minus);
    if (quota !== undefined) return { rejection: quota };
    const state = this.o.cluster.state;
    state.release(target.id);
    const ctx: AllocatorContext = { now: tx.now / 1000, rng: this.o.rng, budget: { kind: 'wall', ms: this.o.budgetMs, clock: wallClock }, blocking: false };
    const res = decideAndApply(this.o.allocator, [r], state, ctx);
    const placed = res.started[0];
    if (placed === undefined) {
      restoreAllocation(state, target);
      return { rejection: toSchedulerRejection(res.rejections[0] as Rejection) };
    }
    const tp = target.request.priority;
    const record = this.o.book.evicted(tx, target, r, 'explicit', `explicit preemption of ${tp} '${target.id}' for ${r.priority} '${r.id}'`);
    this.o.book.start(tx, placed, leaseMs, false);
    return { placed, preempted: [record] };
  }
}

/**
 * Why `r` may not preempt `target` under the documented rule (the request critical or high, the
 * target preemptible and of strictly lower priority), or undefined when it may.
 */
export function preemptionRefusal(r: Request, target: Allocation): string | undefined {
  const tp = target.request.priority;
  if (!mayPreempt(r.priority) || target.request.preemptible !== true || PRIORITY_RANK[tp] <= PRIORITY_RANK[r.priority]) {
    return `a ${r.priority} request may not preempt ${target.request.preemptible === true ? '' : 'non-preemptible '}${tp} allocation '${target.id}' (only critical/high requests may preempt preemptible work of lower priority)`;
  }
  return undefined;
}

export function toSchedulerRejection(j: Rejection): SchedulerRejection {
  return { ...j, permanent: isPermanent(j.code) };
}

function wallClock(): number {
  return performance.now();
}
