/**
 * Holt-Winters (triple exponential smoothing), additive or multiplicative season, with no,
 * additive or damped trend; the equations are in smoothing.ts. Parameters α, β, γ (and φ) are
 * fitted to the data by Nelder-Mead on the one-step SSE, β ≤ α, γ ≤ 1 − α.
 *
 * Model choice and the divergence guard (both on by default, `seasonal: 'auto'`, `trend: 'auto'`,
 * `guard: true`): the last V points of the history (V = max(S, 4H), kept so that 2 seasons remain
 * for fitting) are held out. Each candidate (trend none/additive/damped × season
 * additive/multiplicative, multiplicative only for strictly positive data; plus the non-seasonal
 * members with no or damped trend, unless `nonSeasonal: false`) is fitted on the rest
 * and walked forward over the holdout exactly like a backtest (forecast H steps every H points,
 * then filter the new points with fixed parameters); for speed these candidate fits use a coarse
 * optimiser budget (60 evaluations, one start). The lowest holdout sMAPE wins and is refitted on
 * the whole history, Nelder-Mead starting from its holdout-fit parameters (150 evaluations).
 * With the guard on, the seasonal naive forecast takes part too: when it beats every Holt-Winters
 * variant on the holdout, the model forecasts seasonal-naive (reported by `selected`). That is what keeps a fit whose seasonal states swallowed a few spikes from
 * extrapolating garbage (statsmodels' fit does exactly that on ec2_network_in_257a54).
 *
 * Values interpolated across a gap (`setFilled`, as `auto` and the backtest treat them) feed the
 * states but are no observations: the holdout scores neither them nor the forecasts made from an
 * origin inside a gap, and the fits leave their one-step errors out of the loss and of σ
 * (smoothing-forecaster.ts). Scored, straight lines made σ small: on a day of 8 observed hours the
 * 80 % interval covered 62 % of the observed values.
 */
import { UserError } from '../core/errors.js';
import { at, checkHistory, checkHorizon, notFitted } from './check.js';
import { smapeTerm } from './metrics.js';
import { resolveSeason } from './season.js';
import { SeasonalNaiveForecaster } from './seasonal-naive.js';
import { SmoothingForecaster } from './smoothing-forecaster.js';
import type { FitBudget, FixedParams, SeasonalKind, SmoothingLoss, TrendKind } from './smoothing.js';
import type { Forecast, Forecaster } from './types.js';

export interface HoltWintersOptions {
  season?: number;
  seasonal?: 'additive' | 'multiplicative' | 'auto';
  trend?: TrendKind | 'auto';
  alpha?: number;
  beta?: number;
  gamma?: number;
  phi?: number;
  /** With `seasonal: 'auto'`, let non-seasonal smoothing (level, damped trend) compete (default true). */
  nonSeasonal?: boolean;
  /** Let seasonal naive win the holdout when it is better (default true). */
  guard?: boolean;
  /** Holdout length in points (default max(S, 4·horizon)). */
  validation?: number;
  /** Horizon used on the holdout (default 12). */
  horizon?: number;
  /** Estimate parameters and initial states on at most this many most recent points (default: all). */
  fitWindow?: number;
  /** Fitting criterion (smoothing.ts): squared (default), relative (multiplicative error) or absolute. */
  loss?: SmoothingLoss;
}

/** Coarse optimisation for the holdout contest; the winner is then refined on the whole history. */
const SELECTION_BUDGET: FitBudget = { maxEvals: 60, starts: 1 };

export class HoltWintersForecaster implements Forecaster {
  readonly name: string;
  private model: Forecaster | undefined;
  /** The chosen variant, e.g. `additive/damped`, or `seasonal-naive` when the guard fell back. */
  selected = '';
  private filled: ((index: number) => boolean) | undefined;

  constructor(private readonly options: HoltWintersOptions = {}, name = 'holt-winters') {
    this.name = name;
  }

  setFilled(filled: (index: number) => boolean): void {
    this.filled = filled;
    if (this.model?.setFilled !== undefined) this.model.setFilled(filled);
  }

