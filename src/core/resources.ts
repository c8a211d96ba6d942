/**
 * Resource dimensions. A scenario fixes a set of named dimensions (default cpu, memory, gpu);
 * every demand and capacity is a plain numeric vector indexed by dimension. GPU may be
 * fractional (0.25 = a quarter of a GPU).
 */
export const DEFAULT_DIMENSIONS = ['cpu', 'memory', 'gpu'] as const;

/** Demand and capacity vectors: one number per dimension, in the space's order. */
export type ResourceVector = readonly number[];

/** Slack for floating-point comparisons of resource amounts. */
export const EPSILON = 1e-9;

export class ResourceSpace {
  readonly names: readonly string[];
  private readonly byName: ReadonlyMap<string, number>;

  constructor(names: readonly string[] = DEFAULT_DIMENSIONS) {
    if (names.length === 0) throw new RangeError('a resource space needs at least one dimension');
    const seen = new Map<string, number>();
    names.forEach((n, i) => {
      if (seen.has(n)) throw new RangeError(`duplicate resource dimension '${n}'`);
      seen.set(n, i);
    });
    this.names = [...names];
    this.byName = seen;
  }

  get size(): number {
    return this.names.length;
  }

  /** Index of a dimension, or -1. */
  indexOf(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Build a vector from a partial record; missing dimensions are 0. Unknown names throw. */
  vector(record: Readonly<Record<string, number>>): number[] {
    const v = new Array<number>(this.names.length).fill(0);
    for (const [k, val] of Object.entries(record)) {
      const i = this.byName.get(k);
      if (i === undefined) throw new RangeError(`unknown resource dimension '${k}' (known: ${this.names.join(', ')})`);
      v[i] = val;
    }
    return v;
  }

  record(v: ResourceVector): Record<string, number> {
    const out: Record<string, number> = {};
    this.names.forEach((n, i) => (out[n] = v[i] ?? 0));
    return out;
  }
}

/** True when `demand` fits into `free` in every dimension. */
export function fitsIn(demand: ResourceVector, free: ArrayLike<number>): boolean {
  for (let d = 0; d < demand.length; d++) {
    if ((demand[d] as number) > (free[d] as number) + EPSILON) return false;
  }
  return true;
}

/** The first dimension in which `demand` exceeds `free`, or -1. */
export function firstShortDimension(demand: ResourceVector, free: ArrayLike<number>): number {
  for (let d = 0; d < demand.length; d++) {
    if ((demand[d] as number) > (free[d] as number) + EPSILON) return d;
  }
  return -1;
}

/** Largest demand_d / capacity_d: the share of a node the demand takes in its dominant dimension. */
export function dominantShare(demand: ResourceVector, capacity: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < demand.length; d++) {
    const c = capacity[d] as number;
    const q = demand[d] as number;
    if (q <= 0) continue;
    const share = c > 0 ? q / c : Infinity;
    if (share > s) s = share;
  }
  return s;
}
