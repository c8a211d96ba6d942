import type { ClusterView } from './cluster.js';
import { gpuModelAllowed, gpuShape } from './gpu.js';
import type { PoolSpec, Request } from './model.js';
import type { Rejection } from './rejection.js';
import { dominantShare, EPSILON, type ResourceSpace } from './resources.js';

/**
 * Cost rate of running `demand` on a node of `pool`, per hour: the node price times the share
 * of the node the demand takes in its dominant dimension (a request that takes half the GPUs of a
 * node is charged half the node, whatever else it leaves free).
 *
 *   costRate = pricePerHour × max_d(demand_d / capacity_d)
 */
export function requestCostRate(pool: PoolSpec, demand: readonly number[]): number {
  return pool.pricePerHour * dominantShare(demand, pool.capacity);
}

function labelsMatch(pool: PoolSpec, want: Readonly<Record<string, string>> | undefined): boolean {
  if (want === undefined) return true;
  for (const [k, v] of Object.entries(want)) if (pool.labels[k] !== v) return false;
  return true;
}

/**
 * Does `demand` fit an empty node of `pool`? On a pool with GPU devices the GPU amount must also
 * have a device shape (a share of one device, < 1, or whole devices; core/gpu.ts): 1.5 GPUs fits
 * the node's 4 by count but no placement of devices, so it would wait for ever.
 */
function fitsEmptyNode(pool: PoolSpec, demand: readonly number[], gpuDim: number): boolean {
  for (let d = 0; d < demand.length; d++) if ((demand[d] as number) > (pool.capacity[d] ?? 0) + EPSILON) return false;
  return pool.gpus === undefined || gpuDim < 0 || gpuShape(demand[gpuDim] ?? 0).kind !== 'invalid';
}

export type Eligibility = { readonly pools: readonly number[] } | { readonly pools: readonly []; readonly rejection: Rejection };

/**
 * Pools a request may run on, checked in a fixed order so the first failing constraint is the one
 * reported: pool/label constraints (`infeasible`), latency (`latency`), node size (`never-fits`),
 * cost (`over-budget`). Pools keep their scenario order.
 */
export function eligiblePools(view: ClusterView, r: Request): Eligibility {
  // Eligibility depends only on the request and the pool specs (never on free capacity), and a
  // waiting request is offered again at every pass. A request with constraints (labels, pools,
  // latency, budget, GPU models) is remembered per request; one without is cheap to answer again,
  // and remembering each of millions of requests that start at once would cost more than it saves.
  // Another pool list (e.g. production adding a pool) starts a new memory.
  if (view.pools !== memoPools) {
    memoPools = view.pools;
    memoGpuDim = view.space.indexOf('gpu');
    memo = new WeakMap();
    interned = new Map();
  }
  const constrained = r.constraints !== undefined || r.gpuModels !== undefined;
  if (constrained) {
    const hit = memo.get(r);
    if (hit !== undefined) return hit;
  } else if (memoPools.length <= 31) {
    // No constraints: the pools whose empty node fits the demand, as a bit mask (no allocation).
    let mask = 0;
    for (let i = 0; i < memoPools.length; i++) if (fitsEmptyNode(memoPools[i] as PoolSpec, r.demand, memoGpuDim)) mask |= 1 << i;
    const known = mask === 0 ? undefined : interned.get(mask);
    if (known !== undefined) return known;
  }
  const answer = eligibleAmong(view.pools, view.space, r);
  const kept = 'rejection' in answer ? answer : intern(answer.pools);
  if (constrained) memo.set(r, kept);
  return kept;
}

let memoPools: readonly PoolSpec[] = [];
let memoGpuDim = -1;
let memo = new WeakMap<Request, Eligibility>();
let interned = new Map<number | string, Eligibility>();

