import { describe, expect, it } from 'vitest';
import { meanCi, pairedTTest, studentCritical, studentTwoSidedP } from '../../src/sweep/stats.js';

// Reference values from scipy.stats 1.x: t.ppf(0.975, df) and ttest_rel.
describe('Student t', () => {
  it('gives the 97.5 % quantiles of scipy', () => {
    expect(studentCritical(0.95, 1)).toBeCloseTo(12.706204736, 6);
    expect(studentCritical(0.95, 9)).toBeCloseTo(2.262157163, 8);
    expect(studentCritical(0.95, 29)).toBeCloseTo(2.045229642, 8);
  });
  it('two-sided p at the critical value is 0.05', () => {
    expect(studentTwoSidedP(2.262157163, 9)).toBeCloseTo(0.05, 9);
    expect(studentTwoSidedP(0, 5)).toBeCloseTo(1, 12);
  });
});

describe('meanCi', () => {
  it('is x̄ ± t·s/√n', () => {
    // [1..5]: mean 3, s = √2.5, t(0.975, 4) = 2.776445105
    const c = meanCi([1, 2, 3, 4, 5]);
    expect(c.mean).toBe(3);
    expect(c.half).toBeCloseTo((2.776445105 * Math.sqrt(2.5)) / Math.sqrt(5), 8);
    expect(c.lo).toBeCloseTo(3 - (c.half as number), 12);
  });
  it('has no interval from one sample', () => {
    expect(meanCi([7])).toEqual({ n: 1, mean: 7, half: null, lo: null, hi: null });
  });
});

describe('pairedTTest', () => {
  it('matches scipy ttest_rel', () => {
    const r = pairedTTest([10, 12, 14, 16], [9, 11, 12, 13]);
    expect(r.t).toBeCloseTo(3.6556307750696546, 10);
    expect(r.p).toBeCloseTo(0.035352847, 7);
    expect(r.significant).toBe(true);
  });
  it('pairs by position: the same shift on every seed is certain, noise is not', () => {
    expect(pairedTTest([1, 5, 9], [0, 4, 8])).toMatchObject({ meanDiff: 1, p: 0, significant: true });
    expect(pairedTTest([1, 2, 3], [1, 2, 3])).toMatchObject({ meanDiff: 0, p: 1, significant: false });
    // Unpaired the samples overlap completely; the paired differences are large and mixed in sign.
    expect(pairedTTest([1, 9, 2, 8], [9, 1, 8, 2]).significant).toBe(false);
  });
});

describe('pairedTTest and float rounding', () => {
  it('treats differences within rounding of the values as none (no significant 1e-13 noise)', () => {
    // Two sums of the same prices in another order: equal but for the last bits.
    const a = [136.49999999999906, 136.4999999999991, 136.49999999999903, 136.49999999999909];
    const b = [136.4999999999991, 136.49999999999915, 136.4999999999991, 136.49999999999918];
    expect(pairedTTest(a, b)).toMatchObject({ meanDiff: 0, p: 1, significant: false });
  });
  it('still tests a real difference of the same size relative to small values', () => {
    const r = pairedTTest([1e-12, 2e-12, 3e-12], [0, 0.5e-12, 1.5e-12]);
    expect(r.meanDiff).toBeCloseTo(1.33e-12, 13);
    expect(r.significant).toBe(true);
  });
});

describe('pairedTTest: rounding is judged pair by pair', () => {
  it("does not zero one seed's real difference because another seed's values are large", () => {
    // Seed 1: the strategies tie at 2e9 (a large metric on a long run); seed 2: 1.5 against 1.
    // The differences are [0, 0.5]: mean 0.25, s_d = 0.5/√2, t = 0.25 / (s_d/√2) = 1, ν = 1,
    // p = P(|T₁| ≥ 1) = 0.5 (Cauchy: 1 − 2·atan(1)/π). The old rule zeroed 0.5 as ≤ 1e-9 × 2e9 = 2.
    const r = pairedTTest([2e9, 1.5], [2e9, 1]);
    expect(r.meanDiff).toBe(0.25);
    expect(r.t).toBeCloseTo(1, 12);
    expect(r.p).toBeCloseTo(0.5, 12);
  });
  it('still zeroes the rounding of each pair', () => {
    // 2e9 and 2e9 + 2.4e-7 differ in the last bit; 1 and 1 + 2.2e-16 likewise: no difference at all.
    expect(pairedTTest([2e9 + 2.384185791015625e-7, 1 + Number.EPSILON], [2e9, 1])).toMatchObject({ meanDiff: 0, p: 1, significant: false });
  });
});
