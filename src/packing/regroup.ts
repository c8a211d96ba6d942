/**
 * Working state for grouping heuristics: bins with incremental loads, and the dominance-based
 * repair shared by the genetic algorithm's crossover and mutation.
 *
 * Repair (after Falkenauer's HGGA and Martello & Toth's dominance criterion): given bins and a
 * set F of free items, for every bin B look for a swap that removes R ⊆ B (|R| ≤ 2) and inserts
 * A ⊆ F (1 ≤ |A| ≤ 2) such that B still fits and its fill strictly grows; apply the best such swap
 * (the removed items join F) and repeat until no bin improves. Fuller bins with bigger items
 * leave smaller, easier items free. What is still free is then packed best-fit decreasing,
 * opening new bins only when nothing fits. Fill is the size measure Σ_k load_k / C_k.
 */
import { compareFill } from './bfd.js';
import type { PackingInstance } from './instance.js';
import { decreasingOrder } from './instance.js';

export class Workspace {
  readonly d: number;
  readonly n: number;
  /** Sizes normalised by capacity, row-major like `inst.sizes`. */
  readonly w: Float64Array;
  /** Integer sizes and capacities, for exact fit tests (float64: exact up to 2^53, where Int32 wrapped past 2^31). */
  readonly size: Float64Array;
  readonly cap: Float64Array;
  /** Item measure Σ_k w_ik / C_k. */
  readonly measure: Float64Array;
  /** Rank of each item in the decreasing order (0 = largest). */
  readonly rank: Int32Array;

  constructor(readonly inst: PackingInstance) {
    this.d = inst.dims;
    this.n = inst.n;
    this.size = Float64Array.from(inst.sizes);
    this.cap = Float64Array.from(inst.capacity);
    this.w = Float64Array.from(inst.sizes, (s, idx) => s / (inst.capacity[idx % inst.dims] ?? 1));
    this.measure = new Float64Array(inst.n);
    for (let i = 0; i < inst.n; i++) for (let k = 0; k < this.d; k++) this.measure[i] = (this.measure[i] ?? 0) + (this.w[i * this.d + k] ?? 0);
    this.rank = new Int32Array(inst.n);
    decreasingOrder(inst).forEach((i, r) => (this.rank[i] = r));
  }
}

/** One bin: its items and integer load per dimension. */
export interface Bin {
  items: number[];
  load: Float64Array;
}

export function binOf(ws: Workspace, items: readonly number[]): Bin {
  const load = new Float64Array(ws.d);
  for (const i of items) for (let k = 0; k < ws.d; k++) load[k] = (load[k] ?? 0) + (ws.size[i * ws.d + k] ?? 0);
  return { items: [...items], load };
}

export function fill(ws: Workspace, bin: Bin): number {
  let f = 0;
  for (let k = 0; k < ws.d; k++) f += (bin.load[k] ?? 0) / (ws.cap[k] ?? 1);
  return f;
}

/** Best-fit decreasing of `items` into `bins` (mutated), opening new bins as needed. */
export function bestFitDecreasing(ws: Workspace, bins: Bin[], items: readonly number[]): void {
  const d = ws.d;
  const order = [...items].sort((a, b) => (ws.rank[a] ?? 0) - (ws.rank[b] ?? 0));
  for (const i of order) {
    let best: Bin | undefined;
    for (const bin of bins) {
      let ok = true;
      for (let k = 0; k < d && ok; k++) ok = (bin.load[k] ?? 0) + (ws.size[i * d + k] ?? 0) <= (ws.cap[k] ?? 0);
      // The bin the item leaves least room in is the fullest; compared exactly (bfd.ts).
      if (ok && (best === undefined || compareFill(ws.cap, bin.load, best.load, d) > 0)) best = bin;
    }
    if (best === undefined) bins.push(binOf(ws, [i]));
    else {
      best.items.push(i);
      for (let k = 0; k < d; k++) best.load[k] = (best.load[k] ?? 0) + (ws.size[i * d + k] ?? 0);
    }
  }
}

