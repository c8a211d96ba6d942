import type { ClusterView, Trial } from '../core/cluster.js';
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
  const trial = cluster.trial();
  try {
    return greedyOnTrial(requests, cluster, trial, ctx.blocking, choose);
  } finally {
    trial.rollback();
  }
}

/**
 * The same loop on a trial the caller has already opened (and will roll back): batch strategies
 * stage their model's answer first and then place the rest of a long queue on the same trial.
 * Trials do not nest, so this is the only way to continue greedily after staged placements.
 */
export function greedyOnTrial(requests: readonly Request[], cluster: ClusterView, trial: Trial, blocking: boolean, choose: NodeChooser): Decision {
  const placements: Placement[] = [];
  const rejections: Rejection[] = [];
  const explainer = new WaitExplainer(cluster);
  let blockedBy: string | undefined;
  // Demands that already failed in this decision, per eligible-pool set. Within a decision free
  // capacity only shrinks, so a request needing at least as much in every dimension fails too:
  // skipping its search keeps a pass over a long queue cheap when the cluster is full.
  const failed = new Map<readonly number[], (readonly number[])[]>();
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
    // Eligible-pool arrays are shared per distinct set (see eligiblePools), so the array is the key.
    const key = elig.pools;
    const misses = failed.get(key);
    const known = misses !== undefined && dominatesAny(r.demand, misses);
    const node = known ? -1 : choose(cluster, elig.pools, r);
    if (node < 0) {
      rejections.push(explainer.explain(r, elig.pools));
      if (blocking) blockedBy = r.id;
      // Keep only the minimal failed demands: one that dominates a kept one proves nothing more.
      if (misses === undefined) failed.set(key, [r.demand]);
      else if (!known) addMinimal(misses, r.demand);
      continue;
    }
    trial.place(r, node);
    placements.push({ requestId: r.id, nodeId: node });
  }
  return { placements, preemptions: [], rejections };
}

/** Does `a` dominate one of `ms`? */
function dominatesAny(a: readonly number[], ms: readonly (readonly number[])[]): boolean {
  for (let k = 0; k < ms.length; k++) if (dominates(a, ms[k] as readonly number[])) return true;
  return false;
}

/**
 * Add `m` (which dominates none of `ms`) to the failed demands, dropping those it is dominated by;
 * at most 16 are kept (a full list takes no more: a miss it would have caught is searched, and fails).
 */
function addMinimal(ms: (readonly number[])[], m: readonly number[]): void {
  let w = 0;
  for (let k = 0; k < ms.length; k++) {
    const x = ms[k] as readonly number[];
    if (!dominates(x, m)) ms[w++] = x;
  }
  ms.length = w;
  if (w < 16) ms.push(m);
}

/** a ≥ b in every dimension. */
function dominates(a: readonly number[], b: readonly number[]): boolean {
  for (let d = 0; d < a.length; d++) if ((a[d] as number) < (b[d] as number)) return false;
  return true;
}
