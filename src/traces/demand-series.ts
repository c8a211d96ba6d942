import { TraceFormatError, UserError } from '../core/errors.js';
import { epochMillisecondsProblem } from '../core/timestamp.js';
import type { Request } from '../core/model.js';
import { Rng } from '../core/rng.js';
import { cellValue, checkRowWidth, CsvHeader, csvRows, MAX_EXPECTED_REQUESTS, parseNonNegativeCell, parseTimestampCell, type TimestampFormat } from './reading.js';
import { countIn, newTraceStats, traceStream, type TraceStream } from './trace-stats.js';
import { poisson } from './poisson.js';
import { RowFilter } from './row-filter.js';
import { generateSyntheticRequests, type SyntheticOptions } from './synthetic.js';
import type { TraceReadOptions } from './types.js';

/*
 * Requests driven by a real demand time series (`timestamp,value` CSV, e.g. the NAB NYC taxi
 * series, or an event log such as the GenAI QPS samples aggregated into regular bins).
 *
 * Series. Without `aggregate`, the file must be a regular series: one row per sample, timestamps
 * strictly increasing, spacing = the step (given as `step`, else the first spacing). A spacing of
 * k steps (2 ≤ k ≤ maxGap + 1) is a gap of k − 1 samples, filled by linear interpolation and
 * counted in stats.adjusted['gap-interpolated']; a longer gap, a spacing that is not a whole
 * number of steps, a duplicate or an earlier timestamp is a TraceFormatError naming file:line.
 * Rows stream; nothing but the current pair of samples is held.
 *
 * With `aggregate: { step, how }` rows may come in any order: they are summed (`sum`), counted
 * (`count`), averaged (`mean`) or maxed (`max`) into epoch-aligned bins [k·step, (k+1)·step)
 * (memory grows with the number of bins, not of rows). An empty bin is 0 for sum and count, and
 * for mean and max is interpolated between its neighbours (counted as above); more than maxGap
 * empty bins in a row is a TraceFormatError naming the lines of the events around them. `where` keeps only
 * rows whose columns equal the given values (others count under stats.skipped.where).
 *
 * Window. `start` is a sample index (number) or a timestamp (string, the first sample at or after
 * it); `length` is a number of samples (number) or a span of series time (string, "14d"). The
 * first sample of the window starts at simulated time 0.
 *
 * Requests. Sample i of the window, value v_i, covers simulated time [i·Δ, (i+1)·Δ) with
 * Δ = step × timeScale (`timeScale` compresses time: 1/6 turns a 30-minute sample into 5 minutes;
 * or give `sampleSeconds` = Δ directly). It gets N_i ~ Poisson(v_i × scale) requests (`scale` =
 * requests per unit of value per sample, so compressing time keeps the count per sample and
 * raises the rate), with arrival times drawn uniformly in the interval and sorted. Poisson draws:
 * inversion for a mean < 10, Hörmann's PTRS transformed rejection above (both exact).
 *
 * Each request's body (demand profile, duration, tenant, priority and SLO, preemptible,
 * estimate) is drawn exactly as the synthetic generator draws it (synthetic.ts: same options,
 * same validation): the k-th request takes the k-th body of a synthetic stream on the same seed;
 * only its id and arrival are ours. Counts and arrival times use their own Rng streams forked off
 * the seed, so changing the profiles does not move the arrivals.
 */


/** The most requests one sample may ask for (the Poisson mean, value × scale). */
export const MAX_PER_SAMPLE = 1e7;
/** Bins an aggregated event log may span: a far-off timestamp must be an error, not gigabytes of empty bins. */
export const MAX_BINS = 1e7;
export type SeriesAggregation = 'sum' | 'count' | 'mean' | 'max';

