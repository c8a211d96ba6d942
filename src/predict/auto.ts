/**
 * Auto: per-series model selection by rolling-origin validation on the training part only.
 *
 * Validation. The last V points of the history the model is given (V = max(S, 10H) by default,
 * at least H and never more than half the history) are held out. Every candidate is fitted once
 * on the rest and walked forward over the holdout like a backtest: forecast H steps at origins
 * cut, cut + H, …, then `update` with the points up to the next origin (same parameters). Its
 * score is the pooled holdout sMAPE (`score: 'mae' | 'rmse'` ranks by those instead). Why sMAPE
 * although a term is 200 whenever y = 0 and ŷ ≠ 0: ranking by MAE or RMSE, which are sound within
 * one series, chose worse on a DEV set of 27 series (NAB, shared data, zero-heavy counts) and
 * on a separate TEST set of 12, in their own MAE (bench/forecast/auto-score.ts,
 * docs/forecasting.md); each sMAPE term is bounded, so a spike in the holdout cannot decide. Why rolling-origin validation and not an information
 * criterion: the candidates are different families (naive rules, ETS, OLS regressions) whose
 * likelihoods are not comparable by AIC (naive and seasonal naive have none), and the validation
 * scores exactly what the backtest scores, H steps ahead. Why V = 10H: with V = 4H the choice
 * rested on 4 origins and flipped between near-equal models; 10 origins (measured on the bench,
 * docs/forecasting.md) pick more stably at the same cost, since the walk only `update`s.
 *
 * Combination. The k best candidates (k = 2 … `combine`, default 3) are also scored as an equal-
 * weight mean of their forecasts on the same walk (forecast combination; Bates & Granger 1969,
 * the M4 competition's lesson): ŷ = (1/k) Σ ŷ_i. If a combination scores lower than the best
 * single candidate it is used (`selected` = "a+b"). Ties: the single, earlier candidate.
 *
 * Intervals. The chosen forecaster's own interval (for a combination: the mean of the members'
 * one-σ widths) is recalibrated by split conformal prediction (conformal.ts): scores
 * r = |y − ŷ| / w_h, half-width q̂_ℓ · w_h. The scores come from the selection walk (V points), or,
 * with the `calibration: C` option (C > V, never more than half the history), from a walk over
 * the last C points: the chosen members are fitted once more on the history before those C points
 * and walked over them (a longer window sees more of the weekly and daily variation; measured on
 * nyc_taxi with C = 480: coverage 75.5 / 93.5 instead of 71.9 / 87.5, but on genai_qps 100 / 100
 * instead of 88.3 / 97.7, so it is off by default). Fewer than 20 scores: the model's interval.
 * Values the caller says were interpolated across a gap (`setFilled`) are scored neither in the
 * selection nor in the calibration (see `observed`), and the calibration walk grows until it holds
 * V scores (`calibrationLength`). The candidates are told too, so that they leave them out of
 * their own fits (holt-winters' variant choice, the σ of the smoothing models).
 *
 * A candidate that throws a UserError (e.g. too short for its season) drops out, and so does one
 * whose holdout score is not finite (a NaN or infinite forecast); if all drop out the first error
 * is rethrown (a UserError naming them when none threw). Everything uses only the history given to `fit` (no look-ahead).
 */
import { isUserError, UserError } from '../core/errors.js';
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
  /** Largest combination tried (1 = no combinations; default 3). */
  combine?: number;
  /** Points of the conformal calibration walk (default: the selection walk's V). */
  calibration?: number;
  /** Holdout error the candidates are ranked by (default 'smape'). */
  score?: AutoScore;
}

/** Selection scores: pooled over the holdout walk. */
export const AUTO_SCORES = ['smape', 'mae', 'rmse'] as const;
export type AutoScore = (typeof AUTO_SCORES)[number];

/** Fewer holdout errors than this: keep the model's own interval. */
const MIN_CALIBRATION = 20;

/** One candidate's walk over the holdout: forecasts and one-σ widths, step by step. */
interface Walk {
  name: string;
  index: number;
  points: number[];
  /** One-σ widths (NaN where the model gave no interval). */
  sigmas: number[];
  score: number;
}

export class AutoForecaster implements Forecaster {
  readonly name = 'auto';
  private members: Forecaster[] = [];
  selected = '';
  /** Holdout sMAPE of every candidate (and tried combination) in the last fit. */
  scores: Record<string, number> = {};
  private calibration: ConformalCalibration | undefined;
  /** Values of the history interpolated across a gap (`setFilled`): left out of every holdout score. */
  private filled: (index: number) => boolean = () => false;
  private filledGiven = false;

  constructor(
    private readonly candidates: readonly AutoCandidate[],
    private readonly options: AutoOptions = {},
  ) {
    if (candidates.length === 0) throw new RangeError('auto needs at least one candidate');
  }

