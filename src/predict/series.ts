/**
 * Series input: `timestamp,value` CSVs and event logs aggregated into a regular series.
 *
 * Rules for a `timestamp,value` CSV (the header names the columns; others are ignored):
 * - timestamps are `YYYY-MM-DD HH:MM[:SS]` (read as UTC), ISO 8601, or epoch seconds;
 *   an unparsable one, or an impossible date or time (2024-02-30, 24:00), is a TraceFormatError
 *   (file, line, field `timestamp`), never rolled over to another day;
 * - values must be plain decimals of magnitude at most MAX_SERIES_VALUE (10¹⁵); anything else
 *   (empty, `NaN`, text, `1e308`) is a TraceFormatError (file, line, field `value`). Rows are
 *   never skipped silently; a binary or misnamed gzip file is a TraceFormatError, not its bytes;
 * - timestamps must strictly increase: a duplicate or an earlier timestamp is a TraceFormatError
 *   naming both lines, unless a repair is asked for (repair.ts: `duplicates`, `dst`, `resample`);
 * - the step is the most common spacing (or `step` when given). Every spacing must be a whole
 *   multiple of it, else TraceFormatError ("irregular sampling"); a most common spacing of
 *   28–31 days (89–92, 365–366) is a calendar-month (quarter, year) series, positioned by month
 *   number instead (calendar-months.ts; by the local date when stamps carry a UTC offset);
 * - gaps (a spacing of k > 1 steps) are REPAIRED by linear interpolation between the two
 *   neighbours when k − 1 ≤ `maxGap` (default 12 missing points); the number of filled points
 *   and gaps is returned in `repairs` (the CLI prints it). Longer gaps, or any gap with
 *   `gaps: 'error'`, are a TraceFormatError.
 * - a series too short for the season (fewer than two seasons) is rejected by `requireSeasons`;
 * - a series, binned or gap-filled, holds at most MAX_SERIES_POINTS (10 million) points: a
 *   far-off timestamp is a TraceFormatError naming its line (span.ts), not gigabytes allocated.
 *
 * Event logs (e.g. the GenAI QPS samples, a trace's arrival times) are streamed and summed,
 * counted or averaged into bins [k·step, (k+1)·step) aligned to the epoch. Events need not be
 * sorted. An empty bin is 0 for `sum` and `count` (no events = no demand) and a gap for `mean`
 * (filled by interpolation and counted, as above).
 */
import { TraceFormatError, UserError } from '../core/errors.js';
import { aggregateBins, HOUR, type DuplicatePolicy, type RawRows, type ResampleAggregation, mergeDuplicates, resampleRows, shiftDaylightSaving } from './repair.js';
import { parseTimestamp, parseValue, timestampCell } from './cells.js';
import { checkSeriesSpan } from './span.js';
import { calendarBins, calendarMonthsFor, calendarPositions, MEAN_MONTH } from './calendar-months.js';
import { columnIndex, rows } from './series-rows.js';

export { parseTimestamp } from './cells.js';

export interface SeriesRepairs {
  /** Points added by linear interpolation. */
  filledPoints: number;
  /** Number of gaps those points filled. */
  gaps: number;
  /**
   * Where: [first filled index, count] of each gap, in order (absent without gaps). A filled point
   * is drawn from the point after its gap, so a backtest origin inside a gap would see the future.
   */
  filledSpans?: (readonly [number, number])[];
  /** Rows removed by merging duplicate timestamps (`duplicates`). */
  mergedRows?: number;
  /** Daylight-saving clock changes undone (`dst: 'shift'`). */
  dstShifts?: number;
  /** Rows aggregated into bins (`resample`). */
  resampledRows?: number;
  /** Event-log rows left out (`aggregateEventsCsv`): not matching `where`, or with an empty time cell under `skipEmpty`. */
  skippedRows?: { where?: number; emptyTime?: number };
}

export interface Series {
  readonly name: string;
  readonly file?: string;
  /** Epoch seconds of values[0]. */
  readonly start: number;
  /** Seconds between consecutive values (calendar months: k mean months of 2,629,746 s). */
  readonly step: number;
  /** Set when the values are k calendar months apart (calendar-months.ts). */
  readonly calendarMonths?: number;
  readonly values: number[];
  readonly repairs: SeriesRepairs;
}

