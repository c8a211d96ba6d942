import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import type { Rejection } from '../core/rejection.js';
import type { Rng } from '../core/rng.js';

/**
 * The Allocator contract: the heart of DRS.
 *
 * Given the requests waiting now (already ordered by the queue policy) and a read-only view of
 * the cluster, return a Decision. An allocator never mutates the cluster: to account for its own
 * earlier choices within a batch it stages them on `cluster.trial()`, which the caller always
 * rolls back; the caller (simulator or production scheduler) then applies the decision and
 * re-checks it. An invalid decision is a bug and throws `InvalidDecisionError` naming the allocator.
 *
 * Every request of the batch appears exactly once in the decision: placed, or rejected with a
 * structured reason. Preemptions name running allocations to evict; the caller evicts them before
 * applying the placements.
 */
export interface AllocatorContext {
  /** Current time, seconds (simulated or scheduler clock). */
  readonly now: number;
  /** The run's seeded randomness (a fork per allocator). */
  readonly rng: Rng;
  /** Wall-clock budget for this decision, milliseconds. */
  readonly budgetMs: number;
  /** Wall clock for budget checks, milliseconds (performance.now by default; injectable in tests). */
  readonly clock: () => number;
  /**
   * Head-of-line blocking: the queue policy commits to the order given, so once a request cannot
   * be placed, the ones behind it must not start (they are rejected with `wait`). Greedy
   * allocators stop at the first miss; batch allocators' later placements are dropped by the caller.
   */
  readonly blocking: boolean;
}

export interface Placement {
  readonly requestId: string;
  readonly nodeId: number;
}

export interface Preemption {
  readonly allocationId: string;
  /** The request the capacity is freed for. */
  readonly forRequestId: string;
  readonly reason: string;
}

/** How a solver-backed decision ended. Part of the result, never a log line. */
export interface SolverReport {
  readonly backend: string;
  readonly status: 'optimal' | 'feasible' | 'time-limit' | 'infeasible' | 'fallback' | 'error';
  readonly objective?: number;
  /** Best bound on the objective (LP relaxation or solver bound) where known. */
  readonly bound?: number;
  readonly seconds: number;
  readonly detail?: string;
}

export interface Decision {
  readonly placements: readonly Placement[];
  readonly preemptions: readonly Preemption[];
  readonly rejections: readonly Rejection[];
  readonly solver?: SolverReport;
}

export interface Allocator {
  /** Registry name (plus options, where they matter), used in reports and errors. */
  readonly name: string;
  /** One-time asynchronous setup (e.g. loading a WASM solver). Called before the first decision. */
  prepare?(): Promise<void>;
  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision;
}