/**
 * One answer object (and pools array) per distinct eligible set, so callers may key per-decision
 * caches by the array itself (`WaitExplainer`, the greedy loop's failed demands) instead of by a
 * string. Sets of the first 31 pools are keyed by their bit mask.
 */
function intern(set: readonly number[]): Eligibility {
  let key: number | string = 0;
  for (const i of set) {
    if (i > 30) {
      key = set.join(',');
      break;
    }
    key |= 1 << i;
  }
  const have = interned.get(key);
  if (have !== undefined) return have;
  const e: Eligibility = { pools: set };
  interned.set(key, e);
  return e;
}

/**
 * The same answer computed from pool specs alone, without memory: for checks made before any
 * cluster exists (a scenario's profiles that no pool could ever run).
 */
export function eligibleAmong(pools: readonly PoolSpec[], space: ResourceSpace, r: Request): Eligibility {
  const c = r.constraints;
  let cand: number[] = [];
  for (let i = 0; i < pools.length; i++) {
    const p = pools[i] as PoolSpec;
    if (c?.pools !== undefined && !c.pools.includes(p.name)) continue;
    if (!labelsMatch(p, c?.labels)) continue;
    if (!gpuModelAllowed(p, r.gpuModels)) continue;
    cand.push(i);
  }
  if (cand.length === 0) {
    const what = [c?.pools ? `pools [${c.pools.join(', ')}]` : '', c?.labels ? `labels ${JSON.stringify(c.labels)}` : '', r.gpuModels ? `GPU models ${r.gpuModels.join('|')}` : ''].filter(Boolean).join(' and ');
    return reject(r, { code: 'infeasible', message: `no pool matches ${what || 'the constraints'}` });
  }
  if (c?.maxLatencyMs !== undefined) {
    const max = c.maxLatencyMs;
    const ok = cand.filter((i) => (pools[i] as PoolSpec).latencyMs <= max);
    if (ok.length === 0) {
      const best = Math.min(...cand.map((i) => (pools[i] as PoolSpec).latencyMs));
      return reject(r, { code: 'latency', resource: 'latencyMs', requested: max, free: best, message: `needs latency ≤ ${max} ms; the fastest allowed pool has ${best} ms` });
    }
    cand = ok;
  }
  const gpuDim = space.indexOf('gpu');
  const fit = cand.filter((i) => fitsEmptyNode(pools[i] as PoolSpec, r.demand, gpuDim));
  if (fit.length === 0) {
    const g = gpuDim < 0 ? 0 : (r.demand[gpuDim] ?? 0);
    const bySize = cand.filter((i) => fitsEmptyNode(pools[i] as PoolSpec, r.demand, -1));
    if (bySize.length > 0) {
      return reject(r, {
        code: 'never-fits',
        resource: 'gpu',
        requested: g,
        capacity: Math.max(...bySize.map((i) => (pools[i] as PoolSpec).capacity[gpuDim] ?? 0)),
        message: `requests ${g} gpu, which no node with GPU devices can place: a request takes a share of one device (< 1) or whole devices`,
      });
    }
    // Report the dimension in which the demand exceeds the largest node on offer.
    let worst = 0;
    let worstRatio = 0;
    for (let d = 0; d < r.demand.length; d++) {
      const maxCap = Math.max(...cand.map((i) => (pools[i] as PoolSpec).capacity[d] ?? 0));
      const q = r.demand[d] as number;
      const ratio = maxCap > 0 ? q / maxCap : q > 0 ? Infinity : 0;
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = d;
      }
    }
    const capacity = Math.max(...cand.map((i) => (pools[i] as PoolSpec).capacity[worst] ?? 0));
    const name = space.names[worst] ?? `dim${worst}`;
    return reject(r, {
      code: 'never-fits',
      resource: name,
      requested: r.demand[worst] as number,
      capacity,
      message: `requests ${r.demand[worst]} ${name} but the largest allowed node has ${capacity}`,
    });
  }
  cand = fit;
  if (c?.maxCostPerHour !== undefined) {
    const max = c.maxCostPerHour;
    const ok = cand.filter((i) => requestCostRate(pools[i] as PoolSpec, r.demand) <= max + EPSILON);
    if (ok.length === 0) {
      const cheapest = Math.min(...cand.map((i) => requestCostRate(pools[i] as PoolSpec, r.demand)));
      return reject(r, { code: 'over-budget', resource: 'costPerHour', requested: max, free: cheapest, message: `budget ${max}/h but the cheapest fitting pool costs ${cheapest.toFixed(4)}/h` });
    }
    cand = ok;
  }
  return { pools: cand };
}