/** Free-item subsets considered by the swap search: singles, and pairs while F is small. */
const MAX_FREE_FOR_PAIRS = 60;

/**
 * One bin's best improving swap (see the file comment). Returns true and mutates `bin` and
 * `free` when it found one.
 */
function improveBin(ws: Workspace, bin: Bin, free: number[]): boolean {
  const d = ws.d;
  const items = bin.items;
  const m = items.length;
  const f = free.length;
  const base = new Float64Array(d);
  let bestGain = 1e-12;
  let bestR: number[] = [];
  let bestA: number[] = [];
  const baseFill = fill(ws, bin);
  // Removal sets: ∅, {r}, {r, s} (as positions in `items`).
  const removals: number[][] = [[]];
  for (let r = 0; r < m; r++) {
    removals.push([r]);
    for (let s = r + 1; s < m; s++) removals.push([r, s]);
  }
  const fits = (a: number, b: number): boolean => {
    for (let k = 0; k < d; k++) {
      let v = (base[k] ?? 0) + (ws.size[a * d + k] ?? 0);
      if (b >= 0) v += ws.size[b * d + k] ?? 0;
      if (v > (ws.cap[k] ?? 0)) return false;
    }
    return true;
  };
  for (const R of removals) {
    let removedMeasure = 0;
    for (let k = 0; k < d; k++) base[k] = bin.load[k] ?? 0;
    for (const pos of R) {
      const it = items[pos] ?? 0;
      removedMeasure += ws.measure[it] ?? 0;
      for (let k = 0; k < d; k++) base[k] = (base[k] ?? 0) - (ws.size[it * d + k] ?? 0);
    }
    for (let x = 0; x < f; x++) {
      const a = free[x] ?? 0;
      const ma = ws.measure[a] ?? 0;
      if (ma - removedMeasure > bestGain && fits(a, -1)) {
        bestGain = ma - removedMeasure;
        bestR = R;
        bestA = [x];
      }
      if (f > MAX_FREE_FOR_PAIRS) continue;
      for (let y = x + 1; y < f; y++) {
        const b = free[y] ?? 0;
        const gain = ma + (ws.measure[b] ?? 0) - removedMeasure;
        if (gain > bestGain && fits(a, b)) {
          bestGain = gain;
          bestR = R;
          bestA = [x, y];
        }
      }
    }
  }
  if (bestA.length === 0 || baseFill + bestGain <= baseFill) return false;
  const incoming = bestA.map((x) => free[x] ?? 0);
  const outgoing = bestR.map((pos) => items[pos] ?? 0);
  // Remove chosen free items (highest position first), then swap.
  for (const x of [...bestA].sort((p, q) => q - p)) free.splice(x, 1);
  bin.items = items.filter((_, pos) => !bestR.includes(pos)).concat(incoming);
  for (const it of outgoing) {
    free.push(it);
    for (let k = 0; k < d; k++) bin.load[k] = (bin.load[k] ?? 0) - (ws.size[it * d + k] ?? 0);
  }
  for (const it of incoming) for (let k = 0; k < d; k++) bin.load[k] = (bin.load[k] ?? 0) + (ws.size[it * d + k] ?? 0);
  return true;
}

/** Dominance swaps until no bin improves, then best-fit decreasing of what is left. Mutates `bins`. */
export function repair(ws: Workspace, bins: Bin[], free: number[]): void {
  let improved = free.length > 0;
  let rounds = 0;
  while (improved && free.length > 0 && rounds < 1000) {
    improved = false;
    rounds++;
    for (const bin of bins) {
      if (free.length === 0) break;
      if (improveBin(ws, bin, free)) improved = true;
    }
  }
  bestFitDecreasing(ws, bins, free);
  free.length = 0;
}
