import { FitIndex } from './fit-index.js';
import type { PoolSpec } from './model.js';
import { OrderIndex } from './order-index.js';
import { EPSILON, type ResourceSpace, type ResourceVector } from './resources.js';
import { insertSorted, removeSorted } from './sorted.js';

/**
 * The up nodes of each pool, ascending by id, and the two indexes ClusterState searches them by:
 * by free size (best and worst fit, fit-index.ts) and by id (first fit, order-index.ts). The
 * cluster keeps each node's free vector and size key; it tells this index when a node comes up,
 * goes down, or its free capacity moves.
 *
 *   size(v) = Σ_d v_d / ref_d        (ref_d = largest node capacity of dimension d over the pools)
 */
export class UpNodes {
  private readonly ids: number[][];
  private readonly bySize: FitIndex[];
  private readonly inOrder: OrderIndex[];
  private readonly invRef: Float64Array;

  /** `freeOf`: a node's free vector; `devFits`: whether its GPU devices can hold a demand (device pools). */
  constructor(
    space: ResourceSpace,
    pools: readonly PoolSpec[],
    freeOf: (id: number) => Float64Array,
    private readonly devFits: ((id: number, demand: readonly number[]) => boolean) | undefined,
  ) {
    this.ids = pools.map(() => []);
    this.bySize = pools.map(() => new FitIndex(space.size, freeOf, devFits));
    this.inOrder = this.ids.map((up) => new OrderIndex(space.size, up, freeOf));
    const D = space.size;
    this.invRef = new Float64Array(D);
    for (let d = 0; d < D; d++) {
      let ref = 0;
      for (const p of pools) ref = Math.max(ref, p.capacity[d] ?? 0);
      this.invRef[d] = ref > 0 ? 1 / ref : 0;
    }
  }

  /** The up nodes of `pool`, ascending. */
  of(pool: number): readonly number[] {
    return this.ids[pool] ?? [];
  }

  /** The size key of a node's free vector. */
  sizeOf(free: Float64Array): number {
    let k = 0;
    for (let d = 0; d < free.length; d++) k += (free[d] as number) * (this.invRef[d] as number);
    return k;
  }

  /** The size of a demand, on the same scale as `sizeOf`. */
  demandSize(demand: ResourceVector): number {
    let k = 0;
    for (let d = 0; d < demand.length; d++) k += (demand[d] as number) * (this.invRef[d] as number);
    return k;
  }

  /** Node `id` of `pool` came up with size key `key`. */
  add(id: number, pool: number, key: number): void {
    (this.bySize[pool] as FitIndex).insert(id, key);
    insertSorted(this.ids[pool] as number[], id);
    this.inOrder[pool]?.invalidate();
  }

  /** Node `id` of `pool` (size key `key`) is no longer up. */
  remove(id: number, pool: number, key: number): void {
    (this.bySize[pool] as FitIndex).remove(id, key);
    removeSorted(this.ids[pool] as number[], id);
    this.inOrder[pool]?.invalidate();
  }

  /** Node `id`'s free capacity moved: its size key went from `oldKey` to `newKey`; `shrank`: work was placed. */
  moved(id: number, pool: number, oldKey: number, newKey: number, shrank: boolean): void {
    (this.bySize[pool] as FitIndex).update(id, oldKey, newKey);
    this.inOrder[pool]?.changed(id, shrank);
  }

  bestFit(pool: number, demand: ResourceVector): number {
    const idx = this.bySize[pool];
    if (idx === undefined) return -1;
    return idx.firstFitFrom(this.demandSize(demand) - EPSILON, demand);
  }

  worstFit(pool: number, demand: ResourceVector): number {
    const idx = this.bySize[pool];
    if (idx === undefined) return -1;
    return idx.lastFitAbove(this.demandSize(demand) - EPSILON, demand);
  }

  firstFit(pool: number, demand: ResourceVector, fromPosition: number): number {
    return this.inOrder[pool]?.firstFit(demand, fromPosition, this.devFits) ?? -1;
  }
}
