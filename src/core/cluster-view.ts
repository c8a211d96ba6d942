import type { Allocation, PoolSpec, Request } from './model.js';
import type { ResourceSpace, ResourceVector } from './resources.js';

export type NodeStatus = 'booting' | 'up' | 'failed' | 'removed';

/** Tentative placements an allocator stages while deciding a batch; always rolled back. */
export interface Trial {
  /**
   * Take `request.demand` from `nodeId` (throws CapacityError if it does not fit). On a GPU
   * device node, `devices` picks the devices (default: the tightest-fitting share / lowest idle).
   */
  place(request: Request, nodeId: number, devices?: readonly number[]): void;
  /** Give back the capacity of a running allocation, as if it were evicted. */
  evict(allocationId: string): void;
  isEvicted(allocationId: string): boolean;
  /** Undo everything staged. Called by the driver after every decision, whatever happened. */
  rollback(): void;
}

/**
 * What an allocator may see. Read-only: the only way to stage a change is a `Trial`, which the
 * driver rolls back after the decision; the driver then applies the decision itself.
 */
export interface ClusterView {
  readonly space: ResourceSpace;
  readonly pools: readonly PoolSpec[];
  /**
   * Number of node ids ever created (ids are 0..nodeCount-1 and never reused). A removed node keeps
   * its id, pool and name; its capacity and free read as its pool's node capacity, it runs nothing
   * and has no GPU devices (core/node-table.ts).
   */
  readonly nodeCount: number;
  readonly allocationCount: number;
  poolIndex(name: string): number;
  nodePool(nodeId: number): number;
  nodeStatus(nodeId: number): NodeStatus;
  nodeName(nodeId: number): string;
  capacity(nodeId: number): ArrayLike<number>;
  free(nodeId: number): ArrayLike<number>;
  /** Ids of the pool's nodes that accept work, ascending. */
  upNodes(pool: number): readonly number[];
  fits(nodeId: number, demand: ResourceVector): boolean;
  /** Free milli per GPU device of a device node (live; do not write), undefined for scalar nodes. */
  gpuFree(nodeId: number): ArrayLike<number> | undefined;
  /** GPU model of a device node. */
  gpuModel(nodeId: number): string | undefined;
  /** The node's free size Σ_d free_d / ref_d (see FitIndex); comparable across pools. */
  freeSize(nodeId: number): number;
  /** The demand's size on the same scale as `freeSize`. */
  demandSize(demand: ResourceVector): number;
  /** Up node of `pool` with the least free size that fits `demand`, or -1 (indexed search). */
  bestFit(pool: number, demand: ResourceVector): number;
  /** Up node of `pool` with the most free size that fits `demand`, or -1 (indexed search). */
  worstFit(pool: number, demand: ResourceVector): number;
  /** Up node of `pool` with the lowest id that fits `demand`, starting at `fromPosition` in upNodes. */
  firstFit(pool: number, demand: ResourceVector, fromPosition?: number): number;
  allocation(id: string): Allocation | undefined;
  allocations(): IterableIterator<Allocation>;
  allocationsOn(nodeId: number): Iterable<Allocation>;
  trial(): Trial;
}
