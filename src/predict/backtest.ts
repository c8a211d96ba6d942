/**
 * Walk-forward backtesting that never looks ahead.
 *
 * Protocol (defaults `train 0.8, horizon 12, every 12, refitEvery 1`), series y_0 … y_{n−1}:
 *   T = ⌊train·n⌋; origins o = T, T+every, T+2·every, … while o + horizon ≤ n (full horizons only).
 *   At each origin the forecaster gets a COPY of y_0 … y_{o−1} and nothing else:
 *   - `fit(prefix)` at the first origin and then at every `refitEvery`-th origin (1 = every origin,
 *     a full refit with parameter estimation each time);
 *   - in between `update(prefix)` (same parameters, states carried over the new points) when the
 *     model has `update`, else `fit`.
 *   With interpolated gaps (`filled`), the model is told which values of its prefix were filled
 *   (`setFilled`), so it does not score itself on them either.
 *   It forecasts y_o … y_{o+horizon−1}; errors of all origins and steps are pooled into MAE, RMSE,
 *   sMAPE and MASE (metrics.ts; the MASE scale is the seasonal-naive in-sample MAE of y_0 … y_{T−1}).
 *   Each origin also asks for the 80 % and 95 % intervals: coverage80 / coverage95 (percent of
 *   actual values inside) and winkler95 (the interval score at 95 %); null when the model gives
 *   no interval at some origin, or one with a bound that is not a finite number.
 * `fitSeconds` is the wall time spent in fit/update (not in forecast), summed over origins.
 */
import { performance } from 'node:perf_hooks';
import { UserError } from '../core/errors.js';
import { coverage, mae, mase, rmse, seasonalNaiveScale, smape, winkler } from './metrics.js';
import type { Forecaster } from './types.js';

export interface BacktestOptions {
  /** Fraction of the series used for the first fit (0 < train < 1). */
  train?: number;
  horizon?: number;
  every?: number;
  /** Season for the MASE scale (1 = naive scale). */
  season: number;
  /** Refit at every k-th origin, `update` in between (default 1: refit at every origin). */
  refitEvery?: number;
  /** Called after each origin, e.g. for a progress line. */
  onProgress?: (done: number, total: number) => void;
  /** Keep each origin's forecast in the result (default false). */
  keepForecasts?: boolean;
  /**
   * Interpolated gaps, [first index, count] (`SeriesRepairs.filledSpans`): an origin whose last
   * known point was filled from a later one is skipped, as it would forecast with the future in hand,
   * and a filled point is never scored as an actual value (`unscoredPoints` counts them).
   */
  filled?: readonly (readonly [number, number])[];
}

export interface BacktestResult {
  model: string;
  points: number;
  trainPoints: number;
  origins: number;
  /** Origins of the grid left out because their last point was interpolated from a later one. */
  skippedOrigins: number;
  /** Forecast targets left out of every metric because they were interpolated, not observed. */
  unscoredPoints: number;
  horizon: number;
  mae: number;
  rmse: number;
  smape: number;
  mase: number | null;
  /** Percent of actual values inside the 80 % / 95 % intervals; null without intervals. */
  coverage80: number | null;
  coverage95: number | null;
  /** Winkler (interval) score of the 95 % intervals; null without intervals. */
  winkler95: number | null;
  fitSeconds: number;
  forecasts?: { origin: number; point: number[] }[];
}

/**
 * T = ⌊train · n⌋, the training part's length, with a product that is a whole number up to
 * rounding taken as that number: in floating point 0.7 · 90 is 62.99999999999999, and the part
 * was one point short of the 63 the user asked for.
 */
export function trainLength(n: number, train: number): number {
  const x = train * n;
  const k = Math.round(x);
  return Math.abs(x - k) <= 1e-9 * Math.max(1, x) ? k : Math.floor(x);
}

/** The origins the protocol uses (exported so tests and the statsmodels script agree). */
export function backtestOrigins(n: number, train: number, horizon: number, every: number): number[] {
  const out: number[] = [];
  for (let o = trainLength(n, train); o + horizon <= n; o += every) out.push(o);
  return out;
}

