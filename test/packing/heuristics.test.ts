import { describe, expect, it } from 'vitest';
import { assertValidPacking, bfd, ffd, geneticPack, heuristicOutcome, l1Bound, l2Bound, l2Of, lowerBound, makeInstance } from '../../src/packing/index.js';

const oneD = (cap: number, sizes: number[]) => makeInstance('t', [cap], sizes.map((s) => [s]));

describe('FFD and BFD, hand-checked', () => {
  // Capacity 10, sizes 5 4 8 3 1 (items 0..4). Decreasing: 8(2) 5(0) 4(1) 3(3) 1(4).
  // FFD: 8→A, 5→B, 4→B (9), 3→C (A would hold 11, B 12), 1→A (first bin with room).
  // BFD: the same until 1, which goes to B (leaves 0 room) rather than A (leaves 1).
  const inst = oneD(10, [5, 4, 8, 3, 1]);

  it('FFD puts each item into the first bin with room', () => {
    expect(ffd(inst)).toEqual([[2, 4], [0, 1], [3]]);
  });

  it('BFD puts each item into the tightest bin', () => {
    expect(bfd(inst)).toEqual([[2], [0, 1, 4], [3]]);
  });

  // Capacity (10, 10); items a(6,1) b(2,7) c(5,5) d(4,4) e(1,3). Measures 0.7 0.9 1.0 0.8 0.4, so
  // the order is c b d a e: c→A, b→B (A would reach y=12), d→A (9,9), a→B (8,8), e opens C
  // (A would reach y=12, B x=9 but y=11). Three bins; the bound is 2 (y totals 20 = 2·10).
  const twoD = makeInstance('v', [10, 10], [[6, 1], [2, 7], [5, 5], [4, 4], [1, 3]]);

  it('works in two dimensions with the normalised size measure', () => {
    expect(ffd(twoD)).toEqual([[2, 3], [1, 0], [4]]);
    expect(bfd(twoD)).toEqual([[2, 3], [1, 0], [4]]);
    expect(lowerBound(twoD)).toBe(2);
  });

  it('produce valid packings', () => {
    for (const i of [inst, twoD]) {
      expect(() => assertValidPacking(i, ffd(i), 'ffd')).not.toThrow();
      expect(() => assertValidPacking(i, bfd(i), 'bfd')).not.toThrow();
    }
  });

  it('assertValidPacking catches a bin over capacity and a missing item', () => {
    expect(() => assertValidPacking(inst, [[2, 0], [1, 3, 4]], 'x')).toThrow(/bin 0 holds 13/);
    expect(() => assertValidPacking(inst, [[2], [0, 1]], 'x')).toThrow(/item 3 is not packed/);
  });
});

describe('lower bounds, hand-checked', () => {
  it('L1 is the rounded-up total size', () => {
    expect(l1Bound(oneD(10, [6, 6, 6, 6]))).toBe(3);
  });

  it('L2 counts items that cannot share a bin', () => {
    // Four items above half the capacity: one bin each.
    expect(l2Of([6, 6, 6, 6], 10)).toBe(4);
    // Capacity 100, sizes 60 60 45 45 45: L1 = ⌈255/100⌉ = 3. With α = 45: J1 = {60, 60}
    // (> 100 − 45), J2 = ∅, J3 = {45, 45, 45}: 2 + ⌈135/100⌉ = 4, the optimum (a 60 fits with no 45).
    const inst = oneD(100, [60, 60, 45, 45, 45]);
    expect(l1Bound(inst)).toBe(3);
    expect(l2Bound(inst)).toBe(4);
    expect(lowerBound(inst)).toBe(4);
  });

  it('stay exact when the total size passes 2^53', () => {
    // Capacity C = 2^52; C−5, C−6, C−6 and 5, 3, 3, 3, 3 fill exactly three bins (C−5+5,
    // C−6+3+3 twice), total 3C. A float running total passes 2^53 and rounds up, which gave
    // L1 = L2 = 4: a "lower bound" above the optimum, and FFD's 3 bins below it.
    const C = 2 ** 52;
    const inst = oneD(C, [C - 5, C - 6, C - 6, 5, 3, 3, 3, 3]);
    expect(l1Bound(inst)).toBe(3);
    expect(l2Bound(inst)).toBe(3);
    expect(ffd(inst)).toEqual([[0, 3], [1, 4, 5], [2, 6, 7]]);
    expect(heuristicOutcome(ffd(inst), lowerBound(inst), 'converged')).toMatchObject({ bins: 3, status: 'optimal' });
  });

  it('takes the largest bound over dimensions', () => {
    const inst = makeInstance('v', [10, 100], [[6, 1], [6, 1], [1, 90], [1, 90]]);
    expect(lowerBound(inst)).toBe(2);
  });
});

describe('outcome labels', () => {
  it('labels a packing optimal only when it meets the lower bound, and refuses one below it as a bug', () => {
    expect(heuristicOutcome([[0], [1]], 2, 'converged')).toMatchObject({ bins: 2, status: 'optimal', proof: 'lower-bound' });
    expect(heuristicOutcome([[0], [1], [2]], 2, 'converged')).toMatchObject({ bins: 3, status: 'feasible' });
    expect(() => heuristicOutcome([[0, 1]], 2, 'converged')).toThrow(
      'heuristic outcome: a packing with 1 bins is below the lower bound 2, which no valid packing can be (a bug in DRS: inexact arithmetic or a wrong bound)',
    );
  });
});

describe('capacities past 2^31', () => {
  // Sizes ×5·10^7 of 23 28 56 34 22 43 42 45 in bins of 100 (total 293, so 3 bins; FFD uses 4):
  // the GA's repair and exact repack kept loads in 32-bit integers, which wrapped, and packed
  // 13550000000 into one bin of 5000000000.
  it('the GA packs them within capacity, as it does the unscaled instance', () => {
    const k = 50_000_000;
    const small = [23, 28, 56, 34, 22, 43, 42, 45];
    const big = oneD(100 * k, small.map((w) => w * k));
    const r = geneticPack(big, { seed: 0, generations: 200, target: lowerBound(big) });
    expect(() => assertValidPacking(big, r.packing, 'ga')).not.toThrow();
    expect(r.bins).toBe(3);
  });
});
