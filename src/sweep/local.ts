import { traceStatsNotes } from '../traces/trace-stats.js';
import { aggregate, type SweepResult } from './aggregate.js';
import { expandCells, type CellResult, type CellSpec } from './cell.js';
import { isUserError } from '../core/errors.js';
import { cellUserError } from './cell-error.js';
import { CellPool, PoolBrokenError } from './pool.js';
import type { SweepSpec } from './spec.js';
import type { ResultStore } from './store.js';

export interface SweepPlan {
  readonly spec: SweepSpec;
  readonly cells: readonly CellSpec[];
  readonly strategies: readonly string[];
  readonly scenarioName: string;
  /** The data files the cells read (traces, pool sources, learned models), absolute: an output must not name one. */
  readonly inputFiles: readonly string[];
}

/** Expand and check a sweep before anything runs. */
export async function planSweep(spec: SweepSpec, dataRoot: string): Promise<SweepPlan> {
  const { cells, strategies, scenarioName, inputFiles } = await expandCells(spec, dataRoot);
  return { spec, cells, strategies, scenarioName, inputFiles };
}

/** Called after every cell: how many are done (of `total`), how many came from the results folder. */
export type SweepProgress = (done: number, total: number, cached: number) => void;

/** Results already in the store, keyed by cell hash (the resume step). */
export function cachedResults(plan: SweepPlan, store: ResultStore | undefined): Map<string, CellResult> {
  const out = new Map<string, CellResult>();
  if (store === undefined) return out;
  for (const c of plan.cells) {
    const r = store.get(c.hash);
    if (r !== undefined) out.set(c.hash, r);
  }
  return out;
}

/**
 * Run the cells not yet in the store on `workers` threads (0: in this thread). Every finished
 * cell is stored at once, so an interrupted sweep loses at most the cells in flight.
 *
 * A cell that throws something other than bad input (a bug outside the strategy, or its thread
 * dying: out of memory, a native crash) is that cell's failed result, as a queue sweep records a
 * job BullMQ gave up on: the other cells go on, the table lists it, and, not being stored, it runs
 * again on resume. Bad input (a UserError, named with the cell's seed, strategy and axis values:
 * a draw of one seed can be out of bounds) and a pool whose threads keep dying stop the sweep.
 */
export async function runSweepLocal(plan: SweepPlan, opts: { workers: number; dataRoot: string; store?: ResultStore; onProgress?: SweepProgress }): Promise<Map<string, CellResult>> {
  const results = cachedResults(plan, opts.store);
  const cached = results.size;
  const total = plan.cells.length;
  const todo = plan.cells.filter((c) => !results.has(c.hash));
  opts.onProgress?.(results.size, total, cached);
  if (todo.length === 0) return results;
  const pool = new CellPool(Math.min(opts.workers, todo.length), opts.dataRoot);
  // Set once bad input or a broken pool stops the sweep: the cells the closing pool then refuses
  // never ran, and are neither failed cells nor progress ("cells 3/4" for a sweep that ran none).
  let stopped = false;
  try {
    await Promise.all(
      todo.map(async (c) => {
        const r = await pool.run(c).catch((e: unknown): CellResult => {
          if (stopped) throw e;
          if (isUserError(e) || e instanceof PoolBrokenError) stopped = true;
          if (isUserError(e)) throw cellUserError(e, c);
          if (e instanceof PoolBrokenError) throw e;
          return { state: 'failed', hash: c.hash, point: c.point, strategy: c.strategy, seed: c.seed, error: e instanceof Error ? e.message : String(e) };
        });
        opts.store?.put(r);
        results.set(c.hash, r);
        opts.onProgress?.(results.size, total, cached);
      }),
    );
  } finally {
    await pool.close();
  }
  return results;
}

export function sweepResult(plan: SweepPlan, results: ReadonlyMap<string, CellResult>): SweepResult {
  return aggregate({ sweep: plan.spec.name, scenario: plan.scenarioName, seeds: plan.spec.seeds, axes: plan.spec.axes, strategies: plan.strategies }, plan.cells, results);
}

/**
 * What reading the trace skipped or adjusted by its rules in the sweep's cells, in words, once per
 * distinct note (prefixed by the axis values when the sweep has axes): said, never silent, as
 * `drs run` says it. Cells kept from results written before the counts were recorded add none.
 */
export function sweepTraceNotes(plan: SweepPlan, results: ReadonlyMap<string, CellResult>): string[] {
  const notes: string[] = [];
  for (const c of plan.cells) {
    const r = results.get(c.hash);
    if (r?.state !== 'completed' || r.trace === undefined) continue;
    const at = Object.entries(c.point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
    for (const n of traceStatsNotes(r.trace)) {
      const note = at === '' ? n : `at ${at}: ${n}`;
      if (!notes.includes(note)) notes.push(note);
    }
  }
  return notes;
}
