/**
 * The one LP/MILP model type every solver backend accepts, and the one result type they return.
 *
 *   minimise (or maximise)  offset + Σ_j cost_j · x_j
 *   subject to              lb_r ≤ Σ_j a_rj · x_j ≤ ub_r     for every constraint r
 *                           lb_j ≤ x_j ≤ ub_j                 for every variable j
 *                           x_j ∈ ℤ                            for every integer variable j
 *
 * Variables and constraints are addressed by index; names are only for messages and LP files.
 * Solver status is part of the result (a union tagged by `status`, the one `SolverStatus` of
 * solver-status.ts), never a log line: a caller must look at it before reading values.
 *
 * This file holds only the model and result types (packing and the allocators build models with
 * them); the backends (javascript-lp-solver, HiGHS) live in `src/algorithms/solvers`.
 */
import type { StopReason, SolverStatus } from './solver-status.js';

export type ObjectiveSense = 'min' | 'max';

export interface LpVariable {
  readonly name: string;
  /** Lower bound; may be -Infinity. */
  readonly lb: number;
  /** Upper bound; may be +Infinity. */
  readonly ub: number;
  readonly integer: boolean;
  /** Objective coefficient. */
  readonly cost: number;
}

export interface LpConstraint {
  readonly name: string;
  /** Variable indices with a non-zero coefficient (no duplicates). */
  readonly vars: readonly number[];
  /** Coefficients, parallel to `vars`. */
  readonly coefs: readonly number[];
  /** Row lower bound; -Infinity for a `≤` row. */
  readonly lb: number;
  /** Row upper bound; +Infinity for a `≥` row. Equal bounds make an equality. */
  readonly ub: number;
}

export interface LpModel {
  readonly sense: ObjectiveSense;
  readonly variables: readonly LpVariable[];
  readonly constraints: readonly LpConstraint[];
  /** Constant added to the objective. */
  readonly offset?: number;
}

export type BackendName = 'jslp' | 'highs';
export type BackendChoice = BackendName | 'auto';

/**
 * Deterministic work limits: with only these, the same model and options give the same answer
 * (and the same work counts) on any machine. Omitted fields mean no limit.
 */
export interface WorkLimit {
  /** Simplex/IPM iterations of an LP; for a MILP, LP iterations summed over the whole search. */
  readonly lpIterations?: number;
  /** Branch-and-bound nodes of a MILP. */
  readonly nodes?: number;
}

export interface SolveOptions {
  /** Deterministic budget (what the simulator uses). */
  readonly workLimit?: WorkLimit;
  /** Wall-clock budget for the solve (production only: the answer then depends on machine speed). */
  readonly timeLimitSeconds?: number;
  /**
   * Wall clock, milliseconds, for `timeLimitSeconds` and for measuring `seconds`; required with a
   * time limit. A solve without a clock reads none (the simulator's case).
   */
  readonly clock?: () => number;
  /** Stop a MILP when (incumbent − bound)/|incumbent| falls below this (HiGHS default 1e-4). */
  readonly mipRelGap?: number;
  /** Stop a MILP when incumbent − bound falls below this (e.g. 0.999 for an integral objective). */
  readonly mipAbsGap?: number;
  /** A feasible or partial assignment to start the MILP from (HiGHS only; ignored by jslp). */
  readonly start?: { readonly vars: readonly number[]; readonly values: readonly number[] };
  /** Seed for the solver's own randomised choices (HiGHS `random_seed`). */
  readonly seed?: number;
  /** Extra HiGHS options by their native names (e.g. `mip_heuristic_run_rins: false`); jslp ignores them. */
  readonly highsOptions?: Readonly<Record<string, number | boolean | string>>;
}

/** Work a solve did: LP iterations (simplex, IPM, or all LPs of a MILP search) and B&B nodes. */
export interface SolveWork {
  readonly lpIterations: number;
  readonly nodes: number;
}

interface ResultBase {
  readonly backend: BackendName;
  /** What ended the solve (see `StopReason`). */
  readonly stoppedBy: StopReason;
  readonly work: SolveWork;
  /**
   * Wall-clock seconds spent inside the backend, including model transfer; only when the solve
   * had a clock (a time limit or `clock`). A measurement: never feed it back into a decision.
   */
  readonly seconds?: number;
}

/** An optimum was proved. `bound` equals `objective` up to the gap tolerances. */
export interface SolveOptimal extends ResultBase {
  readonly status: 'optimal';
  readonly objective: number;
  readonly bound: number;
  readonly values: Float64Array;
}

/** A budget stopped the solve with a feasible incumbent; `bound` where the backend knows one. */
export interface SolveFeasible extends ResultBase {
  readonly status: 'feasible';
  readonly objective: number;
  readonly bound?: number;
  readonly values: Float64Array;
}

export interface SolveNoSolution extends ResultBase {
  readonly status: 'no-solution' | 'infeasible' | 'unbounded';
  readonly bound?: number;
}

