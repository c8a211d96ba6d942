/**
 * Exact bin packing: bounds, a heuristic incumbent, and the arc-flow ILP (arcflow.ts) solved with
 * HiGHS.
 *
 * 1. L = max(L1, L2) (bounds.ts).
 * 2. Incumbent U: FFD; if FFD is above L, the GA improves it for at most `gaSeconds` (or
 *    `gaGenerations` generations).
 * 3. Solve the arc-flow model with L ≤ z ≤ U, U's flow as the MIP start, an absolute gap of
 *    0.999 (the objective is integral, so incumbent − bound < 1 proves optimality) and no relative
 *    gap (HiGHS's default 1e-4 is under one bin from 10,000 bins on), within the
 *    time limit and at most `maxNodes` branch-and-bound nodes (deterministic). If the graph
 *    exceeds `maxArcs` (multi-dimensional instances with large capacities) the assignment model
 *    (assignment.ts) is solved instead.
 * 4. Status (the one `SolverStatus`): `optimal` with proof `solver` when the solver says optimal
 *    and its dual bound, rounded up, equals the packing's bins (a solver's "optimal" holds only
 *    within its gap tolerances; one that stopped short of that is `feasible`, `converged`);
 *    `optimal` with proof `lower-bound` when the best packing meets L or the solver's dual bound;
 *    else `feasible` (a budget stopped the solver; `stoppedBy` says which) or `error` (the solver
 *    failed, or its packing breaks a capacity within its tolerance: then neither its status nor
 *    its bound counts), with the best valid packing found.
 * The solve always runs, even when U = L already, so the benchmark measures the solver's proofs.
 *
 * The solver is injected (`solver`: an `LpSolver` such as `highsSolver` from
 * `src/algorithms/solvers`): packing builds models with `src/core/lp.ts` and imports no backend.
 */
import type { LpSolver, SolveResult } from '../core/lp.js';
import { hasSolution } from '../core/lp.js';
import type { SolverStatus, StopReason } from '../core/solver-status.js';
import { buildArcFlow, arcFlowModel, FlowDecodeError, flowToPacking, packingToFlow } from './arcflow.js';
import { assignmentModel, assignmentPacking, assignmentStart } from './assignment.js';
import { lowerBound } from './bounds.js';
import { ffd } from './ffd.js';
import { geneticPack } from './ga.js';
import type { Packing, PackingInstance } from './instance.js';
import { packingViolation } from './instance.js';
import { assertNotBelowBound } from './strategy.js';

export interface ExactOptions {
  /** Total wall-clock budget, incumbent search included; default 60 s; Infinity: none (then give `maxNodes`). */
  readonly timeLimitSeconds?: number;
  /**
   * GA budget for the incumbent, seconds; default min(5 s, 20 % of the total), or without a time
   * limit none when `gaGenerations` is given (else 5 s); 0 keeps the FFD packing.
   */
  readonly gaSeconds?: number;
  /**
   * GA budget for the incumbent in generations (a deterministic stop). Without it, the incumbent
   * search stops on the wall clock (`gaSeconds`), so with `maxNodes` pass it too.
   */
  readonly gaGenerations?: number;
  /**
   * Deterministic work limit of the solve: branch-and-bound nodes (HiGHS `mip_max_nodes`). With it,
   * `gaGenerations` and no time limit, the result depends only on the instance and the seed.
   */
  readonly maxNodes?: number;
  readonly seed?: number | string;
  /** The LP/MILP backend (HiGHS for anything but toy instances). */
  readonly solver: LpSolver;
  /** A known packing to start from instead of FFD/GA. */
  readonly incumbent?: Packing;
  /** Arc-flow size limit before falling back to the assignment model; default 2,000,000. */
  readonly maxArcs?: number;
  /** Extra HiGHS options (native names), e.g. `{ mip_heuristic_effort: 0.3 }`. */
  readonly highsOptions?: Readonly<Record<string, number | boolean | string>>;
}

