import { z } from 'zod';
import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import { fitsIn } from '../core/resources.js';
import type { Allocator, AllocatorContext, Decision, SolverReport } from './allocator.js';
import { chooseBestFit } from './best-fit-decreasing.js';
import type { Candidates } from './batch.js';
import { buildCandidates, finishBatch, priorityWeight } from './batch.js';
import { greedyAllocate } from './greedy.js';
import type { SolveResult } from './solvers/index.js';
import type { IlpEntry } from './ilp-model.js';
import { buildIlpModel, fromClassValues, toClassValues } from './ilp-model.js';
import { hasSolution, isTinyModel, prepareSolvers, solveSync } from './solvers/index.js';

/**
 * These models are solved at the root node; HiGHS's RINS/RENS sub-MIP heuristics took most of the
 * time on them (the greedy start already gives a good incumbent), so they are off.
 */
const HIGHS_TUNING = { mip_heuristic_run_rins: false, mip_heuristic_run_rens: false } as const;

/**
 * Under a wall-clock budget, the solver is not started with less than this left of its share: the
 * greedy answer is used (`stoppedBy: 'wall'`). HiGHS checks its deadline only after presolve, which
 * alone takes ~0.1-0.3 s on a 150-request model, so a solve started with no time left overran the
 * budget several times over.
 */
const MIN_SOLVE_MS = 10;

export const ilpOptions = z
  .object({
    /** α: how much a placement's relative cost takes off its value (0 ignores cost). */
    costWeight: z.number().min(0).max(0.99).default(0.3),
    /** β: bonus for fuller candidate nodes (consolidation), as a share of the value. */
    packWeight: z.number().min(0).max(0.5).default(0.02),
    /** Shared candidate nodes per pool (see batch.ts). */
    candidatesPerPool: z.number().int().min(1).max(256).default(12),
    /** Requests per model; the rest of the batch is placed greedily after the model's answer. */
    maxRequests: z.number().int().min(1).max(2000).default(150),
    /** Deterministic work budget per decision: branch-and-bound nodes (HiGHS `mip_max_nodes`). */
    maxNodes: z.number().int().min(0).max(1e9).default(200),
    /** Deterministic work budget per decision: LP iterations summed over the whole MIP search. */
    maxLpIterations: z.number().int().min(1).max(1e9).default(20_000),
    /** Under a wall-clock budget (production), the share of it given to the solver. */
    budgetShare: z.number().min(0.05).max(1).default(0.8),
    /** Relative MIP gap at which the solver stops (cost and packing terms are tie-breakers). */
    mipGap: z.number().min(0).max(0.1).default(1e-3),
    /** Solve over classes of identical requests (ilp-model.ts); false: one binary per request and node. */
    classes: z.boolean().default(true),
    backend: z.enum(['auto', 'highs', 'jslp']).default('auto'),
  })
  .strict();
export type IlpOptions = z.infer<typeof ilpOptions>;

/**
 * Online batch ILP. For the waiting requests R (up to `maxRequests`, in queue order) and their
 * candidate nodes N_r (batch.ts; only nodes of pools that satisfy the request's pool, label,
 * latency and cost constraints, and that fit it now), with x_rn = 1 when r is placed on n:
 *
 *   maximise   Σ_r Σ_{n∈N_r} v_rn · x_rn
 *              v_rn = w_r · s_r · (1 − α·ĉ_rn + β·u_n)
 *                w_r  = priority weight (critical 16, high 8, medium 4, low 2, background 1)
 *                s_r  = demand size Σ_d demand_rd / ref_d (ref_d: largest node capacity of d)
 *                ĉ_rn = cost rate of r on n's pool / r's dearest candidate rate ∈ [0, 1]
 *                u_n  = 1 − free size of n / largest candidate free size ∈ [0, 1] (fuller first)
 *   subject to Σ_{n∈N_r} x_rn ≤ 1                                  every request is placed once
 *              Σ_{r: n∈N_r} (demand_rd / cap_nd) · x_rn ≤ free_nd / cap_nd   every node n, dimension d
 *              y_{i+1} ≤ y_i, y_i = Σ_n x_{r_i n}                   only with head-of-line blocking
 *              x_rn ∈ {0, 1}
 * Placing is always worth more than not placing (α < 1), priority-weighted demand dominates, cost and packing
 * break ties. Rows are scaled by node capacity so byte-sized memory stays well conditioned.
 * The solver gets this model over classes of identical requests (same priority, demand and
 * candidates; ilp-model.ts): one integer per (class, node) counting how many go there, which is
 * the same problem without the symmetry of interchangeable requests (under blocking, one request
 * per class, so the prefix rows can name each request).
 *
 * Two greedy answers are computed first: best-fit in priority order (its nodes join the
 * candidates) and value-greedy (each request, in priority order, on its most valuable candidate
 * with room). The better one is the solver's start, so the ILP is never worse than greedy; if it
 * already reaches the upper bound Σ_r max_n v_rn (every request on its best candidate), it is
 * optimal and no solver runs (backend `greedy`). Budgets: the solver always has the deterministic
 * work limits `maxNodes` and `maxLpIterations` (all the simulator uses, so its decisions repeat
 * exactly); under a wall-clock budget (production) it also gets what is left of `budgetShare` of
 * it after the model is built, and is not started at all when that is under `MIN_SOLVE_MS`
 * (greedy answer, `stoppedBy: 'wall'`). When a budget
 * stops it, its incumbent is used (status `feasible`, `stoppedBy` says which budget, with the
 * solver's bound); without any solution (`no-solution`), on a solver failure or if HiGHS is not
 * loaded (`error`, no `prepare`), the greedy answer is used and `detail` says so. Every
 * placement is re-checked against a trial before it is returned; one that does not fit (solver
 * tolerance) is re-placed best-fit or waits.
 */
