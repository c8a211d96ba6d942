/**
 * Naive (random walk): ŷ_{n+h} = y_n.
 * Interval: σ = root mean square of the one-step differences y_t − y_{t−1}, √(mean d²) (R's
 * forecast::naive: se = √(mean(res²)·h)); ŷ ± z·σ·√h (random-walk error variance grows linearly
 * with h). Not their standard deviation: the differences of a ramp are all its slope, their sd is 0,
 * and the interval had zero width while the forecast was wrong by the slope (1, 3, 5, 7: 7 ± 0, next 9).
 */
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
    this.sigma = rootMeanSquare(diffs);
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

/** √(mean x²); 0 for no values. */
export function rootMeanSquare(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (const x of xs) s += x * x;
  return Math.sqrt(s / xs.length);
}