export interface DemandSeriesOptions extends TraceReadOptions {
  /** Column holding the time; default 'timestamp'. */
  readonly timeColumn?: string;
  /** Column holding the value; default 'value'. */
  readonly valueColumn?: string;
  /** How timestamps are written (csv.ts parseTimestamp); default 'auto'. */
  readonly timeFormat?: TimestampFormat;
  readonly delimiter?: string;
  /** Sampling step of a regular series, seconds; default the first spacing. */
  readonly step?: number;
  /** Longest gap (missing samples) interpolated in a regular series; default 12. */
  readonly maxGap?: number;
  /** Bin an event log into a regular series. */
  readonly aggregate?: { readonly step: number; readonly how: SeriesAggregation };
  /** Keep only rows whose columns equal these values. */
  readonly where?: Readonly<Record<string, string>>;
  /** Requests per unit of value per sample (mean of the Poisson count). */
  readonly scale: number;
  /** Simulated seconds per series second; default 1. */
  readonly timeScale?: number;
  /** Simulated seconds per sample (instead of timeScale). */
  readonly sampleSeconds?: number;
  /** First sample: index, or timestamp text. */
  readonly start?: number | string;
  /** Samples (number) or series seconds (a duration already parsed, via `lengthSeconds`). */
  readonly length?: number;
  readonly lengthSeconds?: number;
  /** Body options, as for the synthetic generator (arrival fields are ignored). */
  readonly body: Omit<SyntheticOptions, 'arrival' | 'count' | 'horizon'>;
  readonly seed?: number | string;
  readonly idPrefix?: string;
  /**
   * The simulation's horizon (simulated seconds), when it has one: the run reads no request
   * arriving after it, so only the samples before it count towards the workload's size.
   */
  readonly horizon?: number;
}

export interface SeriesSample {
  /** Index in the series (gaps filled). */
  readonly index: number;
  /** Seconds on the file's clock. */
  readonly time: number;
  readonly value: number;
  /** Line of the row it came from (an interpolated sample: the row after the gap; aggregated: 0). */
  readonly line: number;
}

