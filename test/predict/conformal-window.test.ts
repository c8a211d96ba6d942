import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { conformalQuantile } from '../../src/predict/conformal.js';
import { ConformalWindow } from '../../src/predict/conformal-window.js';

const LEVELS = [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999];

/** The window's quantile is the very number conformalQuantile gives on its errors (Object.is: −0 is not 0). */
function expectSameQuantiles(w: ConformalWindow, kept: readonly number[]): void {
  expect([...w]).toEqual(kept);
  expect(w.length).toBe(kept.length);
  for (const level of LEVELS) {
    const want = conformalQuantile(kept, level);
    const got = w.quantile(level);
    if (!Object.is(got, want)) expect.fail(`level ${level}, ${kept.length} errors: got ${got}, conformalQuantile ${want}`);
  }
}

describe('ConformalWindow (the last errors of a step, kept sorted as the window slides)', () => {
  it('by hand: k = ⌈(n + 1) ℓ⌉-th smallest of the last `capacity` errors; k > n gives the largest', () => {
    const w = new ConformalWindow(4);
    expect(w.quantile(0.5)).toBeNaN();
    w.push(5);
    // n = 1: k = ⌈2 · 0.5⌉ = 1 → 5; ℓ = 0.9: k = 2 > n → the largest, 5.
    expect([w.quantile(0.5), w.quantile(0.9)]).toEqual([5, 5]);
    for (const e of [1, 9, 3]) w.push(e);
    // {5, 1, 9, 3} sorted 1 3 5 9: ℓ = 0.5 → k = ⌈2.5⌉ = 3 → 5; ℓ = 0.1 → k = 1 → 1; ℓ = 0.9 → k = 5 > 4 → 9.
    expect([w.quantile(0.5), w.quantile(0.1), w.quantile(0.9)]).toEqual([5, 1, 9]);
    // The window is full: 7 pushes the oldest (5) out → {1, 9, 3, 7}, sorted 1 3 7 9.
    w.push(7);
    expect([...w]).toEqual([1, 9, 3, 7]);
    expect([w.quantile(0.5), w.quantile(0.1), w.quantile(0.9)]).toEqual([7, 1, 9]);
    // 0 pushes 1 out, then 1 pushes 9 out → {3, 7, 0, 1}, sorted 0 1 3 7.
    w.push(0);
    w.push(1);
    expect([...w]).toEqual([3, 7, 0, 1]);
    expect([w.quantile(0.5), w.quantile(0.1), w.quantile(0.99)]).toEqual([3, 0, 7]);
  });

  it('a window of one is its last error', () => {
    const w = new ConformalWindow(1);
    for (const e of [4, -2, 8]) {
      w.push(e);
      expectSameQuantiles(w, [e]);
    }
  });

  it('−0 and 0, ±Infinity: the same number as the stable sort of conformalQuantile', () => {
    // A stable sort keeps −0 and 0 in arrival order; the window must return the one that sort does.
    const w = new ConformalWindow(3);
    const all: number[] = [];
    for (const e of [0, -0, -0, 0, Infinity, -Infinity, -0, Infinity, 0, -Infinity, -0, 0, 0]) {
      w.push(e);
      all.push(e);
      expectSameQuantiles(w, all.slice(-3));
    }
  });

  it('seeded random pushes (heavy duplicates, windows 1-50, past capacity): equal to conformalQuantile every time', () => {
    const rng = new Rng('conformal-window');
    for (let trial = 0; trial < 200; trial++) {
      const capacity = 1 + rng.int(50);
      const distinct = 1 + rng.int(8);
      const w = new ConformalWindow(capacity);
      const all: number[] = [];
      const pushes = rng.int(3 * capacity + 2);
      expectSameQuantiles(w, []);
      for (let i = 0; i < pushes; i++) {
        // Few distinct values (so every quantile falls in a run of equal ones), some −0, some wide.
        const r = rng.next();
        const e = r < 0.1 ? -0 : r < 0.7 ? rng.int(distinct) - distinct / 2 : rng.normal(0, 1e6);
        w.push(e);
        all.push(e);
        expectSameQuantiles(w, all.slice(-capacity));
      }
    }
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new ConformalWindow(0)).toThrow(/capacity.*positive integer.*got 0/);
    expect(() => new ConformalWindow(2.5)).toThrow(/got 2\.5/);
  });
});
