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
import { probit } from 'simple-statistics';

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
 * z of a central normal interval at `level`: Φ⁻¹((1 + level) / 2) (simple-statistics' probit).
 * A level outside (0, 1) is a programming error (RangeError); user input is checked where it is read.
 */
export function zFor(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`interval level must be in (0, 1), got ${level}`);
  return level === 0.95 ? Z95 : probit((1 + level) / 2);
}

/** A central interval point ± half[i]. */
export function symmetricInterval(point: readonly number[], half: readonly number[], level: number): PredictionInterval {
  return { level, lower: point.map((p, i) => p - (half[i] as number)), upper: point.map((p, i) => p + (half[i] as number)) };
}
