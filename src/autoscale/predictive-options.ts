import type { ReactiveOptions } from './reactive.js';

/** The options of the predictive scaling policy (predictive.ts explains each rule). */
export interface PredictiveOptions {
  /** Seconds between decisions; default 15. */
  readonly intervalSeconds?: number;
  /** Forecaster name from src/predict (a synchronous one); default 'holt-winters'. */
  readonly forecaster?: string;
  readonly forecasterOptions?: Readonly<Record<string, unknown>>;
  /** Width of the demand series' bins, seconds; default 60. */
  readonly stepSeconds?: number;
  /** Season in steps (bins). */
  readonly season?: number;
  /** Season in seconds (converted to steps: round(seasonSeconds / stepSeconds)). */
  readonly seasonSeconds?: number;
  /** Multiplier on the forecast demand; default 1.15 (not with `quantile`). */
  readonly headroom?: number;
  /** Provision for this quantile of demand (0 < q < 1, e.g. 0.95) instead of a headroom factor. */
  readonly quantile?: number;
  /** Where the quantile comes from: the model's interval (default) or the policy's own lead-time errors. */
  readonly intervals?: 'model' | 'conformal';
  /** Conformal mode: how many recent lead-time errors are kept (bins; default 1000, at least 30). */
  readonly conformalWindow?: number;
  /** How far ahead to provision, seconds; default each pool's boot time + intervalSeconds. */
  readonly leadSeconds?: number;
  /** Refit the forecaster every this many bins; default 60. */
  readonly refitEvery?: number;
  /** Bins needed before forecasting; default 2 seasons (known season) or 120. */
  readonly minHistory?: number;
  /** Bins kept (older ones are dropped at a refit); default 5000. */
  readonly maxHistory?: number;
  /**
   * No season given and the forecaster finds none: forecast with the non-seasonal model chosen on
   * the series' own bins (`forecast`, default), or run the reactive rule (`reactive`).
   */
  readonly noSeason?: 'forecast' | 'reactive';
  /** Options of the reactive rule that floors the forecast (its intervalSeconds is this policy's). */
  readonly reactive?: Omit<ReactiveOptions, 'intervalSeconds' | 'pools'>;
  /** Only these pools (by name); default every pool. */
  readonly pools?: readonly string[];
}

export const PREDICTIVE_DEFAULTS = {
  intervalSeconds: 15,
  forecaster: 'holt-winters',
  stepSeconds: 60,
  headroom: 1.15,
  refitEvery: 60,
  minHistoryWithoutSeason: 120,
  maxHistory: 5000,
  noSeason: 'forecast',
} as const;

/**
 * What `auto` chooses among when no season is found (predictive.ts, Fallback): the models of its
 * default candidates that need no season (level, damped trend, SES with drift, naive rules).
 */
export const NON_SEASONAL_CANDIDATES = ['holt', 'theta', 'ewma', 'moving-average', 'naive'] as const;