/** Stream the regular series of a file (gaps filled, or aggregated); also reports the step. */
export async function* readDemandSeries(
  file: string,
  opts: Omit<DemandSeriesOptions, 'scale' | 'body' | 'space'>,
  onAdjust: (reason: string) => void = () => undefined,
  onSkip: (reason: string) => void = () => undefined,
): AsyncGenerator<SeriesSample & { readonly step: number }> {
  const timeCol = opts.timeColumn ?? 'timestamp';
  const valueCol = opts.valueColumn ?? 'value';
  // Counting events reads no value: a request log (the Azure LLM trace: TIMESTAMP,ContextTokens,
  // GeneratedTokens) has no 'value' column, and requiring one refused `how: count` on it.
  const readsValue = opts.aggregate?.how !== 'count' || opts.valueColumn !== undefined;
  const format = opts.timeFormat ?? 'auto';
  const maxGap = opts.maxGap ?? 12;
  let header: { names: readonly string[]; t: number; v: number | undefined; filter: RowFilter<number> } | undefined;
  /** Data rows read, `where` or not (a header with none is an error at line 2, as in the other readers). */
  let records = 0;
  /** RowFilter's count of rows left out; they are reported through onSkip. */
  const leftOut: Record<string, number> = {};

  async function* rows(): AsyncGenerator<{ time: number; value: number; line: number; raw: string }> {
    for await (const row of csvRows(file, { delimiter: opts.delimiter })) {
      if (header === undefined) {
        const h = new CsvHeader(file, row);
        header = {
          names: row.values,
          t: h.require(timeCol, 'timeColumn'),
          v: readsValue ? h.require(valueCol, 'valueColumn') : undefined,
          filter: new RowFilter({ where: opts.where }, (c, field) => h.require(c, field)),
        };
        continue;
      }
      checkRowWidth(file, row, header.names, opts.delimiter);
      records++;
      if (!header.filter.keeps((at) => cellValue(row, at), leftOut)) {
        onSkip('where');
        continue;
      }
      const rawTime = cellValue(row, header.t);
      const time = parseTimestampCell(rawTime, { file, line: row.line, field: timeCol }, format);
      // Epoch milliseconds read as seconds stretch every sample 1,000-fold ('length: 2d' then holds one sample).
      const ms = epochMillisecondsProblem(rawTime, time);
      if (ms !== undefined) throw new TraceFormatError(ms, { file, line: row.line, field: timeCol });
      const value = header.v === undefined ? 1 : parseNonNegativeCell(cellValue(row, header.v), { file, line: row.line, field: valueCol });
      yield { time, value, line: row.line, raw: rawTime };
    }
    if (header === undefined) throw new TraceFormatError('empty file: expected a header row', { file, line: 1 });
    if (records === 0) throw new TraceFormatError('no records after the header: a series needs at least one sample', { file, line: 2 });
    // A `where` no row passes: the rule and the values seen, not "no data rows" at the header.
    header.filter.checkMatched(file, records, 'row');
  }

  if (opts.aggregate !== undefined) {
    const { step, how } = opts.aggregate;
    const bins = new Map<number, { sum: number; n: number; max: number; line: number }>();
    let lo: { k: number; line: number } | undefined;
    let hi: { k: number; line: number } | undefined;
    for await (const r of rows()) {
      const k = Math.floor(r.time / step);
      if (lo === undefined || k < lo.k) lo = { k, line: r.line };
      if (hi === undefined || k > hi.k) hi = { k, line: r.line };
      const b = bins.get(k);
      if (b === undefined) bins.set(k, { sum: r.value, n: 1, max: r.value, line: r.line });
      else {
        b.line = r.line;
        b.sum += r.value;
        b.n++;
        if (r.value > b.max) b.max = r.value;
      }
    }
    if (lo === undefined || hi === undefined) throw new TraceFormatError('no data rows (after `where`)', { file, line: 1 });
    const count = hi.k - lo.k + 1;
    if (count > MAX_BINS) {
      const [a, b] = lo.line < hi.line ? [lo.line, hi.line] : [hi.line, lo.line];
      throw new TraceFormatError(
        `the rows span ${count.toExponential(2)} bins of ${step} s (earliest on line ${lo.line}, latest on line ${hi.line}); at most ${MAX_BINS.toExponential(0)}: check the timestamps of lines ${a} and ${b}, or aggregate by a larger step`,
        { file, line: b, field: timeCol },
      );
    }
    const raw: (number | undefined)[] = [];
    for (let k = lo.k; k <= hi.k; k++) {
      const b = bins.get(k);
      raw.push(b === undefined ? (how === 'sum' || how === 'count' ? 0 : undefined) : how === 'sum' ? b.sum : how === 'count' ? b.n : how === 'mean' ? b.sum / b.n : b.max);
    }
    // Interpolate empty mean/max bins between their neighbours (the ends always hold data).
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] !== undefined) continue;
      let j = i;
      while (raw[j] === undefined) j++;
      if (j - i > maxGap) {
        const before = bins.get(lo.k + i - 1)?.line as number;
        const after = bins.get(lo.k + j)?.line as number;
        throw new TraceFormatError(`no events for ${j - i} consecutive bins of ${step} s (after line ${before}, before line ${after}); at most maxGap ${maxGap} empty bins are interpolated for '${how}'`, { file, line: after, field: timeCol });
      }
      const a = raw[i - 1] as number;
      const b = raw[j] as number;
      for (let q = i; q < j; q++) {
        raw[q] = a + ((b - a) * (q - i + 1)) / (j - i + 1);
        onAdjust('gap-interpolated');
      }
      i = j;
    }
    for (let i = 0; i < raw.length; i++) yield { index: i, time: (lo.k + i) * step, value: raw[i] as number, line: 0, step };
    return;
  }

  let prev: { time: number; value: number; line: number; raw: string } | undefined;
  let step = opts.step;
  /** Where the step came from when the config gives none: the first spacing (this reader streams). */
  let stepFrom: string | undefined;
  let index = 0;
  for await (const r of rows()) {
    if (prev === undefined) {
      prev = r;
      continue;
    }
    const d = r.time - prev.time;
    // The timestamps as written (epoch seconds told nobody which rows to look at).
    if (d === 0) throw new TraceFormatError(`duplicate timestamp '${r.raw}' (also on line ${prev.line}); keep one row per sample, or use 'aggregate' to merge them`, { file, line: r.line, field: timeCol });
    if (d < 0) throw new TraceFormatError(`timestamp '${r.raw}' is earlier than '${prev.raw}' on line ${prev.line}; sort the series, or use 'aggregate'`, { file, line: r.line, field: timeCol });
    if (step === undefined) {
      step = d;
      stepFrom = `the first spacing, lines ${prev.line}-${r.line}`;
    }
    const k = Math.round(d / step);
    if (k < 1 || Math.abs(d - k * step) > 1e-6 * step) {
      const fix = stepFrom === undefined ? '' : `; it is ${stepFrom}: if that spacing is a gap, set 'step'`;
      throw new TraceFormatError(`irregular sampling: ${d} s after line ${prev.line}, the step is ${step} s${fix} (use 'aggregate' for an irregular log)`, { file, line: r.line, field: timeCol });
    }
    if (k - 1 > maxGap) {
      throw new TraceFormatError(
        `gap of ${k - 1} missing samples of ${step} s between '${prev.raw}' (line ${prev.line}) and '${r.raw}'; at most maxGap ${maxGap} are interpolated: raise 'maxGap' to ${k - 1} to fill it with a straight line, or use 'aggregate' (empty 'sum' bins are 0)`,
        { file, line: r.line, field: timeCol },
      );
    }
    yield { index: index++, time: prev.time, value: prev.value, line: prev.line, step };
    for (let q = 1; q < k; q++) {
      onAdjust('gap-interpolated');
      yield { index: index++, time: prev.time + q * step, value: prev.value + ((r.value - prev.value) * q) / k, line: r.line, step };
    }
    prev = r;
  }
  if (prev === undefined) throw new TraceFormatError('no data rows: a series needs at least one sample', { file, line: 1 });
  if (step === undefined) throw new TraceFormatError(`a single sample gives no step; set 'step'`, { file, line: prev.line });
  yield { index, time: prev.time, value: prev.value, line: prev.line, step };
}

