/**
 * Offline bin-packing instances and packings.
 *
 * An instance has `dims` ≥ 1 resource dimensions, one capacity per dimension and `n` items, each a
 * vector of sizes. All sizes are integers: readers scale decimal inputs by a power of ten per
 * dimension (OR-Library's triplet sets give sizes like 36.6 on a capacity of 100.0, stored here
 * as 366 on 1000), so every packing decision is exact arithmetic.
 *
 * Size measure (multi-dimensional): an item's measure is the sum of its sizes normalised by the
 * capacities, `s(i) = Σ_k w_ik / C_k`; a bin's fill is the same sum over its load. In one
 * dimension this is just `w_i / C`. FFD and BFD sort by it, BFD and the GA's local search compare
 * fills with it.
 */

export interface PackingInstance {
  readonly name: string;
  readonly dims: number;
  /** Integer capacity per dimension. */
  readonly capacity: readonly number[];
  /** Item count. */
  readonly n: number;
  /** Integer sizes, row-major: item i, dimension k at `sizes[i * dims + k]`. */
  readonly sizes: readonly number[];
  /** Divide a scaled size or capacity of dimension k by `scale[k]` to get the file's value. */
  readonly scale: readonly number[];
  /** Where the instance came from (file and 1-based line of its first record). */
  readonly source?: { readonly file: string; readonly line: number };
  /** "Best known" bins printed in an OR-Library file (unreliable: see data/README). */
  readonly bestKnown?: number;
}

/** Bins of item indices; every item appears in exactly one bin. */
export type Packing = readonly (readonly number[])[];

export function makeInstance(
  name: string,
  capacity: readonly number[],
  items: readonly (readonly number[])[],
  extra: { scale?: readonly number[]; source?: { file: string; line: number }; bestKnown?: number } = {},
): PackingInstance {
  const dims = capacity.length;
  if (dims < 1) throw new RangeError(`instance '${name}': needs at least one dimension`);
  capacity.forEach((c, k) => {
    if (!Number.isInteger(c) || c <= 0) throw new RangeError(`instance '${name}': capacity[${k}] must be a positive integer, got ${c}`);
  });
  const sizes: number[] = [];
  items.forEach((item, i) => {
    if (item.length !== dims) throw new RangeError(`instance '${name}': item ${i} has ${item.length} sizes, expected ${dims}`);
    item.forEach((w, k) => {
      if (!Number.isInteger(w) || w < 0) throw new RangeError(`instance '${name}': item ${i} size[${k}] must be a non-negative integer, got ${w}`);
      if (w > (capacity[k] ?? 0)) throw new RangeError(`instance '${name}': item ${i} size[${k}] = ${w} exceeds capacity ${capacity[k]}`);
      sizes.push(w);
    });
  });
  return {
    name,
    dims,
    capacity: [...capacity],
    n: items.length,
    sizes,
    scale: extra.scale ?? capacity.map(() => 1),
    ...(extra.source === undefined ? {} : { source: extra.source }),
    ...(extra.bestKnown === undefined ? {} : { bestKnown: extra.bestKnown }),
  };
}

export function sizeOf(inst: PackingInstance, item: number, dim = 0): number {
  return inst.sizes[item * inst.dims + dim] ?? 0;
}

/** The size measure Σ_k w_ik / C_k of one item. */
export function itemMeasure(inst: PackingInstance, item: number): number {
  let s = 0;
  for (let k = 0; k < inst.dims; k++) s += (inst.sizes[item * inst.dims + k] ?? 0) / (inst.capacity[k] ?? 1);
  return s;
}

/**
 * Item indices by decreasing measure; ties by decreasing first size, then by index, so the order
 * (and everything built on it) is deterministic.
 */
export function decreasingOrder(inst: PackingInstance): number[] {
  const m = Array.from({ length: inst.n }, (_, i) => itemMeasure(inst, i));
  return Array.from({ length: inst.n }, (_, i) => i).sort((a, b) => {
    const d = (m[b] ?? 0) - (m[a] ?? 0);
    if (d !== 0) return d;
    for (let k = 0; k < inst.dims; k++) {
      const e = sizeOf(inst, b, k) - sizeOf(inst, a, k);
      if (e !== 0) return e;
    }
    return a - b;
  });
}

/** Why `packing` does not place every item once within capacity (undefined when it does). */
export function packingViolation(inst: PackingInstance, packing: Packing): string | undefined {
  const seen = new Uint8Array(inst.n);
  for (const [b, bin] of packing.entries()) {
    if (bin.length === 0) return `bin ${b} is empty`;
    const load = new Array<number>(inst.dims).fill(0);
    for (const i of bin) {
      if (!Number.isInteger(i) || i < 0 || i >= inst.n) return `bin ${b} holds unknown item ${i}`;
      if (seen[i] === 1) return `item ${i} is packed twice`;
      seen[i] = 1;
      for (let k = 0; k < inst.dims; k++) load[k] = (load[k] ?? 0) + sizeOf(inst, i, k);
    }
    for (const [k, l] of load.entries()) {
      if (l > (inst.capacity[k] ?? 0)) return `bin ${b} holds ${l} in dimension ${k}, capacity ${inst.capacity[k]}`;
    }
  }
  const missing = seen.indexOf(0);
  return missing >= 0 ? `item ${missing} is not packed` : undefined;
}

/** Throws (a bug, not a user error) unless `packing` places every item once within capacity. */
export function assertValidPacking(inst: PackingInstance, packing: Packing, who: string): void {
  const why = packingViolation(inst, packing);
  if (why !== undefined) throw new Error(`${who}: ${why}`);
}