export interface ExactResult {
  readonly packing: Packing;
  readonly bins: number;
  readonly status: Extract<SolverStatus, 'optimal' | 'feasible' | 'error'>;
  /** What ended the solve (a proof by bound counts as `converged`). */
  readonly stoppedBy: StopReason;
  readonly proof?: 'solver' | 'lower-bound';
  /** The best proved lower bound: max(L1, L2, ⌈solver dual bound⌉). */
  readonly lowerBound: number;
  readonly incumbentBins: number;
  readonly model: 'arc-flow' | 'assignment';
  readonly solverStatus: SolverStatus;
  readonly solverSeconds: number;
  readonly graph?: { readonly nodes: number; readonly arcs: number; readonly uncompressedNodes: number; readonly uncompressedArcs: number };
  readonly message?: string;
}

/**
 * HiGHS's MIP presolve and symmetry detection run without a callback and check its time limit
 * rarely: on a 260,000-arc model (200 items, capacity 100,000: Scholl's class 3) they took 150 s of a
 * 10-s budget. Above this many columns, a solve under a time limit skips both, so the limit holds
 * (that model: 11.5 s); smaller models (every OR-Library instance) and solves stopped only by a
 * node budget keep them. `highsOptions` overrides either.
 */
const UNINTERRUPTIBLE_COLUMNS = 100_000;
const WITHIN_DEADLINE = { presolve: 'off', mip_detect_symmetry: false } as const;