export class IlpAllocator implements Allocator {
  readonly name = 'ilp';
  private readonly opts: IlpOptions;

  constructor(options: Partial<IlpOptions> = {}) {
    this.opts = ilpOptions.parse(options);
  }

  async prepare(): Promise<void> {
    if (this.opts.backend !== 'jslp') await prepareSolvers();
  }

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    const budget = ctx.budget;
    const t0 = budget.kind === 'wall' ? budget.clock() : 0;
    const o = this.opts;
    const modelled = requests.slice(0, o.maxRequests);
    const rest = requests.slice(o.maxRequests);

    // Greedy best-fit: the start solution and the fallback.
    const order = ctx.blocking ? modelled : [...modelled].sort((a, b) => priorityWeight(b) - priorityWeight(a));
    const greedy = greedyAllocate(order, cluster, ctx, chooseBestFit);
    const greedyNode = new Map(greedy.placements.map((p) => [p.requestId, p.nodeId]));
    const cand = buildCandidates(modelled, cluster, o.candidatesPerPool, greedyNode);

    const m = buildIlpModel(cand, cluster, o, ctx.blocking, !o.classes);
    const { model, entries: x, byReq } = m;
    const values = x.map((e) => e.value);
    const objectiveOf = (sol: readonly number[]): number => sol.reduce((sum, v, j) => sum + v * (values[j] ?? 0), 0);
    const bfdStart = x.map((e): number => (greedyNode.get(cand.requests[e.req]?.id ?? '') === e.node ? 1 : 0));
    const valueStart = valueGreedy(cand, byReq, x, values, cluster, ctx.blocking);
    const startValues = objectiveOf(valueStart) > objectiveOf(bfdStart) ? valueStart : bfdStart;
    const start = { vars: model.variables.map((_, j) => j), values: toClassValues(m, startValues) };
    const greedyObjective = objectiveOf(startValues);
    // Every request on its most valuable candidate, capacity ignored: an upper bound.
    const upper = byReq.reduce((sum, js) => sum + Math.max(0, ...js.map((j) => values[j] ?? 0)), 0);

    /** Request index → node: the solver's class counts, or the greedy start. */
    let solution: Map<number, number> | undefined;
    let report: SolverReport;
    const noWork = { unit: 'lp-iterations', done: 0, nodes: 0 } as const;
    // Under a wall-clock budget, what is left of the solver's share after building the model.
    const leftMs = budget.kind === 'wall' ? budget.ms * o.budgetShare - (budget.clock() - t0) : Infinity;
    if (x.length === 0) {
      report = { backend: 'none', status: 'optimal', stoppedBy: 'converged', work: noWork, objective: 0, bound: 0, detail: 'no request fits any candidate node' };
    } else if (greedyObjective >= upper * (1 - o.mipGap) - 1e-9) {
      // The greedy start meets the bound: optimal without a solve (the common uncongested case).
      solution = perRequest(x, startValues);
      report = { backend: 'greedy', status: 'optimal', stoppedBy: 'converged', work: noWork, objective: greedyObjective, bound: upper, detail: 'greedy start meets the upper bound (every request on its best candidate)' };
    } else if (o.backend === 'jslp' && !isTinyModel(model)) {
      report = { backend: 'greedy', status: 'feasible', stoppedBy: 'converged', work: noWork, objective: greedyObjective, detail: `model too large for javascript-lp-solver (${model.variables.length} variables); greedy answer` };
    } else if (budget.kind === 'wall' && leftMs < MIN_SOLVE_MS) {
      // A solver started now would overrun: HiGHS cannot be interrupted before its presolve ends.
      report = { backend: 'greedy', status: 'feasible', stoppedBy: 'wall', work: noWork, objective: greedyObjective, detail: `the wall-clock budget (${budget.ms} ms × ${o.budgetShare}) was spent before the solve (${Math.max(0, leftMs).toFixed(0)} ms left); greedy answer` };
    } else {
      const backend = o.backend === 'auto' && isTinyModel(model) ? 'jslp' : o.backend === 'auto' ? 'highs' : o.backend;
      const wall = budget.kind === 'wall' ? { timeLimitSeconds: leftMs / 1000, clock: budget.clock } : {};
      const result = solveSync(model, {
        backend,
        workLimit: { nodes: o.maxNodes, lpIterations: o.maxLpIterations },
        ...wall,
        start,
        mipRelGap: o.mipGap,
        seed: 0,
        highsOptions: HIGHS_TUNING,
      });
      report = toReport(result, greedyObjective, model.variables.length, model.constraints.length);
      if (hasSolution(result)) solution = fromClassValues(m, result.values);
    }