  private candidates(history: readonly number[], season: number): SmoothingForecaster[] {
    const o = this.options;
    const positive = history.every((v) => v > 0);
    let seasonals: SeasonalKind[] = o.seasonal === 'auto' || o.seasonal === undefined ? (positive ? ['additive', 'multiplicative'] : ['additive']) : [o.seasonal];
    if (seasonals.includes('multiplicative') && !positive) {
      const i = history.findIndex((v) => !(v > 0));
      throw new UserError(`${this.name}: multiplicative seasonality needs strictly positive values, but value ${at(history, i)} is at index ${i}; use seasonal 'additive'`, { field: 'seasonal' });
    }
    if (o.seasonal === undefined && !positive) seasonals = ['additive'];
    const trends: TrendKind[] = o.trend === 'auto' || o.trend === undefined ? ['additive', 'damped', 'none'] : [o.trend];
    const fixed: FixedParams = {};
    if (o.alpha !== undefined) fixed.alpha = o.alpha;
    if (o.beta !== undefined) fixed.beta = o.beta;
    if (o.gamma !== undefined) fixed.gamma = o.gamma;
    if (o.phi !== undefined) fixed.phi = o.phi;
    const out: SmoothingForecaster[] = [];
    for (const seasonal of seasonals) {
      for (const trend of trends) out.push(new SmoothingForecaster(this.name, { seasonal, trend, season, ...(o.loss !== undefined ? { loss: o.loss } : {}) }, fixed, o.fitWindow));
    }
    // With the season chosen automatically, the non-seasonal members of the family compete too
    // (as in R's ets()): on a series whose 'season' is noise they forecast better.
    if ((o.seasonal === 'auto' || o.seasonal === undefined) && (o.nonSeasonal ?? true)) {
      for (const trend of trends.filter((t) => t !== 'additive')) out.push(new SmoothingForecaster(this.name, { seasonal: 'none', trend, season, ...(o.loss !== undefined ? { loss: o.loss } : {}) }, fixed, o.fitWindow));
    }
    if (this.filled !== undefined) for (const c of out) c.setFilled(this.filled);
    return out;
  }

  fit(history: readonly number[]): void {
    checkHistory(this.name, history, 4);
    const season = resolveSeason(this.options.season, history, this.name);
    checkHistory(this.name, history, 2 * season, `two seasons of ${season} steps`);
    const candidates = this.candidates(history, season);
    const guard = this.options.guard ?? true;
    const h = this.options.horizon ?? 12;
    const v = Math.min(this.options.validation ?? Math.max(season, 4 * h), history.length - 2 * season);
    const first = candidates[0] as SmoothingForecaster;
    if ((candidates.length === 1 && !guard) || v < h) {
      first.fit(history);
      this.model = first;
      this.selected = `${first.spec.seasonal}/${first.spec.trend}`;
      return;
    }
    const cut = history.length - v;
    const head = history.slice(0, cut);
    let best: { score: number; model: Forecaster; label: string } | undefined;
    const consider = (score: number, model: Forecaster, label: string): void => {
      if (best === undefined || score < best.score) best = { score, model, label };
    };
    for (const c of candidates) {
      c.fit(head, SELECTION_BUDGET);
      const walk = c.snapshot();
      consider(holdoutSmape(history, cut, h, (o) => walk.forecast(Math.min(h, history.length - o)), (o, end) => walk.advance(history.slice(0, end), o), this.filled), c, `${c.spec.seasonal}/${c.spec.trend}`);
    }
    if (guard) {
      const sn = holdoutSmape(history, cut, h, (o) => seasonalNaivePoints(history, o, season, Math.min(h, history.length - o)), () => undefined, this.filled);
      consider(sn, new SeasonalNaiveForecaster({ season }), 'seasonal-naive');
    }
    const chosen = best as unknown as { model: Forecaster; label: string };
    if (chosen.model instanceof SmoothingForecaster) {
      // Refine from the holdout fit's parameters: the optimum moves little when V points are added.
      const from = chosen.model.params;
      chosen.model.fit(history, from === undefined ? undefined : { maxEvals: 150, starts: 1, from });
    } else {
      chosen.model.fit(history);
    }
    this.model = chosen.model;
    this.selected = chosen.label;
  }

  update(history: readonly number[]): void {
    const m = this.model;
    if (m === undefined) throw notFitted(this.name);
    if (m.update === undefined) m.fit(history);
    else m.update(history);
  }

  forecast(horizon: number, level?: number): Forecast {
    checkHorizon(this.name, horizon);
    const m = this.model;
    if (m === undefined) throw notFitted(this.name);
    return m.forecast(horizon, level);
  }
}

function seasonalNaivePoints(y: readonly number[], origin: number, season: number, h: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < h; i++) out.push(at(y, origin - season + (i % season)));
  return out;
}

/**
 * Walk forward over y[cut..]: at origins cut, cut+h, … forecast (via `predict(origin)`), score
 * against the actual values, then `advance(origin, end)` feeds the model y[origin..end).
 * Values `filled` across a gap are not scored, nor anything forecast from an origin whose last
 * value was filled (it was drawn from the value after the gap), as in auto and the backtest;
 * when that leaves nothing, every value is scored.
 */
export function holdoutSmape(y: readonly number[], cut: number, h: number, predict: (origin: number) => number[], advance: (origin: number, end: number) => void, filled?: (index: number) => boolean): number {
  let sum = 0;
  let count = 0;
  let sumAll = 0;
  let countAll = 0;
  for (let o = cut; o < y.length; o += h) {
    const f = predict(o);
    const fromGap = filled !== undefined && filled(o - 1);
    for (let i = 0; i < f.length; i++) {
      const term = smapeTerm(at(y, o + i), f[i] as number);
      sumAll += term;
      countAll++;
      if (fromGap || (filled !== undefined && filled(o + i))) continue;
      sum += term;
      count++;
    }
    advance(o, Math.min(y.length, o + h));
  }
  if (count > 0) return sum / count;
  return countAll === 0 ? Number.POSITIVE_INFINITY : sumAll / countAll;
}