  setFilled(filled: (index: number) => boolean): void {
    this.filled = filled;
    this.filledGiven = true;
    for (const m of this.members) m.setFilled?.(filled);
  }

  fit(history: readonly number[]): void | Promise<void> {
    checkHistory(this.name, history, 4);
    const h = this.options.horizon ?? 12;
    const s = this.options.season;
    const v = Math.min(this.options.validation ?? Math.max(s ?? 0, 10 * h), Math.floor(history.length / 2));
    const cut = history.length - v;
    const keep = observed(cut, history.length, h, this.filled);
    const metric = this.options.score ?? 'smape';
    const walks: Walk[] = [];
    let firstError: unknown;
    const nonFinite: string[] = [];
    this.scores = {};
    if (v >= 1) {
      const head = history.slice(0, cut);
      this.candidates.forEach((c, index) => {
        const m = this.make(c);
        try {
          const done = m.fit(head);
          if (done instanceof Promise) throw new RangeError(`auto: candidate ${c.name} fits asynchronously; auto only takes synchronous candidates`);
          const w = walkHoldout(m, history, cut, h);
          const score = scoreOf(metric, history, cut, w.points, keep);
          this.scores[c.name] = score;
          // A NaN score would be ranked by position (a - b is NaN): a candidate that cannot forecast drops out.
          if (Number.isFinite(score)) walks.push({ name: c.name, index, ...w, score });
          else nonFinite.push(c.name);
        } catch (e) {
          if (!isUserError(e)) throw e;
          firstError ??= e;
        }
      });
    }
    if (walks.length === 0 && firstError !== undefined) throw firstError;
    if (walks.length === 0 && nonFinite.length > 0) {
      throw new UserError(`auto: every candidate forecast values that are not finite numbers on the validation holdout (${nonFinite.join(', ')}); no model to choose`, { field: 'models' });
    }
    walks.sort((a, b) => a.score - b.score || a.index - b.index);
    let chosen: Walk[] = walks.slice(0, 1);
    let bestScore = walks[0]?.score ?? Number.POSITIVE_INFINITY;
    const maxK = Math.min(this.options.combine ?? 3, walks.length);
    for (let k = 2; k <= maxK; k++) {
      const combo = combineWalks(walks.slice(0, k));
      const score = scoreOf(metric, history, cut, combo.points, keep);
      this.scores[combo.name] = score;
      if (score < bestScore) {
        bestScore = score;
        chosen = walks.slice(0, k);
      }
    }
    const names = chosen.length === 0 ? [this.candidates[0]?.name as string] : chosen.map((w) => w.name);
    const byName = new Map(this.candidates.map((c) => [c.name, c]));
    this.members = names.map((n) => this.make(byName.get(n) as AutoCandidate));
    this.selected = names.join('+');
    const c = calibrationLength(history.length, Math.min(Math.max(v, this.options.calibration ?? 0), Math.floor(history.length / 2)), v, h, this.filled);
    if (chosen.length > 0 && c > v) {
      const calCut = history.length - c;
      const calHead = history.slice(0, calCut);
      const walksC = chosen.map((w) => {
        const m = this.make(byName.get(w.name) as AutoCandidate);
        void m.fit(calHead);
        return { name: w.name, index: w.index, ...walkHoldout(m, history, calCut, h), score: Number.NaN };
      });
      this.calibration = calibrate(history, calCut, combineWalks(walksC), observed(calCut, history.length, h, this.filled));
    } else {
      const walk = chosen.length === 0 ? undefined : combineWalks(chosen);
      this.calibration = walk === undefined ? undefined : calibrate(history, cut, walk, keep);
    }
    for (const m of this.members) void m.fit(history);
  }

  /** A fresh candidate that knows which values of its histories were filled (they index the same history). */
  private make(c: AutoCandidate): Forecaster {
    const m = c.make();
    if (this.filledGiven) m.setFilled?.(this.filled);
    return m;
  }

  update(history: readonly number[]): void {
    if (this.members.length === 0) throw notFitted(this.name);
    for (const m of this.members) {
      if (m.update !== undefined) m.update(history);
      else void m.fit(history);
    }
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    if (this.members.length === 0) throw notFitted(this.name);
    const fs = this.members.map((m) => m.forecast(horizon, level));
    const z = zFor(level);
    const point = meanOf(fs.map((f) => f.point));
    const haveIntervals = fs.every((f) => f.interval !== undefined);
    const sigma = haveIntervals ? meanOf(fs.map((f) => sigmaWidths(f.interval as NonNullable<Forecast['interval']>, z))) : undefined;
    const cal = this.calibration;
    if (sigma !== undefined && cal !== undefined && cal.size >= MIN_CALIBRATION) {
      const interval = cal.interval(point, sigma, level);
      if (interval !== undefined) return { point, interval };
    }
    if (fs.length === 1) return fs[0] as Forecast;
    return sigma === undefined ? { point } : { point, interval: { level, lower: point.map((p, i) => p - z * (sigma[i] as number)), upper: point.map((p, i) => p + z * (sigma[i] as number)) } };
  }
}

