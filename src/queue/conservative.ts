import type { ClusterView } from '../core/cluster.js';
import { estimatedDuration } from '../core/model.js';
import { fitsIn } from '../core/resources.js';
import type { BackfillPick, BackfillPolicy, QueuedRequest } from './policy.js';
import type { ResourceProfile } from './profile.js';
import { eligible, nodeProfile, Overlay, upNodesOf } from './reservation.js';

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
    // Could request k start now somewhere (ignoring this pass)? Plan only up to the last one that could.
    let last = -1;
    const pools: (readonly number[])[] = [];
    for (let k = 0; k < n; k++) {
      const r = (blocked[k] as QueuedRequest).request;
      const p = eligible(view, r);
      pools.push(p);
      if (k > 0 && p.some((pool) => view.bestFit(pool, r.demand) >= 0)) last = k;
    }
    if (last < 1) return [];
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
    for (let k = 0; k <= last; k++) {
      const q = blocked[k] as QueuedRequest;
      const demand = q.request.demand;
      const d = Math.max(0, estimatedDuration(q.request));
      const nodes = upNodesOf(view, pools[k] as readonly number[]);
      if (k > 0) {
        let node = -1;
        let devices: readonly number[] | undefined;
        for (const id of nodes) {
          if (!overlay.fits(id, demand) || !profileOf(id).fitsDuring(demand, now, d)) continue;
          devices = profileOf(id).devicesDuring(demand, now, d, overlay.gpuFree(id));
          if (devices === undefined) continue;
          node = id;
          break;
        }
        if (node >= 0 && devices !== undefined) {
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
