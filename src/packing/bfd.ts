/**
 * Best-fit decreasing. Items in decreasing size measure; each goes into the open bin where it
 * fits in every dimension and leaves the least room, measured as the residual fill
 * Σ_k (C_k − load_k − w_ik) / C_k (in one dimension: the tightest bin). Ties go to the
 * lowest-numbered bin. A new bin opens when nothing fits.
 */
import type { Packing, PackingInstance } from './instance.js';
import { decreasingOrder } from './instance.js';

export function bestFitInto(inst: PackingInstance, items: readonly number[], bins: number[][], loads: number[][]): void {
  const d = inst.dims;
  for (const i of items) {
    let best = -1;
    let bestRoom = Infinity;
    for (let b = 0; b < bins.length; b++) {
      const load = loads[b] as number[];
      let room = 0;
      let fits = true;
      for (let k = 0; k < d && fits; k++) {
        const cap = inst.capacity[k] ?? 0;
        const after = (load[k] ?? 0) + (inst.sizes[i * d + k] ?? 0);
        fits = after <= cap;
        room += (cap - after) / cap;
      }
      if (fits && room < bestRoom - 1e-12) {
        best = b;
        bestRoom = room;
      }
    }
    if (best < 0) {
      bins.push([i]);
      loads.push(Array.from({ length: d }, (_, k) => inst.sizes[i * d + k] ?? 0));
      continue;
    }
    const load = loads[best] as number[];
    for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + (inst.sizes[i * d + k] ?? 0);
    (bins[best] as number[]).push(i);
  }
}

export function bfd(inst: PackingInstance): Packing {
  const bins: number[][] = [];
  bestFitInto(inst, decreasingOrder(inst), bins, []);
  return bins;
}