function meanOf(rows: readonly (readonly number[])[]): number[] {
  const n = rows[0]?.length ?? 0;
  const out = new Array<number>(n).fill(0);
  for (const r of rows) for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (r[i] as number) / rows.length;
  return out;
}

function combineWalks(ws: readonly Walk[]): Walk {
  return { name: ws.map((w) => w.name).join('+'), index: -1, points: meanOf(ws.map((w) => w.points)), sigmas: meanOf(ws.map((w) => w.sigmas)), score: Number.NaN };
}

/**
 * Offsets i (from `cut`) of the holdout values y[cut + i] to score, as the backtest scores them:
 * the value was observed, not interpolated (a straight line between two observations is easy to
 * forecast, and a score on it is a guess of ours taken for the truth), and the walk's origin for it
 * (cut + h⌊i/h⌋) did not end on an interpolated value (that one was drawn from the value after the
 * gap: the forecast had the future in hand). On a series whose nights were filled (a day of 8
 * observed hours) the calibration scores were mostly such lines and the conformal intervals covered
 * 29-36 % of the observed values at 80 %. Every offset when none qualifies.
 */
function observed(cut: number, end: number, h: number, filled: (index: number) => boolean, orAll = true): number[] {
  const all = Array.from({ length: end - cut }, (_, i) => i);
  const kept = all.filter((i) => !filled(cut + i) && !filled(cut + h * Math.floor(i / h) - 1));
  return kept.length > 0 || !orAll ? kept : all;
}

/**
 * Points of the calibration walk: `c`, or, when interpolated values leave fewer than v scores in
 * it (v: what a holdout without gaps gives), the shortest longer walk (in steps of h) that holds v,
 * at most half the history. A day of 8 observed hours in 24 left 13 of 40 scores, under the 20 a
 * calibration needs, and the models' own intervals, their σ shrunk by the straight lines, covered 65 %.
 */
function calibrationLength(n: number, c: number, v: number, h: number, filled: (index: number) => boolean): number {
  const max = Math.floor(n / 2);
  const count = (len: number): number => observed(n - len, n, h, filled, false).length;
  let len = c;
  while (len < max && count(len) < v) len = Math.min(max, len + h);
  return len;
}

/** Pooled score (sMAPE, MAE or RMSE) of walk forecasts against y[cut..], over the offsets `keep`. */
function scoreOf(metric: AutoScore, y: readonly number[], cut: number, points: readonly number[], keep: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const i of keep) {
    if (i >= points.length) continue;
    const a = y[cut + i] as number;
    const f = points[i] as number;
    sum += metric === 'smape' ? smapeTerm(a, f) : metric === 'mae' ? Math.abs(f - a) : (f - a) * (f - a);
    count++;
  }
  if (count === 0) return Number.POSITIVE_INFINITY;
  const mean = sum / count;
  return metric === 'rmse' ? Math.sqrt(mean) : mean;
}

function calibrate(y: readonly number[], cut: number, w: Walk, keep: readonly number[]): ConformalCalibration {
  const cal = new ConformalCalibration();
  for (const i of keep) if (i < w.points.length) cal.add(y[cut + i] as number, w.points[i] as number, w.sigmas[i] as number);
  return cal;
}

/**
 * Walk a fitted candidate forward over y[cut..] like a backtest: at origins cut, cut+h, … forecast
 * min(h, left) steps (points and one-σ widths of the 95 % interval), then condition the model on
 * the points up to the next origin. Forecast i of the result is for y[cut + i].
 */
function walkHoldout(m: Forecaster, y: readonly number[], cut: number, h: number): { points: number[]; sigmas: number[] } {
  const z = zFor(DEFAULT_LEVEL);
  const points: number[] = [];
  const sigmas: number[] = [];
  for (let o = cut; o < y.length; o += h) {
    const f = m.forecast(Math.min(h, y.length - o));
    const w = f.interval === undefined ? undefined : sigmaWidths(f.interval, z);
    f.point.forEach((p, i) => {
      points.push(p);
      sigmas.push(w === undefined ? Number.NaN : (w[i] as number));
    });
    const end = Math.min(y.length, o + h);
    if (end >= y.length) break;
    const seen = y.slice(0, end);
    if (m.update !== undefined) m.update(seen);
    else void m.fit(seen);
  }
  return { points, sigmas };
}
