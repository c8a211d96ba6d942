import type { Allocator, AllocatorContext, Decision, Placement, Preemption } from './allocator.js';
import type { ClusterView, Trial } from '../core/cluster.js';
import { eligiblePools, type Eligibility } from '../core/eligibility.js';
import type { Allocation, Request } from '../core/model.js';
import { mayPreempt, PRIORITY_RANK } from '../core/priority.js';
import type { Rejection } from '../core/rejection.js';
import { FreedRoom, neededVictims } from '../core/freed-room.js';
import { chooseDevices, gpuShape } from '../core/gpu.js';
import { EPSILON } from '../core/resources.js';
import { positionOf } from './positions.js';

/**
 * Priority preemption around any allocator.
 *
 * Rule: a `critical` or `high` request the inner allocator could not place (`wait`) may evict
 * running work that is `preemptible` and of strictly lower priority. On each eligible node the
 * victims are taken lowest priority first (then youngest first, so the least work is lost) until
 * the request fits, and then every victim it fits without is spared again (`neededVictims`: the
 * last taken first), so no eviction is for nothing; the node chosen is the one needing the fewest
 * victims, then the one whose most important victim is least important, then the lowest node id.
 * Evicted work is requeued by the caller and counted.
 */
export class PreemptingAllocator implements Allocator {
  readonly name: string;

  constructor(readonly inner: Allocator) {
    this.name = `${inner.name}+preemption`;
  }

  prepare(): Promise<void> {
    return this.inner.prepare?.() ?? Promise.resolve();
  }

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    const base = this.inner.allocate(requests, cluster, ctx);
    // The decision names requests by id; decideAndApply reads the same batch's positions after.
    const byId = (id: string): Request => requests[positionOf(requests, id) as number] as Request;
    if (!base.rejections.some((rej) => rej.code === 'wait' && mayPreempt(byId(rej.requestId).priority))) return base;

    const placements: Placement[] = [];
    const preemptions: Preemption[] = [];
    const rejections: Rejection[] = [];
    const trial = cluster.trial();
    // Plans that failed since the last successful one, per eligible-pool set: a failed search
    // changes nothing, so a request at least as large in every dimension and no more important
    // (it may evict no more) fails too: skip its search. A successful plan changes the trial
    // (its victims may free room a less important request could not have evicted): forget them.
    const failed = new Map<readonly number[], { demand: readonly number[]; rank: number }[]>();
    try {
      // Every placement says which GPU devices it takes (those of the trial). The driver evicts
      // first and places after: left to choose its own devices then, a placement staged before an
      // eviction could take the device the eviction freed for a later one (invalid decision).
      for (const p of base.placements) placements.push(placeOn(trial, cluster, byId(p.requestId), p.nodeId, p.devices));
      for (const rej of base.rejections) {
        const r = byId(rej.requestId);
        if (rej.code !== 'wait' || !mayPreempt(r.priority)) {
          rejections.push(rej);
          continue;
        }
        const elig = eligiblePools(cluster, r);
        const rank = PRIORITY_RANK[r.priority];
        const misses = 'rejection' in elig ? undefined : failed.get(elig.pools);
        const skip = misses !== undefined && misses.some((m) => rank >= m.rank && dominates(r.demand, m.demand));
        const search = skip ? undefined : searchEviction(cluster, trial, r, elig);
        const plan = search?.plan;
        if (plan === undefined) {
          // Only a search that failed for want of victims proves the larger ones fail too (one
          // that found a node with room but nothing to evict says nothing about a larger request).
          if (search !== undefined && !search.roomWithoutVictims && !('rejection' in elig)) {
            if (misses === undefined) failed.set(elig.pools, [{ demand: r.demand, rank }]);
            else if (misses.length < 16) misses.push({ demand: r.demand, rank });
          }
          rejections.push(rej);
          continue;
        }
        failed.clear();
        for (const v of plan.victims) {
          trial.evict(v.id);
          preemptions.push({ allocationId: v.id, forRequestId: r.id, reason: `${r.priority} request ${r.id} preempts ${v.request.priority} ${v.id}` });
        }
        placements.push(placeOn(trial, cluster, r, plan.nodeId, undefined));
      }
    } finally {
      trial.rollback();
    }
    return { placements, preemptions, rejections, ...(base.solver ? { solver: base.solver } : {}) };
  }
}