export interface ReadSeriesOptions {
  timestampColumn?: string;
  valueColumn?: string;
  /** Expected step in seconds (default: the most common spacing). */
  step?: number;
  gaps?: 'interpolate' | 'error';
  /** Longest gap (in missing points) that is interpolated (default 12). */
  maxGap?: number;
  /** Runs of equal timestamps: error (default) or merged into their mean, first or last value. */
  duplicates?: DuplicatePolicy;
  /** 'shift': timestamps are local wall-clock time; undo daylight-saving jumps (repair.ts). */
  dst?: 'error' | 'shift';
  /**
   * Aggregate rows into bins of `step` seconds (irregular sampling), or of `months` calendar
   * months (1, 3 or 12: months, quarters, years; calendar-months.ts); empty bins are gaps.
   */
  resample?: { step: number; how: ResampleAggregation } | { months: 1 | 3 | 12; how: ResampleAggregation };
}

export type Aggregation = 'sum' | 'count' | 'mean';

export async function readSeriesCsv(file: string, options: ReadSeriesOptions = {}): Promise<Series> {
  const times: number[] = [];
  const lines: number[] = [];
  const values: number[] = [];
  let ti = -1;
  let vi = -1;
  const tName = options.timestampColumn ?? 'timestamp';
  const vName = options.valueColumn ?? 'value';
  /** UTC offsets (seconds) written in the timestamps, by line, where not 0: calendar months are local. */
  const offsets = new Map<number, number>();
  for await (const { cells, line } of rows(file)) {
    if (ti < 0) {
      ti = columnIndex(cells, [tName], file, 'timestamp');
      vi = columnIndex(cells, [vName], file, 'value');
      continue;
    }
    const t = timestampCell(cells[ti] ?? '', file, line, tName);
    const off = utcOffset(cells[ti] ?? '', t);
    if (off !== 0) offsets.set(line, off);
    values.push(parseValue(cells[vi] ?? '', file, line, vName));
    times.push(t);
    lines.push(line);
  }
  if (ti < 0) throw new TraceFormatError('empty file: expected a header and timestamp,value rows', { file });
  if (values.length < 2) throw new TraceFormatError(`need at least 2 rows, got ${values.length}`, { file });
  const repairs: SeriesRepairs = { filledPoints: 0, gaps: 0 };
  const maxGap = options.maxGap ?? 12;
  let raw: RawRows = { times, values, lines };
  if (options.dst === 'shift') {
    const shifted = shiftDaylightSaving(raw, options.step ?? mostCommonSpacing(times));
    raw = shifted.rows;
    repairs.dstShifts = shifted.shifts;
  }
  if (options.resample !== undefined) return resampled(file, raw, options.resample, maxGap, repairs, tName, offsets);
  const merged = mergeDuplicates(raw, options.duplicates ?? 'error', file, tName, { step: options.step ?? mostCommonSpacing(times), shifted: options.dst === 'shift' });
  if (options.duplicates !== undefined && options.duplicates !== 'error') repairs.mergedRows = merged.mergedRows;
  return regular(file, merged.rows, options, maxGap, repairs, tName, offsets);
}

function resampled(file: string, raw: RawRows, r: NonNullable<ReadSeriesOptions['resample']>, maxGap: number, repairs: SeriesRepairs, field: string, offsets: ReadonlyMap<number, number>): Series {
  let start: number;
  let values: number[];
  let lines: number[];
  let bin: string;
  if ('months' in r) {
    const { bins, startOf } = calendarBins(raw, r.months, offsets);
    const unit = r.months === 1 ? 'month' : r.months === 3 ? 'quarter' : 'year';
    const agg = aggregateBins(raw, bins, r.months * MEAN_MONTH, r.how, { file, field, remedy: `check that timestamp, or resample into larger bins than a ${unit}` });
    ({ values, lines } = agg);
    start = startOf(agg.lo);
    bin = unit;
  } else {
    if (!(r.step > 0)) throw new UserError(`--resample must be a positive number of seconds, got ${r.step}`, { field: 'resample' });
    ({ start, values, lines } = resampleRows(raw, r.step, r.how, { file, field }));
    bin = `bin(s) of ${r.step} s`;
  }
  repairs.resampledRows = raw.times.length;
  for (let i = 0; i < values.length; ) {
    if (!Number.isNaN(values[i] as number)) {
      i++;
      continue;
    }
    let j = i;
    while (Number.isNaN(values[j] as number)) j++;
    const missing = j - i;
    if (missing > maxGap) {
      throw new TraceFormatError(`gap of ${missing} empty ${'months' in r ? `${bin}(s)` : bin} after line ${lines[i - 1]}; at most ${maxGap} are interpolated (raise --max-gap to fill it)`, { file, line: lines[j], field });
    }
    const a = values[i - 1] as number;
    const b = values[j] as number;
    for (let k = 1; k <= missing; k++) values[i - 1 + k] = a + ((b - a) * k) / (missing + 1);
    noteGap(repairs, i, missing);
    i = j;
  }
  return 'months' in r ? { name: baseName(file), file, start, step: r.months * MEAN_MONTH, calendarMonths: r.months, values, repairs } : { name: baseName(file), file, start, step: r.step, values, repairs };
}

