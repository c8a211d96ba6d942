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
import { holdoutSmape } from './holt-winters.js';
import type { Forecast, Forecaster } from './types.js';

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
    let best: { score: number; c: AutoCandidate } | undefined;
    let firstError: unknown;
    this.scores = {};
    if (v >= 1) {
      const head = history.slice(0, cut);
      for (const c of this.candidates) {
        const m = c.make();
        try {
          const done = m.fit(head);
          if (done instanceof Promise) throw new RangeError(`auto: candidate ${c.name} fits asynchronously; auto only takes synchronous candidates`);
          const score = holdoutSmape(
            history,
            cut,
            h,
            (o) => m.forecast(Math.min(h, history.length - o)).point,
            (_o, end) => {
              const seen = history.slice(0, end);
              if (m.update !== undefined) m.update(seen);
              else void m.fit(seen);
            },
          );
          this.scores[c.name] = score;
          if (best === undefined || score < best.score) best = { score, c };
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
    return this.model.fit(history);
  }

  update(history: readonly number[]): void {
    const m = this.model;
    if (m === undefined) throw notFitted(this.name);
    if (m.update !== undefined) m.update(history);
    else void m.fit(history);
  }

  forecast(horizon: number): Forecast {
    checkHorizon(this.name, horizon);
    const m = this.model;
    if (m === undefined) throw notFitted(this.name);
    return m.forecast(horizon);
  }
}

