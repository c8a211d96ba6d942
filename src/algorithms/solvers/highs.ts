/**
 * HiGHS backend (the `highs` package: HiGHS compiled to WebAssembly, single-threaded).
 *
 * The WASM binary is read once per process and cached; a runtime instance is created from it
 * on first use and reused. The model goes in as a sparse column-wise matrix through the
 * persistent-model API (no LP-text round trip, so names need no escaping), which also gives the
 * MILP dual bound and accepts a start solution. A WASM abort (out of memory on a huge model, an
 * internal assertion) can leave the instance unusable, so after any exception, or once its linear
 * memory has grown past `MAX_MEMORY_BYTES`, the instance is dropped and the next solve creates a
 * fresh one. The failing solve itself returns `status: 'error'` with the message.
 *
 * Budgets. A work limit (`workLimit`) is deterministic: B&B nodes go to `mip_max_nodes`; LP
 * iterations go to `simplex_iteration_limit`/`ipm_iteration_limit` for an LP, and for a MILP an
 * interrupt callback stops the search once `mip_total_lp_iterations` reaches the limit (the
 * callback fires at the same checkpoints on every run of this single-threaded build; it is also
 * where a MIP's LP iterations are counted, HiGHS has no info item for them). A wall-clock
 * limit (`timeLimitSeconds`, production only) sets `time_limit` to what is left of it when HiGHS
 * starts (time spent loading the runtime and passing the model counts) and is also enforced at
 * every simplex and MIP checkpoint. The result says which one stopped the solve (`stoppedBy`) and the
 * work done (LP iterations, nodes).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import highsImport from 'highs';
import type { Highs, InitOptions, ModelStatusCode } from 'highs';
import type { LpModel, LpSolver, SolveOptions, SolveResult, SolveWork } from '../../core/lp.js';
import { integerCount } from '../../core/lp.js';
import type { StopReason } from '../../core/solver-status.js';
import type { SolveTimer } from './clock.js';
import { startTimer } from './clock.js';

const MAX_MEMORY_BYTES = 1.5e9;
const NO_WORK: SolveWork = { lpIterations: 0, nodes: 0 };

type Loader = (options?: InitOptions) => Promise<Highs>;
/** CommonJS-style typings over an ES module build (see jslp.ts): accept either shape. */
const loadHighs: Loader =
  typeof highsImport === 'function' ? (highsImport as Loader) : (highsImport as unknown as { default: Loader }).default;

let wasmBinary: Promise<Uint8Array> | undefined;
let runtime: Promise<Highs> | undefined;
/** The loaded runtime, for synchronous solves. */
let loaded: Highs | undefined;
/** How many runtimes this process has created; exposed for tests of the recovery path. */
let instances = 0;

async function readWasm(): Promise<Uint8Array> {
  return readFile(createRequire(import.meta.url).resolve('highs/runtime'));
}

/** The cached HiGHS runtime, created on first use (and again after a crash). */
export function highsRuntime(): Promise<Highs> {
  if (runtime === undefined) {
    wasmBinary ??= readWasm();
    const pending = wasmBinary.then(async (bytes) => {
      instances++;
      const h = await loadHighs({ wasmBinary: bytes });
      if (runtime === pending) loaded = h;
      return h;
    });
    runtime = pending;
    // A failed load must not poison later calls.
    runtime.catch(() => {
      runtime = undefined;
      wasmBinary = undefined;
    });
  }
  return runtime;
}

/** Drops the current runtime; the next solve instantiates a fresh one. */
export function resetHighs(): void {
  runtime = undefined;
  loaded = undefined;
}