/** Count a gap of `missing` points filled from index `first` on. */
function noteGap(repairs: SeriesRepairs, first: number, missing: number): void {
  repairs.filledPoints += missing;
  repairs.gaps++;
  (repairs.filledSpans ??= []).push([first, missing]);
}

function regular(file: string, rows: RawRows, options: ReadSeriesOptions, maxGap: number, repairs: SeriesRepairs, tName: string, offsets: ReadonlyMap<number, number>): Series {
  const { times, values, lines } = rows;
  if (values.length < 2) throw new TraceFormatError(`need at least 2 distinct timestamps, got ${values.length}`, { file });
  const spacing = options.step ?? mostCommonSpacing(times);
  const months = options.step === undefined ? calendarMonthsFor(spacing) : undefined;
  if (months !== undefined) return monthly(file, rows, months, options, maxGap, repairs, tName, offsets);
  const step = spacing;
  const t0 = times[0] as number;
  checkSeriesSpan(0, Math.round(((times[times.length - 1] as number) - t0) / step), step, () => times.map((t, i) => ({ bin: Math.round((t - t0) / step), line: lines[i] })), {
    file,
    field: tName,
    remedy: 'aggregate into larger steps with --resample STEP',
  });
  const out: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const v = values[i] as number;
    if (i > 0) {
      const gap = ((times[i] as number) - (times[i - 1] as number)) / step;
      const k = Math.round(gap);
      if (Math.abs(gap - k) > 1e-6 * Math.max(1, k) || k < 1) {
        throw new TraceFormatError(`irregular sampling: ${(times[i] as number) - (times[i - 1] as number)} s after line ${lines[i - 1]}, expected a multiple of the step ${step} s (an irregular series can be aggregated into regular bins with --resample STEP)`, { file, line: lines[i], field: tName });
      }
      if (k > 1) {
        const missing = k - 1;
        if (options.gaps === 'error' || missing > maxGap) {
          throw new TraceFormatError(
            `gap of ${missing} missing point(s) (step ${step} s) after line ${lines[i - 1]}; ${options.gaps === 'error' ? 'gaps are not allowed here' : `at most ${maxGap} are interpolated (raise --max-gap to fill it)`}${missing * step === HOUR && options.dst !== 'shift' ? '; exactly one hour is missing: if the timestamps are local time and the clocks went forward here, --dst shift closes it' : ''}`,
            { file, line: lines[i], field: tName },
          );
        }
        const a = values[i - 1] as number;
        noteGap(repairs, out.length, missing);
        for (let j = 1; j <= missing; j++) out.push(a + ((v - a) * j) / k);
      }
    }
    out.push(v);
  }
  return { name: baseName(file), file, start: times[0] as number, step, values: out, repairs };
}

/** A calendar-month series (calendar-months.ts): positions in months, gaps filled as in `regular`. */
function monthly(file: string, rows: RawRows, months: number, options: ReadSeriesOptions, maxGap: number, repairs: SeriesRepairs, tName: string, offsets: ReadonlyMap<number, number>): Series {
  const { values, lines } = rows;
  const pos = calendarPositions(rows, months, file, tName, offsets);
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const k = i === 0 ? 1 : (pos[i] as number) - (pos[i - 1] as number);
    if (k > 1) {
      const missing = k - 1;
      if (options.gaps === 'error' || missing > maxGap) {
        throw new TraceFormatError(`gap of ${missing} missing month(s) after line ${lines[i - 1]}; ${options.gaps === 'error' ? 'gaps are not allowed here' : `at most ${maxGap} are interpolated (raise --max-gap to fill it)`}`, { file, line: lines[i], field: tName });
      }
      const a = values[i - 1] as number;
      noteGap(repairs, out.length, missing);
      for (let j = 1; j <= missing; j++) out.push(a + ((v - a) * j) / k);
    }
    out.push(v);
  }
  return { name: baseName(file), file, start: rows.times[0] as number, step: months * MEAN_MONTH, calendarMonths: months, values: out, repairs };
}

/** The offset east of UTC written in a timestamp (`+01:00`, `-0500`), seconds; 0 without one. */
function utcOffset(text: string, utc: number): number {
  const m = /^(.*\d)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.exec(text.trim());
  if (m === null || !/[-/]/.test(m[1] as string)) return 0;
  const wall = parseTimestamp(m[1] as string);
  return wall === undefined ? 0 : wall - utc;
}

