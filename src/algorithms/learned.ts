import { z } from 'zod';
import type { ClusterView } from '../core/cluster.js';
import { estimatedDuration, type Request } from '../core/model.js';
import { loadPolicyNetFile, PolicyNet, shippedModelNames, type PolicyNetFile } from '../core/policy-net.js';
import { PRIORITY_RANK } from '../core/priority.js';
import type { Allocator, AllocatorContext, Decision } from './allocator.js';
import { greedyAllocate } from './greedy.js';

/**
 * `learned`: scores every feasible (request, node) pair with a shared network and places greedily
 * by score. Requests are taken in queue order (the greedy loop of greedy.ts: permanent misfits
 * rejected, head-of-line blocking honoured); for each, the candidates are the up nodes of its
 * eligible pools that fit it now, and the highest-scoring one gets it (ties: the first candidate,
 * in pool then node order). A training hook may sample instead.
 *
 * Features of the pair (request r with demand d, node k with capacity c and free f before the
 * placement; sums over dimensions with c_i > 0, D' of them):
 *
 *   demand-share      max_i d_i / c_i
 *   free-after-min    min_i (f_i − d_i) / c_i
 *   free-after-mean   Σ_i (f_i − d_i) / c_i / D'
 *   busy              1 − Σ_i f_i / c_i / D'                (how loaded the node is now)
 *   unused-dims       share of the node's dimensions r does not use (CPU work on a GPU node)
 *   price-share       price of k's pool / highest pool price
 *   latency-share     latency of k's pool / highest pool latency (0 when all are 0)
 *   priority          rank of r's priority / 4               (0 critical … 1 background)
 *   log-duration      ln(1 + requested duration of r), the duration capped at 10⁷ s (production
 *                     requests without an estimate or lease have an infinite duration)
 *   log-candidates    ln(1 + number of feasible nodes for r)
 *   pool-busy         1 − free ÷ capacity of k's pool (all up nodes, summed over dimensions)
 */
export const ALLOCATOR_FEATURES: readonly string[] = [
  'demand-share',
  'free-after-min',
  'free-after-mean',
  'busy',
  'unused-dims',
  'price-share',
  'latency-share',
  'priority',
  'log-duration',
  'log-candidates',
  'pool-busy',
];
const F = ALLOCATOR_FEATURES.length;
/** Cap of the duration feature, seconds (keeps an unknown, infinite duration finite). */
const MAX_DURATION = 1e7;

/** Replaces the argmax at each placement (training): the index picked among n feasible nodes. */
export interface AllocatorChooser {
  choose(features: Float64Array, n: number, scores: Float64Array): number;
}

export class LearnedAllocator implements Allocator {
  readonly name: string;
  readonly net: PolicyNet;
  chooser: AllocatorChooser | undefined;
  private x = new Float64Array(64 * F);
  private scores = new Float64Array(64);

  constructor(model: PolicyNetFile | PolicyNet, chooser?: AllocatorChooser) {
    this.net = model instanceof PolicyNet ? model : new PolicyNet(model);
    this.name = `learned:${this.net.model.name}`;
    this.chooser = chooser;
  }

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    const maxPrice = Math.max(1e-12, ...cluster.pools.map((p) => p.pricePerHour));
    const maxLatency = Math.max(0, ...cluster.pools.map((p) => p.latencyMs));
    return greedyAllocate(requests, cluster, ctx, (view, pools, r) => {
      const nodes: number[] = [];
      for (const p of pools) for (const id of view.upNodes(p)) if (view.fits(id, r.demand)) nodes.push(id);
      const n = nodes.length;
      if (n === 0) return -1;
      if (this.x.length < n * F) {
        this.x = new Float64Array(2 * n * F);
        this.scores = new Float64Array(2 * n);
      }
      const poolBusy = new Map<number, number>();
      nodes.forEach((id, j) => {
        const pool = view.nodePool(id);
        let pb = poolBusy.get(pool);
        if (pb === undefined) {
          pb = poolLoad(view, pool);
          poolBusy.set(pool, pb);
        }
        pairFeatures(this.x, j, r, view, id, pb, maxPrice, maxLatency, n);
      });
      this.net.scoreAll(this.x, n, this.scores);
      let pick = 0;
      if (this.chooser !== undefined) pick = this.chooser.choose(this.x, n, this.scores);
      else for (let j = 1; j < n; j++) if ((this.scores[j] as number) > (this.scores[pick] as number)) pick = j;
      return nodes[pick] as number;
    });
  }
}

