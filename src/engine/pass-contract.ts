import type { Allocator, AllocatorContext, SolverReport } from '../algorithms/allocator.js';
import type { Allocation } from '../core/model.js';
import type { Rejection } from '../core/rejection.js';
import type { QueuePolicy, QueuedRequest } from '../queue/policy.js';
import type { DependencyTracker } from './dependencies.js';
import type { FairShare } from './quota.js';

/*
 * The contract between the scheduling pass (pass.ts) and the drivers that run it (the
 * simulator's replay, ResourceScheduler): the rules fixed for a run, what one call is asked to
 * do and what came of it, and the hooks through which a driver books what the pass did.
 */

/** A rejection as the pass reports it: the structured reason plus whether waiting can help. */
export interface PassRejection extends Rejection {
  readonly permanent: boolean;
}

/** Why an allocation was evicted by the pass. */
export type EvictionKind = 'priority' | 'reclaim';

/**
 * The hooks through which a driver (the simulator, `ResourceScheduler`) hears what the pass did.
 * The pass has already applied every change to the cluster when a hook runs; the hook books it
 * (event log, store, events) and takes the entry out of its queue where that applies.
 */
export interface PassHooks<E extends QueuedRequest> {
  /** The context of one allocator decision: the driver's clock, Rng and budget. */
  context(blocking: boolean): AllocatorContext;
  /** Still in the driver's queue (not started or rejected earlier in this pass)? */
  isWaiting(e: E): boolean;
  /** Allocation id for `e` (default: the request id). */
  allocationId?(e: E): string;
  /** `e` started as `a` (on the cluster already). */
  start(e: E, a: Allocation): void;
  /** `e` leaves the queue for good with this reason. */
  reject(e: E, rej: PassRejection): void;
  /** `e` stays in the queue; why (production shows it in `status()`). */
  wait?(e: E, rej: PassRejection): void;
  /** `a` (already released from the cluster) was evicted to make room for `forEntry`. */
  evict(a: Allocation, forEntry: E, kind: EvictionKind, message: string): void;
  /** A batch strategy's report on one decision. */
  solver?(report: SolverReport): void;
  /**
   * Whether a running allocation may be reclaimed: admitted above its tenant's guarantee, and not
   * started in the current operation (production: this call of the API; simulator: this round of
   * passes), which must not evict what it is about to report as started.
   */
  isBorrowed?(a: Allocation): boolean;
}

/** The rules the pass runs, fixed for a run. */
export interface EngineRules {
  /** The placement strategy (as configured; with preemption already wrapped in, if wanted). */
  readonly allocator: Allocator;
  /**
   * The strategy wrapped for priority preemption, when quotas are on: preemption then comes
   * after reclaim, for requests still waiting (without quotas, wrap `allocator` itself).
   */
  readonly preempting?: Allocator;
  readonly policy: QueuePolicy;
  readonly quotas?: FairShare;
  readonly dependencies?: DependencyTracker;
}

/** What one call to `pass` was asked to do. */
export interface PassInput<E extends QueuedRequest> {
  readonly now: number;
  /** The waiting entries (the driver's queue; entries no longer waiting are skipped). */
  readonly waiting: readonly E[];
  /** `waiting` is already in policy order (the driver keeps it sorted by `policy.staticKey`). */
  readonly sorted: boolean;
  /** With `sorted`: the entries of `waiting` before this index have left the queue (default 0; skipped unread). */
  readonly from?: number;
  /** Capacity was freed or added since the last pass (else only new entries can start). */
  readonly freed: boolean;
  /** Entries that are new since the last pass (any order). */
  readonly fresh: readonly E[];
}

export interface PassOutcome {
  /** Allocator decisions asked for. */
  readonly decisions: number;
  /**
   * The head (blocking) or some request (non-blocking) started through reclaim or preemption, or
   * a decision evicted work (priority preemption inside the allocator): run another pass, over
   * everything, since an eviction can free more than the request it was made for uses.
   */
  readonly again: boolean;
}
