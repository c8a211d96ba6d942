import { describe, expect, it } from 'vitest';
import { backtest, backtestOrigins } from '../../src/predict/backtest.js';
import { NaiveForecaster } from '../../src/predict/naive.js';
import { SeasonalNaiveForecaster } from '../../src/predict/seasonal-naive.js';
import { smape } from '../../src/predict/metrics.js';
import type { Forecast, Forecaster } from '../../src/predict/types.js';
import { UserError } from '../../src/core/errors.js';

/** Records every history it is given; forecasts the mean of what it saw. */
class Spy implements Forecaster {
  readonly name = 'spy';
  fits: number[][] = [];
  updates: number[][] = [];
  private seen: readonly number[] = [];
  fit(history: readonly number[]): void {
    this.fits.push([...history]);
    this.seen = history;
  }
  update(history: readonly number[]): void {
    this.updates.push([...history]);
    this.seen = history;
  }
  forecast(h: number): Forecast {
    const m = this.seen.reduce((a, b) => a + b, 0) / this.seen.length;
    return { point: new Array<number>(h).fill(m) };
  }
}

const series = Array.from({ length: 100 }, (_, t) => 10 + (t % 7));

describe('walk-forward backtest', () => {
  it('uses origins T, T+every, … with full horizons only', () => {
    expect(backtestOrigins(100, 0.8, 12, 12)).toEqual([80]);
    expect(backtestOrigins(100, 0.5, 12, 12)).toEqual([50, 62, 74, 86]);
    expect(backtestOrigins(100, 0.5, 5, 10)).toEqual([50, 60, 70, 80, 90]);
  });

  it('a training fraction that gives a whole number of points gives that number (0.7 · 90 is 63, not 62)', async () => {
    // In floating point 0.7 * 90 is 62.99999999999999 and 0.57 * 100 is 56.99999999999999: the first
    // origin (and the training part) was one point short for 4,676 lengths up to 200,000 at 0.7.
    expect(backtestOrigins(90, 0.7, 12, 12)).toEqual([63, 75]);
    expect(backtestOrigins(100, 0.57, 12, 12)).toEqual([57, 69, 81]);
    expect(backtestOrigins(288, 0.57, 12, 12)[0]).toBe(164); // 164.16: still rounded down
    expect(backtestOrigins(98, 0.7, 1, 1)[0]).toBe(68); // 68.6: down, not to the nearest
    const r = await backtest(new SeasonalNaiveForecaster({ season: 7 }), Array.from({ length: 90 }, (_, t) => t % 7), { train: 0.7, horizon: 12, every: 12, season: 7 });
    expect([r.trainPoints, r.origins]).toEqual([63, 2]);
  });

  it('hands the model exactly the prefix before each origin, never later points', async () => {
    const spy = new Spy();
    await backtest(spy, series, { train: 0.5, horizon: 5, every: 10, season: 7 });
    expect(spy.fits.map((h) => h.length)).toEqual([50, 60, 70, 80, 90]);
    spy.fits.forEach((h) => expect(h).toEqual(series.slice(0, h.length)));
  });

  it('forecasts do not change when the future changes (no look-ahead)', async () => {
    const future = series.map((v, t) => (t >= 50 ? v * 100 : v));
    const a = await backtest(new SeasonalNaiveForecaster({ season: 7 }), series, { train: 0.5, horizon: 5, every: 5, season: 7, keepForecasts: true });
    const b = await backtest(new SeasonalNaiveForecaster({ season: 7 }), future, { train: 0.5, horizon: 5, every: 5, season: 7, keepForecasts: true });
    // The first origin only knows the (identical) first half.
    expect(b.forecasts?.[0]).toEqual(a.forecasts?.[0]);
  });

  it('pools errors over every origin and step', async () => {
    const r = await backtest(new SeasonalNaiveForecaster({ season: 7 }), series, { train: 0.5, horizon: 5, every: 10, season: 7, keepForecasts: true });
    expect(r.origins).toBe(5);
    expect(r.trainPoints).toBe(50);
    expect(r.mae).toBe(0); // the series is exactly 7-periodic
    expect(r.smape).toBe(0);
    expect(r.mase).toBeNull(); // the training part is exactly periodic: seasonal-naive scale 0
    const f = r.forecasts?.flatMap((x) => x.point) ?? [];
    const actual = [50, 60, 70, 80, 90].flatMap((o) => series.slice(o, o + 5));
    expect(smape(actual, f)).toBe(r.smape);
  });

  it('refits every k-th origin and updates in between', async () => {
    const spy = new Spy();
    await backtest(spy, series, { train: 0.5, horizon: 5, every: 10, season: 7, refitEvery: 2 });
    expect(spy.fits.map((h) => h.length)).toEqual([50, 70, 90]);
    expect(spy.updates.map((h) => h.length)).toEqual([60, 80]);
  });

  it('bad protocol options are UserErrors naming the flag', async () => {
    await expect(backtest(new Spy(), series, { train: 1.2, season: 7 })).rejects.toThrow(/--train/);
    await expect(backtest(new Spy(), series, { horizon: 0, season: 7 })).rejects.toThrow(/--horizon/);
    await expect(backtest(new Spy(), series.slice(0, 10), { season: 2 })).rejects.toThrow(UserError);
  });

  // Points filled in a gap are our interpolation, not observations: scored, they counted a guess
  // as the truth. By hand: y_t = t, n = 50, train 0.8 → origins 40 and 45 (horizon 5, every 5),
  // points 42-43 filled (given 1000 here, to show they play no part). Naive forecasts 39 at origin
  // 40 and 44 at 45: errors 1, 2, 5 and 1, 2, 3, 4, 5, MAE 23/8; both origins kept (39 and 44 observed).
  it('never scores an interpolated value as an actual one, and counts them', async () => {
    const y = Array.from({ length: 50 }, (_, t) => (t === 42 || t === 43 ? 1000 : t));
    const r = await backtest(new NaiveForecaster(), y, { train: 0.8, horizon: 5, every: 5, season: 1, filled: [[42, 2]] });
    expect([r.origins, r.skippedOrigins, r.unscoredPoints]).toEqual([2, 0, 2]);
    expect(r.mae).toBeCloseTo(23 / 8, 12);
    expect(r.coverage95).not.toBeNull();
    const all = await backtest(new NaiveForecaster(), y, { train: 0.8, horizon: 5, every: 5, season: 1 });
    expect(all.unscoredPoints).toBe(0);
    expect(all.mae).toBeGreaterThan(100);
  });
});

