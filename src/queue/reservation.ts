import type { ClusterView } from '../core/cluster.js';
import { eligiblePools } from '../core/eligibility.js';
import { estimatedDuration, type Allocation, type Request } from '../core/model.js';
import { chooseDevices, devicesFit, gpuShape, milliPerDevice } from '../core/gpu.js';
import { fitsIn, type ResourceVector } from '../core/resources.js';
import { ResourceProfile, type ProfileRelease } from './profile.js';

/**
 * Helpers shared by the generic backfill policies (`easy.ts`, `conservative.ts`).
 *
 * Expected end of a running allocation = start + requested duration (`estimatedDuration`: the
 * requested duration if the request has one, else its actual duration). Work that has overrun
 * its request is expected to end `now`; nothing may start before it really ends, though, because
 * starting now always also needs the demand to fit the node's *actual* free capacity.
 */
export function expectedEnd(a: Allocation, now: number): number {
  return Math.max(now, a.start + estimatedDuration(a.request));
}

/** Pool indexes `r` may use (scenario order); [] if none (the driver reports why). */
export function eligible(view: ClusterView, r: Request): readonly number[] {
  return eligiblePools(view, r).pools;
}

/** Up nodes of `pools`, pools in the given order, ids ascending. */
export function upNodesOf(view: ClusterView, pools: readonly number[]): number[] {
  const out: number[] = [];
  for (const p of pools) for (const id of view.upNodes(p)) out.push(id);
  return out;
}

/** Number of up nodes. */
export function upCount(view: ClusterView): number {
  let n = 0;
  for (let p = 0; p < view.pools.length; p++) n += view.upNodes(p).length;
  return n;
}

/** Per dimension, the most any up node has free now (an upper bound of what one node can take). */
export function largestFree(view: ClusterView): Float64Array {
  const most = new Float64Array(view.space.size);
  for (let p = 0; p < view.pools.length; p++) {
    for (const id of view.upNodes(p)) {
      const free = view.free(id);
      for (let d = 0; d < most.length; d++) if ((free[d] as number) > (most[d] as number)) most[d] = free[d] as number;
    }
  }
  return most;
}

/** Node free-capacity profile from the running allocations' expected ends (per GPU device on a device node). */
export function nodeProfile(view: ClusterView, nodeId: number, now: number): ResourceProfile {
  const releases: ProfileRelease[] = [];
  for (const a of view.allocationsOn(nodeId)) releases.push({ at: expectedEnd(a, now), demand: a.request.demand, devices: a.devices });
  const gpus = view.gpuFree(nodeId);
  return new ResourceProfile(now, view.free(nodeId), releases, gpus === undefined ? undefined : { dim: view.space.indexOf('gpu'), freeNow: gpus });
}

/**
 * Demands staged on top of the cluster's actual free capacity during one `select` (the requests
 * already chosen to start now), so later candidates do not count the same capacity twice. On a
 * GPU device node the staged requests also hold devices: the ones given, else the cluster's
 * default choice (core/gpu.ts), which is where a pinned pick without devices would land.
 */
export class Overlay {
  private readonly used = new Map<number, Float64Array>();
  private readonly devices = new Map<number, Int32Array>();
  private readonly gpuDim: number;

  constructor(private readonly view: ClusterView) {
    this.gpuDim = view.space.indexOf('gpu');
  }

  fits(nodeId: number, demand: ResourceVector): boolean {
    const u = this.used.get(nodeId);
    const free = this.view.free(nodeId);
    if (u === undefined) return fitsIn(demand, free) && this.devicesFit(nodeId, demand);
    const left = new Float64Array(free.length);
    for (let d = 0; d < left.length; d++) left[d] = (free[d] as number) - (u[d] as number);
    return fitsIn(demand, left) && this.devicesFit(nodeId, demand);
  }

  /** Free milli per GPU device of a device node now, minus what is staged there; undefined on a scalar node. */
  gpuFree(nodeId: number): ArrayLike<number> | undefined {
    return this.devices.get(nodeId) ?? this.view.gpuFree(nodeId);
  }

  /** Stage `demand` on `nodeId` (on a device node: on `devices`, default the cluster's choice); returns the devices. */
  add(nodeId: number, demand: ResourceVector, devices?: readonly number[]): readonly number[] | undefined {
    let u = this.used.get(nodeId);
    if (u === undefined) {
      u = new Float64Array(this.view.space.size);
      this.used.set(nodeId, u);
    }
    for (let d = 0; d < u.length; d++) u[d] = (u[d] as number) + (demand[d] ?? 0);
    const now = this.gpuFree(nodeId);
    if (now === undefined) return undefined;
    const shape = gpuShape(demand[this.gpuDim] ?? 0);
    const taken = devices ?? chooseDevices(now, shape) ?? [];
    const left = Int32Array.from(now);
    for (const g of taken) left[g] = (left[g] as number) - milliPerDevice(shape);
    this.devices.set(nodeId, left);
    return taken;
  }

  private devicesFit(nodeId: number, demand: ResourceVector): boolean {
    const now = this.gpuFree(nodeId);
    return now === undefined || devicesFit(now, gpuShape(demand[this.gpuDim] ?? 0));
  }

  /**
   * A node of `pools` where `demand` fits now (actual free minus staged), or -1. Tries the
   * cluster's indexed best fit first and scans a pool's nodes only when staging got in the way.
   */
  findNode(pools: readonly number[], demand: ResourceVector): number {
    for (const p of pools) {
      const n = this.view.bestFit(p, demand);
      if (n < 0) continue;
      if (!this.used.has(n)) return n;
      for (const id of this.view.upNodes(p)) if (this.fits(id, demand)) return id;
    }
    return -1;
  }
}
