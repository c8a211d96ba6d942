import type { Allocator, AllocatorContext, Decision } from './allocator.js';
import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import { greedyAllocate } from './greedy.js';

/**
 * Worst-fit (spread): each request, in queue order, goes to the up node with the largest free
 * size (Σ_d free_d / ref_d, see FitIndex) that fits it. Spreads load, keeps headroom on every
 * node for bursts, at the price of fragmentation and more nodes kept busy.
 * Ties: smaller pool index, then the index's order.
 */
export class WorstFit implements Allocator {
  readonly name = 'worst-fit';
  /** A request it leaves waiting fits no node (greedyOnTrial tries each on every eligible pool's index). */
  readonly exhaustive = true;

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    return greedyAllocate(requests, cluster, ctx, (view, pools, r) => {
      let best = -1;
      let bestSize = -Infinity;
      for (const p of pools) {
        const id = view.worstFit(p, r.demand);
        if (id < 0) continue;
        const s = view.freeSize(id);
        if (s > bestSize) {
          bestSize = s;
          best = id;
        }
      }
      return best;
    });
  }
}