    // Without a solver answer (failure, no solution in time, model too big), the greedy start.
    const chosen = new Map<string, number>();
    for (const [i, n] of solution ?? perRequest(x, startValues)) chosen.set(cand.requests[i]?.id ?? '', n);
    const seconds = budget.kind === 'wall' ? { seconds: (budget.clock() - t0) / 1000 } : {};
    return { ...finishBatch(cand, chosen, rest, cluster, ctx), solver: { ...report, ...seconds } };
  }

}

/**
 * Value-greedy start: requests in priority order (queue order under blocking), each on its most
 * valuable candidate that still has room; under blocking, nothing after the first miss.
 */
function valueGreedy(
  cand: Candidates,
  byReq: readonly (readonly number[])[],
  x: readonly { req: number; node: number }[],
  values: readonly number[],
  cluster: ClusterView,
  blocking: boolean,
): number[] {
  const free = new Map<number, Float64Array>(cand.allNodes.map((n) => [n, Float64Array.from(cluster.free(n))]));
  const order = cand.requests.map((_, i) => i);
  if (!blocking) order.sort((a, b) => priorityWeight(cand.requests[b] as Request) - priorityWeight(cand.requests[a] as Request) || a - b);
  const sol = new Array<number>(x.length).fill(0);
  for (const i of order) {
    const demand = cand.requests[i]?.demand ?? [];
    let best = -1;
    for (const j of byReq[i] ?? []) {
      const f = free.get(x[j]?.node ?? -1);
      if (f === undefined || !fitsIn(demand, f)) continue;
      if (best < 0 || (values[j] ?? 0) > (values[best] ?? 0)) best = j;
    }
    if (best < 0) {
      if (blocking) break;
      continue;
    }
    sol[best] = 1;
    const f = free.get(x[best]?.node ?? -1) as Float64Array;
    for (let d = 0; d < f.length; d++) f[d] = (f[d] ?? 0) - (demand[d] ?? 0);
  }
  return sol;
}

/** A per-entry 0/1 answer as request index → node. */
function perRequest(x: readonly IlpEntry[], sol: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  x.forEach((e, j) => {
    if ((sol[j] ?? 0) > 0.5) out.set(e.req, e.node);
  });
  return out;
}

/** The solver's result as the decision's report; without a usable solution the greedy answer is used. */
function toReport(r: SolveResult, greedyObjective: number, vars: number, rows: number): SolverReport {
  const base = { backend: r.backend, stoppedBy: r.stoppedBy, work: { unit: 'lp-iterations' as const, done: r.work.lpIterations, nodes: r.work.nodes } };
  const detail = `${vars} variables, ${rows} rows`;
  const bound = 'bound' in r && r.bound !== undefined ? { bound: r.bound } : {};
  switch (r.status) {
    case 'optimal':
    case 'feasible':
      return { ...base, status: r.status, objective: r.objective, ...bound, detail };
    case 'no-solution':
      return { ...base, status: 'no-solution', objective: greedyObjective, ...bound, detail: `${detail}; no solution within the budget, greedy answer` };
    case 'error':
      return { ...base, status: 'error', objective: greedyObjective, detail: `${detail}; ${r.message}; greedy answer` };
    case 'infeasible':
    case 'unbounded':
      return { ...base, status: 'error', objective: greedyObjective, detail: `${detail}; solver says ${r.status} (a bug: the greedy start is feasible); greedy answer` };
  }
}
