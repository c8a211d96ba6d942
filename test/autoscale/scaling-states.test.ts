import { describe, expect, it } from 'vitest';
import { poolScalingStates } from '../../src/autoscale/observe.js';
import { ClusterState } from '../../src/core/cluster.js';
import { eligiblePools, requestCostRate } from '../../src/core/eligibility.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { poolUsage } from '../../src/core/pool-usage.js';
import { dominantShare, ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

/*
 * poolScalingStates groups waiting requests by (eligible pools, demand) and walks the running
 * work once per pool; its answers must be exactly (bit for bit) those of the rule applied request
 * by request, which `reference` below is (the code before the grouping). Random clusters: up to 4
 * pools with tied and zero prices, zero capacities (infinite or NaN cost rates), up, booting and
 * failed nodes, running work; waiting requests of a few shapes, some with constraints (pools,
 * labels, budget, latency), some that no pool can hold; requests turned away.
 */
function reference(state: ClusterState, waiting: readonly Request[], turnedAway: readonly Request[] = []) {
  const out = state.pools.map((spec, pool) => {
    const { capacity: cap, used } = poolUsage(state, pool);
    let runningNodes = 0;
    const up = state.upNodes(pool);
    for (const id of up) for (const a of state.allocationsOn(id)) runningNodes += dominantShare(a.request.demand, spec.capacity);
    return { pool, spec, up: up.length, booting: state.countNodes(pool, 'booting'), utilization: cap.map((c, d) => (c > 0 ? (used[d] as number) / c : 0)), queuedNodes: 0, runningNodes };
  });
  const room = out.map((s) => s.spec.nodes.max - s.up - s.booting);
  for (const r of [...waiting, ...turnedAway]) {
    const e = eligiblePools(state, r);
    let best = -1;
    let bestRate = Infinity;
    let grow = -1;
    let growRate = Infinity;
    for (const p of e.pools) {
      const rate = requestCostRate(state.pools[p] as PoolSpec, r.demand);
      if (rate < bestRate) {
        bestRate = rate;
        best = p;
      }
      if (rate < growRate && (out[p] as (typeof out)[number]).queuedNodes < (room[p] as number) - 1e-9) {
        growRate = rate;
        grow = p;
      }
    }
    const to = grow >= 0 ? grow : best;
    if (to < 0) continue;
    (out[to] as (typeof out)[number]).queuedNodes += dominantShare(r.demand, (state.pools[to] as PoolSpec).capacity);
  }
  return out;
}

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

function randomCase(rng: Rng): { state: ClusterState; waiting: Request[]; turnedAway: Request[] } {
  const npools = 1 + rng.int(4);
  const pools: PoolSpec[] = Array.from({ length: npools }, (_, i) => ({
    name: `p${i}`,
    capacity: [rng.pick([3, 8, 16]), rng.pick([10, 64]), rng.pick([0, 0, 4])],
    nodes: { min: 0, max: rng.pick([1, 3, 8, 40]), initial: 0 },
    pricePerHour: rng.pick([0, 0.7, 1, 1, 3]),
    latencyMs: rng.pick([1, 20]),
    bootSeconds: 60,
    labels: { zone: rng.pick(['a', 'b']) },
  }));
  const state = new ClusterState(space, pools);
  // [1, 1, 1e-12]: fits a node without GPUs (within EPSILON) at an infinite share, a rate of ∞ (NaN at price 0).
  const shapes = [[1, 2, 0], [2, 8, 0], [3, 5, 0], [1, 1, 1], [0.7, 3.3, 0], [20, 1, 0], [1, 1, 1e-12]];
  let k = 0;
  const req = (): Request => {
    const r: Request = { id: `r${k++}`, tenant: 't', arrival: 0, demand: [...rng.pick(shapes)], duration: 60, priority: 'medium' };
    if (!rng.bernoulli(0.3)) return r;
    const c = rng.pick([{ pools: ['p0'] }, { labels: { zone: 'a' } }, { maxCostPerHour: 0.2 }, { maxLatencyMs: 5 }, { pools: ['p1', 'p2'] }]);
    return { ...r, constraints: c };
  };
  for (let p = 0; p < npools; p++) {
    const n = rng.int(Math.min(6, (pools[p] as PoolSpec).nodes.max + 1));
    for (let i = 0; i < n; i++) {
      const id = state.addNode(p, rng.bernoulli(0.8) ? 'up' : 'booting');
      for (let j = 0; j < 4; j++) {
        const r = req();
        if (state.nodeStatus(id) === 'up' && state.fits(id, r.demand)) state.allocate(r, id, 0);
      }
      if (state.nodeStatus(id) === 'up' && rng.bernoulli(0.15)) state.failNode(id);
    }
  }
  return { state, waiting: Array.from({ length: rng.int(60) }, req), turnedAway: Array.from({ length: rng.int(4) }, req) };
}

describe('poolScalingStates: grouped, and exactly the request-by-request rule', () => {
  it('matches the reference bit for bit on 400 random clusters and queues', () => {
    const rng = new Rng(42);
    let queued = 0;
    for (let i = 0; i < 400; i++) {
      const { state, waiting, turnedAway } = randomCase(rng);
      const got = poolScalingStates(state, waiting, turnedAway);
      expect(got, `case ${i}`).toEqual(reference(state, waiting, turnedAway));
      for (const s of got) queued += s.queuedNodes;
    }
    expect(queued).toBeGreaterThan(0);
  });

  it('by hand: equal rates go to the pool listed first; a full pool spills to the next cheapest', () => {
    const pool = (name: string, price: number, max: number): PoolSpec => ({ name, capacity: [4, 16, 0], nodes: { min: 0, max, initial: 0 }, pricePerHour: price, latencyMs: 0, bootSeconds: 0, labels: {} });
    const state = new ClusterState(space, [pool('dear', 2, 10), pool('b', 1, 1), pool('c', 1, 10)]);
    const r = (id: string): Request => ({ id, tenant: 't', arrival: 0, demand: [2, 1, 0], duration: 1, priority: 'medium' });
    // Half a node each: b (rate 0.5, first of the two cheapest) takes two (room 1), c the rest.
    expect(poolScalingStates(state, [r('a'), r('b'), r('c')]).map((s) => s.queuedNodes)).toEqual([0, 1, 0.5]);
  });
});
