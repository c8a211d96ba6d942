/**
 * Naive (random walk): ŷ_{n+h} = y_n.
 * Interval: σ = standard deviation of the one-step differences y_t − y_{t−1};
 * ŷ ± z·σ·√h (random-walk error variance grows linearly with h).
 */
import { sampleStandardDeviation } from 'simple-statistics';
import { checkHistory, checkHorizon, notFitted } from './check.js';
import { DEFAULT_LEVEL, symmetricInterval, zFor, type Forecast, type Forecaster } from './types.js';

export class NaiveForecaster implements Forecaster {
  readonly name = 'naive';
  private last: number | undefined;
  private sigma = 0;

  fit(history: readonly number[]): void {
    checkHistory(this.name, history, 1);
    const diffs: number[] = [];
    for (let i = 1; i < history.length; i++) diffs.push((history[i] as number) - (history[i - 1] as number));
    this.sigma = diffs.length >= 2 ? sampleStandardDeviation(diffs) : 0;
    this.last = history[history.length - 1];
  }

  update(history: readonly number[]): void {
    checkHistory(this.name, history, 1);
    this.last = history[history.length - 1];
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const last = this.last;
    if (last === undefined) throw notFitted(this.name);
    const point = new Array<number>(horizon).fill(last);
    const z = zFor(level);
    const half = point.map((_, i) => z * this.sigma * Math.sqrt(i + 1));
    return { point, interval: symmetricInterval(point, half, level) };
  }
}