export async function backtest(model: Forecaster, values: readonly number[], options: BacktestOptions): Promise<BacktestResult> {
  const train = options.train ?? 0.8;
  const horizon = options.horizon ?? 12;
  const every = options.every ?? 12;
  const refitEvery = options.refitEvery ?? 1;
  if (!(train > 0 && train < 1)) throw new UserError(`--train must be a fraction between 0 and 1 (exclusive), got ${train}`, { field: 'train' });
  for (const [name, v] of [['horizon', horizon], ['every', every], ['refit-every', refitEvery]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`--${name} must be a positive integer, got ${v}`, { field: name });
  }
  const grid = backtestOrigins(values.length, train, horizon, every);
  const insideGap = (o: number): boolean => (options.filled ?? []).some(([first, count]) => o - 1 >= first && o - 1 < first + count);
  const origins = grid.filter((o) => !insideGap(o));
  if (origins.length === 0 && grid.length > 0) {
    throw new UserError(`every one of the ${grid.length} forecast origins falls in an interpolated gap (its last point was filled from a later one); lower --every or --max-gap`, { field: 'every' });
  }
  if (origins.length === 0) {
    const n = values.length;
    const first = trainLength(n, train);
    // A horizon as long as the series fits after no training part: then only --horizon can help.
    const fix = horizon < n ? `lower --horizon to at most ${n - first} or --train` : `lower --horizon below ${n}`;
    throw new UserError(`series of ${n} points leaves ${n - first} after the first ${Number((train * 100).toPrecision(6))}% (${first} points), fewer than one ${horizon}-step forecast; ${fix}`, { field: horizon < n ? 'train' : 'horizon' });
  }
  const filledAt = new Set<number>();
  for (const [first, count] of options.filled ?? []) for (let k = 0; k < count; k++) filledAt.add(first + k);
  let unscored = 0;
  const trainPoints = grid[0] as number;
  const scale = seasonalNaiveScale(values.slice(0, trainPoints), options.season);
  const actual: number[] = [];
  const predicted: number[] = [];
  const kept: { origin: number; point: number[] }[] = [];
  const bands = { l80: [] as number[], u80: [] as number[], l95: [] as number[], u95: [] as number[] };
  let intervals = true;
  let fitSeconds = 0;
  // The model learns which of its history's values were interpolated, never where later gaps are.
  let known = 0;
  if (filledAt.size > 0) model.setFilled?.((index) => index < known && filledAt.has(index));
  for (let i = 0; i < origins.length; i++) {
    const o = origins[i] as number;
    known = o;
    const prefix = values.slice(0, o);
    const t0 = performance.now();
    if (i % refitEvery === 0 || model.update === undefined) await model.fit(prefix);
    else model.update(prefix);
    fitSeconds += (performance.now() - t0) / 1000;
    const { point, interval } = model.forecast(horizon, 0.95);
    const i80 = model.forecast(horizon, 0.8).interval;
    // An interval with a bound that is not a finite number is none: scored, NaN counted as a miss
    // (coverage 25 % for one NaN step in 4) and the Winkler score came out NaN.
    if (interval === undefined || i80 === undefined || ![interval.lower, interval.upper, i80.lower, i80.upper].every((b) => b.every(Number.isFinite))) intervals = false;
    if (point.length !== horizon) throw new Error(`${model.name}: forecast(${horizon}) returned ${point.length} values`);
    for (let h = 0; h < horizon; h++) {
      const f = point[h] as number;
      // The model failing on this series (overflow, a 0 it divides by), not the user's input being wrong,
      // but the user's to act on: name the model and the way round it, no stack trace.
      if (!Number.isFinite(f)) {
        throw new UserError(`${model.name} forecast ${f} (not a finite number) at origin ${o}, step ${h + 1}: it cannot forecast this series; leave ${model.name} out of --models`, { field: 'models' });
      }
      // An interpolated value is no observation: scored, it would count a guess of ours as the truth.
      if (filledAt.has(o + h)) {
        unscored++;
        continue;
      }
      predicted.push(f);
      actual.push(values[o + h] as number);
      if (interval !== undefined && i80 !== undefined) {
        bands.l95.push(interval.lower[h] as number);
        bands.u95.push(interval.upper[h] as number);
        bands.l80.push(i80.lower[h] as number);
        bands.u80.push(i80.upper[h] as number);
      }
    }
    if (options.keepForecasts === true) kept.push({ origin: o, point: [...point] });
    options.onProgress?.(i + 1, origins.length);
  }
  if (actual.length === 0) {
    throw new UserError(`every value the ${origins.length} forecast origin(s) would be scored on was interpolated in a gap, none was observed; lower --max-gap or --train`, { field: 'max-gap' });
  }
  const result: BacktestResult = {
    model: model.name,
    points: values.length,
    trainPoints,
    origins: origins.length,
    skippedOrigins: grid.length - origins.length,
    unscoredPoints: unscored,
    horizon,
    mae: mae(actual, predicted),
    rmse: rmse(actual, predicted),
    smape: smape(actual, predicted),
    mase: mase(actual, predicted, scale),
    coverage80: intervals ? coverage(actual, bands.l80, bands.u80) : null,
    coverage95: intervals ? coverage(actual, bands.l95, bands.u95) : null,
    winkler95: intervals ? winkler(actual, bands.l95, bands.u95, 0.95) : null,
    fitSeconds,
  };
  if (options.keepForecasts === true) result.forecasts = kept;
  return result;
}
