/**
 * Shared machinery of the batch strategies (ILP, genetic): candidate nodes, priority weights, and
 * turning a chosen assignment into a checked decision.
 *
 * Candidate nodes. The cluster may have thousands of
 * nodes; a batch model only needs a few per pool. For every pool, the shared candidate set is, in
 * queue order of the requests that may use the pool, each request's best-fit node (least room
 * left) and worst-fit node (most room), plus the node a greedy best-fit pass chose for it, capped
 * at `perPool` nodes (greedy choices are always kept). A request's candidates are the shared nodes
 * of its eligible pools (pool, label, latency, size and cost constraints: `eligiblePools`) that it
 * fits on now. Sharing matters: it lets the model put several requests on one node.
 */
import type { ClusterView } from '../core/cluster.js';
import { eligiblePools, requestCostRate, WaitExplainer } from '../core/eligibility.js';
import type { PoolSpec, Request } from '../core/model.js';
import { PRIORITY_RANK } from '../core/priority.js';
import type { Rejection } from '../core/rejection.js';
import type { AllocatorContext, Decision, Placement } from './allocator.js';
import { chooseBestFit } from './best-fit-decreasing.js';
import { greedyOnTrial } from './greedy.js';

/** Priority weight 2^(4 − rank): critical 16, high 8, medium 4, low 2, background 1. */
export function priorityWeight(r: Request): number {
  return 2 ** (4 - PRIORITY_RANK[r.priority]);
}

export interface Candidates {
  /** Requests with at least one eligible pool, in queue order. */
  readonly requests: readonly Request[];
  /** Eligible pools per request (parallel to `requests`), for wait explanations. */
  readonly pools: readonly (readonly number[])[];
  /** Permanent rejections (never-fits, latency, over-budget, infeasible). */
  readonly rejections: readonly Rejection[];
  /** Candidate node ids per request (parallel to `requests`). */
  readonly nodes: readonly (readonly number[])[];
  /** Cost rate per hour of each candidate (parallel to `nodes`). */
  readonly costRate: readonly (readonly number[])[];
  /** Every distinct candidate node, ascending. */
  readonly allNodes: readonly number[];
}

export function buildCandidates(
  requests: readonly Request[],
  cluster: ClusterView,
  perPool: number,
  greedy: ReadonlyMap<string, number> = new Map(),
): Candidates {
  const kept: Request[] = [];
  const pools: (readonly number[])[] = [];
  const rejections: Rejection[] = [];
  for (const r of requests) {
    const e = eligiblePools(cluster, r);
    if ('rejection' in e) rejections.push(e.rejection);
    else {
      kept.push(r);
      pools.push(e.pools);
    }
  }
  const shared: Set<number>[] = cluster.pools.map(() => new Set<number>());
  for (const [, node] of greedy) shared[cluster.nodePool(node)]?.add(node);
  kept.forEach((r, i) => {
    for (const p of pools[i] ?? []) {
      const set = shared[p] as Set<number>;
      for (const id of [cluster.bestFit(p, r.demand), cluster.worstFit(p, r.demand)]) {
        if (id >= 0 && set.size < perPool) set.add(id);
      }
    }
  });
  const nodes: number[][] = [];
  const costRate: number[][] = [];
  kept.forEach((r, i) => {
    const list: number[] = [];
    for (const p of pools[i] ?? []) for (const id of shared[p] ?? []) if (cluster.fits(id, r.demand)) list.push(id);
    const g = greedy.get(r.id);
    if (g !== undefined && !list.includes(g)) list.push(g);
    list.sort((a, b) => a - b);
    nodes.push(list);
    costRate.push(list.map((id) => requestCostRate(cluster.pools[cluster.nodePool(id)] as PoolSpec, r.demand)));
  });
  const all = new Set<number>();
  for (const list of nodes) for (const id of list) all.add(id);
  return { requests: kept, pools, rejections, nodes, costRate, allNodes: [...all].sort((a, b) => a - b) };
}

/** Cost of each candidate relative to the request's dearest candidate, in [0, 1] (0 when all are free). */
export function relativeCost(rates: readonly number[]): number[] {
  const max = Math.max(0, ...rates);
  return rates.map((c) => (max > 0 ? c / max : 0));
}

/**
 * Turns a batch strategy's choice (request id → node) into a decision: stage the choices in queue
 * order on a trial, re-place best-fit any that no longer fits (solver tolerance), explain every
 * request left waiting, honour head-of-line blocking, then place `rest` (requests beyond the
 * model's size) greedily best-fit on the SAME trial, so they see the model's placements. (Trials
 * do not nest: opening a second one here was the "a trial is already open" failure on long queues.)
 */
export function finishBatch(
  cand: Candidates,
  chosen: ReadonlyMap<string, number>,
  rest: readonly Request[],
  cluster: ClusterView,
  ctx: AllocatorContext,
): Omit<Decision, 'solver'> {
  const placements: Placement[] = [];
  const rejections: Rejection[] = [...cand.rejections];
  const explainer = new WaitExplainer(cluster);
  const trial = cluster.trial();
  let blocked = false;
  try {
    cand.requests.forEach((r, i) => {
      const pools = cand.pools[i] ?? [];
      if (blocked) {
        rejections.push({ requestId: r.id, code: 'wait', message: 'behind the head of the queue' });
        return;
      }
      let node = chosen.get(r.id) ?? -1;
      if (node >= 0 && !cluster.fits(node, r.demand)) node = chooseBestFit(cluster, pools, r);
      if (node < 0) {
        rejections.push(explainer.explain(r, pools));
        blocked = ctx.blocking;
        return;
      }
      trial.place(r, node);
      placements.push({ requestId: r.id, nodeId: node });
    });
    if (blocked) {
      for (const r of rest) rejections.push({ requestId: r.id, code: 'wait', message: 'behind the head of the queue' });
    } else if (rest.length > 0) {
      const tail = greedyOnTrial(rest, cluster, trial, ctx.blocking, chooseBestFit);
      placements.push(...tail.placements);
      rejections.push(...tail.rejections);
    }
  } finally {
    trial.rollback();
  }
  return { placements, preemptions: [], rejections };
}
