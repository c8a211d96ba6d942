/**
 * The offline bin-packing contract: one strategy = one `pack` function over an instance.
 *
 * A strategy gets the instance, its lower bound max(L1, L2) and a context (seed, budget, and the
 * LP/MILP solver for exact strategies, injected so that packing imports no solver backend), and
 * returns an outcome whose status is the one `SolverStatus` of the toolkit:
 * - `optimal`: optimality is proved, by the lower bound (`proof: 'lower-bound'`: bins = max(L1, L2)
 *   or the solver's dual bound) or by the ILP solver (`proof: 'solver'`);
 * - `feasible`: a packing whose optimality is not proved (a heuristic, or a budget stopped the
 *   exact strategy: `stoppedBy` says which);
 * - `error`: the solver failed; the packing is the incumbent and `detail.message` says why.
 * `runPackStrategy` times the strategy and checks every packing (each item once, no bin over capacity).
 */
import type { LpSolver } from '../core/lp.js';
import type { SolverStatus, StopReason } from '../core/solver-status.js';
import type { Packing, PackingInstance } from './instance.js';

export interface PackContext {
  /** Seed of the randomised strategies (GA, and the incumbent search of the exact one). */
  readonly seed: number | string;
  /**
   * Wall-clock budget in seconds (GA, ILP; FFD and BFD ignore it); omitted: the strategy's
   * default. Offline packing is not part of a simulation, so a wall clock is allowed here.
   */
  readonly timeLimitSeconds?: number;
  /**
   * The GA's generation budget (a deterministic stop). Given without `timeLimitSeconds`, the GA
   * has no wall-clock limit, so its result is a function of the instance and the seed alone.
   */
  readonly generations?: number;
  /**
   * The exact strategy's branch-and-bound node budget (HiGHS `mip_max_nodes`, a deterministic
   * stop). Given without `timeLimitSeconds`, the ILP has no wall-clock limit and its incumbent GA
   * runs `generations` (default 100, `ILP_GA_GENERATIONS`) generations, so its result is a function of
   * the instance and the seed alone.
   */
  readonly maxNodes?: number;
  /** LP/MILP backend for exact strategies, e.g. `highsSolver` from `src/algorithms/solvers`. */
  readonly solver?: LpSolver;
}

export type PackStatus = Extract<SolverStatus, 'optimal' | 'feasible' | 'error'>;

export interface PackOutcome {
  readonly packing: Packing;
  readonly bins: number;
  readonly status: PackStatus;
  readonly stoppedBy: StopReason;
  readonly proof?: 'lower-bound' | 'solver';
  /** The best lower bound this strategy knows (max(L1, L2), or better from the solver). */
  readonly lowerBound: number;
  /** Strategy-specific facts (GA generations, ILP graph size and solver status, ...). */
  readonly detail: Readonly<Record<string, string | number>>;
}

export interface PackStrategy {
  /** One line for `drs pack --help` and the docs. */
  readonly summary: string;
  /** Default wall-clock budget, seconds (Infinity: the strategy needs none). */
  readonly defaultTimeLimit: number;
  /** Draws random numbers from `ctx.seed` (so its output names the seed). */
  readonly seeded: boolean;
  pack(inst: PackingInstance, ctx: PackContext, lowerBound: number): Promise<PackOutcome>;
}

/**
 * Throws (a bug, not a result) when a packing uses fewer bins than a lower bound: either the
 * packing or the bound was computed wrongly, so labelling it "optimal" would be a lie.
 */
export function assertNotBelowBound(bins: number, lb: number, who: string): void {
  if (bins < lb) throw new Error(`${who}: a packing with ${bins} bins is below the lower bound ${lb}, which no valid packing can be (a bug in DRS: inexact arithmetic or a wrong bound)`);
}

/** A heuristic's packing as an outcome: optimal (by the bound) when it meets the lower bound. */
export function heuristicOutcome(packing: Packing, lb: number, stoppedBy: StopReason, detail: Record<string, string | number> = {}): PackOutcome {
  assertNotBelowBound(packing.length, lb, 'heuristic outcome');
  const optimal = packing.length === lb;
  return {
    packing,
    bins: packing.length,
    status: optimal ? 'optimal' : 'feasible',
    stoppedBy,
    ...(optimal ? { proof: 'lower-bound' as const } : {}),
    lowerBound: lb,
    detail,
  };
}
