/**
 * The packing strategies by name: the one map `drs pack`, the benchmark and the public API use.
 */
import { bfd } from './bfd.js';
import { ffd } from './ffd.js';
import { geneticPack } from './ga.js';
import { exactPack } from './ilp.js';
import type { PackStrategy } from './strategy.js';
import { heuristicOutcome } from './strategy.js';

const GA_SECONDS = 5;
const ILP_SECONDS = 60;
/** Generations of the ILP's incumbent GA under a node budget (`maxNodes`) when `generations` is not given. */
export const ILP_GA_GENERATIONS = 100;

export const PACK_STRATEGIES = {
  ffd: {
    summary: 'first fit decreasing',
    defaultTimeLimit: Infinity,
    seeded: false,
    pack: (inst, _ctx, lb) => Promise.resolve(heuristicOutcome(ffd(inst), lb, 'converged')),
  },
  bfd: {
    summary: 'best fit decreasing',
    defaultTimeLimit: Infinity,
    seeded: false,
    pack: (inst, _ctx, lb) => Promise.resolve(heuristicOutcome(bfd(inst), lb, 'converged')),
  },
  ga: {
    summary: 'grouping genetic algorithm (bins as genes) with exact bin reduction, seeded',
    defaultTimeLimit: GA_SECONDS,
    seeded: true,
    pack: (inst, ctx, lb) => {
      // A generation budget alone is the whole stop rule: no wall clock unless one is asked for.
      const seconds = ctx.timeLimitSeconds ?? (ctx.generations === undefined ? GA_SECONDS : Infinity);
      const r = geneticPack(inst, { seed: ctx.seed, timeLimitSeconds: seconds, target: lb, ...(ctx.generations === undefined ? {} : { generations: ctx.generations }) });
      return Promise.resolve(heuristicOutcome(r.packing, lb, r.stoppedBy, { generations: r.generations, ffdBins: r.ffdBins }));
    },
  },
  ilp: {
    summary: 'exact: arc-flow ILP (assignment ILP for huge graphs) from an FFD/GA incumbent, on the injected LP solver',
    defaultTimeLimit: ILP_SECONDS,
    seeded: true,
    pack: async (inst, ctx) => {
      if (ctx.solver === undefined) throw new Error("packing strategy 'ilp' needs an LP solver in its context (e.g. highsSolver from src/algorithms/solvers)");
      // A node budget alone is the whole stop rule (the incumbent GA then counts generations): no
      // wall clock unless one is asked for, as the GA's generation budget.
      const nodes = ctx.maxNodes;
      const seconds = ctx.timeLimitSeconds ?? (nodes === undefined ? ILP_SECONDS : Infinity);
      const r = await exactPack(inst, { timeLimitSeconds: seconds, seed: ctx.seed, solver: ctx.solver, ...(nodes === undefined ? {} : { maxNodes: nodes, gaGenerations: ctx.generations ?? ILP_GA_GENERATIONS }) });
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
      return { packing: r.packing, bins: r.bins, status: r.status, stoppedBy: r.stoppedBy, ...(r.proof === undefined ? {} : { proof: r.proof }), lowerBound: r.lowerBound, detail };
    },
  },
} as const satisfies Readonly<Record<string, PackStrategy>>;

export type PackStrategyName = keyof typeof PACK_STRATEGIES;
export const PACK_STRATEGY_NAMES = Object.keys(PACK_STRATEGIES) as PackStrategyName[];

export function isPackStrategyName(s: string): s is PackStrategyName {
  return Object.prototype.hasOwnProperty.call(PACK_STRATEGIES, s);
}
