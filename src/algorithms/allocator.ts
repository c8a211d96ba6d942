import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import type { Rejection } from '../core/rejection.js';
import type { Rng } from '../core/rng.js';
import type { SolverStatus, StopReason, WorkDone } from '../core/solver-status.js';

/**
 * How much effort one decision may take.
 * - `work` (the simulator): only the strategy's own deterministic limits apply (GA generations and
 *   evaluations, HiGHS LP iterations and branch-and-bound nodes; see each strategy's options).
 *   No clock is read, so the same scenario and seed give the same decisions on any machine.
 * - `wall` (production): the same limits AND a wall-clock deadline of `ms` after the decision
 *   starts, read from `clock` (milliseconds). The answer then depends on machine speed.
 */
export type DecisionBudget =
  | { readonly kind: 'work' }
  | { readonly kind: 'wall'; readonly ms: number; readonly clock: () => number };

/** The simulator's budget: deterministic work only. */
export const WORK_BUDGET: DecisionBudget = { kind: 'work' };

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
  /** How much effort the decision may take (deterministic work, or also a wall-clock deadline). */
  readonly budget: DecisionBudget;
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
  /** GPU devices to take on a device node (see core/gpu.ts); default: the cluster's choice. */
  readonly devices?: readonly number[];
}

export interface Preemption {
  readonly allocationId: string;
  /** The request the capacity is freed for. */
  readonly forRequestId: string;
  readonly reason: string;
}

/**
 * How a solver-backed decision ended. Part of the result, never a log line. `status` is the
 * solver's (or search's) outcome; when it produced nothing usable (`no-solution`, `error`) the
 * decision is the greedy answer and `detail` says so.
 */
export interface SolverReport {
  /** `highs`, `jslp`, `genetic`, or `greedy` (no solve was needed), `none` (nothing to decide). */
  readonly backend: string;
  readonly status: SolverStatus;
  /** Which budget ended the search (`converged`: none did). */
  readonly stoppedBy: StopReason;
  /** Deterministic work done (LP iterations and nodes, or fitness evaluations). */
  readonly work: WorkDone;
  readonly objective?: number;
  /** Best bound on the objective (LP relaxation or solver bound) where known. */
  readonly bound?: number;
  /** Wall-clock seconds of the decision; only under a `wall` budget (simulator output stays byte-identical). */
  readonly seconds?: number;
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
  /**
   * True when every request this allocator leaves waiting in a non-blocking decision fits no up
   * node of its eligible pools once the decision is applied (it tries each request on every such
   * node, as the greedy strategies do), and a decision that places nothing changes nothing (it draws
   * no randomness, moves no state of its own, reads no clock). Then offering the same requests again while
   * no capacity was freed starts nothing, and a pass may skip it (`SchedulingPass.leavingOffersAll`).
   * Batch searches (ILP, genetic) may leave a request that fits unplaced: they leave it unset.
   */
  readonly exhaustive?: boolean;
  /** One-time asynchronous setup (e.g. loading a WASM solver). Called before the first decision. */
  prepare?(): Promise<void>;
  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision;
}
