import { describe, expect, it } from 'vitest';
import { ClusterState, type ClusterView } from '../../src/core/cluster.js';
import { estimatedDuration, type PoolSpec, type Request } from '../../src/core/model.js';
import { fitsIn, ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { conservativeBackfill } from '../../src/queue/conservative.js';
import { easyBackfill, headReservation, REFERENCE_EASY, type EasyOptions } from '../../src/queue/easy.js';
import type { BackfillPick, QueuedRequest } from '../../src/queue/policy.js';
import type { ResourceProfile } from '../../src/queue/profile.js';
import { eligible, nodeProfile, Overlay, upNodesOf } from '../../src/queue/reservation.js';

/*
 * The backfill policies skip work that cannot change their answer: EASY leaves out, before
 * sorting or looking up pools, candidates larger in some dimension than any up node has free;
 * conservative stops planning past the last request that could still start now (picks and
 * reservations only take capacity away). Held here against the plain algorithms, which consider
 * every candidate and plan every request, on seeded random clusters and backlogs.
 */

const space = new ResourceSpace(['cpu', 'memory']);
const pool = (name: string, cpu: number, mem: number, nodes: number): PoolSpec => ({
  name,
  capacity: [cpu, mem],
  nodes: { min: 0, max: nodes, initial: nodes },
  pricePerHour: 1,
  latencyMs: 1,
  bootSeconds: 0,
  labels: {},
});

function req(id: string, demand: number[], requested: number, arrival: number, pools?: string[]): Request {
  return { id, tenant: 't', arrival, demand, duration: requested, requestedDuration: requested, priority: 'medium', ...(pools === undefined ? {} : { constraints: { pools } }) };
}

/** A cluster part full of running work (some past its requested end) and a backlog behind a head, at `now`. */
function scenario(seed: number): { c: ClusterState; blocked: QueuedRequest[]; now: number } {
  const rng = new Rng(seed);
  const pools = [pool('a', 64, 256, 1 + rng.int(3))];
  if (rng.next() < 0.5) pools.push(pool('b', 32, 512, 1 + rng.int(2)));
  const c = ClusterState.fromPools(space, pools);
  const now = 1000;
  for (let i = 0; i < 40; i++) {
    const r = req(`run${i}`, [1 + rng.int(24), rng.int(96)], 50 + rng.int(900), 0);
    const node = rng.int(c.nodeCount);
    if (c.fits(node, r.demand)) c.allocate(r, node, now - rng.int(1000));
  }
  const blocked: QueuedRequest[] = [];
  const n = 17 + rng.int(100);
  for (let i = 0; i < n; i++) {
    const wide = rng.next() < 0.5;
    const demand = [wide ? 16 + rng.int(48) : 1 + rng.int(8), rng.int(wide ? 200 : 40)];
    const only = pools.length > 1 && rng.next() < 0.2 ? [rng.next() < 0.5 ? 'a' : 'b'] : undefined;
    // Arrivals in a few seconds, so that ties are common (EASY's arrival scan breaks them by queue position).
    const r = req(`q${i}`, demand, 10 + rng.int(2000), rng.int(6), only);
    blocked.push({ request: r, enqueuedAt: r.arrival, seq: i, attempts: 0 });
  }
  // Queue order: a policy's (here by requested time, then seq), not arrival.
  blocked.sort((x, y) => estimatedDuration(x.request) - estimatedDuration(y.request) || x.seq - y.seq);
  return { c, blocked, now };
}

/** EASY as written before the pruning: every candidate, sorted by arrival when asked. */
function plainEasy(opts: EasyOptions, blocked: readonly QueuedRequest[], view: ClusterView, now: number, headChosen = { queue: blocked, now }): QueuedRequest[] {
  const head = blocked[0] as QueuedRequest;
  const res = headReservation(view, head, headChosen.now, opts.pastEnds);
  if (res === undefined) return [];
  const extra = Float64Array.from(res.extra);
  const rank = new Map(headChosen.queue.map((q, i) => [q, i]));
  const r = (q: QueuedRequest): number => rank.get(q) ?? Infinity;
  let cands = blocked.slice(1);
  if (opts.scan === 'arrival') cands = cands.sort((a, b) => a.request.arrival - b.request.arrival || r(a) - r(b) || a.seq - b.seq);
  const overlay = new Overlay(view);
  const picked: QueuedRequest[] = [];
  for (const q of cands) {
    const pools = eligible(view, q.request);
    const node = overlay.findNode(pools, q.request.demand);
    if (node < 0) continue;
    let ok = now + estimatedDuration(q.request) < res.time;
    if (!ok && (opts.extraCapacity ?? true) && fitsIn(q.request.demand, extra)) {
      for (let d = 0; d < extra.length; d++) extra[d] = (extra[d] as number) - (q.request.demand[d] ?? 0);
      ok = true;
    }
    if (!ok) ok = !pools.includes(view.nodePool(res.nodeId)) || !view.fits(res.nodeId, q.request.demand);
    if (!ok) continue;
    overlay.add(node, q.request.demand);
    picked.push(q);
  }
  return picked;
}

/** Conservative as written before the pruning: every request up to the last that fits now is planned. */
function plainConservative(blocked: readonly QueuedRequest[], view: ClusterView, now: number): BackfillPick[] {
  let last = -1;
  for (let k = 1; k < blocked.length; k++) {
    const r = (blocked[k] as QueuedRequest).request;
    if (eligible(view, r).some((p) => view.bestFit(p, r.demand) >= 0)) last = k;
  }
  const profiles = new Map<number, ResourceProfile>();
  const profileOf = (id: number): ResourceProfile => {
    if (!profiles.has(id)) profiles.set(id, nodeProfile(view, id, now));
    return profiles.get(id) as ResourceProfile;
  };
  const overlay = new Overlay(view);
  const picked: BackfillPick[] = [];
  for (let k = 0; k <= last; k++) {
    const q = blocked[k] as QueuedRequest;
    const demand = q.request.demand;
    const d = Math.max(0, estimatedDuration(q.request));
    const nodes = upNodesOf(view, eligible(view, q.request));
    const at = k === 0 ? undefined : nodes.find((id) => overlay.fits(id, demand) && profileOf(id).fitsDuring(demand, now, d));
    if (at !== undefined) {
      profileOf(at).reserve(demand, now, d, []);
      overlay.add(at, demand, []);
      picked.push({ entry: q, nodeId: at });
      continue;
    }
    let best = Infinity;
    let bestNode = -1;
    for (const id of nodes) {
      const t = fitsIn(demand, view.capacity(id)) ? profileOf(id).earliestStart(demand, d) : Infinity;
      if (t < best) [best, bestNode] = [t, id];
      if (t === now) break;
    }
    if (bestNode >= 0) profileOf(bestNode).reserve(demand, best, d);
  }
  return picked;
}

const SEEDS = Array.from({ length: 120 }, (_, i) => i + 1);

describe('backfilling: what is skipped cannot change the answer', () => {
  it('EASY (generic and the reference preset) picks what it picks when it looks at every candidate', () => {
    let picks = 0;
    for (const seed of SEEDS) {
      const { c, blocked, now } = scenario(seed);
      for (const opts of [{}, REFERENCE_EASY]) {
        const got = easyBackfill(opts).select(blocked, c, now).map((q) => q.request.id);
        expect(got, `seed ${seed} ${JSON.stringify(opts)}`).toEqual(plainEasy(opts, blocked, c, now).map((q) => q.request.id));
        picks += got.length;
      }
    }
    expect(picks).toBeGreaterThan(100); // the scenarios do backfill
  });

  it('the reference preset breaks arrival ties by the queue positions of the head\'s first call, over later calls', () => {
    let picks = 0;
    for (const seed of SEEDS) {
      const { c, blocked, now } = scenario(seed);
      const policy = easyBackfill(REFERENCE_EASY);
      policy.select(blocked, c, now);
      // Later: a third of the backlog left (started elsewhere, say), newcomers arrived (ties with
      // one another), and the queue was reordered; the same head, so the same reservation.
      const rng = new Rng(seed + 1000);
      const later = [blocked[0] as QueuedRequest, ...blocked.slice(1).filter(() => rng.next() < 0.67).reverse()];
      for (let i = 0; i < 10; i++) {
        const r = req(`new${i}`, [1 + rng.int(8), rng.int(40)], 10 + rng.int(2000), 10 + rng.int(2));
        later.splice(1 + rng.int(later.length), 0, { request: r, enqueuedAt: r.arrival, seq: 500 + i, attempts: 0 });
      }
      const got = policy.select(later, c, now + 5).map((q) => q.request.id);
      expect(got, `seed ${seed}`).toEqual(plainEasy(REFERENCE_EASY, later, c, now + 5, { queue: blocked, now }).map((q) => q.request.id));
      picks += got.length;
    }
    expect(picks).toBeGreaterThan(100);
  });

  it('conservative picks, on the same nodes, what it picks when it plans every request', () => {
    let picks = 0;
    for (const seed of SEEDS) {
      const { c, blocked, now } = scenario(seed);
      const got = conservativeBackfill().place?.(blocked, c, now) ?? [];
      const want = plainConservative(blocked, c, now);
      expect(got.map((p) => `${p.entry.request.id}@${p.nodeId}`), `seed ${seed}`).toEqual(want.map((p) => `${p.entry.request.id}@${p.nodeId}`));
      picks += got.length;
    }
    expect(picks).toBeGreaterThan(100);
  });
});
