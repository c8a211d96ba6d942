/**
 * The Forecaster contract.
 *
 * A forecaster learns from a regularly spaced history (oldest first, one value per step) and
 * predicts the next `horizon` steps. The same object serves a backtest, the CLI and an
 * autoscaling policy: call `fit(recentDemand)` then `forecast(h)`.
 *
 * - `fit(history)` estimates everything (parameters and states) from `history` alone; calling it
 *   again forgets the previous fit. Classical models fit synchronously and return `void`; the
 *   neural models (TensorFlow.js) return a `Promise<void>`. Callers that accept any forecaster
 *   simply `await forecaster.fit(history)` (awaiting `void` is harmless).
 * - `update(history)`, when present, conditions the model on a longer history that starts
 *   with the one it was fitted on, keeping the estimated parameters: cheap (one pass over the
 *   data, no optimisation, no training). Backtests use it between refits.
 * - `forecast(horizon)` is synchronous and pure with respect to the model: it does not change
 *   the model, so calling it twice gives the same numbers.
 *
 * Forecasters never see the future: a backtest hands them a copy of the prefix it may use.
 */
export interface Forecast {
  /** Point forecasts for steps 1..horizon after the last value of the history. */
  readonly point: number[];
  /** A central prediction interval, where the model gives one. */
  readonly interval?: PredictionInterval;
}

export interface PredictionInterval {
  /** Nominal coverage, e.g. 0.95. */
  readonly level: number;
  readonly lower: number[];
  readonly upper: number[];
}

export interface Forecaster {
  /** Registry name of the model (e.g. `holt-winters`), used in tables and errors. */
  readonly name: string;
  fit(history: readonly number[]): void | Promise<void>;
  update?(history: readonly number[]): void;
  /** Point forecasts and the central prediction interval at `level` (default 0.95, 0 < level < 1). */
  forecast(horizon: number, level?: number): Forecast;
  /**
   * Which values of the histories it is given were filled in across a gap (interpolated from the
   * value after it), not observed: a model that scores itself on its own history (`auto`'s
   * selection and conformal calibration) leaves them out, as the backtest does. The predicate
   * answers for indices of the history passed to the latest `fit` / `update`, false beyond it.
   */
  setFilled?(filled: (index: number) => boolean): void;
}

/** Everything a registry factory may draw on besides its own options. */
export interface ForecasterContext {
  /** Seasonal period in steps; when absent, models that need one detect it from the data. */
  readonly season?: number;
  /** Horizon the caller will ask for (neural models train direct multi-step outputs for it). */
  readonly horizon?: number;
  /** Seed for every random choice (neural weight init, shuffling). */
  readonly seed?: number | string;
}

/** z-value of a central normal interval at 95 %. */
export const Z95 = 1.959963984540054;

/** Nominal level of the interval `forecast` returns when the caller names none. */
export const DEFAULT_LEVEL = 0.95;

/**
 * z of a central normal interval at `level`: Φ⁻¹((1 + level) / 2).
 * A level outside (0, 1) is a programming error (RangeError); user input is checked where it is read.
 */
export function zFor(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`interval level must be in (0, 1), got ${level}`);
  return level === 0.95 ? Z95 : normalQuantile((1 + level) / 2);
}

/*
 * Φ⁻¹(p), the standard normal quantile: P. J. Acklam's rational approximation (relative error
 * < 1.15e-9; central region |p − 0.5| ≤ 0.47575 uses a rational function of q = p − 0.5 in q²,
 * the tails one of r = √(−2 ln p)). simple-statistics' `probit` is only accurate to ~1e-3.
 */
const A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs 0 < p < 1, got ${p}`);
  const c = (i: number): number => C[i] as number;
  const d = (i: number): number => D[i] as number;
  const tail = (q: number): number => (((((c(0) * q + c(1)) * q + c(2)) * q + c(3)) * q + c(4)) * q + c(5)) / ((((d(0) * q + d(1)) * q + d(2)) * q + d(3)) * q + 1);
  if (p < P_LOW) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - P_LOW) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const a = (i: number): number => A[i] as number;
  const b = (i: number): number => B[i] as number;
  const q = p - 0.5;
  const r = q * q;
  return ((((((a(0) * r + a(1)) * r + a(2)) * r + a(3)) * r + a(4)) * r + a(5)) * q) / (((((b(0) * r + b(1)) * r + b(2)) * r + b(3)) * r + b(4)) * r + 1);
}

/** A central interval point ± half[i]. */
export function symmetricInterval(point: readonly number[], half: readonly number[], level: number): PredictionInterval {
  return { level, lower: point.map((p, i) => p - (half[i] as number)), upper: point.map((p, i) => p + (half[i] as number)) };
}
