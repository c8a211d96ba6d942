/**
 * Offline bin packing: bounds, FFD/BFD, a grouping GA and the exact arc-flow ILP behind one
 * contract (strategy.ts), registered by name (registry.ts). File readers (OR-Library, BPPLIB,
 * DRS vector files) live in `src/traces/bin-packing.ts`; the LP solver is injected.
 */
import { lowerBound } from './bounds.js';
import type { PackingInstance } from './instance.js';
import { assertValidPacking } from './instance.js';
import type { PackStrategyName } from './registry.js';
import { PACK_STRATEGIES } from './registry.js';
import type { PackContext, PackOutcome } from './strategy.js';
import { assertNotBelowBound } from './strategy.js';

export * from './instance.js';
export * from './strategy.js';
export { ILP_GA_GENERATIONS, PACK_STRATEGIES, PACK_STRATEGY_NAMES, isPackStrategyName, type PackStrategyName } from './registry.js';
export { l1Bound, l2Bound, l2Of, lowerBound } from './bounds.js';
export { ffd, firstFit } from './ffd.js';
export { bfd } from './bfd.js';
export { geneticPack } from './ga.js';
export type { GaOptions, GaResult } from './ga.js';
export { exactPack } from './ilp.js';
export type { ExactOptions, ExactResult } from './ilp.js';
export { buildArcFlow, arcFlowModel } from './arcflow.js';
export { threadSolver } from './solver-thread.js';
export type { SolverModule, ThreadSolver, ThreadSolverOptions } from './solver-thread.js';

export type PackOptions = Partial<PackContext>;

export interface PackResult extends PackOutcome {
  readonly strategy: PackStrategyName;
  /** Wall-clock seconds of the whole strategy. */
  readonly seconds: number;
}

/**
 * Runs one strategy, times it, and checks its packing (a bad packing, or one below the lower
 * bound, is a bug and throws).
 */
export async function runPackStrategy(name: PackStrategyName, inst: PackingInstance, options: PackOptions = {}): Promise<PackResult> {
  const t0 = performance.now();
  const lb = lowerBound(inst);
  const outcome = await PACK_STRATEGIES[name].pack(inst, { seed: options.seed ?? 0, ...options }, lb);
  const seconds = (performance.now() - t0) / 1000;
  const who = `packing strategy '${name}' on ${inst.name}`;
  assertValidPacking(inst, outcome.packing, who);
  if (outcome.bins !== outcome.packing.length) throw new Error(`${who}: reports ${outcome.bins} bins for a packing of ${outcome.packing.length}`);
  assertNotBelowBound(outcome.bins, lb, who);
  return { strategy: name, seconds, ...outcome };
}
