/**
 * Lower bounds on the number of bins.
 *
 * L1 (continuous bound), per dimension k:  L1_k = ⌈ Σ_i w_ik / C_k ⌉.
 *
 * L2 (Martello & Toth 1990), per dimension, for a parameter 0 ≤ α ≤ C/2:
 *   J1 = { i : w_i > C − α },  J2 = { i : C − α ≥ w_i > C/2 },  J3 = { i : C/2 ≥ w_i ≥ α }
 *   L(α) = |J1| + |J2| + max(0, ⌈ (Σ_{J3} w_i − (|J2|·C − Σ_{J2} w_i)) / C ⌉)
 *   L2 = max over α of L(α); it suffices to try α = 0 and every distinct size ≤ C/2.
 * Items in J1 ∪ J2 each need their own bin; J3 items can only use the room left in J2 bins.
 *
 * Multi-dimensional: every dimension alone is a valid relaxation, so the bound is the maximum
 * over dimensions of max(L1_k, L2_k).
 *
 * Sums are kept as whole bins plus a remainder below C (`BinSum`), never as one running total, so
 * they stay exact integers for any item count as long as C ≤ 2^52 (the readers' limit): a total
 * past 2^53 would round, and a rounded-up total would give a bound above the optimum.
 */
import type { PackingInstance } from './instance.js';
import { sizeOf } from './instance.js';

/** A sum of sizes as `bins`·C + `rest`, 0 ≤ rest < C: exact while C and each size are ≤ 2^52. */
class BinSum {
  bins = 0;
  rest = 0;
  constructor(readonly cap: number) {}

  add(w: number): void {
    this.rest += w;
    while (this.rest >= this.cap) {
      this.rest -= this.cap;
      this.bins++;
    }
  }

  /** ⌈sum / C⌉ */
  ceil(): number {
    return this.bins + (this.rest > 0 ? 1 : 0);
  }
}

export function l1Bound(inst: PackingInstance): number {
  let best = inst.n > 0 ? 1 : 0;
  for (let k = 0; k < inst.dims; k++) {
    const sum = new BinSum(inst.capacity[k] ?? 1);
    for (let i = 0; i < inst.n; i++) sum.add(sizeOf(inst, i, k));
    best = Math.max(best, sum.ceil());
  }
  return best;
}

/** Martello–Toth L2 of one dimension's sizes against capacity `cap`. */
export function l2Of(sizes: readonly number[], cap: number): number {
  if (sizes.length === 0) return 0;
  const alphas = new Set<number>([0]);
  for (const w of sizes) if (2 * w <= cap) alphas.add(w);
  let best = 0;
  for (const alpha of alphas) {
    let j1 = 0;
    let j2 = 0;
    // Σ_{J2} w + Σ_{J3} w; then the spill is ⌈(that − |J2|·C) / C⌉ = ⌈that / C⌉ − |J2|.
    const sumJ23 = new BinSum(cap);
    for (const w of sizes) {
      if (w > cap - alpha) j1++;
      else if (2 * w > cap) {
        j2++;
        sumJ23.add(w);
      } else if (w >= alpha) sumJ23.add(w);
    }
    const spill = Math.max(0, sumJ23.ceil() - j2);
    best = Math.max(best, j1 + j2 + spill);
  }
  return best;
}

export function l2Bound(inst: PackingInstance): number {
  let best = 0;
  for (let k = 0; k < inst.dims; k++) {
    const sizes = Array.from({ length: inst.n }, (_, i) => sizeOf(inst, i, k)).filter((w) => w > 0);
    best = Math.max(best, l2Of(sizes, inst.capacity[k] ?? 1));
  }
  return best;
}

/** max(L1, L2): the bound every strategy reports. */
export function lowerBound(inst: PackingInstance): number {
  return Math.max(l1Bound(inst), l2Bound(inst));
}
