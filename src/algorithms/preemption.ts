import type { Allocator, AllocatorContext, Decision, Placement, Preemption } from './allocator.js';
import type { ClusterView, Trial } from '../core/cluster.js';
import { eligiblePools } from '../core/eligibility.js';
import type { Allocation, Request } from '../core/model.js';
import { mayPreempt, PRIORITY_RANK } from '../core/priority.js';
import type { Rejection } from '../core/rejection.js';
import { EPSILON } from '../core/resources.js';

/**
 * Priority preemption around any allocator.
 *
 * Rule: a `critical` or `high` request the inner allocator could not place (`wait`) may evict
 * running work that is `preemptible` and of strictly lower priority. On each eligible node the
 * victims are taken lowest priority first (then youngest first, so the least work is lost) until
 * the request fits; the node chosen is the one needing the fewest victims, then the one whose most
 * important victim is least important, then the lowest node id. Evicted work is requeued by the
 * caller and counted.
 */
export class PreemptingAllocator implements Allocator {
  readonly name: string;

  constructor(private readonly inner: Allocator) {
    this.name = `${inner.name}+preemption`;
  }

  prepare(): Promise<void> {
    return this.inner.prepare?.() ?? Promise.resolve();
  }

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    const base = this.inner.allocate(requests, cluster, ctx);
    const candidates = base.rejections.filter((rej) => rej.code === 'wait');
    const byId = new Map(requests.map((r) => [r.id, r]));
    if (!candidates.some((rej) => mayPreempt((byId.get(rej.requestId) as Request).priority))) return base;

    const placements: Placement[] = [...base.placements];
    const preemptions: Preemption[] = [];
    const rejections: Rejection[] = [];
    const trial = cluster.trial();
    try {
      for (const p of base.placements) trial.place(byId.get(p.requestId) as Request, p.nodeId);
      for (const rej of base.rejections) {
        const r = byId.get(rej.requestId) as Request;
        if (rej.code !== 'wait' || !mayPreempt(r.priority)) {
          rejections.push(rej);
          continue;
        }
        const plan = planEviction(cluster, trial, r);
        if (plan === undefined) {
          rejections.push(rej);
          continue;
        }
        for (const v of plan.victims) {
          trial.evict(v.id);
          preemptions.push({ allocationId: v.id, forRequestId: r.id, reason: `${r.priority} request ${r.id} preempts ${v.request.priority} ${v.id}` });
        }
        trial.place(r, plan.nodeId);
        placements.push({ requestId: r.id, nodeId: plan.nodeId });
      }
    } finally {
      trial.rollback();
    }
    return { placements, preemptions, rejections, ...(base.solver ? { solver: base.solver } : {}) };
  }
}

interface EvictionPlan {
  nodeId: number;
  victims: Allocation[];
}

/** The cheapest set of lower-priority preemptible allocations on one node that makes room for r. */
export function planEviction(cluster: ClusterView, trial: Trial, r: Request): EvictionPlan | undefined {
  const elig = eligiblePools(cluster, r);
  if ('rejection' in elig) return undefined;
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
      if (victims.length === 0) continue;
      victims.sort((a, b) => PRIORITY_RANK[b.request.priority] - PRIORITY_RANK[a.request.priority] || b.start - a.start || (a.id < b.id ? -1 : 1));
      const free = Array.from(cluster.free(nodeId));
      const chosen: Allocation[] = [];
      const fits = (): boolean => {
        for (let d = 0; d < D; d++) if ((r.demand[d] as number) > (free[d] as number) + EPSILON) return false;
        return true;
      };
      for (const v of victims) {
        if (fits()) break;
        if (best !== undefined && chosen.length >= best.victims.length) break;
        chosen.push(v);
        for (let d = 0; d < D; d++) free[d] = (free[d] as number) + (v.request.demand[d] as number);
      }
      if (chosen.length === 0 || !fits()) continue;
      // Most important victim of this plan (smallest rank); prefer plans whose is larger.
      const top = Math.min(...chosen.map((v) => PRIORITY_RANK[v.request.priority]));
      if (best === undefined || chosen.length < best.victims.length || (chosen.length === best.victims.length && top > bestTop)) {
        best = { nodeId, victims: chosen };
        bestTop = top;
      }
    }
  }
  return best;
}
