import type { Allocator, AllocatorContext, Decision } from './allocator.js';
import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import { greedyAllocate } from './greedy.js';

/**
 * First-fit: each request, in queue order, goes to the lowest-numbered up node (over all its
 * eligible pools) that has room in every dimension. Simple and predictable; tends to fill the
 * first nodes and leave the last ones empty (good for scale-in).
 */
export class FirstFit implements Allocator {
  readonly name = 'first-fit';
  /** A request it leaves waiting fits no node (greedyOnTrial tries each on every eligible pool's index). */
  readonly exhaustive = true;

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    return greedyAllocate(requests, cluster, ctx, (view, pools, r) => {
      let best = -1;
      for (const p of pools) {
        const id = view.firstFit(p, r.demand);
        if (id >= 0 && (best < 0 || id < best)) best = id;
      }
      return best;
    });
  }
}