/** 1 − free ÷ capacity over the pool's up nodes, summed over dimensions. */
function poolLoad(view: ClusterView, pool: number): number {
  let free = 0;
  let cap = 0;
  for (const id of view.upNodes(pool)) {
    const c = view.capacity(id);
    const f = view.free(id);
    for (let i = 0; i < c.length; i++) {
      if ((c[i] as number) <= 0) continue;
      cap += 1;
      free += (f[i] as number) / (c[i] as number);
    }
  }
  return cap > 0 ? 1 - free / cap : 1;
}

/** Row j of x: the features of placing r on node id (see the table above). */
export function pairFeatures(x: Float64Array, j: number, r: Request, view: ClusterView, id: number, poolBusy: number, maxPrice: number, maxLatency: number, candidates: number): void {
  const c = view.capacity(id);
  const f = view.free(id);
  let share = 0;
  let minAfter = Infinity;
  let sumAfter = 0;
  let sumFree = 0;
  let dims = 0;
  let unused = 0;
  for (let i = 0; i < c.length; i++) {
    const ci = c[i] as number;
    if (ci <= 0) continue;
    const di = r.demand[i] ?? 0;
    const fi = f[i] as number;
    dims++;
    share = Math.max(share, di / ci);
    minAfter = Math.min(minAfter, (fi - di) / ci);
    sumAfter += (fi - di) / ci;
    sumFree += fi / ci;
    if (di <= 0) unused++;
  }
  const pool = view.pools[view.nodePool(id)];
  const o = j * F;
  x[o] = share;
  x[o + 1] = dims > 0 ? minAfter : 0;
  x[o + 2] = dims > 0 ? sumAfter / dims : 0;
  x[o + 3] = dims > 0 ? 1 - sumFree / dims : 1;
  x[o + 4] = dims > 0 ? unused / dims : 0;
  x[o + 5] = (pool?.pricePerHour ?? 0) / maxPrice;
  x[o + 6] = maxLatency > 0 ? (pool?.latencyMs ?? 0) / maxLatency : 0;
  x[o + 7] = (PRIORITY_RANK[r.priority] ?? 2) / 4;
  x[o + 8] = Math.log1p(Math.min(MAX_DURATION, Math.max(0, estimatedDuration(r))));
  x[o + 9] = Math.log1p(candidates);
  x[o + 10] = poolBusy;
}

/** `learned:NAME`: the shipped model NAME (models/allocator/NAME.json) or a .json path. */
export function learnedAllocator(model: string): LearnedAllocator {
  return new LearnedAllocator(loadPolicyNetFile(model, 'allocator', ALLOCATOR_FEATURES));
}

// ---- registry entries ----------------------------------------------------------------------

/** `model` defaults to the shipped agent-fleet model. */
export const DEFAULT_ALLOCATOR_MODEL = 'agent-fleet';
const anyModel = z.object({ model: z.string().min(1).default(DEFAULT_ALLOCATOR_MODEL) }).strict();
const shipped = z.object({}).strict();

export interface LearnedAllocatorEntry {
  readonly summary: string;
  readonly options: z.ZodType;
  readonly create: (options: never) => Allocator;
}

/** Names of the shipped allocator models (models/allocator/*.json). */
export function shippedAllocatorModels(): string[] {
  return shippedModelNames('allocator');
}

/** `learned` (option `model`) and one `learned:NAME` per shipped model. */
export function learnedAllocatorEntries(): Record<string, LearnedAllocatorEntry> {
  const out: Record<string, LearnedAllocatorEntry> = {
    learned: {
      summary: 'learned: a network scores each feasible (request, node) pair; greedy by score (model: shipped name or .json)',
      options: anyModel,
      create: (o: z.infer<typeof anyModel>) => learnedAllocator(o.model),
    },
  };
  for (const name of shippedAllocatorModels()) {
    out[`learned:${name}`] = { summary: `learned allocator model '${name}' (models/allocator/${name}.json)`, options: shipped, create: () => learnedAllocator(name) };
  }
  return out;
}
