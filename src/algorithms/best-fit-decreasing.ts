import type { Allocator, AllocatorContext, Decision } from './allocator.js';
import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import { PRIORITY_RANK } from '../core/priority.js';
import { greedyAllocate } from './greedy.js';

/**
 * Best-fit-decreasing, multi-dimensional.
 *
 * Size measure (one scale for requests and nodes, so heterogeneous pools compare):
 *
 *   size(v) = Σ_d v_d / ref_d,   ref_d = the largest node capacity of dimension d in the cluster
 *
 * Requests are taken in decreasing size within each priority class (critical first; ties: queue
 * order), so packing order never overrides urgency, and each goes to the up node that
 * fits it in every dimension and has the smallest free size, i.e. the node it leaves fullest.
 * Ties: smaller pool index, then smaller node id. The search is indexed (see FitIndex), not a
 * scan of every node.
 *
 * Under head-of-line blocking the queue order is a promise, so the batch is NOT re-sorted:
 * it degenerates to best-fit in queue order.
 */
export class BestFitDecreasing implements Allocator {
  readonly name = 'best-fit-decreasing';
  /** A request it leaves waiting fits no node (greedyOnTrial tries each on every eligible pool's index). */
  readonly exhaustive = true;

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    let order = requests;
    if (!ctx.blocking && requests.length > 1) {
      const sized = requests.map((r, i) => ({ r, i, p: PRIORITY_RANK[r.priority], s: cluster.demandSize(r.demand) }));
      sized.sort((a, b) => a.p - b.p || b.s - a.s || a.i - b.i);
      order = sized.map((x) => x.r);
    }
    return greedyAllocate(order, cluster, ctx, chooseBestFit);
  }
}

export function chooseBestFit(view: ClusterView, pools: readonly number[], r: Request): number {
  if (pools.length === 1) return view.bestFit(pools[0] as number, r.demand);
  let best = -1;
  let bestSize = Infinity;
  for (const p of pools) {
    const id = view.bestFit(p, r.demand);
    if (id < 0) continue;
    const s = view.freeSize(id);
    if (s < bestSize) {
      bestSize = s;
      best = id;
    }
  }
  return best;
}
