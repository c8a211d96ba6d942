/**
 * Walks that visited every node id ever created (removed ones included) now read per-pool lists
 * of the nodes not removed (core/node-table.ts): finding a node by name, the autoscaler's plan
 * (planScaleSteps), the fair-share capacities (clusterCapacities) and the unknown-node message.
 * Under seeded random churn over pools with custom names (some equal to another node's default
 * name) and fractional capacities, each answer is held to the old walk, kept here as reference.
 */
import { describe, expect, it } from 'vitest';
import { planScaleSteps, type ScaleStep } from '../../src/autoscale/observe.js';
import type { ScaleAction } from '../../src/autoscale/policy.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { clusterCapacities } from '../../src/engine/quota.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

const space = new ResourceSpace();
const P = (name: string, capacity: number[], n: number, extra: Partial<PoolSpec> = {}): PoolSpec => ({
  name, capacity, nodes: { min: 0, max: 40, initial: n }, pricePerHour: 1, latencyMs: 10, bootSeconds: 0, labels: {}, ...extra,
});
const req = (id: string, demand: number[]): Request => ({ id, tenant: 't', arrival: 0, demand, duration: 1, priority: 'medium' });

/** The old walk of Pools.find's name lookup: the lowest id of the pool with that name. */
function findByWalk(c: ClusterState, pool: number, name: string): number {
  for (let id = 0; id < c.nodeCount; id++) if (c.nodePool(id) === pool && c.nodeName(id) === name) return id;
  return -1;
}

/** The old clusterCapacities, a walk over every id. */
function capacitiesByWalk(c: ClusterState): { up: Float64Array; ceiling: Float64Array } {
  const D = c.space.size;
  const up = new Float64Array(D);
  const ceiling = new Float64Array(D);
  const existing = new Array<number>(c.pools.length).fill(0);
  for (let id = 0; id < c.nodeCount; id++) {
    const status = c.nodeStatus(id);
    if (status === 'removed') continue;
    const p = c.nodePool(id);
    existing[p] = (existing[p] as number) + 1;
    if (status !== 'up') continue;
    const cap = c.capacity(id);
    for (let d = 0; d < D; d++) up[d] = (up[d] as number) + (cap[d] as number);
  }
  c.pools.forEach((pool, p) => {
    const n = Math.max(pool.nodes.max, existing[p] as number);
    for (let d = 0; d < D; d++) ceiling[d] = (ceiling[d] as number) + n * ((pool.capacity[d] as number | undefined) ?? 0);
  });
  return { up, ceiling };
}

/** The old planScaleSteps (every id walked, highest first), verbatim but for the walks. */
function planByWalk(state: ClusterState, actions: readonly ScaleAction[]): ScaleStep[] {
  const steps: ScaleStep[] = [];
  const removing = new Set<number>();
  const added = new Map<number, number>();
  for (const act of actions) {
    const spec = state.pools[act.pool];
    if (spec === undefined || !Number.isFinite(act.delta) || act.delta === 0) continue;
    let up = 0;
    let booting = 0;
    const failed: number[] = [];
    for (const id of state.upNodes(act.pool)) if (!removing.has(id)) up++;
    for (let id = state.nodeCount - 1; id >= 0; id--) {
      if (state.nodePool(id) !== act.pool || removing.has(id)) continue;
      const status = state.nodeStatus(id);
      if (status === 'booting') booting++;
      else if (status === 'failed') failed.push(id);
    }
    const total = up + booting + (added.get(act.pool) ?? 0);
    const retire = (id: number, why: string): void => {
      removing.add(id);
      steps.push({ kind: 'remove', nodeId: id, reason: `${why} (${act.reason})` });
    };
    if (act.delta > 0) {
      const add = Math.min(Math.floor(act.delta), spec.nodes.max - total);
      for (let i = 0; i < add; i++) {
        const old = failed[i];
        if (old !== undefined) retire(old, 'failed node replaced');
        steps.push({ kind: 'provision', pool: act.pool, reason: act.reason });
      }
      if (add > 0) added.set(act.pool, (added.get(act.pool) ?? 0) + add);
    } else {
      for (const id of failed) retire(id, 'failed node retired on scale-in');
      let remove = Math.min(Math.floor(-act.delta), total - spec.nodes.min);
      for (let id = state.nodeCount - 1; id >= 0 && remove > 0; id--) {
        if (state.nodePool(id) !== act.pool || state.nodeStatus(id) !== 'booting' || removing.has(id)) continue;
        removing.add(id);
        steps.push({ kind: 'remove', nodeId: id, reason: act.reason });
        remove--;
      }
      for (const id of [...state.upNodes(act.pool)].reverse()) {
        if (remove <= 0) break;
        if (removing.has(id) || [...state.allocationsOn(id)].length > 0) continue;
        removing.add(id);
        steps.push({ kind: 'remove', nodeId: id, reason: act.reason });
        remove--;
      }
    }
  }
  return steps;
}

