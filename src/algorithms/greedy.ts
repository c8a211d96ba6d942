import type { ClusterView } from '../core/cluster.js';
import { eligiblePools, WaitExplainer } from '../core/eligibility.js';
import type { Request } from '../core/model.js';
import type { Rejection } from '../core/rejection.js';
import type { AllocatorContext, Decision, Placement } from './allocator.js';

/** Picks a node for one request among the eligible pools (trial placements already applied), or -1. */
export type NodeChooser = (cluster: ClusterView, pools: readonly number[], request: Request) => number;

/**
 * The one-by-one loop shared by the greedy strategies: for each request in the given order, find
 * its eligible pools, ask `choose` for a node, and stage the placement on a trial so the next
 * request sees it. Permanent misfits are rejected with their reason; under head-of-line blocking
 * the first request that must wait stops the loop and the rest wait behind it.
 */
export function greedyAllocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext, choose: NodeChooser): Decision {
  const placements: Placement[] = [];
  const rejections: Rejection[] = [];
  const explainer = new WaitExplainer(cluster);
  const trial = cluster.trial();
  let blockedBy: string | undefined;
  try {
    for (const r of requests) {
      const elig = eligiblePools(cluster, r);
      if ('rejection' in elig) {
        rejections.push(elig.rejection);
        continue;
      }
      if (blockedBy !== undefined) {
        rejections.push({ requestId: r.id, code: 'wait', message: `behind the head of the queue (${blockedBy})` });
        continue;
      }
      const node = choose(cluster, elig.pools, r);
      if (node < 0) {
        rejections.push(explainer.explain(r, elig.pools));
        if (ctx.blocking) blockedBy = r.id;
        continue;
      }
      trial.place(r, node);
      placements.push({ requestId: r.id, nodeId: node });
    }
  } finally {
    trial.rollback();
  }
  return { placements, preemptions: [], rejections };
}
