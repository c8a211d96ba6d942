/**
 * A Forecaster around one fixed exponential-smoothing specification (see smoothing.ts for the
 * equations). EWMA, Holt and each Holt-Winters candidate are instances of it.
 *
 * Parameters are estimated on the last `fitWindow` points of the history (all of it by default);
 * the states are then carried through that window. `update` continues the filter over the new
 * points with the parameters unchanged. Values interpolated across a gap (`setFilled`) feed the
 * states, but their one-step errors (and that of the value after each gap) count neither in the
 * fitting loss nor in the σ of the interval.
 */
import { checkHistory, checkHorizon, notFitted } from './check.js';
import { FULL_BUDGET, type FitBudget, type FittedSmoothing, type FixedParams, type SmoothingSpec, cloneState, filter, fitSmoothing, forecastPoints, intervalHalfWidths, unscoredMask } from './smoothing.js';
import { DEFAULT_LEVEL, symmetricInterval, zFor, type Forecast, type Forecaster } from './types.js';

export class SmoothingForecaster implements Forecaster {
  private fitted: FittedSmoothing | undefined;
  /** Absolute index in the caller's history of the next observation the state expects. */
  private seen = 0;
  private filled: ((index: number) => boolean) | undefined;

  constructor(
    readonly name: string,
    readonly spec: SmoothingSpec,
    private readonly fixed: FixedParams = {},
    private readonly fitWindow?: number,
  ) {}

  setFilled(filled: (index: number) => boolean): void {
    this.filled = filled;
  }

  fit(history: readonly number[], budget: FitBudget = FULL_BUDGET): void {
    const minPoints = this.spec.seasonal === 'none' ? 2 : 2 * this.spec.season;
    checkHistory(this.name, history, minPoints, this.spec.seasonal === 'none' ? '' : `two seasons of ${this.spec.season} steps`);
    const start = this.fitWindow === undefined ? 0 : Math.max(0, history.length - Math.max(this.fitWindow, minPoints));
    const y = start === 0 ? history : history.slice(start);
    this.fitted = fitSmoothing(y, this.spec, this.fixed, budget, unscoredMask(y.length, this.filled, start));
    this.seen = history.length;
  }

  update(history: readonly number[]): void {
    const f = this.fitted;
    if (f === undefined) throw notFitted(this.name);
    if (history.length < this.seen) throw new RangeError(`${this.name}: update() needs a history at least as long as the fitted one (${this.seen}), got ${history.length}`);
    filter(history, this.spec, f.params, f.state, this.seen);
    this.seen = history.length;
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const f = this.fitted;
    if (f === undefined) throw notFitted(this.name);
    const point = forecastPoints(f.state, this.spec, f.params, horizon);
    const half = intervalHalfWidths(this.spec, f.params, f.sigma, zFor(level), horizon);
    return {
      point,
      interval: symmetricInterval(point, half, level),
    };
  }

  /** Fitted parameters (for diagnostics and tests). */
  get params(): FittedSmoothing['params'] | undefined {
    return this.fitted?.params;
  }

  /** A copy that continues from the current state (used for validation walks). */
  snapshot(): { forecast(h: number): number[]; advance(y: readonly number[], from: number): void } {
    const f = this.fitted;
    if (f === undefined) throw notFitted(this.name);
    const state = cloneState(f.state);
    return {
      forecast: (h) => forecastPoints(state, this.spec, f.params, h),
      advance: (y, from) => void filter(y, this.spec, f.params, state, from),
    };
  }
}