// ---------------------------------------------------------------------------------------------
// Requests

/** Stream requests driven by a demand series (see the top of this file). */
export function readDemandSeriesRequests(file: string, opts: DemandSeriesOptions): TraceStream {
  if (!(opts.scale >= 0) || !Number.isFinite(opts.scale)) throw new UserError(`must be a finite number ≥ 0 (requests per unit of value per sample), got ${opts.scale}`, { field: 'scale' });
  if (opts.timeScale !== undefined && opts.sampleSeconds !== undefined) throw new UserError(`give 'timeScale' or 'sampleSeconds', not both`, { field: 'sampleSeconds' });
  if (opts.timeScale !== undefined && !(opts.timeScale > 0)) throw new UserError(`must be > 0, got ${opts.timeScale}`, { field: 'timeScale' });
  if (opts.sampleSeconds !== undefined && !(opts.sampleSeconds > 0)) throw new UserError(`must be > 0, got ${opts.sampleSeconds}`, { field: 'sampleSeconds' });
  if (opts.length !== undefined && opts.lengthSeconds !== undefined) throw new UserError(`give 'length' as samples or as a duration, not both`, { field: 'length' });
  if (opts.aggregate !== undefined && !(opts.aggregate.step > 0)) throw new UserError(`must be > 0 seconds, got ${opts.aggregate.step}`, { field: 'aggregate.step' });
  const seed = opts.seed ?? 0;
  const body = { ...opts.body, arrival: { rate: 1 }, count: Number.MAX_SAFE_INTEGER, seed } as SyntheticOptions;
  // Validates profiles, tenants, priorities and durations now (errors name their fields).
  const bodies = generateSyntheticRequests(body, { space: opts.space });
  let startTime: number | undefined;
  if (typeof opts.start === 'string') {
    const cell = { file: '(option)', line: 0, field: 'start' };
    try {
      startTime = parseTimestampCell(opts.start, cell, opts.timeFormat ?? 'auto');
    } catch {
      throw new UserError(`'${opts.start}' is not a timestamp (a sample index, or a time such as "2014-07-07 00:00:00")`, { field: 'start' });
    }
  } else if (opts.start !== undefined && !(Number.isInteger(opts.start) && opts.start >= 0)) {
    throw new UserError(`must be a sample index ≥ 0 or a timestamp, got ${opts.start}`, { field: 'start' });
  }
  const startIndex = typeof opts.start === 'number' ? opts.start : undefined;
  const limit = opts.limit ?? Infinity;
  const idPrefix = opts.idPrefix ?? 'dem-';
  const stats = newTraceStats();

  /** The window's samples with their index k in it; `counted` books skipped and adjusted samples in the stats. */
  async function* inWindow(counted: boolean): AsyncGenerator<{ s: SeriesSample & { readonly step: number }; k: number }> {
    let origin: { index: number; time: number } | undefined;
    const book = (into: Record<string, number>) => (counted ? (r: string) => countIn(into, r) : () => {});
    for await (const s of readDemandSeries(file, opts, book(stats.adjusted), book(stats.skipped))) {
      if (origin === undefined) {
        if ((startIndex !== undefined && s.index < startIndex) || (startTime !== undefined && s.time < startTime)) {
          if (counted) {
            stats.records++;
            countIn(stats.skipped, 'before-window');
          }
          continue;
        }
        origin = { index: s.index, time: s.time };
      }
      const k = s.index - origin.index;
      if ((opts.length !== undefined && k >= opts.length) || (opts.lengthSeconds !== undefined && s.time - origin.time >= opts.lengthSeconds - 1e-9)) break;
      if (counted) stats.records++;
      yield { s, k };
    }
    if (origin === undefined && startTime !== undefined) throw new UserError(`no sample at or after start '${String(opts.start)}' in ${file}`, { field: 'start' });
    if (origin === undefined && startIndex !== undefined) throw new UserError(`start index ${startIndex} is past the end of ${file}`, { field: 'start' });
  }

  const sampleSeconds = (s: { step: number }): number => opts.sampleSeconds ?? s.step * (opts.timeScale ?? 1);
  /** The sample's Poisson mean. Its requests are drawn and sorted at once: beyond this many it is a
   * unit slip (a value in bytes, a scale meant per second), not a workload, and memory would run out. */
  const meanOf = (s: SeriesSample): number => {
    const mean = s.value * opts.scale;
    if (mean > MAX_PER_SAMPLE) {
      throw new TraceFormatError(`value ${s.value} × scale ${opts.scale} asks for about ${mean.toExponential(2)} requests in one sample (at most ${MAX_PER_SAMPLE.toExponential(0)}); lower 'scale' or check the value's unit`, { file, ...(s.line > 0 ? { line: s.line } : {}), field: opts.valueColumn ?? 'value' });
    }
    return mean;
  };

  /**
   * Every request is generated and kept for the metrics, so a series × scale asking for more than
   * a run can hold (`scale: 200` meant as 0.02) is refused before the first request, not after
   * minutes and an out-of-memory crash. Reads the window once more (a series is small).
   */
  async function checkSize(): Promise<void> {
    let expected = 0;
    for await (const { s, k } of inWindow(false)) {
      if (opts.horizon !== undefined && k * sampleSeconds(s) > opts.horizon) break;
      expected += meanOf(s);
      if (expected > MAX_EXPECTED_REQUESTS) {
        const at = s.line > 0 ? `${file}:${s.line}` : `${file}, sample ${s.index}`;
        throw new UserError(
          `the series × scale ${opts.scale} asks for about ${expected.toExponential(2)} requests by ${at}, more than the ${MAX_EXPECTED_REQUESTS.toExponential().replace('e+', 'e')} a run can hold (each is generated and kept in memory for the metrics); lower 'scale', shorten 'length' or cap the count with 'limit'`,
          { field: 'scale' },
        );
      }
    }
  }

  async function* gen(): AsyncGenerator<Request> {
    if (limit <= 0) return;
    if (limit > MAX_EXPECTED_REQUESTS) await checkSize();
    const root = new Rng(seed);
    const counts = root.fork('demand-series/counts');
    const place = root.fork('demand-series/arrivals');
    const it = bodies[Symbol.asyncIterator]();
    let emitted = 0;
    try {
      for await (const { s, k } of inWindow(true)) {
        const dt = sampleSeconds(s);
        const t0 = k * dt;
        const n = poisson(counts, meanOf(s));
        const times: number[] = [];
        for (let j = 0; j < n; j++) times.push(t0 + place.next() * dt);
        times.sort((x, y) => x - y);
        for (const t of times) {
          const next = await it.next();
          if (next.done === true) throw new Error('demand-series: the body stream ended early');
          const req: Request = { ...next.value, id: `${idPrefix}${emitted}`, arrival: t };
          emitted++;
          stats.emitted++;
          yield req;
          if (emitted >= limit) return;
        }
      }
    } finally {
      await it.return?.();
    }
  }

  return traceStream(stats, gen);
}
