import type { Allocator, AllocatorContext } from '../algorithms/allocator.js';
import { decideAndApply, type AppliedDecision } from '../algorithms/decide.js';
import type { ClusterState } from '../core/cluster.js';
import type { Allocation, Request } from '../core/model.js';
import { mayPreempt, PRIORITY_RANK } from '../core/priority.js';
import { isPermanent, type Rejection } from '../core/rejection.js';
import type { Rng } from '../core/rng.js';
import type { AllocationBook } from './allocations.js';
import type { ClusterRef } from './pools.js';
import { planReclaim, type FairShare } from './quota.js';
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
  /** The strategy wrapped with PreemptingAllocator, when priority preemption is on. */
  readonly preempting: Allocator | undefined;
  /** The strategies' Rng. */
  readonly rng: Rng;
  /** Allocator wall-clock budget per decision, ms. */
  readonly budgetMs: number;
}

/**
 * Placing requests on the cluster: every placement goes through `decideAndApply` with the
 * strategy (or its preempting wrapper), and what it started or evicted is booked in the
 * AllocationBook. Escalation order for a request that must wait: reclaim of borrowed capacity
 * (tenants under their guarantee), then priority preemption.
 */
export class Placer {
  readonly allocator: Allocator;
  readonly preempting: Allocator | undefined;
  private readonly cluster: ClusterRef;
  private readonly book: AllocationBook;
  private readonly fair: FairShare | undefined;
  private readonly rng: Rng;
  private readonly budgetMs: number;

  constructor(o: PlacerOptions) {
    this.cluster = o.cluster;
    this.book = o.book;
    this.fair = o.fair;
    this.allocator = o.allocator;
    this.preempting = o.preempting;
    this.rng = o.rng;
    this.budgetMs = o.budgetMs;
  }

  /** The allocator a queue pass offers its batches to (preemption in the batch only without quotas). */
  get batchAllocator(): Allocator {
    return this.fair === undefined && this.preempting !== undefined ? this.preempting : this.allocator;
  }

  decide(allocator: Allocator, requests: readonly Request[], blocking: boolean, now: number): AppliedDecision {
    const ctx: AllocatorContext = { now: now / 1000, rng: this.rng, budget: { kind: 'wall', ms: this.budgetMs, clock: wallClock }, blocking };
    return decideAndApply(allocator, requests, this.cluster.state, ctx);
  }

  /**
   * Place one request: the strategy (with priority preemption when enabled), then, for a tenant
   * under its guarantee, reclaim of borrowed capacity before priority preemption.
   */
  placeOne(tx: Tx, r: Request, leaseMs: number | null, fresh: boolean): Attempt {
    const quota = this.fair?.checkMax(r);
    if (quota !== undefined) return { rejection: quota };
    const guaranteeFirst = this.fair !== undefined && this.fair.withinGuarantee(r.tenant, r.demand);
    const first = guaranteeFirst || this.preempting === undefined ? this.allocator : this.preempting;
    const res = this.decide(first, [r], false, tx.now);
    const placed = res.started[0];
    if (placed !== undefined) {
      const preempted = this.bookDecisionEvictions(tx, res, r);
      this.book.start(tx, placed, leaseMs, !fresh);
      return { placed, preempted };
    }
    const rej = toSchedulerRejection(res.rejections[0] as Rejection);
    if (rej.permanent) return { rejection: rej };
    return this.escalate(tx, r, leaseMs, fresh, first === this.preempting, rej);
  }

  /** After the strategy said `wait`: reclaim borrowed capacity (guarantee owners), then priority preemption. */
  escalate(tx: Tx, r: Request, leaseMs: number | null, fresh: boolean, triedPreemption: boolean, rej: SchedulerRejection): Attempt {
    const fair = this.fair;
    const state = this.cluster.state;
    if (fair !== undefined && fair.withinGuarantee(r.tenant, r.demand)) {
      const plan = planReclaim(state, fair, r, (a) => this.book.isBorrowed(a.id) && !tx.started.has(a.id));
      if (plan !== undefined) {
        for (const v of plan.victims) state.release(v.id);
        const res = this.decide(this.allocator, [r], false, tx.now);
        const placed = res.started[0];
        if (placed !== undefined) {
          const preempted = plan.victims.map((v) =>
            this.book.evicted(tx, v, r, 'reclaim', `tenant '${r.tenant}' (under its guarantee) reclaims capacity borrowed by '${v.request.tenant}'`),
          );
          preempted.push(...this.bookDecisionEvictions(tx, res, r));
          this.book.start(tx, placed, leaseMs, !fresh);
          return { placed, preempted };
        }
        for (const v of plan.victims) restoreAllocation(state, v);
      }
    }
    if (this.preempting !== undefined && !triedPreemption && mayPreempt(r.priority)) {
      const res = this.decide(this.preempting, [r], false, tx.now);
      const placed = res.started[0];
      if (placed !== undefined) {
        const preempted = this.bookDecisionEvictions(tx, res, r);
        this.book.start(tx, placed, leaseMs, !fresh);
        return { placed, preempted };
      }
    }
    return { rejection: rej };
  }

  /**
   * `preempt(target, r)` once the rule allows it: check r's quota (counting the target's usage
   * as gone when both belong to the same tenant), evict the target and let the strategy place r.
   * If r still cannot be placed, the target is put back as it was.
   */
  replace(tx: Tx, target: Allocation, r: Request, leaseMs: number | null): Attempt {
    const minus = r.tenant === target.request.tenant ? target.request.demand.map((v) => -v) : undefined;
    const quota = this.fair?.checkMax(r, minus);
    if (quota !== undefined) return { rejection: quota };
    const state = this.cluster.state;
    state.release(target.id);
    const res = this.decide(this.allocator, [r], false, tx.now);
    const placed = res.started[0];
    if (placed === undefined) {
      restoreAllocation(state, target);
      return { rejection: toSchedulerRejection(res.rejections[0] as Rejection) };
    }
    const tp = target.request.priority;
    const record = this.book.evicted(tx, target, r, 'explicit', `explicit preemption of ${tp} '${target.id}' for ${r.priority} '${r.id}'`);
    this.book.start(tx, placed, leaseMs, false);
    return { placed, preempted: [record] };
  }

  /** Book evictions a decision already applied (priority preemption). */
  bookDecisionEvictions(tx: Tx, res: AppliedDecision, r: Request): PreemptionRecord[] {
    return res.evicted.map((e) => this.book.evicted(tx, e.allocation, r, 'priority', e.preemption.reason));
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

/** Put an allocation we released a moment ago back exactly as it was (nothing else changed since). */
function restoreAllocation(state: ClusterState, a: Allocation): void {
  state.allocate(a.request, a.nodeId, a.start, a.id);
  state.renew(a.id, a.leaseExpiry);
}

function wallClock(): number {
  return performance.now();
}
