/**
 * One solver interface, two backends. `solve(model, { backend: 'auto' })` picks
 * javascript-lp-solver for tiny models (where loading HiGHS costs more than solving) and HiGHS
 * otherwise. There is no silent fallback: if HiGHS cannot be loaded, the result is
 * `status: 'error'` with the reason, and `prepareSolvers()` rejects with it. `solveSync` is the
 * same for callers that cannot await (allocators): HiGHS must have been loaded before.
 *
 * Model and result types live in `src/core/lp.ts` (packing builds models without importing
 * the backends); they are re-exported here.
 */
import { highsSolver, prepareHighs } from './highs.js';
import { jslpSolver } from './jslp.js';
import type { BackendChoice, BackendName, LpModel, LpSolver, SolveOptions, SolveResult } from '../../core/lp.js';
import { integerCount } from '../../core/lp.js';

export * from '../../core/lp.js';
export * from '../../core/solver-status.js';
export { highsSolver, resetHighs, highsInstanceCount, highsLoaded } from './highs.js';
export { jslpSolver } from './jslp.js';

/**
 * Loads the WASM backend once; call (and await) before relying on `solveSync` with HiGHS.
 * Rejects with an Error saying why when HiGHS cannot be loaded.
 */
export async function prepareSolvers(): Promise<void> {
  await prepareHighs();
}

export const BACKENDS: Readonly<Record<BackendName, LpSolver>> = { jslp: jslpSolver, highs: highsSolver };

/** At most this many variables, rows and integer variables count as "tiny" for 'auto'. */
export const TINY_MODEL = { variables: 40, constraints: 40, integers: 20 } as const;

export function isTinyModel(model: LpModel): boolean {
  return (
    model.variables.length <= TINY_MODEL.variables &&
    model.constraints.length <= TINY_MODEL.constraints &&
    integerCount(model) <= TINY_MODEL.integers
  );
}

export function chooseBackend(model: LpModel, choice: BackendChoice = 'auto'): BackendName {
  if (choice !== 'auto') return choice;
  return isTinyModel(model) ? 'jslp' : 'highs';
}

export interface SolveRequest extends SolveOptions {
  readonly backend?: BackendChoice;
}

export async function solve(model: LpModel, options: SolveRequest = {}): Promise<SolveResult> {
  const choice = options.backend ?? 'auto';
  return BACKENDS[chooseBackend(model, choice)].solve(model, options);
}

/**
 * Synchronous `solve`, backend chosen as in `solve`. HiGHS answers `status: 'error'` until it has
 * been loaded (`prepareSolvers`); javascript-lp-solver is always available but only for small models.
 */
export function solveSync(model: LpModel, options: SolveRequest = {}): SolveResult {
  return BACKENDS[chooseBackend(model, options.backend ?? 'auto')].solveSync(model, options);
}
