import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFailure, writeFileWhole } from '../core/whole-file.js';
import type { QueueEvaluation } from '../learn/evaluate.js';
import { renderTable } from '../report/table.js';
import { realPath } from './output.js';

/** A file `drs train` writes, as its messages name it. */
export interface TrainOutput {
  /** The option that names it. */
  readonly field: 'out' | 'checkpoint';
  /** How the message names it (`--out FILE`). */
  readonly label: string;
  readonly what: string;
  readonly file: string;
}

/**
 * A file the run writes must be none of the files it reads (its configs, logs, scenario) nor
 * another file it writes: refused before training, or training would overwrite the config, or
 * the model and the checkpoint one another (the last written kept).
 */
export function refuseCollisions(outputs: readonly TrainOutput[], inputs: readonly { what: string; file: string }[]): void {
  outputs.forEach((o, i) => {
    const p = realPath(o.file);
    const input = inputs.find((x) => realPath(x.file) === p);
    if (input !== undefined) throw new UserError(`${o.label} is ${input.what}: ${o.what} would overwrite it; give another file`, { field: o.field });
    const other = outputs.slice(0, i).find((x) => realPath(x.file) === p);
    if (other !== undefined) throw new UserError(`${o.label} is also ${other.what} (--${other.field}): ${other.what} and ${o.what} would overwrite each other; give two files`, { field: o.field });
  });
}

/**
 * Write a model file whole or not at all (a run stopped mid-write, or a full disk, leaves the
 * previous file and no partial one; the failure is a UserError naming the file and the cause).
 * `timings: false` (--no-timings) leaves out the wall-clock and CPU seconds of its training
 * record(s), the only part of a model file that differs between two runs of one config and seed.
 */
export function writeModel(out: string, model: object, opts: { timings: boolean }): void {
  const text = JSON.stringify(opts.timings ? model : withoutTimings(model), null, 1) + '\n';
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileWhole(out, text, { inPlaceWhenRefused: true });
  } catch (e) {
    throw new UserError(`cannot write the model file: ${writeFailure(e)}`, { file: out });
  }
}

/** Timing keys of a training record (`curve` points carry `seconds` too). */
const TIMING_KEYS = new Set(['seconds', 'cpuSeconds']);

/** The model without the seconds of its training record and of its withBackfilling scorer's. */
export function withoutTimings<M extends object>(model: M): M {
  const record = (t: unknown): unknown => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) return t;
    const kept = Object.entries(t).filter(([k]) => !TIMING_KEYS.has(k));
    return Object.fromEntries(kept.map(([k, v]) => [k, k === 'curve' && Array.isArray(v) ? v.map((p: unknown) => record(p)) : v]));
  };
  const m = model as { training?: unknown; withBackfilling?: { training?: unknown } };
  return {
    ...model,
    ...(m.training === undefined ? {} : { training: record(m.training) }),
    ...(m.withBackfilling === undefined ? {} : { withBackfilling: { ...m.withBackfilling, ...(m.withBackfilling.training === undefined ? {} : { training: record(m.withBackfilling.training) }) } }),
  };
}

/**
 * What `drs train` prints after a queue model's evaluation: mean bounded slowdown of the model and
 * of FCFS, SJF and F1 measured in the same run, without and with EASY backfilling, each policy's
 * difference from the best classical order (negative: the model is better), and where the
 * per-window figures are. The same numbers are the model file's `evaluation`.
 */
export function queueEvaluationTable(e: QueueEvaluation, modelFile: string): string {
  const names = Object.keys(e.meanBoundedSlowdown);
  const learned = names.find((n) => n.startsWith('learned-queue:'));
  const classical = names.filter((n) => n !== learned);
  const fmt = (x: number): string => (Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toFixed(2));
  const mean = (n: string, mode: 'none' | 'easy'): number => (e.meanBoundedSlowdown[n] as Record<'none' | 'easy', number>)[mode];
  const bestClassical = (mode: 'none' | 'easy'): number => Math.min(...classical.map((n) => mean(n, mode)));
  const versus = (n: string, mode: 'none' | 'easy'): string => {
    if (classical.length === 0) return '-';
    const best = bestClassical(mode);
    if (!(best > 0)) return '-';
    const d = (mean(n, mode) / best - 1) * 100;
    return `${d > 0 ? '+' : ''}${d.toFixed(1)}%`;
  };
  const rows = names.map((n) => [n, fmt(mean(n, 'none')), versus(n, 'none'), fmt(mean(n, 'easy')), versus(n, 'easy')]);
  const head = `evaluation on ${basename(e.trace)}: ${e.windows.length} window(s) of ${e.length} jobs starting at job ${e.windows.join(', ')} (never trained or selected on); mean bounded slowdown`;
  const table = renderTable(['policy', 'no backfilling', 'vs best classical', 'EASY', 'vs best classical'], rows);
  return `${head}\n\n${table}\n\nper window: evaluation.perWindow in ${modelFile}\n`;
}
