import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';

const draw = (seed: string, n: number, shape: number, scale: number): number[] => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.gamma(shape, scale));
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};

describe('Rng.gamma (Marsaglia–Tsang)', () => {
  // Mean kθ and variance kθ²; 40,000 draws put the sample mean within 2 % (several standard errors).
  it.each([
    [0.5, 2],
    [1, 3],
    [4.2, 0.94],
    [23.8, 0.14],
  ])('shape %f, scale %f: mean kθ and variance kθ²', (k, theta) => {
    const xs = draw(`g${k}`, 40_000, k, theta);
    expect(mean(xs)).toBeCloseTo(k * theta, 1);
    expect(Math.abs(mean(xs) / (k * theta) - 1)).toBeLessThan(0.02);
    expect(Math.abs(variance(xs) / (k * theta * theta) - 1)).toBeLessThan(0.06);
    expect(Math.min(...xs)).toBeGreaterThan(0);
  });

  it('shape 1 is the exponential distribution: its CDF 1 − e^(−x/θ) at three points', () => {
    const xs = draw('exp', 40_000, 1, 2);
    for (const x of [0.5, 2, 6]) {
      const below = xs.filter((v) => v < x).length / xs.length;
      expect(Math.abs(below - (1 - Math.exp(-x / 2)))).toBeLessThan(0.01);
    }
  });

  it('is a pure function of the seed', () => {
    expect(draw('same', 50, 2.5, 1)).toEqual(draw('same', 50, 2.5, 1));
    expect(draw('same', 50, 2.5, 1)).not.toEqual(draw('other', 50, 2.5, 1));
  });

  it('refuses a shape or scale that is not positive and finite', () => {
    const rng = new Rng(1);
    expect(() => rng.gamma(0, 1)).toThrow(/positive finite shape and scale, got 0 and 1/);
    expect(() => rng.gamma(1, -2)).toThrow(/got 1 and -2/);
    expect(() => rng.gamma(Number.NaN, 1)).toThrow(RangeError);
    expect(() => rng.gamma(Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
  });
});
