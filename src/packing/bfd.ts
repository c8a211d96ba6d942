/**
 * Best-fit decreasing. Items in decreasing size measure; each goes into the open bin where it
 * fits in every dimension and leaves the least room, measured as the residual fill
 * Σ_k (C_k − load_k − w_ik) / C_k (in one dimension: the tightest bin). Ties go to the
 * lowest-numbered bin. A new bin opens when nothing fits.
 *
 * The item's own sizes cancel out of that comparison: the bin it leaves least room in is the
 * fullest one (`compareFill`), compared on the exact integer differences of the two loads.
 */
import type { Packing, PackingInstance } from './instance.js';
import { decreasingOrder } from './instance.js';

/**
 * Sign of fill(a) − fill(b), fill = Σ_k load_k / C_k, for integer loads: 1 when bin `a` is the
 * fuller, −1 when `b` is, 0 for a tie. The per-dimension differences a_k − b_k are exact integers
 * (below 2^53), so in one dimension the answer is exact, and in several only differences within
 * the rounding of their normalised sum (a few ulps of Σ_k |a_k − b_k| / C_k) count as ties. An
 * absolute tolerance (it was 1e-12) made bins of a capacity ≥ 10^12 that differ by a few units tie.
 */
export function compareFill(capacity: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let sum = 0;
  let magnitude = 0;
  for (let k = 0; k < d; k++) {
    const t = ((a[k] ?? 0) - (b[k] ?? 0)) / (capacity[k] ?? 1);
    sum += t;
    magnitude += Math.abs(t);
  }
  const tolerance = 4 * d * Number.EPSILON * magnitude;
  return sum > tolerance ? 1 : sum < -tolerance ? -1 : 0;
}

export function bestFitInto(inst: PackingInstance, items: readonly number[], bins: number[][], loads: number[][]): void {
  const d = inst.dims;
  for (const i of items) {
    let best = -1;
    for (let b = 0; b < bins.length; b++) {
      const load = loads[b] as number[];
      let fits = true;
      for (let k = 0; k < d && fits; k++) fits = (load[k] ?? 0) + (inst.sizes[i * d + k] ?? 0) <= (inst.capacity[k] ?? 0);
      if (fits && (best < 0 || compareFill(inst.capacity, load, loads[best] as number[], d) > 0)) best = b;
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
