/*
 * Exponential smoothing (ewma, holt, holt-winters) on a series with interpolated gaps. The backtest
 * tells the model which values of its prefix were filled (`setFilled`); `auto` already left them
 * out of its own holdout. Holt-Winters scored them as observed: its holdout sMAPE (which variant
 * wins) and its one-step errors (the fitted parameters and the σ of its interval) counted the
 * straight lines drawn across gaps, and the error of the first value after a gap, forecast from a
 * state that had been fed the line drawn towards it. Interpolated values still feed the states.
 */
import { describe, expect, it } from 'vitest';
import { AutoForecaster } from '../../src/predict/auto.js';
import { backtest } from '../../src/predict/backtest.js';
import { holdoutSmape } from '../../src/predict/holt-winters.js';
import { createForecaster } from '../../src/predict/registry.js';
import { Z95, type Forecast, type Forecaster } from '../../src/predict/types.js';
import { dayHours } from './day-hours.js';

describe('exponential smoothing with interpolated gaps', () => {
  it("σ of the interval leaves out a filled value's one-step error and the next one's (worked by hand)", () => {
    // SES, α = 0.5, y = 10 12 [13] 14 11 with 13 filled between 12 and 14. l₀ = 10.
    // e₀ = 0 (l = 10), e₁ = 2 (l = 11), e₂ = 2 filled (l = 12), e₃ = 2 after the gap (l = 13), e₄ = −2 (l = 12).
    // Scored: e₀, e₁, e₄ → σ = √(8 / 3); all five would give √(16 / 5).
    const m = createForecaster('ewma', { alpha: 0.5 });
    m.setFilled?.((i) => i === 2);
    void m.fit([10, 12, 13, 14, 11]);
    const f = m.forecast(1, 0.95);
    expect(f.point[0]).toBeCloseTo(12, 12);
    expect((f.interval?.upper[0] as number) - 12).toBeCloseTo(Z95 * Math.sqrt(8 / 3), 10);
  });

  it("the holdout sMAPE skips filled values and the forecasts made from inside a gap (worked by hand)", () => {
    // Holdout y[4..7] = 2 [4] 6 8, y[5] filled; h = 2, origins 4 and 6, every forecast 3.
    // Origin 4: |3 − 2| → 200·1/5 = 40; y[5] filled, not scored. Origin 6 ends on the filled y[5]: skipped.
    const y = [1, 1, 1, 1, 2, 4, 6, 8];
    const score = holdoutSmape(y, 4, 2, () => [3, 3], () => undefined, (i) => i === 5);
    expect(score).toBeCloseTo(40, 12);
    // With no value left to score, every value counts (as in auto).
    expect(holdoutSmape(y, 4, 2, () => [3, 3], () => undefined, (i) => i >= 3)).toBeCloseTo((40 + 200 / 7 + 200 / 3 + 1000 / 11) / 4, 12);
  });

  it("holt-winters' 80 % and 95 % intervals cover the observed values of a series with filled nights", async () => {
    // 3 seeds × 327 scored values: measured 82.0 / 95.2 % (MAE 1.85). Scoring the filled values:
    // 62.2 / 82.8 % (MAE 2.01), σ shrunk by the straight lines; ewma went from 47 / 69 % to 81 / 98 %.
    let in80 = 0;
    let in95 = 0;
    for (const seed of ['g1', 'g2', 'g3']) {
      const { y, filled } = dayHours(seed);
      const r = await backtest(createForecaster('holt-winters', {}, { season: 24, horizon: 4 }), y, { season: 24, horizon: 4, every: 1, train: 0.5, filled });
      in80 += (r.coverage80 as number) / 3;
      in95 += (r.coverage95 as number) / 3;
    }
    expect(in80).toBeGreaterThan(75);
    expect(in95).toBeGreaterThan(92);
  }, 180_000);

  it('auto tells its candidates which values were filled', () => {
    const seen: { length: number; filled: number[] }[] = [];
    const spy = (): Forecaster => {
      let filled: (i: number) => boolean = () => false;
      return {
        name: 'spy',
        setFilled: (f) => void (filled = f),
        fit: (h) => void seen.push({ length: h.length, filled: h.map((_, i) => i).filter((i) => filled(i)) }),
        forecast: (n): Forecast => ({ point: new Array<number>(n).fill(0) }),
      };
    };
    const auto = new AutoForecaster([{ name: 'spy', make: spy }], { horizon: 2, validation: 4 });
    auto.setFilled((i) => i === 3 || i === 8);
    auto.fit(Array.from({ length: 12 }, (_, t) => t));
    // Every fit (selection walk, calibration walk, final fit) knows the filled values of its history.
    expect(seen.map((s) => s.length)).toContain(12);
    for (const s of seen) expect(s.filled).toEqual([3, 8].filter((i) => i < s.length));
  });
});

describe('theta with interpolated gaps', () => {
  it("its 80 % and 95 % intervals cover the observed values of a series with filled nights", async () => {
    // Measured 81.2 / 96.1 %; with the filled values' one-step errors in α and σ: 60.4 % at 80.
    let in80 = 0;
    let in95 = 0;
    for (const seed of ['g1', 'g2', 'g3']) {
      const { y, filled } = dayHours(seed);
      const r = await backtest(createForecaster('theta', {}, { season: 24, horizon: 4 }), y, { season: 24, horizon: 4, every: 1, train: 0.5, filled });
      in80 += (r.coverage80 as number) / 3;
      in95 += (r.coverage95 as number) / 3;
    }
    expect(in80).toBeGreaterThan(75);
    expect(in95).toBeGreaterThan(92);
  }, 120_000);
});