function reject(r: Request, rest: Omit<Rejection, 'requestId'>): Eligibility {
  return { pools: [], rejection: { requestId: r.id, ...rest } };
}

/** Per eligible-pool set: the most free on one node and the largest capacity, per dimension; the messages said, per dimension (made on first use). */
interface Bounds {
  readonly free: Float64Array;
  readonly cap: Float64Array;
  readonly said: ({ q: number; message: string; readonly all: Map<number, string> } | undefined)[];
}

/**
 * Explains `wait` rejections: the dimension in which the request is short on the most-free
 * eligible node. The per-pool maximum free amounts are computed once per explainer (one scan of
 * the pool's up nodes) and reused, so create one per decision: amounts are as of its first use.
 */
export class WaitExplainer {
  private readonly maxFree = new Map<number, Float64Array>();
  private readonly bounds = new Map<readonly number[], Bounds>();

  constructor(private readonly view: ClusterView) {}

  private poolMaxFree(p: number): Float64Array {
    let m = this.maxFree.get(p);
    if (m === undefined) {
      m = new Float64Array(this.view.space.size);
      for (const id of this.view.upNodes(p)) {
        const f = this.view.free(id);
        for (let d = 0; d < m.length; d++) if ((f[d] as number) > (m[d] as number)) m[d] = f[d] as number;
      }
      this.maxFree.set(p, m);
    }
    return m;
  }

  private boundsOf(pools: readonly number[]): Bounds {
    let b = this.bounds.get(pools);
    if (b === undefined) {
      const D = this.view.space.size;
      const free = new Float64Array(D);
      const cap = new Float64Array(D);
      for (const p of pools) {
        const spec = this.view.pools[p] as PoolSpec;
        const mf = this.poolMaxFree(p);
        for (let d = 0; d < D; d++) {
          cap[d] = Math.max(cap[d] as number, spec.capacity[d] ?? 0);
          free[d] = Math.max(free[d] as number, mf[d] as number);
        }
      }
      b = { free, cap, said: [] };
      this.bounds.set(pools, b);
    }
    return b;
  }

  explain(r: Request, pools: readonly number[], why = 'no node has room now'): Rejection {
    const b = this.boundsOf(pools);
    const D = r.demand.length;
    for (let d = 0; d < D; d++) {
      const q = r.demand[d] as number;
      const free = b.free[d] as number;
      if (q > free + EPSILON) {
        const name = this.view.space.names[d] ?? `dim${d}`;
        // Waiting requests often ask for the same amounts: format each message once per decision.
        let message: string | undefined;
        if (why === 'no node has room now') {
          const said = (b.said[d] ??= { q: NaN, message: '', all: new Map<number, string>() });
          if (said.q === q) message = said.message;
          else {
            message = said.all.get(q);
            if (message === undefined) said.all.set(q, (message = `${why}: needs ${q} ${name}, at most ${free} free on one node`));
            said.q = q;
            said.message = message;
          }
        } else message = `${why}: needs ${q} ${name}, at most ${free} free on one node`;
        return { requestId: r.id, code: 'wait', resource: name, requested: q, free, capacity: b.cap[d] as number, message };
      }
    }
    return { requestId: r.id, code: 'wait', message: `${why}: enough of each resource is free, but not all on one node` };
  }
}
