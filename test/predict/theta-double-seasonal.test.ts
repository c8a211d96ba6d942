import { describe, expect, it } from 'vitest';
import { DoubleSeasonalForecaster } from '../../src/predict/double-seasonal.js';
import { ThetaForecaster, seasonalIndices } from '../../src/predict/theta.js';
import { createForecaster } from '../../src/predict/registry.js';

describe('theta', () => {
  it('on a straight line forecasts the last value plus half the slope per step (SES with drift b/2)', () => {
    // y_t = 5 + 2t: SES fits α → 1 so ℓ_n ≈ y_{n−1}; b = 2; ŷ_{n+h} ≈ ℓ_n + (b/2)(h − 1 + 1/α − (1−α)^n/α) ≈ y_{n−1} + h.
    const y = Array.from({ length: 60 }, (_, t) => 5 + 2 * t);
    const f = new ThetaForecaster();
    f.fit(y);
    const p = f.forecast(3).point;
    const last = y[59] as number;
    for (let h = 1; h <= 3; h++) expect(p[h - 1] as number).toBeCloseTo(last + h, 1);
  });

  it('classical decomposition recovers multiplicative seasonal indices', () => {
    const pattern = [0.8, 1.0, 1.2, 1.0];
    const y = Array.from({ length: 40 }, (_, t) => 100 * (pattern[t % 4] as number));
    const idx = seasonalIndices(y, 4, true);
    idx.forEach((v, j) => expect(v).toBeCloseTo(pattern[j] as number, 9));
    const f = new ThetaForecaster(4);
    f.fit(y);
    expect(f.forecast(4).point.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([80, 100, 120, 100]);
  });

  it('multiplicative indices stay finite under spikes 10²¹ times the level (a window sum from prefix sums cancelled to 0)', () => {
    // A 12-step cycle around 10⁻⁶ with a spike of 10¹⁵ (both valid series values) every 50 steps:
    // the moving averages came out 0 or negative, y / c infinite, and every forecast NaN, which
    // drs forecast reported as a crash ("theta: non-finite forecast NaN at origin 480").
    const pattern = [0.5, 1, 1.5, 1];
    const y = Array.from({ length: 480 }, (_, t) => (t % 50 === 49 ? 1e15 : 1e-6 * (pattern[t % 4] as number)));
    const idx = seasonalIndices(y, 12, true);
    expect(idx.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    const f = new ThetaForecaster(12);
    f.fit(y);
    const { point, interval } = f.forecast(12);
    expect([...point, ...(interval?.lower ?? []), ...(interval?.upper ?? [])].every(Number.isFinite)).toBe(true);
    // The quiet phases keep their shape: a phase of 0.5 · 10⁻⁶ below one of 1.5 · 10⁻⁶ (12 = 3 cycles of 4).
    expect(idx[0] as number).toBeLessThan(idx[2] as number);
  });
});

describe('double-seasonal', () => {
  it('continues an exact daily + weekly pattern (states from the decomposition, no error to correct)', () => {
    // Day of 4 steps, week of 8; the weekly part averages 0 within each daily phase, so the
    // initial decomposition is exact and every one-step error is 0.
    const d = [3, -1, -4, 2];
    const w = [1, 2, -0.5, 0, -1, -2, 0.5, 0];
    const y = Array.from({ length: 8 * 6 }, (_, t) => 20 + (d[t % 4] as number) + (w[t % 8] as number));
    const f = new DoubleSeasonalForecaster({ season: 4, weekly: 8 });
    f.fit(y);
    const expected = Array.from({ length: 10 }, (_, h) => 20 + (d[(48 + h) % 4] as number) + (w[(48 + h) % 8] as number));
    f.forecast(10).point.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 6));
  });

  it('is a user error without two weeks of history (auto then drops it)', () => {
    const f = createForecaster('double-seasonal', {}, { season: 4 });
    expect(() => f.fit(Array.from({ length: 50 }, () => 1))).toThrow(/two weekly seasons of 28 steps/);
  });
});

describe('holt-winters loss options', () => {
  it('an absolute-error fit is not pulled by isolated spikes the way least squares is', () => {
    // Seasonal series (S = 6) with +200 spikes every 17 steps; forecast the next season.
    const base = (t: number): number => 50 + 10 * Math.sin((2 * Math.PI * t) / 6);
    const y = Array.from({ length: 120 }, (_, t) => base(t) + (t % 17 === 8 ? 200 : 0));
    const err = (name: string): number => {
      const m = createForecaster(name, { trend: 'none', seasonal: 'additive', guard: false, nonSeasonal: false }, { season: 6, horizon: 6 });
      void m.fit(y);
      return m.forecast(6).point.reduce((a, p, h) => a + Math.abs(p - base(120 + h)), 0) / 6;
    };
    expect(err('holt-winters-robust')).toBeLessThan(err('holt-winters'));
  });
});