/** The backend failed (bad model, WASM abort, not loaded, ...). `message` says why. */
export interface SolveError extends ResultBase {
  readonly status: 'error';
  readonly message: string;
}

export type SolveResult = SolveOptimal | SolveFeasible | SolveNoSolution | SolveError;
export type SolveStatus = SolverStatus;

/** True when the result carries a feasible assignment (`values`, `objective`). */
export function hasSolution(r: SolveResult): r is SolveOptimal | SolveFeasible {
  return r.status === 'optimal' || r.status === 'feasible';
}

/** One backend. `solve` never throws for an optimisation outcome; bugs in the model do throw. */
export interface LpSolver {
  readonly name: BackendName;
  solve(model: LpModel, options?: SolveOptions): Promise<SolveResult>;
  /**
   * The same, synchronously, for callers that cannot await (an allocator's decision). Returns
   * `status: 'error'` when the backend is not loaded (HiGHS: call `prepareSolvers()` first).
   */
  solveSync(model: LpModel, options?: SolveOptions): SolveResult;
}

export interface TermList {
  readonly vars: readonly number[];
  readonly coefs: readonly number[];
}

/** Incremental construction of an `LpModel`; indices are returned by `addVar`. */
export class LpModelBuilder {
  private readonly vars: LpVariable[] = [];
  private readonly rows: LpConstraint[] = [];

  constructor(readonly sense: ObjectiveSense = 'min') {}

  get variableCount(): number {
    return this.vars.length;
  }

  get constraintCount(): number {
    return this.rows.length;
  }

  addVar(opts: { name?: string; lb?: number; ub?: number; integer?: boolean; cost?: number } = {}): number {
    const v: LpVariable = {
      name: opts.name ?? `x${this.vars.length}`,
      lb: opts.lb ?? 0,
      ub: opts.ub ?? Infinity,
      integer: opts.integer ?? false,
      cost: opts.cost ?? 0,
    };
    if (!(v.lb <= v.ub)) throw new RangeError(`variable '${v.name}': lower bound ${v.lb} exceeds upper bound ${v.ub}`);
    if (!Number.isFinite(v.cost)) throw new RangeError(`variable '${v.name}': cost must be finite, got ${v.cost}`);
    this.vars.push(v);
    return this.vars.length - 1;
  }

  /** Adds `lb ≤ Σ coef·x ≤ ub`; pass `{ eq }` for an equality. Duplicate indices are summed. */
  addConstraint(terms: TermList, bounds: { lb?: number; ub?: number; eq?: number }, name?: string): number {
    const label = name ?? `c${this.rows.length}`;
    if (terms.vars.length !== terms.coefs.length) throw new RangeError(`constraint '${label}': vars and coefs differ in length`);
    const merged = new Map<number, number>();
    terms.vars.forEach((j, k) => {
      if (!Number.isInteger(j) || j < 0 || j >= this.vars.length) throw new RangeError(`constraint '${label}': no variable ${j}`);
      const c = terms.coefs[k] ?? 0;
      if (!Number.isFinite(c)) throw new RangeError(`constraint '${label}': coefficient of variable ${j} is ${c}`);
      merged.set(j, (merged.get(j) ?? 0) + c);
    });
    const lb = bounds.eq ?? bounds.lb ?? -Infinity;
    const ub = bounds.eq ?? bounds.ub ?? Infinity;
    if (!(lb <= ub)) throw new RangeError(`constraint '${label}': lower bound ${lb} exceeds upper bound ${ub}`);
    const vars: number[] = [];
    const coefs: number[] = [];
    for (const [j, c] of merged) {
      if (c === 0) continue;
      vars.push(j);
      coefs.push(c);
    }
    this.rows.push({ name: label, vars, coefs, lb, ub });
    return this.rows.length - 1;
  }

  build(offset = 0): LpModel {
    return { sense: this.sense, variables: [...this.vars], constraints: [...this.rows], offset };
  }
}

/** Objective value of `values` under `model` (offset included). */
export function evaluateObjective(model: LpModel, values: ArrayLike<number>): number {
  let z = model.offset ?? 0;
  model.variables.forEach((v, j) => {
    z += v.cost * (values[j] ?? 0);
  });
  return z;
}

/** Largest violation of any bound, row or integrality in `values` (0 when feasible). */
export function maxViolation(model: LpModel, values: ArrayLike<number>): number {
  let worst = 0;
  model.variables.forEach((v, j) => {
    const x = values[j] ?? 0;
    worst = Math.max(worst, v.lb - x, x - v.ub, v.integer ? Math.abs(x - Math.round(x)) : 0);
  });
  for (const r of model.constraints) {
    let a = 0;
    r.vars.forEach((j, k) => {
      a += (r.coefs[k] ?? 0) * (values[j] ?? 0);
    });
    worst = Math.max(worst, r.lb - a, a - r.ub);
  }
  return worst;
}

export function integerCount(model: LpModel): number {
  let n = 0;
  for (const v of model.variables) if (v.integer) n++;
  return n;
}
