import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { backtest } from '../../src/predict/backtest.js';
import { ConformalCalibration, conformalQuantile, stepwiseHalfWidths } from '../../src/predict/conformal.js';
import { coverage, winkler } from '../../src/predict/metrics.js';
import { createForecaster } from '../../src/predict/registry.js';
import { normalQuantile, zFor } from '../../src/predict/types.js';

describe('interval building blocks (hand-checked)', () => {
  it('normal quantiles match published values', () => {
    expect(zFor(0.8)).toBeCloseTo(1.2815515655446004, 8);
    expect(zFor(0.9)).toBeCloseTo(1.6448536269514722, 8);
    expect(zFor(0.99)).toBeCloseTo(2.5758293035489004, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
    expect(() => zFor(1)).toThrow(RangeError);
  });

  it('coverage and the Winkler score', () => {
    // y = 5 inside [4, 6]; y = 1 below [2, 4] by 1; y = 9 above [6, 8] by 1; level 0.8 → 2/a = 10.
    expect(coverage([5, 1, 9], [4, 2, 6], [6, 4, 8])).toBeCloseTo(100 / 3, 9);
    expect(winkler([5, 1, 9], [4, 2, 6], [6, 4, 8], 0.8)).toBeCloseTo((2 + (2 + 10) + (2 + 10)) / 3, 9);
  });

  it('conformal quantile is the ⌈(n+1)ℓ⌉-th smallest score (largest when that is beyond n)', () => {
    const scores = [5, 1, 4, 2, 3, 9, 7, 8, 6, 10]; // n = 10
    expect(conformalQuantile(scores, 0.8)).toBe(9); // ⌈11 · 0.8⌉ = 9
    expect(conformalQuantile(scores, 0.5)).toBe(6); // ⌈5.5⌉ = 6
    expect(conformalQuantile(scores, 0.95)).toBe(10); // ⌈10.45⌉ = 11 > n → largest
    const cal = new ConformalCalibration();
    for (const s of scores) cal.add(100 + s, 100, 1);
    expect(cal.interval([10, 20], [1, 2], 0.8)).toEqual({ level: 0.8, lower: [1, 2], upper: [19, 38] });
    expect(stepwiseHalfWidths([[1, 2, 3], [0.5, 0.5, 0.5]], 0.5, 4)).toEqual([2, 2, 2 * Math.sqrt(1.5), 2 * Math.sqrt(2)]);
  });
});

/*
 * A series with known noise: y_t = 50 + 10 sin(2πt/24) + ε_t, ε_t ~ N(0, 2²) i.i.d. (seeded).
 * A well-specified model's h-step errors are about N(0, 2²) (plus estimation error), so its
 * central intervals should cover ≈ 80 % and ≈ 95 % of the actual values. Tolerances: with 480
 * pooled points (correlated within an origin) the sampling sd of a coverage near 80 % is ≈ 2-4
 * points; we allow ± 7 (80 %) and −6/+4 (95 %).
 */
describe('interval coverage on a synthetic series with known noise', () => {
  const rng = new Rng('coverage');
  const y = Array.from({ length: 24 * 40 }, (_, t) => 50 + 10 * Math.sin((2 * Math.PI * t) / 24) + rng.normal(0, 2));
  for (const name of ['seasonal-naive', 'holt-winters', 'regression', 'theta', 'auto']) {
    it(`${name}: coverage80 ≈ 80, coverage95 ≈ 95`, async () => {
      const m = createForecaster(name, {}, { season: 24, horizon: 12, seed: 1 });
      const r = await backtest(m, y, { train: 0.5, horizon: 12, every: 12, season: 24 });
      expect(r.coverage80).not.toBeNull();
      expect(r.coverage80 as number).toBeGreaterThan(73);
      expect(r.coverage80 as number).toBeLessThan(87);
      expect(r.coverage95 as number).toBeGreaterThan(89);
      expect(r.coverage95 as number).toBeLessThan(99);
      // The interval score of a calibrated 95 % interval of N(0, σ²) noise is ≈ 2·1.96·σ·(1 + small).
      expect(r.winkler95 as number).toBeLessThan(4 * 1.96 * 2 * 1.5);
    }, 60_000);
  }
});
