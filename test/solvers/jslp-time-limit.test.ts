import { afterEach, describe, expect, it, vi } from 'vitest';
import { LpModelBuilder, maxViolation } from '../../src/algorithms/solvers/index.js';
import type { LpModel, SolveResult } from '../../src/algorithms/solvers/index.js';
import { solveJslpSync } from '../../src/algorithms/solvers/jslp.js';

/**
 * javascript-lp-solver's time limit (its `timeout`) is the part of the jslp backend the shared
 * backend tests cannot reach: there the clock is past the deadline before the first
 * branch-and-bound node, so only the "no integer point yet" answer comes back. Here the clock
 * moves 1 ms per read, so a limit of K ms stops the search after about K nodes: deterministic,
 * and for some K after an incumbent was found but before it was proved.
 *
 * javascript-lp-solver reads `Date.now` for its timeout; the backend's own deadline uses the
 * injected clock. Both are the same counter unless a test says otherwise.
 */

interface Knapsack {
  readonly w: readonly number[];
  readonly v: readonly number[];
  readonly cap: number;
}

/**
 * 0/1 knapsacks, max Σ v_i x_i s.t. Σ w_i x_i ≤ cap. On the first, a cut-short search was called
 * optimal one short of the optimum; on the second it was called infeasible.
 */
const EIGHT: Knapsack = { w: [10, 17, 24, 31, 15, 22, 29, 13], v: [12, 23, 34, 16, 27, 38, 20, 31], cap: 80 };
const SIX: Knapsack = { w: [10, 17, 24, 31, 15, 22], v: [12, 23, 34, 16, 27, 38], cap: 59 };

function knapsack(k: Knapsack): LpModel {
  const b = new LpModelBuilder('max');
  const x = k.w.map((_, i) => b.addVar({ name: `x${i}`, ub: 1, integer: true, cost: k.v[i] ?? 0 }));
  b.addConstraint({ vars: x, coefs: k.w }, { ub: k.cap });
  return b.build();
}

/** The optimum by enumerating all subsets. */
function bruteForceOptimum(k: Knapsack): number {
  let best = 0;
  for (let mask = 0; mask < 1 << k.w.length; mask++) {
    let w = 0;
    let v = 0;
    k.w.forEach((wi, i) => {
      if ((mask >> i) & 1) {
        w += wi;
        v += k.v[i] ?? 0;
      }
    });
    if (w <= k.cap && v > best) best = v;
  }
  return best;
}

/** Runs the knapsack under a K-ms limit; `jslpNow` is what javascript-lp-solver reads, `clock` the backend's clock. */
function timed(k: Knapsack, limitMs: number, clock: () => number, jslpNow: () => number): SolveResult {
  vi.spyOn(Date, 'now').mockImplementation(jslpNow);
  try {
    return solveJslpSync(knapsack(k), { timeLimitSeconds: limitMs / 1000, clock });
  } finally {
    vi.restoreAllMocks();
  }
}

/** What every answer must be, whatever stopped it: a proof only when the search ran to its end. */
function checkAnswer(k: Knapsack, r: SolveResult): void {
  const optimum = bruteForceOptimum(k);
  expect(r.status).not.toBe('infeasible'); // the empty knapsack is feasible
  expect(r.status).not.toBe('error');
  if (r.status === 'optimal') {
    expect(r.stoppedBy).toBe('converged');
    expect(r.objective).toBe(optimum);
    expect(r.bound).toBe(optimum);
  }
  if (r.status === 'feasible') {
    expect(r.stoppedBy).toBe('wall');
    expect(r.bound).toBeUndefined(); // javascript-lp-solver knows no bound for a cut-short search
    const x = Array.from(r.values);
    for (const xi of x) expect(Number.isInteger(xi) && xi >= 0 && xi <= 1).toBe(true);
    expect(maxViolation(knapsack(k), r.values)).toBe(0);
    expect(r.objective).toBe(x.reduce((s, xi, i) => s + xi * (k.v[i] ?? 0), 0));
    expect(r.objective).toBeLessThanOrEqual(optimum);
  }
  if (r.status === 'no-solution') expect(r.stoppedBy).toBe('wall');
}

describe('javascript-lp-solver time limit', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the knapsack optima (brute force) are 131 and 88, and jslp proves them without a limit', () => {
    // Eight items: 0, 1, 4, 5, 7 weigh 10 + 17 + 15 + 22 + 13 = 77 ≤ 80 and are worth 12 + 23 + 27 + 38 + 31 = 131.
    expect(bruteForceOptimum(EIGHT)).toBe(131);
    // Six items: 1, 4, 5 weigh 17 + 15 + 22 = 54 ≤ 59 and are worth 23 + 27 + 38 = 88.
    expect(bruteForceOptimum(SIX)).toBe(88);
    for (const k of [EIGHT, SIX]) expect(solveJslpSync(knapsack(k))).toMatchObject({ status: 'optimal', stoppedBy: 'converged', objective: bruteForceOptimum(k) });
  });

  it.each([
    ['eight', EIGHT],
    ['six', SIX],
  ] as const)('%s items: a limit that strikes after an incumbent gives it as feasible (stopped by wall, no bound); earlier ones no-solution; later ones the proof', (_name, k) => {
    const seen = new Map<string, number[]>();
    for (let limit = 1; limit <= 200; limit++) {
      let now = 0;
      const clock = (): number => (now += 1);
      const r = timed(k, limit, clock, clock);
      checkAnswer(k, r);
      const key = `${r.status}/${r.stoppedBy}`;
      seen.set(key, [...(seen.get(key) ?? []), limit]);
    }
    // All three outcomes occur, in order of the limit: nothing yet, an unproved incumbent, the proof.
    expect([...seen.keys()].sort()).toEqual(['feasible/wall', 'no-solution/wall', 'optimal/converged']);
    const last = (key: string): number => Math.max(...(seen.get(key) ?? []));
    const first = (key: string): number => Math.min(...(seen.get(key) ?? []));
    expect(last('no-solution/wall')).toBeLessThan(first('feasible/wall'));
    expect(last('feasible/wall')).toBeLessThan(first('optimal/converged'));
  });

  it.each([
    ['eight', EIGHT],
    ['six', SIX],
  ] as const)('%s items: a search cut short by its own timeout is never reported as a proof, even when the injected clock says the limit has not passed', (_name, k) => {
    // javascript-lp-solver's timeout runs on Date.now; an injected clock that never moves (or one
    // that disagrees with Date.now: a clock step, a test's fake clock) must not turn a search
    // that javascript-lp-solver cut short into "optimal" (it did on the eight items: 130 of 131,
    // with bound 130, at 21 to 24 ms) or "infeasible" (it did on the six items at 8 and 16 ms).
    for (let limit = 1; limit <= 200; limit++) {
      let now = 0;
      checkAnswer(k, timed(k, limit, () => 0, () => (now += 1)));
    }
  });
});
