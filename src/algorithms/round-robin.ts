import type { Allocator, AllocatorContext, Decision } from './allocator.js';
import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import { greedyAllocate } from './greedy.js';
import { lowerBound } from '../core/sorted.js';

/**
 * Round-robin: a cursor walks the node ids; each request goes to the first up node at or after
 * the cursor (wrapping around, over its eligible pools) that fits it, and the cursor moves past
 * that node. The cursor is the allocator's only state, so runs stay deterministic.
 */
export class RoundRobin implements Allocator {
  readonly name = 'round-robin';
  /** A request it leaves waiting fits no node (greedyOnTrial tries each on every eligible pool's index). */
  readonly exhaustive = true;
  private cursor = 0;

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    return greedyAllocate(requests, cluster, ctx, (view, pools, r) => {
      // Smallest fitting id ≥ cursor; else smallest fitting id overall (wrap).
      let after = -1;
      let wrap = -1;
      for (const p of pools) {
        const up = view.upNodes(p);
        const start = lowerBound(up, this.cursor);
        const a = view.firstFit(p, r.demand, start);
        if (a >= 0 && (after < 0 || a < after)) after = a;
        if (a < 0 || start > 0) {
          const w = view.firstFit(p, r.demand, 0);
          if (w >= 0 && (wrap < 0 || w < wrap)) wrap = w;
        }
      }
      const chosen = after >= 0 ? after : wrap;
      if (chosen >= 0) this.cursor = chosen + 1;
      return chosen;
    });
  }
}
