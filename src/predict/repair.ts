/**
 * Repairs for real monitoring exports, each OFF unless asked for (the default for each glitch is
 * a TraceFormatError naming the file and line). They work on the raw rows (time in epoch seconds,
 * value, source line), in file order, before the series is made regular (series.ts):
 *
 * 1. Daylight-saving clock changes, `dst: 'shift'` (the timestamps are local wall-clock time
 *    without an offset). The clock falls back: a row stamped exactly 3600 s − one step before the
 *    previous row (e.g. 01:30 then 01:00 at a 30-minute step) starts the repeated hour, so that
 *    row and every later one move one hour later (offset += 3600). The clock springs forward: a jump of exactly 3600 s + one step moves
 *    that row and every later one one hour earlier (offset −= 3600), so the skipped hour is not a
 *    gap. `shifts` counts the changes applied. (`step` is the most common spacing.)
 * 2. Duplicate timestamps, `duplicates: 'mean' | 'first' | 'last'`: a run of consecutive rows with
 *    the same time becomes one row whose value is the run's mean, first or last value
 *    (`mergedRows` counts the rows removed). A logger whose clock stood still repeats one stamp
 *    for a run of rows: this keeps one value for that instant, and the hole after it is a gap (3).
 * 3. Irregular spacing, `resample: { step, how }`: rows go into epoch-aligned bins
 *    [k·step, (k+1)·step) and each bin's values are aggregated (`mean`, `sum`, `min`, `max`,
 *    `last`: the latest row in file order); row order and duplicates do not matter then. A bin
 *    without rows is a gap, filled as below.
 * 4. Gaps (series.ts, on by default as before): k ≤ maxGap missing points are filled by linear
 *    interpolation between the neighbours, y_{a+j} = y_a + (y_b − y_a)·j/(k+1).
 */
import { TraceFormatError } from '../core/errors.js';
import { checkSeriesSpan } from './span.js';

export type DuplicatePolicy = 'error' | 'mean' | 'first' | 'last';
export type ResampleAggregation = 'mean' | 'sum' | 'min' | 'max' | 'last';

export interface RawRows {
  times: number[];
  values: number[];
  lines: number[];
}

export const HOUR = 3600;

/** Move the rows after each daylight-saving change onto one continuous clock (rule 1). */
export function shiftDaylightSaving(rows: RawRows, step: number): { rows: RawRows; shifts: number } {
  const times: number[] = [];
  let offset = 0;
  let shifts = 0;
  for (let i = 0; i < rows.times.length; i++) {
    const raw = rows.times[i] as number;
    if (i > 0) {
      const d = raw - (rows.times[i - 1] as number);
      if (Math.abs(d - (step - HOUR)) < 1e-6) {
        offset += HOUR;
        shifts++;
      } else if (Math.abs(d - (HOUR + step)) < 1e-6) {
        offset -= HOUR;
        shifts++;
      }
    }
    times.push(raw + offset);
  }
  return { rows: { times, values: rows.values, lines: rows.lines }, shifts };
}

/**
 * Merge runs of equal timestamps (rule 2); with 'error' a duplicate is a TraceFormatError naming
 * both lines. Out-of-order rows are always an error here.
 */
export function mergeDuplicates(rows: RawRows, policy: DuplicatePolicy, file: string, field: string, dst?: { readonly step: number; readonly shifted: boolean }): { rows: RawRows; mergedRows: number } {
  const out: RawRows = { times: [], values: [], lines: [] };
  let mergedRows = 0;
  let i = 0;
  const n = rows.times.length;
  while (i < n) {
    const t = rows.times[i] as number;
    const prev = out.times[out.times.length - 1];
    if (prev !== undefined && t < prev) {
      // Only a jump of exactly one hour less a step is what --dst shift repairs; anything else is rows out of order.
      const dstLike = dst !== undefined && !dst.shifted && Math.abs(t - prev - (dst.step - HOUR)) < 1e-6;
      const hint = dstLike ? ' (a step less than an hour back: a daylight-saving change? repair with --dst shift)' : ' (sort the rows by time, or give --resample STEP, which bins rows in any order)';
      throw new TraceFormatError(`timestamps out of order: row does not come after line ${out.lines[out.lines.length - 1]}${hint}; timestamps must strictly increase`, { file, line: rows.lines[i], field });
    }
    let j = i + 1;
    while (j < n && rows.times[j] === t) j++;
    if (j - i > 1 && policy === 'error') {
      // At an hourly step the repeated hour of a fall-back change is one duplicate stamp (01:00 twice).
      const dstLike = dst !== undefined && !dst.shifted && dst.step === HOUR && j - i === 2;
      const repair = `repair with --duplicates mean|first|last${dstLike ? '; or, if the timestamps are local time and this is the hour repeated when the clocks went back, with --dst shift' : ''}`;
      throw new TraceFormatError(`duplicate timestamp: same time as line ${rows.lines[i]}; timestamps must strictly increase (${repair})`, { file, line: rows.lines[i + 1], field });
    }
    const run = rows.values.slice(i, j);
    const v = policy === 'first' ? (run[0] as number) : policy === 'last' ? (run[run.length - 1] as number) : run.reduce((a, b) => a + b, 0) / run.length;
    out.times.push(t);
    out.values.push(v);
    out.lines.push(rows.lines[i] as number);
    mergedRows += j - i - 1;
    i = j;
  }
  return { rows: out, mergedRows };
}

/** Bin rows into [k·step, (k+1)·step) and aggregate (rule 3); empty bins are NaN (gaps). */
export function resampleRows(rows: RawRows, step: number, how: ResampleAggregation, where: { file: string; field: string }): { start: number; values: number[]; lines: number[] } {
  const { lo, values, lines } = aggregateBins(rows, rows.times.map((t) => Math.floor(t / step + 1e-9)), step, how, { ...where, remedy: 'give a larger --resample step' });
  return { start: lo * step, values, lines };
}

/**
 * Aggregate rows by a bin number each (`bins[i]` for row i), from the lowest bin to the highest:
 * empty bins are NaN (gaps), `lines` the last row of each bin. `step` (seconds a bin spans) only
 * words the error for a span too long to hold.
 */
export function aggregateBins(rows: RawRows, bins: readonly number[], step: number, how: ResampleAggregation, where: { file: string; field: string; remedy: string }): { lo: number; values: number[]; lines: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of bins) {
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  checkSeriesSpan(lo, hi, step, () => bins.map((bin, i) => ({ bin, line: rows.lines[i] })), where);
  const size = hi - lo + 1;
  const sum = new Array<number>(size).fill(0);
  const count = new Array<number>(size).fill(0);
  const agg = new Array<number>(size).fill(Number.NaN);
  const lines = new Array<number>(size).fill(0);
  for (let i = 0; i < rows.times.length; i++) {
    const k = (bins[i] as number) - lo;
    const v = rows.values[i] as number;
    sum[k] = (sum[k] as number) + v;
    count[k] = (count[k] as number) + 1;
    const cur = agg[k] as number;
    if (how === 'min') agg[k] = Number.isNaN(cur) ? v : Math.min(cur, v);
    else if (how === 'max') agg[k] = Number.isNaN(cur) ? v : Math.max(cur, v);
    else if (how === 'last') agg[k] = v;
    lines[k] = rows.lines[i] as number;
  }
  const values = sum.map((s, k) => {
    const c = count[k] as number;
    if (c === 0) return Number.NaN;
    if (how === 'mean') return s / c;
    if (how === 'sum') return s;
    return agg[k] as number;
  });
  return { lo, values, lines };
}
