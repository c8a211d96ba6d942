import { isUserError } from '../core/errors.js';
import { AutoForecaster } from '../predict/auto.js';
import { createForecaster } from '../predict/registry.js';
import type { Forecaster } from '../predict/types.js';
import { NON_SEASONAL_CANDIDATES } from './predictive-options.js';

/*
 * The predictive policy on a series without a season. When no season is given and the forecaster
 * finds none in the bins (a UserError on its field 'season': the autocorrelation shows no period,
 * src/predict/season.ts), the policy does not fall back on the reactive rule: it forecasts with
 * `auto` (src/predict/auto.ts) restricted to the models that need no season
 * (NON_SEASONAL_CANDIDATES: Holt's damped trend, Theta = SES with drift, SES, moving average,
 * naive). `auto` is the selection rule of `drs forecast`: each candidate is fitted on the bins
 * before a holdout made of the last bins the policy has, walked over it, and the lowest holdout
 * sMAPE wins (or an equal-weight mean of the best 2-3 when that scores lower); its interval is
 * recalibrated by split conformal prediction on the same walk, so a `quantile` reads a calibrated
 * interval. Only bins already closed are used: nothing after the decision is ever scored.
 */

/** Whether a fit failed because no season was given and none was found (or the model needs one). */
export function noSeasonFound(e: unknown): boolean {
  return isUserError(e) && e.location.field === 'season';
}

/**
 * The non-seasonal forecaster fitted on `values` for forecasts of `horizon` steps (its holdout is
 * walked that many steps at a time), and what it chose ('holt', 'theta+ewma'); a UserError when
 * even that cannot fit.
 */
export function fitWithoutSeason(values: readonly number[], seed: string, horizon: number): { model: Forecaster; selected: string } {
  const model = createForecaster('auto', { candidates: [...NON_SEASONAL_CANDIDATES] }, { season: 1, horizon, seed });
  void model.fit(values.slice());
  return { model, selected: model instanceof AutoForecaster ? model.selected : model.name };
}