function mostCommonSpacing(times: readonly number[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < times.length; i++) {
    const d = Math.round(((times[i] as number) - (times[i - 1] as number)) * 1000) / 1000;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = -1;
  for (const [d, c] of counts) if (c > bestCount || (c === bestCount && d < best)) [best, bestCount] = [d, c];
  return best;
}

export function baseName(file: string): string {
  const b = file.split(/[\\/]/).pop() ?? file;
  return b.replace(/\.gz$/, '').replace(/\.csv$/, '');
}

interface Bin {
  sum: number;
  count: number;
  /** Lines of the first and the last event added to the bin, when the events come from a file. */
  first?: number;
  last?: number;
}

/** Streaming binner: memory grows with the number of bins, never with the number of events. */
export class EventBinner {
  private readonly bins = new Map<number, Bin>();
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;

  /** `source`: the file and time column the events come from, named in errors. */
  constructor(
    readonly step: number,
    private readonly source: { file?: string; field?: string } = {},
  ) {
    if (!(step > 0)) throw new UserError(`step must be a positive number of seconds, got ${step}`, { field: 'step' });
  }

  /** `line`: the event's line in the source file (errors name it). */
  add(time: number, value = 1, line?: number): void {
    const b = Math.floor(time / this.step);
    const cell = this.bins.get(b);
    if (cell === undefined) this.bins.set(b, { sum: value, count: 1, first: line, last: line });
    else {
      cell.sum += value;
      cell.count++;
      cell.last = line;
    }
    if (b < this.lo) this.lo = b;
    if (b > this.hi) this.hi = b;
  }

  finish(how: Aggregation = 'sum', maxGap = 12): { start: number; values: number[]; repairs: SeriesRepairs } {
    const { file, field } = this.source;
    if (this.bins.size === 0) throw new UserError('no events to aggregate', { file });
    const bins = this.bins;
    checkSeriesSpan(this.lo, this.hi, this.step, function* () {
      for (const [bin, cell] of bins) yield { bin, line: cell.first };
    }, { file, field, remedy: 'give a larger --step' });
    const values: number[] = [];
    const repairs: SeriesRepairs = { filledPoints: 0, gaps: 0 };
    let lastIdx = -1;
    let lastCell: Bin | undefined;
    for (let b = this.lo; b <= this.hi; b++) {
      const cell = this.bins.get(b);
      if (how !== 'mean') {
        values.push(cell === undefined ? 0 : how === 'sum' ? cell.sum : cell.count);
        continue;
      }
      if (cell === undefined) {
        values.push(Number.NaN);
        continue;
      }
      const v = cell.sum / cell.count;
      const missing = values.length - lastIdx - 1;
      if (lastIdx >= 0 && missing > 0) {
        if (missing > maxGap) {
          const lines = lastCell?.last === undefined || cell.first === undefined ? '' : ` (after line ${lastCell.last}, before line ${cell.first})`;
          throw new TraceFormatError(
            `no events for ${missing} consecutive bins of ${this.step} s before ${new Date(b * this.step * 1000).toISOString()}${lines}; at most ${maxGap} are interpolated for 'mean' (raise --max-gap to fill it)`,
            { file, line: cell.first, field },
          );
        }
        const a = values[lastIdx] as number;
        for (let j = 1; j <= missing; j++) values[lastIdx + j] = a + ((v - a) * j) / (missing + 1);
        noteGap(repairs, lastIdx + 1, missing);
      }
      values.push(v);
      lastIdx = values.length - 1;
      lastCell = cell;
    }
    return { start: this.lo * this.step, values, repairs };
  }
}

/** Sum, count or average timed events into epoch-aligned bins of `step` seconds. */
export function binEvents(events: Iterable<{ time: number; value?: number }>, step: number, how: Aggregation = 'sum', maxGap = 12): { start: number; values: number[]; repairs: SeriesRepairs } {
  const binner = new EventBinner(step);
  for (const e of events) binner.add(e.time, e.value ?? 1);
  return binner.finish(how, maxGap);
}

/** Stream an event log (CSV, optionally .gz) into a regular series; see `EventBinner`. */

/** A series must hold at least two seasons (Holt-Winters initialisation, seasonal MASE scale). */
export function requireSeasons(points: number, season: number, where: { file?: string; what?: string } = {}): void {
  // Without a season (1) only the point count can change: there is no smaller --season to give.
  if (season === 1 && points < 2) throw new UserError(`${where.what ?? 'series'} has ${points} point${points === 1 ? '' : 's'}, fewer than the 2 a forecast needs; give a longer series`, { file: where.file, field: 'season' });
  if (points < 2 * season) {
    throw new UserError(`${where.what ?? 'series'} has ${points} points, fewer than two seasons of ${season} steps (${2 * season}); give a smaller --season or a longer series`, { file: where.file, field: 'season' });
  }
}
