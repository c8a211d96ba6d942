/**
 * Seasonal naive: ŷ_{n+h} = y_{n+h−S·k}, k = ⌊(h−1)/S⌋ + 1 (the value one season back, repeated).
 * Interval: σ = standard deviation of the seasonal differences y_t − y_{t−S};
 * ŷ ± z·σ·√k.
 */
import { sampleStandardDeviation } from 'simple-statistics';
import { checkHistory, checkHorizon, notFitted } from './check.js';
import { resolveSeason } from './season.js';
import { DEFAULT_LEVEL, zFor, type Forecast, type Forecaster } from './types.js';

export interface SeasonalNaiveOptions {
  season?: number;
}

export class SeasonalNaiveForecaster implements Forecaster {
  readonly name = 'seasonal-naive';
  private lastSeason: number[] | undefined;
  private sigma = 0;
  private season: number | undefined;

  constructor(private readonly options: SeasonalNaiveOptions = {}) {}

  fit(history: readonly number[]): void {
    checkHistory(this.name, history, 2);
    const s = resolveSeason(this.options.season, history, this.name);
    checkHistory(this.name, history, s + 1, `one season of ${s} steps plus one`);
    this.season = s;
    const diffs: number[] = [];
    for (let i = s; i < history.length; i++) diffs.push((history[i] as number) - (history[i - s] as number));
    this.sigma = diffs.length >= 2 ? sampleStandardDeviation(diffs) : 0;
    this.lastSeason = history.slice(history.length - s);
  }

  update(history: readonly number[]): void {
    const s = this.season;
    if (s === undefined) throw notFitted(this.name);
    checkHistory(this.name, history, s);
    this.lastSeason = history.slice(history.length - s);
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const last = this.lastSeason;
    if (last === undefined) throw notFitted(this.name);
    const s = last.length;
    const point: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    const z = zFor(level);
    for (let h = 1; h <= horizon; h++) {
      const v = last[(h - 1) % s] as number;
      const half = z * this.sigma * Math.sqrt(Math.floor((h - 1) / s) + 1);
      point.push(v);
      lower.push(v - half);
      upper.push(v + half);
    }
    return { point, interval: { level, lower, upper } };
  }
}
