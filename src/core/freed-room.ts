import type { ClusterView } from './cluster-view.js';
import { devicesFit, gpuShape, milliPerDevice, type GpuShape } from './gpu.js';
import type { Allocation } from './model.js';
import { EPSILON, type ResourceVector } from './resources.js';

/**
 * A node's free capacity while an eviction plan takes victims off it one by one (priority
 * preemption, quota reclaim), and whether the request fits yet. On a GPU device node the scalar
 * sum is not enough: the victims must free the right devices (a whole GPU needs an idle device, a
 * share one device with that much left; core/gpu.ts), so the free milli per device is kept too.
 */
export class FreedRoom {
  private readonly free: number[];
  private readonly dev: Int32Array | undefined;
  private readonly gpuDim: number;
  private readonly shape: GpuShape;

  constructor(
    cluster: ClusterView,
    nodeId: number,
    private readonly demand: ResourceVector,
  ) {
    this.free = Array.from(cluster.free(nodeId));
    const devFree = cluster.gpuFree(nodeId);
    this.dev = devFree === undefined ? undefined : Int32Array.from(devFree);
    this.gpuDim = cluster.space.indexOf('gpu');
    this.shape = gpuShape(this.gpuDim < 0 ? 0 : (demand[this.gpuDim] ?? 0));
  }

  /** The request fits what is free plus what the victims taken so far hold. */
  fits(): boolean {
    const { demand, free } = this;
    for (let d = 0; d < demand.length; d++) if ((demand[d] as number) > (free[d] as number) + EPSILON) return false;
    return this.dev === undefined || devicesFit(this.dev, this.shape);
  }

  /** Count `v`'s capacity (and its devices' share) as free. */
  take(v: Allocation): void {
    const q = v.request.demand;
    for (let d = 0; d < this.free.length; d++) this.free[d] = (this.free[d] as number) + (q[d] as number);
    if (this.dev === undefined) return;
    const m = milliPerDevice(gpuShape(q[this.gpuDim] ?? 0));
    for (const i of v.devices ?? []) this.dev[i] = (this.dev[i] as number) + m;
  }
}

/**
 * `chosen` (victims taken in order until `demand` fitted on `nodeId`) without the victims the
 * request fits without: they are tried one by one, the last taken (the one the rule would least
 * like to evict) first, and each one whose eviction the request does not need (with the ones
 * still kept gone) is spared. A victim that frees nothing the request lacks (a cpu-only job for a
 * GPU request, a share of a device the request does not take, a small job a larger later victim
 * makes redundant) is therefore never evicted. The order of `chosen` is kept.
 */
export function neededVictims(cluster: ClusterView, nodeId: number, demand: ResourceVector, chosen: readonly Allocation[]): Allocation[] {
  if (chosen.length < 2) return [...chosen];
  const kept = chosen.map(() => true);
  for (let i = chosen.length - 1; i >= 0; i--) {
    const room = new FreedRoom(cluster, nodeId, demand);
    chosen.forEach((v, j) => {
      if (j !== i && kept[j] === true) room.take(v);
    });
    if (room.fits()) kept[i] = false;
  }
  return chosen.filter((_, j) => kept[j] === true);
}
