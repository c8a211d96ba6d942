import type { ClusterView } from './cluster.js';

/** Totals over a pool's up nodes: capacity and allocated amount per dimension, and allocations. */
export interface PoolUsage {
  readonly capacity: number[];
  readonly used: number[];
  readonly allocations: number;
}

export function poolUsage(view: ClusterView, pool: number): PoolUsage {
  const D = view.space.size;
  const capacity = new Array<number>(D).fill(0);
  const used = new Array<number>(D).fill(0);
  let allocations = 0;
  for (const id of view.upNodes(pool)) {
    const c = view.capacity(id);
    const f = view.free(id);
    for (let d = 0; d < D; d++) {
      capacity[d] = (capacity[d] as number) + (c[d] as number);
      used[d] = (used[d] as number) + (c[d] as number) - (f[d] as number);
    }
    for (const _a of view.allocationsOn(id)) allocations++;
  }
  return { capacity, used, allocations };
}
