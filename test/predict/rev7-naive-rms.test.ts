/* naive's interval from the root mean square of the one-step differences (R's forecast::naive). Hand-computed. */
import { describe, expect, it } from 'vitest';
import { NaiveForecaster } from '../../src/predict/naive.js';
import { Z95, zFor } from '../../src/predict/types.js';

const halfWidths = (f: { point: number[]; interval?: { upper: number[] } }): number[] => f.interval?.upper.map((u, i) => u - (f.point[i] as number)) ?? [];

describe('naive interval on a ramp', () => {
  it('σ is the root mean square of the differences: 1, 3, 5, 7 gives σ = 2, half-width z·2·√h', () => {
    const m = new NaiveForecaster();
    m.fit([1, 3, 5, 7]);
    const f = m.forecast(3);
    expect(f.point).toEqual([7, 7, 7]);
    [1, 2, 3].forEach((h, i) => expect(halfWidths(f)[i]).toBeCloseTo(Z95 * 2 * Math.sqrt(h), 12));
    // The next value of the ramp, 9, is inside the 95 % interval (it was outside a zero-width one).
    expect(f.interval?.upper[0]).toBeGreaterThan(9);
  });

  it('differences 2, −1, 2 (mean 1): σ = √((4 + 1 + 4) / 3) = √3', () => {
    const m = new NaiveForecaster();
    m.fit([1, 3, 2, 4]);
    expect(halfWidths(m.forecast(1))[0]).toBeCloseTo(Z95 * Math.sqrt(3), 12);
  });

  it('differences 1, 1, 1, 5 (mean 2): σ = √(28 / 4) = √7, wider than their sd 2', () => {
    const m = new NaiveForecaster();
    m.fit([0, 1, 2, 3, 8]);
    expect(halfWidths(m.forecast(2, 0.8))[1]).toBeCloseTo(zFor(0.8) * Math.sqrt(7) * Math.sqrt(2), 12);
  });
});
