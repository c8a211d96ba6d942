/**
 * How an optimisation ended: ONE status type for the LP/MILP backends (`src/algorithms/solvers`),
 * the batch allocators' `SolverReport` (`ilp`, `genetic`) and offline bin packing (`src/packing`).
 *
 * - `optimal`: an optimum was proved (by the solver, or because a bound is met);
 * - `feasible`: a solution whose optimality is not proved (a heuristic, or a budget stopped the
 *   search with an incumbent; `StopReason` says which budget);
 * - `infeasible` / `unbounded`: the model has no solution / no finite optimum;
 * - `no-solution`: a budget stopped the search before it found any solution;
 * - `error`: the solver failed (WASM abort, not loaded, bad model); a message says why.
 */
export const SOLVER_STATUSES = ['optimal', 'feasible', 'infeasible', 'unbounded', 'no-solution', 'error'] as const;
export type SolverStatus = (typeof SOLVER_STATUSES)[number];

/**
 * What ended a search:
 * - `converged`: it finished on its own (optimum proved, gap reached, generations done, nothing left to try);
 * - `work`: a deterministic work budget (LP iterations, branch-and-bound nodes, fitness evaluations);
 *   the same input then gives the same answer on any machine;
 * - `wall`: a wall-clock budget (production only); the answer depends on machine speed.
 */
export type StopReason = 'converged' | 'work' | 'wall';

/** Deterministic work a search did, in the unit its budget counts. */
export interface WorkDone {
  /** `lp-iterations` (simplex/IPM iterations, MIP LP iterations), `evaluations` (fitness calls of a GA). */
  readonly unit: 'lp-iterations' | 'evaluations';
  readonly done: number;
  /** Branch-and-bound nodes, for MILP solves. */
  readonly nodes?: number;
}
