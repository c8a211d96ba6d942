/**
 * Forecast accuracy metrics: pure functions of equally long `actual` and `forecast` arrays
 * (pooled over every forecast point of a backtest).
 *
 *   MAE   = (1/N) Σ |f_i − y_i|
 *   RMSE  = √((1/N) Σ (f_i − y_i)²)
 *   sMAPE = (100/N) Σ 2|f_i − y_i| / (|y_i| + |f_i|)        percent, in [0, 200]; a term with
 *           y_i = f_i = 0 counts as 0 (a perfect forecast of zero demand)
 *   MASE  = MAE / scale, scale = in-sample MAE of the seasonal naive forecast on the training
 *           part: (1/(T−S)) Σ_{t=S}^{T−1} |y_t − y_{t−S}| (S = 1 gives the naive scale). The scale
 *           is computed once, on the first `train` fraction, and shared by every origin.
 *
 * Interval metrics, for central intervals [l_i, u_i] at nominal level 1 − a:
 *   coverage = (100/N) Σ 1{l_i ≤ y_i ≤ u_i}                  percent; ideal: 100 (1 − a)
 *   Winkler (interval) score, Winkler 1972 / Gneiting & Raftery 2007 (lower is better):
 *           W = (1/N) Σ [ (u_i − l_i) + (2/a)(l_i − y_i)·1{y_i < l_i} + (2/a)(y_i − u_i)·1{y_i > u_i} ]
 *           a narrow interval is rewarded, a miss is charged 2/a times its distance.
 */
function check(actual: readonly number[], forecast: readonly number[]): void {
  if (actual.length !== forecast.length) throw new RangeError(`metrics need equally long arrays, got ${actual.length} actual and ${forecast.length} forecast values`);
  if (actual.length === 0) throw new RangeError('metrics need at least one value');
}

export function mae(actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs((forecast[i] as number) - (actual[i] as number));
  return s / actual.length;
}

export function rmse(actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = (forecast[i] as number) - (actual[i] as number);
    s += e * e;
  }
  return Math.sqrt(s / actual.length);
}

/** One sMAPE term in percent (0..200). */
export function smapeTerm(y: number, f: number): number {
  const d = Math.abs(y) + Math.abs(f);
  return d === 0 ? 0 : (200 * Math.abs(f - y)) / d;
}

export function smape(actual: readonly number[], forecast: readonly number[]): number {
  check(actual, forecast);
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += smapeTerm(actual[i] as number, forecast[i] as number);
  return s / actual.length;
}

/** In-sample MAE of the seasonal naive forecast at lag `season` (the MASE denominator). */
export function seasonalNaiveScale(train: readonly number[], season: number): number {
  if (!Number.isInteger(season) || season < 1) throw new RangeError(`season must be a positive integer, got ${season}`);
  if (train.length <= season) throw new RangeError(`the MASE scale needs more than ${season} training points, got ${train.length}`);
  let s = 0;
  for (let t = season; t < train.length; t++) s += Math.abs((train[t] as number) - (train[t - season] as number));
  return s / (train.length - season);
}

/** MASE given the scale; `null` when the scale is 0 (a perfectly seasonal training part). */
export function mase(actual: readonly number[], forecast: readonly number[], scale: number): number | null {
  const m = mae(actual, forecast);
  return scale > 0 ? m / scale : null;
}

/** Percentage of actual values inside [lower, upper]. */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  if (actual.length === 0) return Number.NaN;
  let inside = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    if (y >= (lower[i] as number) && y <= (upper[i] as number)) inside++;
  }
  return (100 * inside) / actual.length;
}

/** Mean Winkler score of central intervals at level `level` (a = 1 − level). */
export function winkler(actual: readonly number[], lower: readonly number[], upper: readonly number[], level: number): number {
  if (actual.length === 0) return Number.NaN;
  const a = 1 - level;
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const l = lower[i] as number;
    const u = upper[i] as number;
    s += u - l + (y < l ? (2 / a) * (l - y) : 0) + (y > u ? (2 / a) * (y - u) : 0);
  }
  return s / actual.length;
}
