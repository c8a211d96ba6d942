import type { ClusterView } from '../core/cluster.js';
import type { BackfillPolicy, QueuePolicy, QueuedRequest } from './policy.js';

export interface DrfOptions {
  /** Head-of-line blocking (default false: DRF orders; whatever fits may start). */
  readonly blocking?: boolean;
  readonly headOfLine?: 'commit' | 'reorder';
  readonly backfill?: BackfillPolicy;
  /** Tenant weights w_t (default 1): a tenant of weight 2 is entitled to twice the dominant share. */
  readonly weights?: Readonly<Record<string, number>>;
}

/**
 * Dominant resource fairness (Ghodsi et al., NSDI'11) as a queue order, by progressive filling.
 *
 * C_d = Σ over up nodes of capacity in dimension d; U_t,d = Σ demand of tenant t's running
 * allocations. A tenant's dominant share is
 *
 *   s_t = max_d (U_t,d + P_t,d) / C_d  ÷  w_t          (dimensions with C_d = 0 are skipped)
 *
 * where P_t is the demand of t's requests already placed earlier in this order. Repeatedly take
 * the tenant with the lowest s_t (ties: the tenant whose next request came first), append its
 * oldest waiting request (FCFS within a tenant) and add that demand to P_t. "First" and "oldest"
 * are by arrival, then queue order (`seq`), as in every other policy: work requeued after a
 * preemption or a node failure keeps its age (its `seq` is new, its arrival is not). So the
 * tenant furthest below its fair dominant share is served first, and a tenant that asks for much
 * of one resource does not crowd out others. Without a cluster view (callers that pass none),
 * U = 0: the order still balances the waiting work itself. O(n · tenants) per call.
 */
export function drf(opts: DrfOptions = {}): QueuePolicy {
  // A Map, not the record itself: `record[tenant]` would read Object.prototype for a tenant
  // named `toString` or `constructor` (a function: its share NaN, never lowest).
  const weights = new Map(Object.entries(opts.weights ?? {}));
  for (const [t, w] of weights) if (!(w > 0)) throw new RangeError(`drf: weight of tenant '${t}' must be > 0, got ${w}`);
  return {
    name: 'drf',
    blocking: opts.blocking ?? false,
    headOfLine: opts.headOfLine ?? 'reorder',
    ...(opts.backfill === undefined ? {} : { backfill: opts.backfill }),
    order: (waiting, _now, cluster) => drfOrder(waiting, cluster, weights),
  };
}

function drfOrder(waiting: readonly QueuedRequest[], cluster: ClusterView | undefined, weights: ReadonlyMap<string, number>): QueuedRequest[] {
  if (waiting.length < 2) return [...waiting];
  const D = (waiting[0] as QueuedRequest).request.demand.length;
  const cap = new Float64Array(D);
  const used = new Map<string, Float64Array>();
  const usageOf = (t: string): Float64Array => {
    let u = used.get(t);
    if (u === undefined) {
      u = new Float64Array(D);
      used.set(t, u);
    }
    return u;
  };
  if (cluster !== undefined) {
    for (let p = 0; p < cluster.pools.length; p++) {
      for (const id of cluster.upNodes(p)) {
        const c = cluster.capacity(id);
        for (let d = 0; d < D; d++) cap[d] = (cap[d] as number) + (c[d] as number);
      }
    }
    for (const a of cluster.allocations()) {
      const u = usageOf(a.request.tenant);
      for (let d = 0; d < D; d++) u[d] = (u[d] as number) + (a.request.demand[d] as number);
    }
  } else {
    for (const q of waiting) for (let d = 0; d < D; d++) cap[d] = (cap[d] as number) + (q.request.demand[d] as number);
  }
  // Per tenant: its waiting requests in FCFS order (arrival, then seq).
  const lines = new Map<string, QueuedRequest[]>();
  for (const q of [...waiting].sort(byArrival)) {
    const l = lines.get(q.request.tenant);
    if (l === undefined) lines.set(q.request.tenant, [q]);
    else l.push(q);
  }
  const share = (t: string): number => {
    const u = usageOf(t);
    let s = 0;
    for (let d = 0; d < D; d++) if ((cap[d] as number) > 0) s = Math.max(s, (u[d] as number) / (cap[d] as number));
    return s / (weights.get(t) ?? 1);
  };
  const tenants = [...lines.keys()];
  const pos = new Map<string, number>(tenants.map((t) => [t, 0]));
  const shares = new Map<string, number>(tenants.map((t) => [t, share(t)]));
  const out: QueuedRequest[] = [];
  while (out.length < waiting.length) {
    let best: string | undefined;
    let bestShare = Infinity;
    let bestNext: QueuedRequest | undefined;
    for (const t of tenants) {
      const l = lines.get(t) as QueuedRequest[];
      const i = pos.get(t) as number;
      if (i >= l.length) continue;
      const s = shares.get(t) as number;
      const next = l[i] as QueuedRequest;
      if (bestNext === undefined || s < bestShare || (s === bestShare && byArrival(next, bestNext) < 0)) {
        best = t;
        bestShare = s;
        bestNext = next;
      }
    }
    const t = best as string;
    const i = pos.get(t) as number;
    const q = (lines.get(t) as QueuedRequest[])[i] as QueuedRequest;
    out.push(q);
    pos.set(t, i + 1);
    const u = usageOf(t);
    for (let d = 0; d < D; d++) u[d] = (u[d] as number) + (q.request.demand[d] as number);
    shares.set(t, share(t));
  }
  return out;
}

/** FCFS: by arrival (kept when a request is requeued), then queue order. */
function byArrival(a: QueuedRequest, b: QueuedRequest): number {
  return a.request.arrival - b.request.arrival || a.seq - b.seq;
}
