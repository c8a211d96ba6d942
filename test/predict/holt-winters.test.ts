import { describe, expect, it } from 'vitest';
import { HoltWintersForecaster } from '../../src/predict/holt-winters.js';
import { cloneState, filter, forecastPoints, initialState } from '../../src/predict/smoothing.js';
import { Rng } from '../../src/core/rng.js';
import { UserError } from '../../src/core/errors.js';

const pattern = [3, 7, 12, 9, 4, -2];
const seasonal = (n: number, slope = 0): number[] => Array.from({ length: n }, (_, t) => 50 + slope * t + (pattern[t % 6] as number));

describe('Holt-Winters', () => {
  it('reproduces an exactly seasonal series (additive)', () => {
    const y = seasonal(60);
    const m = new HoltWintersForecaster({ season: 6, seasonal: 'additive', trend: 'none', guard: false });
    m.fit(y);
    const f = m.forecast(12).point;
    const expected = seasonal(72).slice(60);
    f.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 6));
  });

  it('reproduces seasonal + linear trend (additive season, additive trend)', () => {
    const y = seasonal(60, 0.5);
    const m = new HoltWintersForecaster({ season: 6, seasonal: 'additive', trend: 'additive', guard: false });
    m.fit(y);
    const expected = seasonal(72, 0.5).slice(60);
    m.forecast(12).point.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
  });

  it('reproduces an exactly multiplicative seasonal series', () => {
    const factors = [0.5, 1, 1.5, 1];
    const y = Array.from({ length: 48 }, (_, t) => 100 * (factors[t % 4] as number));
    const m = new HoltWintersForecaster({ season: 4, seasonal: 'multiplicative', trend: 'none', guard: false });
    m.fit(y);
    m.forecast(8).point.forEach((v, i) => expect(v).toBeCloseTo(100 * (factors[(48 + i) % 4] as number), 6));
  });

  it('one filter step matches the hand-computed error-correction update', () => {
    // m = 2, initial state from the first two seasons [1,3],[3,5]: means 2, 4 → b0 = 1, l0 = 2 − 1.5 = 0.5
    const spec = { trend: 'additive', seasonal: 'additive', season: 2 } as const;
    const init = initialState([1, 3, 3, 5], spec);
    expect(init.trend).toBe(1);
    expect(init.level).toBe(0.5);
    // s_j = mean over seasons of y − (l0 + b0 (km + j + 1)): j=0: (1−1.5 + 3−3.5)/2 = −0.5, j=1: 0.5
    expect(init.seasonals).toEqual([-0.5, 0.5]);
    const st = cloneState(init);
    const p = { alpha: 0.5, beta: 0.5, gamma: 0.5, phi: 1 };
    // ŷ_0 = 0.5 + 1 − 0.5 = 1; y_0 = 2 → e = 1; l = 1.5 + 0.5 = 2; b = 0.5(2 − 0.5) + 0.5·1 = 1.25; s_0 = −0.5 + 0.5 = 0
    const sse = filter([2], spec, p, st);
    expect(sse).toBe(1);
    expect(st.level).toBe(2);
    expect(st.trend).toBe(1.25);
    expect(st.seasonals[0]).toBe(0);
    expect(forecastPoints(st, spec, p, 2)).toEqual([2 + 1.25 + 0.5, 2 + 2.5 + 0]);
  });

  it('update() continues the filter with fixed parameters (same as a filter over all data)', () => {
    const rng = new Rng(7);
    const y = seasonal(120).map((v) => v + rng.normal(0, 1));
    const a = new HoltWintersForecaster({ season: 6, seasonal: 'additive', trend: 'damped', guard: false });
    a.fit(y.slice(0, 100));
    a.update(y);
    const b = a.forecast(6).point;
    expect(b.every(Number.isFinite)).toBe(true);
    // A second update with the same history changes nothing.
    a.update(y);
    expect(a.forecast(6).point).toEqual(b);
  });

  it('falls back to seasonal naive when that wins the holdout (spiky data)', () => {
    const rng = new Rng(3);
    // A clean daily-like pattern plus rare huge spikes that poison SSE-fitted seasonal states.
    const y = Array.from({ length: 24 * 20 }, (_, t) => 100 + 10 * Math.sin((2 * Math.PI * t) / 24) + (rng.bernoulli(0.01) ? 5000 : 0));
    const m = new HoltWintersForecaster({ season: 24 });
    m.fit(y);
    expect(m.selected).not.toBe('');
    expect(m.forecast(12).point.every((v) => Math.abs(v) < 6000)).toBe(true);
  });

  it('is deterministic', () => {
    const rng = new Rng(1);
    const y = seasonal(200, 0.1).map((v) => v + rng.normal(0, 2));
    const f1 = new HoltWintersForecaster({ season: 6 });
    const f2 = new HoltWintersForecaster({ season: 6 });
    f1.fit(y);
    f2.fit(y);
    expect(f1.forecast(12)).toEqual(f2.forecast(12));
  });

  it('fewer points than two seasons is a UserError', () => {
    expect(() => new HoltWintersForecaster({ season: 24 }).fit(seasonal(40))).toThrow(/two seasons of 24 steps/);
  });

  it('multiplicative on data with zeros is a UserError', () => {
    const y = seasonal(60);
    y[5] = 0;
    expect(() => new HoltWintersForecaster({ season: 6, seasonal: 'multiplicative' }).fit(y)).toThrow(UserError);
  });
});