/** Loads HiGHS (once); afterwards `solveSync` can use it. Rejects with the reason when it cannot be loaded. */
export async function prepareHighs(): Promise<void> {
  try {
    await highsRuntime();
  } catch (e) {
    throw new Error(`could not load the HiGHS solver (package 'highs', WebAssembly): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export function highsLoaded(): boolean {
  return loaded !== undefined;
}

export function highsInstanceCount(): number {
  return instances;
}

/** Column-wise (CSC) arrays of the constraint matrix. */
function toCsc(model: LpModel): { starts: Int32Array; indices: Int32Array; values: Float64Array } {
  const n = model.variables.length;
  const counts = new Int32Array(n + 1);
  for (const r of model.constraints) for (const j of r.vars) counts[j + 1] = (counts[j + 1] ?? 0) + 1;
  for (let j = 0; j < n; j++) counts[j + 1] = (counts[j + 1] ?? 0) + (counts[j] ?? 0);
  const starts = counts.slice();
  const fill = counts.slice(0, n);
  const nnz = starts[n] ?? 0;
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  model.constraints.forEach((r, i) => {
    r.vars.forEach((j, k) => {
      const at = fill[j] ?? 0;
      indices[at] = i;
      values[at] = r.coefs[k] ?? 0;
      fill[j] = at + 1;
    });
  });
  return { starts, indices, values };
}

/** Model statuses of a solve stopped by a limit: objective bound/target (11, 12), time (13), iterations (14), solution/node limit (16), interrupt (17). */
const LIMIT_CODES: ReadonlySet<number> = new Set([11, 12, 13, 14, 16, 17]);

/** Which budget stopped a solve with model status `code` (17 = our interrupt callback: the one that fired). */
function stopReason(code: number, interruptedBy: StopReason | undefined): StopReason {
  switch (code) {
    case 13:
      return 'wall';
    case 14:
    case 16:
      return 'work';
    case 17:
      return interruptedBy ?? 'wall';
    default:
      return 'converged';
  }
}

function solveOn(h: Highs, model: LpModel, options: SolveOptions, timer: SolveTimer): SolveResult {
  const inf = h.infinity;
  const clamp = (x: number): number => (x === Infinity ? inf : x === -Infinity ? -inf : x);
  const n = model.variables.length;
  const m = model.constraints.length;
  const isMip = integerCount(model) > 0;
  const hm = h.createModel({
    numCols: n,
    numRows: m,
    sense: model.sense === 'max' ? h.constants.objectiveSense.maximize : h.constants.objectiveSense.minimize,
    offset: model.offset ?? 0,
    colCost: model.variables.map((v) => v.cost),
    colLower: model.variables.map((v) => clamp(v.lb)),
    colUpper: model.variables.map((v) => clamp(v.ub)),
    rowLower: model.constraints.map((r) => clamp(r.lb)),
    rowUpper: model.constraints.map((r) => clamp(r.ub)),
    matrix: { format: 'csc', numRows: m, numCols: n, ...toCsc(model) },
    integrality: isMip ? Int32Array.from(model.variables, (v) => (v.integer ? 1 : 0)) : undefined,
  });
  try {
    const opts: Record<string, number | boolean | string> = { ...options.highsOptions, output_flag: false };
    // HiGHS's own clock starts at its run: it gets what is left of the limit now (loading the
    // runtime and passing the model came out of it), not the whole limit again.
    if (options.timeLimitSeconds !== undefined) opts['time_limit'] = Math.max(0.001, timer.remainingSeconds());
    if (options.mipRelGap !== undefined) opts['mip_rel_gap'] = options.mipRelGap;
    if (options.mipAbsGap !== undefined) opts['mip_abs_gap'] = options.mipAbsGap;
    if (options.seed !== undefined) opts['random_seed'] = Math.abs(Math.trunc(options.seed)) % 2147483647;
    const work = options.workLimit ?? {};
    if (work.nodes !== undefined) opts['mip_max_nodes'] = Math.max(0, Math.trunc(work.nodes));
    const lpLimit = work.lpIterations === undefined ? Infinity : Math.max(0, Math.trunc(work.lpIterations));
    if (!isMip && lpLimit !== Infinity) {
      opts['simplex_iteration_limit'] = lpLimit;
      opts['ipm_iteration_limit'] = lpLimit;
    }
    hm.options.set(opts);
    if (isMip && options.start !== undefined && options.start.vars.length > 0) {
      hm.setSolution({ indices: options.start.vars, values: options.start.values });
    }
    // HiGHS checks `time_limit` only at some points (a long LP solve can overrun it by many
    // seconds); the interrupt callbacks enforce the deadline at every simplex and MIP checkpoint,
    // and the MIP LP-iteration budget at every MIP checkpoint.
    const hasDeadline = options.timeLimitSeconds !== undefined;
    let interruptedBy: StopReason | undefined;
    const stopLate = (event: { interrupt(): void }): undefined => {
      if (timer.late()) {
        interruptedBy = 'wall';
        event.interrupt();
      }
      return undefined;
    };
    // HiGHS has no info item for a MIP's total LP iterations (`info.get('mip_total_lp_iterations')`
    // throws): the MIP callback's data is the only place they are counted, so every MIP solve
    // watches it, budget or not, and reports the last count seen.
    let mipLpIterations = 0;
    const stopMip = (event: { interrupt(): void; data: { mip_total_lp_iterations?: bigint } }): undefined => {
      mipLpIterations = Math.max(mipLpIterations, Number(event.data.mip_total_lp_iterations ?? 0n));
      if (lpLimit !== Infinity && mipLpIterations >= lpLimit) {
        interruptedBy = 'work';
        event.interrupt();
        return undefined;
      }
      return stopLate(event);
    };
    hm.run(!hasDeadline && !isMip ? undefined : { 1: stopLate, 2: stopLate, 6: stopMip });
    let code: ModelStatusCode = hm.getModelStatus();
    if (code === 9) {
      // "Infeasible or unbounded" after presolve: solve again without presolve to tell which.
      hm.options.set({ presolve: 'off' });
      hm.clearSolver();
      hm.run();
      code = hm.getModelStatus();
    }
    const info = (name: string): number | undefined => {
      try {
        const v = hm.info.get(name);
        return typeof v === 'bigint' ? Number(v) : v;
      } catch {
        return undefined;
      }
    };
    const done: SolveWork = isMip
      ? { lpIterations: mipLpIterations, nodes: info('mip_node_count') ?? 0 }
      : { lpIterations: (info('simplex_iteration_count') ?? 0) + (info('ipm_iteration_count') ?? 0), nodes: 0 };
    const stoppedBy = stopReason(code, interruptedBy);
    const base = { backend: 'highs' as const, ...timer.elapsed(), work: done, stoppedBy };
    const primalFeasible = info('primal_solution_status') === 2;
    const rawBound = isMip ? info('mip_dual_bound') : undefined;
    const bound = rawBound !== undefined && Number.isFinite(rawBound) && Math.abs(rawBound) < inf ? rawBound : undefined;
    if (code === 7 || code === 6) {
      const objective = hm.getObjectiveValue();
      return { ...base, status: 'optimal', objective, bound: bound ?? objective, values: hm.getSolution().colValue };
    }
    if (code === 8) return { ...base, status: 'infeasible' };
    if (code === 10) return { ...base, status: 'unbounded' };
    if (LIMIT_CODES.has(code)) {
      if (primalFeasible) {
        return { ...base, status: 'feasible', objective: hm.getObjectiveValue(), bound, values: hm.getSolution().colValue };
      }
      return { ...base, status: 'no-solution', bound };
    }
    return { ...base, status: 'error', message: `HiGHS ended with model status ${code}` };
  } finally {
    hm.dispose();
  }
}

function solveWith(h: Highs, model: LpModel, options: SolveOptions, timer: SolveTimer): SolveResult {
  try {
    const result = solveOn(h, model, options, timer);
    if (h.memoryBytes > MAX_MEMORY_BYTES) resetHighs();
    return result;
  } catch (e) {
    // The instance may be corrupted (WASM abort, out of memory); never reuse it.
    resetHighs();
    return { backend: 'highs', status: 'error', stoppedBy: 'converged', work: NO_WORK, message: `HiGHS failed: ${e instanceof Error ? e.message : String(e)}`, ...timer.elapsed() };
  }
}

export const highsSolver: LpSolver = {
  name: 'highs',
  async solve(model: LpModel, options: SolveOptions = {}): Promise<SolveResult> {
    const timer = startTimer(options);
    let h: Highs;
    try {
      h = await highsRuntime();
    } catch (e) {
      return { backend: 'highs', status: 'error', stoppedBy: 'converged', work: NO_WORK, message: `could not load HiGHS: ${String(e)}`, ...timer.elapsed() };
    }
    return solveWith(h, model, options, timer);
  },
  solveSync(model: LpModel, options: SolveOptions = {}): SolveResult {
    const timer = startTimer(options);
    if (loaded === undefined) {
      // Start (re)loading so a later call finds it ready; this one cannot wait.
      highsRuntime().catch(() => undefined);
      return { backend: 'highs', status: 'error', stoppedBy: 'converged', work: NO_WORK, message: 'HiGHS is not loaded yet (await prepareSolvers() first)', ...timer.elapsed() };
    }
    return solveWith(loaded, model, options, timer);
  },
};