export async function exactPack(inst: PackingInstance, options: ExactOptions): Promise<ExactResult> {
  const t0 = performance.now();
  const limit = options.timeLimitSeconds ?? 60;
  const lb = lowerBound(inst);
  let incumbent = options.incumbent ?? ffd(inst);
  const gaGenerations = options.gaGenerations;
  // With no time limit, a generation budget is the GA's whole stop rule (5 s without one either).
  const gaSeconds = options.gaSeconds ?? (Number.isFinite(limit) ? Math.min(5, 0.2 * limit) : gaGenerations === undefined ? 5 : Infinity);
  if (incumbent.length > lb && options.incumbent === undefined && gaSeconds > 0 && gaGenerations !== 0) {
    const ga = geneticPack(inst, { seed: options.seed ?? 0, timeLimitSeconds: gaSeconds, target: lb, ...(gaGenerations === undefined ? {} : { generations: gaGenerations }) });
    if (ga.bins < incumbent.length) incumbent = ga.packing;
  }
  const upper = incumbent.length;
  // The solver's budgets: what is left of the wall clock when it starts (none when the limit is
  // Infinity; the incumbent search and the model building came out of it), and nodes.
  const budget = (): { timeLimitSeconds?: number; workLimit?: { nodes: number } } => ({
    ...(Number.isFinite(limit) ? { timeLimitSeconds: limit - (performance.now() - t0) / 1000 } : {}),
    ...(options.maxNodes === undefined ? {} : { workLimit: { nodes: options.maxNodes } }),
  });

  let result: SolveResult;
  let decode: (values: Float64Array) => Packing;
  let graphInfo: ExactResult['graph'];
  let kind: ExactResult['model'];
  const graph = inst.n === 0 ? undefined : buildArcFlow(inst, { maxArcs: options.maxArcs });
  // The objective counts bins: a gap below one bin proves the incumbent. HiGHS's default relative
  // gap (1e-4) would also stop it one bin above its bound once there are 10,000 bins or more.
  const common = { mipAbsGap: 0.999, mipRelGap: 0, seed: 0, clock: (): number => performance.now() } as const;
  // A limit already used up (by the incumbent search, the graph and the model) starts no solve: the
  // solver would get it anyway (it used to get a 0.05-s floor), and HiGHS's model transfer and its
  // first checkpoint can take seconds on a large model. The incumbent stands, stopped by the wall.
  const solve = (m: Parameters<LpSolver['solve']>[0], o: Parameters<LpSolver['solve']>[1]): Promise<SolveResult> => {
    const b = budget();
    if (b.timeLimitSeconds !== undefined && b.timeLimitSeconds <= 0) {
      return Promise.resolve({ backend: options.solver.name, status: 'no-solution', stoppedBy: 'wall', work: { lpIterations: 0, nodes: 0 }, seconds: 0 });
    }
    return options.solver.solve(m, { ...o, ...b, highsOptions: { ...(Number.isFinite(limit) && m.variables.length > UNINTERRUPTIBLE_COLUMNS ? WITHIN_DEADLINE : {}), ...options.highsOptions } });
  };
  if (inst.n === 0) {
    return { packing: [], bins: 0, status: 'optimal', stoppedBy: 'converged', proof: 'lower-bound', lowerBound: 0, incumbentBins: 0, model: 'arc-flow', solverStatus: 'optimal', solverSeconds: 0 };
  } else if (graph !== undefined) {
    kind = 'arc-flow';
    graphInfo = { nodes: graph.nodeCount, arcs: graph.tail.length, uncompressedNodes: graph.uncompressed.nodes, uncompressedArcs: graph.uncompressed.arcs };
    const model = arcFlowModel(graph, { lower: lb, upper });
    const start = packingToFlow(graph, inst, incumbent);
    result = await solve(model, { ...common, start: { vars: start.map((_, j) => j), values: start } });
    decode = (values) => flowToPacking(graph, values);
  } else {
    kind = 'assignment';
    const a = assignmentModel(inst, { lower: lb, upper });
    result = await solve(a.model, { ...common, start: assignmentStart(a, incumbent) });
    decode = (values) => assignmentPacking(a, values);
  }

  let best = incumbent;
  // The solver checks rows to a tolerance relative to their coefficients: with sizes near 10^9
  // (the assignment model's capacity rows) HiGHS took a bin overfilled by 2 units as feasible and
  // called that packing optimal. Such an answer is refused, with its status and bound.
  let invalid: string | undefined;
  if (hasSolution(result)) {
    try {
      const found = decode(result.values);
      invalid = packingViolation(inst, found);
      if (invalid === undefined && found.length < best.length) best = found;
    } catch (e) {
      // Only an answer that does not decode is the solver's fault; anything else is a bug of ours.
      if (!(e instanceof FlowDecodeError)) throw e;
      invalid = e.message;
    }
  }
  const solverBound = invalid === undefined && 'bound' in result && result.bound !== undefined ? Math.ceil(result.bound - 1e-6) : 0;
  const proved = Math.max(lb, solverBound);
  // Against max(L1, L2) only: the solver's bound carries its tolerance (best ≤ proved then proves best).
  assertNotBelowBound(best.length, lb, `exact (${kind})`);
  const base = {
    packing: best,
    bins: best.length,
    incumbentBins: upper,
    model: kind,
    solverStatus: result.status,
    solverSeconds: result.seconds ?? 0,
    ...(graphInfo === undefined ? {} : { graph: graphInfo }),
  };
  const byBound = { ...base, status: 'optimal', stoppedBy: 'converged', proof: 'lower-bound', lowerBound: proved } as const;
  if (invalid !== undefined) {
    if (best.length <= proved) return byBound;
    const message = `the solver's packing is not valid (${invalid}): its feasibility tolerance let it through, so the incumbent is kept and nothing is proved`;
    return { ...base, status: 'error', stoppedBy: result.stoppedBy, lowerBound: proved, message };
  }
  // The solver's "optimal" holds within its gap tolerances; only a bound that rounds up to the
  // packing's bins proves it (a backend that stops on a looser gap may stop a bin short).
  if (result.status === 'optimal' && best.length <= proved) return { ...base, status: 'optimal', stoppedBy: 'converged', proof: 'solver', lowerBound: best.length };
  if (best.length <= proved) return byBound;
  switch (result.status) {
    case 'optimal': {
      const message = `the solver called ${best.length} bins optimal within its gap tolerance, but its bound proves only ${proved}`;
      return { ...base, status: 'feasible', stoppedBy: 'converged', lowerBound: proved, message };
    }
    case 'error':
      return { ...base, status: 'error', stoppedBy: result.stoppedBy, lowerBound: proved, message: result.message };
    case 'infeasible':
    case 'unbounded':
      return { ...base, status: 'error', stoppedBy: result.stoppedBy, lowerBound: proved, message: `solver reported ${result.status} for a model with a known solution` };
    case 'feasible':
    case 'no-solution':
      // A budget stopped the solver; the packing is the best incumbent.
      return { ...base, status: 'feasible', stoppedBy: result.stoppedBy, lowerBound: proved };
  }
}