describe('walks over a pool’s nodes visit the nodes not removed, with the old answers', () => {
  it('find by name, live ids, first/newest, capacities and scaling plans agree with the old walks through random churn', () => {
    // 'a-3' and 'b-1' are custom names equal to default names of other nodes (the lowest id wins).
    const pools = [P('a', [0.1, 0.7, 3], 3, { nodeNames: ['alpha', 'a-3', 'gamma', 'a-3', 'a-12', 'a-15', 'a-20'] }), P('b', [0.3, 1.1, 0], 2, { nodeNames: ['b-1'] }), P('a-1', [1 / 3, 0.2, 0], 1)];
    const c = ClusterState.fromPools(space, pools);
    const rng = new Rng(23);
    let next = 0;
    let removedSeen = 0;
    for (let step = 0; step < 2500; step++) {
      const r = rng.next();
      const id = Math.floor(rng.next() * c.nodeCount);
      const st = c.nodeStatus(id);
      if (r < 0.25) c.addNode(Math.floor(rng.next() * pools.length), rng.next() < 0.5 ? 'up' : 'booting');
      else if (r < 0.45) {
        if (st === 'up' && c.fits(id, [0.05, 0.1, 0])) c.allocate(req(`r${next++}`, [0.05, 0.1, 0]), id, step);
      } else if (r < 0.55) {
        const mine = [...c.allocationsOn(id)];
        if (mine.length > 0) c.release((mine[0] as { id: string }).id);
      } else if (r < 0.65) {
        if (st === 'up') c.failNode(id);
      } else if (r < 0.75) {
        if (st === 'failed' || st === 'booting') c.bringUp(id);
      } else if (st !== 'removed' && [...c.allocationsOn(id)].length === 0) c.removeNode(id);
      if (step % 10 !== 0) continue;
      c.checkInvariants();
      const where = `step ${step}`;
      for (let p = 0; p < pools.length; p++) {
        const all: number[] = [];
        for (let n = 0; n < c.nodeCount; n++) if (c.nodePool(n) === p) all.push(n);
        expect(c.liveNodes(p), where).toEqual(all.filter((n) => c.nodeStatus(n) !== 'removed'));
        const ever = c.nodesEver(p);
        expect(ever.count, where).toBe(all.length);
        expect(ever.first.slice(0, 4), where).toEqual(all.slice(0, 4));
        expect(ever.newest, where).toBe(all[all.length - 1] ?? -1);
        const names = new Set<string>(['alpha', 'a-3', 'b-1', 'a-01', 'a-', 'a-1-0', 'a-99999', '', 'a-1e1']);
        for (let k = 0; k < 30; k++) names.add(c.nodeName(Math.floor(rng.next() * c.nodeCount)));
        for (const name of names) expect(c.findNode(p, name), `${where}, pool ${p}, '${name}'`).toBe(findByWalk(c, p, name));
        const act = (delta: number): ScaleAction => ({ pool: p, delta, reason: 'r' });
        for (const actions of [[act(-3)], [act(2)], [act(-50)], [act(1), act(-2)], [act(-1), { pool: (p + 1) % pools.length, delta: 3, reason: 's' }]]) {
          expect(planScaleSteps(c, actions), where).toEqual(planByWalk(c, actions));
        }
      }
      // Bit for bit: the same additions in the same order (fractional capacities would show any other order).
      const got = clusterCapacities(c);
      const want = capacitiesByWalk(c);
      expect(Array.from(got.up), where).toEqual(Array.from(want.up));
      expect(Array.from(got.ceiling), where).toEqual(Array.from(want.ceiling));
      removedSeen = c.countNodes(0, 'removed') + c.countNodes(1, 'removed') + c.countNodes(2, 'removed');
    }
    expect(removedSeen).toBeGreaterThan(100);
    // The custom name shared with a default name resolves to the lowest id, as the walk did.
    expect(c.findNode(0, 'a-3')).toBe(1);
  });

  it('an unknown node names the pool’s first nodes and its newest, removed ones included, as before', () => {
    const clock = { now: 0 };
    let delta = 0;
    const s = new ResourceScheduler({
      timers: false,
      clock: () => clock.now,
      scaling: { name: 'manual', intervalSeconds: 60, decide: () => [{ pool: 0, delta, reason: 'manual' }] },
      pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: { min: 0, max: 10, initial: 2 } }],
    });
    for (const d of [3, -5, 2]) {
      clock.now += 60_000;
      delta = d;
      s.scale();
    }
    // Ids 0..4 removed (p-0 … p-4), 5 and 6 up.
    expect(() => s.failNode('p', 'nope')).toThrow("pool 'p' has no node 'nope' (name or id; its 7 nodes: p-0, p-1, p-2, … p-6)");
    expect(s.failNode('p', 'p-1')).toMatchObject({ node: 'p-1', nodeId: 1, status: 'not-up', nodeStatus: 'removed' });
    expect(s.failNode('p', 'p-6')).toMatchObject({ nodeId: 6, status: 'failed' });
    void s.shutdown();
  });
});
