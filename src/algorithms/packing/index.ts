/**
 * Offline bin packing: the strategies by name, one result type, and the readers.
 *
 * Status of a result:
 * - `optimal`: optimality is proved, by the lower bound (`proof: 'lower-bound'`: bins = max(L1, L2)
 *   or the solver's dual bound) or by the ILP solver (`proof: 'solver'`);
 * - `feasible`: a heuristic packing whose optimality is not proved;
 * - `time-limit`: the exact strategy ran out of time; the packing is its best incumbent;
 * - `error`: the solver failed; the packing is the incumbent and `detail.message` says why.
 * Every returned packing has been checked (each item once, no bin over capacity).
 */
import type { BackendChoice } from '../solvers/index.js';
import { bfd } from './bfd.js';
import { lowerBound } from './bounds.js';
import { ffd } from './ffd.js';
import { geneticPack } from './ga.js';
import { exactPack } from './ilp.js';
import type { Packing, PackingInstance } from './instance.js';
import { assertValidPacking } from './instance.js';

export * from './instance.js';
export * from './readers.js';
export { l1Bound, l2Bound, l2Of, lowerBound } from './bounds.js';
export { ffd, firstFit } from './ffd.js';
export { bfd } from './bfd.js';
export { geneticPack } from './ga.js';
export type { GaOptions, GaResult } from './ga.js';
export { exactPack } from './ilp.js';
export type { ExactOptions, ExactResult } from './ilp.js';
export { buildArcFlow, arcFlowModel } from './arcflow.js';

export type PackStrategyName = 'ffd' | 'bfd' | 'ga' | 'ilp';
export const PACK_STRATEGY_NAMES: readonly PackStrategyName[] = ['ffd', 'bfd', 'ga', 'ilp'];
export type PackStatus = 'optimal' | 'feasible' | 'time-limit' | 'error';

/** Default budgets when no time limit is given. */
export const DEFAULT_TIME_LIMIT: Readonly<Record<PackStrategyName, number>> = { ffd: Infinity, bfd: Infinity, ga: 5, ilp: 60 };

export interface PackOptions {
  /** Budget for this strategy (GA, ILP); FFD and BFD ignore it. */
  readonly timeLimitSeconds?: number;
  readonly seed?: number | string;
  /** Solver backend for the ILP; default HiGHS. */
  readonly backend?: BackendChoice;
}

export interface PackResult {
  readonly strategy: PackStrategyName;
  readonly packing: Packing;
  readonly bins: number;
  readonly seconds: number;
  readonly status: PackStatus;
  readonly proof?: 'lower-bound' | 'solver';
  /** The best lower bound this strategy knows (max(L1, L2), or better from the solver). */
  readonly lowerBound: number;
  /** Strategy-specific facts (GA generations, ILP graph size and solver status, ...). */
  readonly detail: Readonly<Record<string, string | number>>;
}

type Outcome = Omit<PackResult, 'strategy' | 'seconds'>;

function heuristic(packing: Packing, lb: number, detail: Record<string, string | number> = {}): Outcome {
  const optimal = packing.length <= lb;
  return { packing, bins: packing.length, status: optimal ? 'optimal' : 'feasible', ...(optimal ? { proof: 'lower-bound' as const } : {}), lowerBound: lb, detail };
}

const STRATEGIES: Readonly<Record<PackStrategyName, (inst: PackingInstance, o: PackOptions, lb: number) => Promise<Outcome>>> = {
  ffd: (inst, _o, lb) => Promise.resolve(heuristic(ffd(inst), lb)),
  bfd: (inst, _o, lb) => Promise.resolve(heuristic(bfd(inst), lb)),
  ga: (inst, o, lb) => {
    const r = geneticPack(inst, { seed: o.seed ?? 0, timeLimitSeconds: o.timeLimitSeconds ?? DEFAULT_TIME_LIMIT.ga, target: lb });
    return Promise.resolve(heuristic(r.packing, lb, { generations: r.generations, stoppedBy: r.stoppedBy, ffdBins: r.ffdBins }));
  },
  ilp: async (inst, o) => {
    const r = await exactPack(inst, {
      timeLimitSeconds: o.timeLimitSeconds ?? DEFAULT_TIME_LIMIT.ilp,
      seed: o.seed ?? 0,
      ...(o.backend === undefined ? {} : { backend: o.backend }),
    });
    const detail: Record<string, string | number> = {
      model: r.model,
      solverStatus: r.solverStatus,
      solverSeconds: Number(r.solverSeconds.toFixed(3)),
      incumbentBins: r.incumbentBins,
    };
    if (r.graph !== undefined) {
      detail['graphNodes'] = r.graph.nodes;
      detail['graphArcs'] = r.graph.arcs;
    }
    if (r.message !== undefined) detail['message'] = r.message;
    return { packing: r.packing, bins: r.bins, status: r.status, ...(r.proof === undefined ? {} : { proof: r.proof }), lowerBound: r.lowerBound, detail };
  },
};

/** Runs one strategy, times it, and checks its packing (a bad packing is a bug and throws). */
export async function runPackStrategy(name: PackStrategyName, inst: PackingInstance, options: PackOptions = {}): Promise<PackResult> {
  const t0 = performance.now();
  const lb = lowerBound(inst);
  const outcome = await STRATEGIES[name](inst, options, lb);
  const seconds = (performance.now() - t0) / 1000;
  assertValidPacking(inst, outcome.packing, `packing strategy '${name}' on ${inst.name}`);
  return { strategy: name, seconds, ...outcome };
}

export function isPackStrategyName(s: string): s is PackStrategyName {
  return (PACK_STRATEGY_NAMES as readonly string[]).includes(s);
}
