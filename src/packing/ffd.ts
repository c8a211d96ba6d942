/**
 * First-fit decreasing. Items in decreasing size measure (see instance.ts: Σ_k w_ik / C_k, ties
 * by first size then index); each goes into the lowest-numbered open bin where it fits in every
 * dimension, or opens a new bin. In one dimension FFD uses at most 11/9·OPT + 6/9 bins.
 */
import type { Packing, PackingInstance } from './instance.js';
import { decreasingOrder } from './instance.js';

/** First fit of `items` in the given order into bins that already hold `loads`/`bins`. */
export function firstFitInto(
  inst: PackingInstance,
  items: readonly number[],
  bins: number[][],
  loads: number[][],
): void {
  const d = inst.dims;
  for (const i of items) {
    let placed = false;
    for (let b = 0; b < bins.length && !placed; b++) {
      const load = loads[b] as number[];
      let fits = true;
      for (let k = 0; k < d && fits; k++) fits = (load[k] ?? 0) + (inst.sizes[i * d + k] ?? 0) <= (inst.capacity[k] ?? 0);
      if (!fits) continue;
      for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + (inst.sizes[i * d + k] ?? 0);
      (bins[b] as number[]).push(i);
      placed = true;
    }
    if (!placed) {
      bins.push([i]);
      loads.push(Array.from({ length: d }, (_, k) => inst.sizes[i * d + k] ?? 0));
    }
  }
}

/** First fit in the given item order (FF on a permutation: the GA's decoder). */
export function firstFit(inst: PackingInstance, order: readonly number[]): number[][] {
  const bins: number[][] = [];
  firstFitInto(inst, order, bins, []);
  return bins;
}

export function ffd(inst: PackingInstance): Packing {
  return firstFit(inst, decreasingOrder(inst));
}
