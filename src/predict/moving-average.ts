/**
 * Moving average: ŷ_{n+h} = (1/k) Σ_{i=0}^{k−1} y_{n−i} for every h (flat forecast).
 * Interval: σ = root mean square of the in-sample one-step errors of the same rule
 * (y_t − mean of the k values before t); ŷ ± z·σ (no growth with h: the model assumes a
 * constant mean plus noise). The root mean square, not the standard deviation: on a trend every
 * error is about the same lag (1, 3, 5, …, 11 with k = 3: +4 each time), so their sd is 0 while the
 * forecast is 4 off. A history of at most k + 1 points has fewer than two such errors: σ then comes
 * from the widest window that leaves two, max(1, n − 2) (before, σ was 0: a zero-width interval).
 */
import { checkHistory, checkHorizon, notFitted } from './check.js';
import { DEFAULT_LEVEL, zFor, type Forecast, type Forecaster } from './types.js';

export interface MovingAverageOptions {
  /** Window length k in steps (default 12). */
  window?: number;
}

export class MovingAverageForecaster implements Forecaster {
  readonly name = 'moving-average';
  private level: number | undefined;
  private sigma = 0;
  private readonly window: number;

  constructor(options: MovingAverageOptions = {}) {
    this.window = options.window ?? 12;
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`moving-average window must be a positive integer, got ${this.window}`);
  }

  fit(history: readonly number[]): void {
    checkHistory(this.name, history, 1);
    const k = Math.max(1, Math.min(this.window, history.length - 2));
    const errors: number[] = [];
    let sum = 0;
    for (let t = 0; t < history.length; t++) {
      if (t >= k) errors.push((history[t] as number) - sum / k);
      sum += history[t] as number;
      if (t >= k) sum -= history[t - k] as number;
    }
    this.sigma = rootMeanSquare(errors);
    this.update(history);
  }

  update(history: readonly number[]): void {
    checkHistory(this.name, history, 1);
    const k = Math.min(this.window, history.length);
    let sum = 0;
    for (let i = history.length - k; i < history.length; i++) sum += history[i] as number;
    this.level = sum / k;
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const mean = this.level;
    if (mean === undefined) throw notFitted(this.name);
    const point = new Array<number>(horizon).fill(mean);
    const half = zFor(level) * this.sigma;
    return { point, interval: { level, lower: point.map((p) => p - half), upper: point.map((p) => p + half) } };
  }
}

/** √(mean e²); 0 for no errors. */
function rootMeanSquare(errors: readonly number[]): number {
  if (errors.length === 0) return 0;
  let s = 0;
  for (const e of errors) s += e * e;
  return Math.sqrt(s / errors.length);
}
