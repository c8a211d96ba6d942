/**
 * Auto: per-series model selection by holdout error.
 *
 * The last V points of the history (V = max(S, 4H) when a season is known, else 4H; at least H,
 * and never more than half the history) are held out. Every candidate is fitted on the rest and
 * walked forward over the holdout like a backtest (forecast H every H points, `update` with the
 * points seen). The candidate with the lowest holdout sMAPE (ties: the earlier candidate) is
 * refitted on the whole history and forecasts. A candidate that throws a UserError (e.g. too
 * short for its season) simply drops out; if all drop out the first error is rethrown.
 *
 * Candidates are supplied by the registry (default: seasonal-naive, holt-winters, regression,
 * regression-dummy, ewma, holt, moving-average, naive); `selected` names the winner of the last fit.
 */
import { isUserError } from '../core/errors.js';
import { checkHistory, checkHorizon, notFitted } from './check.js';
import { ConformalCalibration, sigmaWidths } from './conformal.js';
import { smapeTerm } from './metrics.js';
import { DEFAULT_LEVEL, zFor, type Forecast, type Forecaster } from './types.js';

export interface AutoCandidate {
  readonly name: string;
  make(): Forecaster;
}

export interface AutoOptions {
  season?: number;
  horizon?: number;
  validation?: number;
}

export class AutoForecaster implements Forecaster {
  readonly name = 'auto';
  private model: Forecaster | undefined;
  selected = '';
  /** Holdout sMAPE of every candidate in the last fit (for diagnostics). */
  scores: Record<string, number> = {};
  /** Normalised holdout errors of the chosen candidate (conformal intervals). */
  private calibration: ConformalCalibration | undefined;

  constructor(
    private readonly candidates: readonly AutoCandidate[],
    private readonly options: AutoOptions = {},
  ) {
    if (candidates.length === 0) throw new RangeError('auto needs at least one candidate');
  }

  fit(history: readonly number[]): void | Promise<void> {
    checkHistory(this.name, history, 4);
    const h = this.options.horizon ?? 12;
    const s = this.options.season;
    const v = Math.min(this.options.validation ?? Math.max(s ?? 0, 4 * h), Math.floor(history.length / 2));
    const cut = history.length - v;
    let best: { score: number; c: AutoCandidate; cal: ConformalCalibration } | undefined;
    let firstError: unknown;
    this.scores = {};
    if (v >= 1) {
      const head = history.slice(0, cut);
      for (const c of this.candidates) {
        const m = c.make();
        try {
          const done = m.fit(head);
          if (done instanceof Promise) throw new RangeError(`auto: candidate ${c.name} fits asynchronously; auto only takes synchronous candidates`);
          const { score, cal } = walkHoldout(m, history, cut, h);
          this.scores[c.name] = score;
          if (best === undefined || score < best.score) best = { score, c, cal };
        } catch (e) {
          if (!isUserError(e)) throw e;
          firstError ??= e;
        }
      }
    }
    const chosen = best?.c ?? this.candidates[0];
    if (chosen === undefined || (best === undefined && firstError !== undefined)) throw firstError;
    this.model = chosen.make();
    this.selected = chosen.name;
    this.calibration = best?.cal;
    return this.model.fit(history);
  }

  update(history: readonly number[]): void {
    const m = this.model;
    if (m === undefined) throw notFitted(this.name);
    if (m.update !== undefined) m.update(history);
    else void m.fit(history);
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const m = this.model;
    if (m === undefined) throw notFitted(this.name);
    const f = m.forecast(horizon, level);
    const cal = this.calibration;
    if (f.interval === undefined || cal === undefined || cal.size < MIN_CALIBRATION) return f;
    const interval = cal.interval(f.point, sigmaWidths(f.interval, zFor(level)), level);
    return interval === undefined ? f : { point: f.point, interval };
  }
}

/** Fewer holdout errors than this: keep the model's own interval. */
const MIN_CALIBRATION = 20;

/**
 * Walk a fitted candidate forward over y[cut..] like a backtest: at origins cut, cut+h, … forecast
 * min(h, left) steps, score them (sMAPE, and the conformal score |y − ŷ| / w_h against the
 * model's one-σ width), then condition the model on the points up to the next origin.
 */
function walkHoldout(m: Forecaster, y: readonly number[], cut: number, h: number): { score: number; cal: ConformalCalibration } {
  const cal = new ConformalCalibration();
  const z = zFor(DEFAULT_LEVEL);
  let sum = 0;
  let count = 0;
  for (let o = cut; o < y.length; o += h) {
    const f = m.forecast(Math.min(h, y.length - o));
    const w = f.interval === undefined ? undefined : sigmaWidths(f.interval, z);
    for (let i = 0; i < f.point.length; i++) {
      const actual = y[o + i] as number;
      const p = f.point[i] as number;
      sum += smapeTerm(actual, p);
      count++;
      if (w !== undefined) cal.add(actual, p, w[i] as number);
    }
    const end = Math.min(y.length, o + h);
    if (end >= y.length) break;
    const seen = y.slice(0, end);
    if (m.update !== undefined) m.update(seen);
    else void m.fit(seen);
  }
  return { score: count === 0 ? Number.POSITIVE_INFINITY : sum / count, cal };
}