/** Stages `r` on `nodeId` and returns its placement, naming the GPU devices taken on a device node. */
function placeOn(trial: Trial, cluster: ClusterView, r: Request, nodeId: number, devices: readonly number[] | undefined): Placement {
  const free = devices === undefined ? cluster.gpuFree(nodeId) : undefined;
  const gpu = cluster.space.indexOf('gpu');
  const chosen = free === undefined || gpu < 0 ? devices : chooseDevices(free, gpuShape(r.demand[gpu] ?? 0));
  trial.place(r, nodeId, chosen);
  return chosen === undefined || chosen.length === 0 ? { requestId: r.id, nodeId } : { requestId: r.id, nodeId, devices: chosen };
}

/** a ≥ b in every dimension. */
function dominates(a: readonly number[], b: readonly number[]): boolean {
  for (let d = 0; d < a.length; d++) if ((a[d] as number) < (b[d] as number)) return false;
  return true;
}

interface EvictionPlan {
  nodeId: number;
  victims: Allocation[];
}

/** The cheapest set of lower-priority preemptible allocations on one node that makes room for r. */
export function planEviction(cluster: ClusterView, trial: Trial, r: Request): EvictionPlan | undefined {
  return searchEviction(cluster, trial, r, eligiblePools(cluster, r)).plan;
}

/** planEviction over r's eligible pools, also saying whether some node had room for r without evicting anything (no plan is made there). */
function searchEviction(cluster: ClusterView, trial: Trial, r: Request, elig: Eligibility): { plan: EvictionPlan | undefined; roomWithoutVictims: boolean } {
  if ('rejection' in elig) return { plan: undefined, roomWithoutVictims: false };
  let roomWithoutVictims = false;
  const rank = PRIORITY_RANK[r.priority];
  let best: EvictionPlan | undefined;
  let bestTop = -1;
  const D = r.demand.length;
  for (const p of elig.pools) {
    for (const nodeId of cluster.upNodes(p)) {
      const victims: Allocation[] = [];
      for (const a of cluster.allocationsOn(nodeId)) {
        if (a.request.preemptible === true && PRIORITY_RANK[a.request.priority] > rank && !trial.isEvicted(a.id)) victims.push(a);
      }
      if (victims.length === 0) {
        const f = cluster.free(nodeId);
        let room = true;
        for (let d = 0; d < D && room; d++) if ((r.demand[d] as number) > (f[d] as number) + EPSILON) room = false;
        if (room) roomWithoutVictims = true;
        continue;
      }
      victims.sort((a, b) => PRIORITY_RANK[b.request.priority] - PRIORITY_RANK[a.request.priority] || b.start - a.start || (a.id < b.id ? -1 : 1));
      // On a GPU device node the victims must free the right devices, not just enough in sum.
      const room = new FreedRoom(cluster, nodeId, r.demand);
      const taken: Allocation[] = [];
      for (const v of victims) {
        if (room.fits()) break;
        taken.push(v);
        room.take(v);
      }
      if (taken.length === 0 && room.fits()) roomWithoutVictims = true;
      if (taken.length === 0 || !room.fits()) continue;
      // Spared again: the victims the request fits without (they would be evicted for nothing).
      const chosen = neededVictims(cluster, nodeId, r.demand, taken);
      // Most important victim of this plan (smallest rank); prefer plans whose is larger.
      const top = Math.min(...chosen.map((v) => PRIORITY_RANK[v.request.priority]));
      if (best === undefined || chosen.length < best.victims.length || (chosen.length === best.victims.length && top > bestTop)) {
        best = { nodeId, victims: chosen };
        bestTop = top;
      }
    }
  }
  return { plan: best, roomWithoutVictims };
}
