import type { ClusterView } from '../core/cluster.js';
import { estimatedDuration, type Request } from '../core/model.js';
import { fitsIn } from '../core/resources.js';
import type { BackfillPick, BackfillPolicy, QueuedRequest } from './policy.js';
import type { ResourceProfile } from './profile.js';
import { eligible, largestFree, nodeProfile, Overlay, upNodesOf } from './reservation.js';

export interface ConservativeOptions {
  /**
   * Reserve for at most this many waiting requests, head included (default: all of them, the
   * textbook rule). Requests beyond the depth neither get a reservation nor start early.
   */
  readonly depth?: number;
}

/**
 * Conservative backfilling (Mu'alem & Feitelson 2001) on the generic cluster: a reservation for
 * every waiting request, so no request is delayed by one behind it.
 *
 * At every call, reservations are planned from scratch: each eligible up node gets a profile of
 * its free capacity over time from its running allocations' expected ends (start + requested
 * duration, never before now; see `expectedEnd`). Then, in the order given (head first, then the
 * policy's order), each request:
 *
 *   - starts now (is picked) on the first node n (pool order, then id) where it fits n's actual
 *     free capacity now (minus this pass's earlier picks on n) *and* n's profile over
 *     [now, now + requested); it is charged to n's profile. The pick names n (`place`), and the
 *     driver starts it there, so the plan is exact on any number of nodes. On a GPU device node
 *     the profile is per device (see ResourceProfile) and the pick also names the devices, free
 *     now and over the whole window, that the driver gives it;
 *   - otherwise is reserved on the node where its profile gives the earliest start (ties: pool
 *     order, then node id), over [t, t + requested).
 *
 * Work with no finite expected end (production: no estimate and no lease) is released only at
 * infinity, which is no start: a head that then has no start anywhere stops the planning
 * (nothing behind it starts). The head is reserved first and never picked (the driver starts the head itself). Planning stops
 * early once no later request could start now anywhere, since later reservations only constrain
 * requests behind them. Cost: O(requests · nodes · segments) per call; use `depth` on large pools.
 * `select` returns the same picks without their nodes (for drivers that let the allocator
 * choose; then a pick may land on another node than planned).
 */
export function conservativeBackfill(opts: ConservativeOptions = {}): BackfillPolicy {
  const depth = opts.depth ?? Infinity;
  if (!(depth >= 1)) throw new RangeError(`conservative backfilling: depth must be ≥ 1, got ${depth}`);
  const place = (blocked: readonly QueuedRequest[], view: ClusterView, now: number): BackfillPick[] => {
    const n = Math.min(blocked.length, depth);
    // Could request k start now somewhere (ignoring this pass)? Plan only up to the last one that
    // could: found from the back, passing over demands larger in some dimension than any up node
    // has free (no node fits them) without looking up their pools.
    const roomy = largestFree(view);
    let last = -1;
    for (let k = n - 1; k > 0 && last < 0; k--) {
      const r = (blocked[k] as QueuedRequest).request;
      if (fitsIn(r.demand, roomy) && eligible(view, r).some((pool) => view.bestFit(pool, r.demand) >= 0)) last = k;
    }
    if (last < 1) return [];
    // The up nodes of each eligible set (the sets are interned: one array per set).
    const upOf = new Map<readonly number[], number[]>();
    const nodesOf = (r: Request): number[] => {
      const pools = eligible(view, r);
      let nodes = upOf.get(pools);
      if (nodes === undefined) upOf.set(pools, (nodes = upNodesOf(view, pools)));
      return nodes;
    };
    const profiles = new Map<number, ResourceProfile>();
    const profileOf = (id: number): ResourceProfile => {
      let pr = profiles.get(id);
      if (pr === undefined) {
        pr = nodeProfile(view, id, now);
        profiles.set(id, pr);
      }
      return pr;
    };
    const overlay = new Overlay(view);
    const picked: BackfillPick[] = [];
    // The node (first in pool order, then id) where `q` can start now: it fits that node's actual
    // free capacity minus this pass's picks, and its profile over [now, now + requested).
    const startNow = (q: QueuedRequest): { node: number; devices: readonly number[] } | undefined => {
      const demand = q.request.demand;
      const d = Math.max(0, estimatedDuration(q.request));
      for (const id of nodesOf(q.request)) {
        if (!overlay.fits(id, demand) || !profileOf(id).fitsDuring(demand, now, d)) continue;
        const devices = profileOf(id).devicesDuring(demand, now, d, overlay.gpuFree(id));
        if (devices !== undefined) return { node: id, devices };
      }
      return undefined;
    };
    for (let k = 0; k <= last; k++) {
      // Picks and reservations only take capacity away, so a request that cannot start now will
      // not later in this call: the last that still could bounds the planning (reservations past
      // it constrain nobody who may start; they are most of the work on a long backlog).
      while (last > k && startNow(blocked[last] as QueuedRequest) === undefined) last--;
      const q = blocked[k] as QueuedRequest;
      const demand = q.request.demand;
      const d = Math.max(0, estimatedDuration(q.request));
      const nodes = nodesOf(q.request);
      if (k > 0) {
        const at = startNow(q);
        if (at !== undefined) {
          const { node, devices } = at;
          profileOf(node).reserve(demand, now, d, devices);
          overlay.add(node, demand, devices);
          picked.push(devices.length > 0 ? { entry: q, nodeId: node, devices } : { entry: q, nodeId: node });
          continue;
        }
      }
      let best = Infinity;
      let bestNode = -1;
      let holds = false;
      for (const id of nodes) {
        if (!fitsIn(demand, view.capacity(id))) continue;
        holds = true;
        const t = profileOf(id).earliestStart(demand, d);
        if (t < best) {
          best = t;
          bestNode = id;
          if (t === now) break;
        }
      }
      if (bestNode >= 0) profileOf(bestNode).reserve(demand, best, d);
      // The head has no start by the expected ends (the work in its way has no estimate):
      // nothing behind it can be shown not to delay it, so nothing starts (as under EASY). A
      // later request without a start stays unreserved, as before.
      else if (holds && k === 0) break;
    }
    return picked;
  };
  return {
    name: 'conservative',
    place,
    select: (blocked, view, now) => place(blocked, view, now).map((p) => p.entry),
  };
}
