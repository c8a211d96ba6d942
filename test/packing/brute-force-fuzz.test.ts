import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { highsSolver, prepareSolvers } from '../../src/algorithms/solvers/index.js';
import { assertValidPacking, exactPack, lowerBound, makeInstance, PACK_STRATEGY_NAMES, runPackStrategy } from '../../src/packing/index.js';
import type { PackingInstance } from '../../src/packing/index.js';

/**
 * Every packing strategy against brute force on small random instances: 1 to 4 dimensions,
 * capacities of 1..20 or up to 10^9, up to 9 items, among them items equal to the capacity (in
 * every dimension, or in some) and items of size 0. Deterministic budgets only (GA generations,
 * ILP nodes), so the run is the same on every machine.
 */

/** The optimum by dynamic programming over item subsets: best[S] = min over feasible bins B ∋ min(S) of 1 + best[S \ B]. */
function bruteForceBins(inst: PackingInstance): number {
  const { n, dims: d } = inst;
  const full = (1 << n) - 1;
  const fits = new Uint8Array(1 << n);
  for (let m = 0; m <= full; m++) {
    let ok = true;
    for (let k = 0; k < d && ok; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) if ((m >> i) & 1) s += inst.sizes[i * d + k] ?? 0;
      ok = s <= (inst.capacity[k] ?? 0);
    }
    fits[m] = ok ? 1 : 0;
  }
  const best = new Int32Array(1 << n).fill(n + 1);
  best[0] = 0;
  for (let m = 1; m <= full; m++) {
    const low = m & -m;
    for (let s = m; s > 0; s = (s - 1) & m) {
      if ((s & low) !== 0 && fits[s] === 1) best[m] = Math.min(best[m] ?? n + 1, (best[m ^ s] ?? n + 1) + 1);
    }
  }
  return best[full] ?? n + 1;
}

function randomInstance(rng: Rng, t: number): PackingInstance {
  const d = 1 + (t % 4);
  const large = rng.next() < 0.3;
  const caps = Array.from({ length: d }, () => (large ? 1 + rng.int(1e9) : 1 + rng.int(20)));
  const n = 1 + rng.int(9);
  const whole = rng.next() < 0.1; // now and then an item equal to the capacity in every dimension
  const items = Array.from({ length: n }, (_, i) =>
    caps.map((c) => {
      if (whole && i === 0) return c;
      const r = rng.next();
      return r < 0.15 ? c : r < 0.22 ? 0 : rng.int(c + 1);
    }),
  );
  return makeInstance(`fuzz-${t}`, caps, items);
}

describe('packing strategies against brute force', () => {
  beforeAll(async () => {
    await prepareSolvers();
  });

  it('hand-checked edge cases: items equal to the capacity, in every or in one dimension, and empty items', () => {
    // Three whole items need three bins; an empty item rides along in any of them.
    expect(bruteForceBins(makeInstance('whole', [5], [[5], [5], [5], [0]]))).toBe(3);
    // (4, 0) and (0, 4) share a bin of (4, 4); (4, 4) needs its own.
    expect(bruteForceBins(makeInstance('one-dim', [4, 4], [[4, 0], [0, 4], [4, 4]]))).toBe(2);
  });

  it('600 instances: every strategy packs validly, never below the optimum, calls optimal only the optimum; the ILP (arc-flow and assignment) reaches and proves it', async () => {
    const rng = new Rng('packing-brute-force-fuzz');
    for (let t = 0; t < 600; t++) {
      const inst = randomInstance(rng, t);
      const opt = bruteForceBins(inst);
      const what = `${inst.name}: capacity ${inst.capacity.join('x')}, sizes ${JSON.stringify(inst.sizes)}`;
      expect(lowerBound(inst), what).toBeLessThanOrEqual(opt);
      for (const name of PACK_STRATEGY_NAMES) {
        // runPackStrategy checks the packing (each item once, no bin over capacity, not below the bound).
        const r = await runPackStrategy(name, inst, { seed: t, solver: highsSolver, generations: 50, maxNodes: 1000 });
        expect(r.bins, `${name} ${what}`).toBeGreaterThanOrEqual(opt);
        expect(r.lowerBound, `${name} ${what}`).toBeLessThanOrEqual(opt);
        if (r.status === 'optimal') expect(r.bins, `${name} ${what}`).toBe(opt);
        if (name === 'ilp') expect({ bins: r.bins, status: r.status }, what).toEqual({ bins: opt, status: 'optimal' });
      }
      // The assignment model, the fallback for graphs over maxArcs, forced (a graph of one arc still fits).
      const a = await exactPack(inst, { solver: highsSolver, timeLimitSeconds: Infinity, maxNodes: 1000, gaGenerations: 0, maxArcs: 1 });
      assertValidPacking(inst, a.packing, `assignment ${what}`);
      expect({ bins: a.bins, status: a.status }, what).toEqual({ bins: opt, status: 'optimal' });
    }
  }, 120_000);
});
