import type { ClusterView } from '../core/cluster.js';
import { eligiblePools } from '../core/eligibility.js';
import { estimatedDuration, type Allocation, type Request } from '../core/model.js';
import { fitsIn, type ResourceVector } from '../core/resources.js';
import { ResourceProfile } from './profile.js';

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

/** Node free-capacity profile from the running allocations' expected ends. */
export function nodeProfile(view: ClusterView, nodeId: number, now: number): ResourceProfile {
  const releases: { at: number; demand: ResourceVector }[] = [];
  for (const a of view.allocationsOn(nodeId)) releases.push({ at: expectedEnd(a, now), demand: a.request.demand });
  return new ResourceProfile(now, view.free(nodeId), releases);
}

/**
 * Demands staged on top of the cluster's actual free capacity during one `select` (the requests
 * already chosen to start now), so later candidates do not count the same capacity twice.
 */
export class Overlay {
  private readonly used = new Map<number, Float64Array>();

  constructor(private readonly view: ClusterView) {}

  fits(nodeId: number, demand: ResourceVector): boolean {
    const u = this.used.get(nodeId);
    const free = this.view.free(nodeId);
    if (u === undefined) return fitsIn(demand, free);
    const left = new Float64Array(free.length);
    for (let d = 0; d < left.length; d++) left[d] = (free[d] as number) - (u[d] as number);
    return fitsIn(demand, left);
  }

  add(nodeId: number, demand: ResourceVector): void {
    let u = this.used.get(nodeId);
    if (u === undefined) {
      u = new Float64Array(this.view.space.size);
      this.used.set(nodeId, u);
    }
    for (let d = 0; d < u.length; d++) u[d] = (u[d] as number) + (demand[d] ?? 0);
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
