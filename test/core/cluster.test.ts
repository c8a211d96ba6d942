import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import { CapacityError } from '../../src/core/errors.js';
import { eligiblePools, requestCostRate } from '../../src/core/eligibility.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { parseDuration, parseQuantity } from '../../src/core/units.js';

const space = new ResourceSpace();
const P = (name: string, capacity: number[], n: number, extra: Partial<PoolSpec> = {}): PoolSpec => ({
  name, capacity, nodes: { min: 0, max: n * 2, initial: n }, pricePerHour: 1, latencyMs: 10, bootSeconds: 0, labels: {}, ...extra,
});
const req = (id: string, demand: number[], extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival: 0, demand, duration: 1, priority: 'medium', ...extra });

describe('ClusterState', () => {
  it('refuses any change that would over-allocate, naming resource, requested, free and capacity', () => {
    const c = ClusterState.fromPools(space, [P('a', [4, 8, 1], 1)]);
    c.allocate(req('x', [3, 1, 0]), 0, 0);
    expect(() => c.allocate(req('y', [2, 1, 0]), 0, 0)).toThrow(CapacityError);
    expect(() => c.allocate(req('y', [2, 1, 0]), 0, 0)).toThrow(/over-allocate cpu: requested 2, free 1, capacity 4/);
    c.release('x');
    expect(Array.from(c.free(0))).toEqual([4, 8, 1]);
    expect(() => c.release('x')).toThrow(/no allocation x/);
  });

  it('best fit picks the fitting node left fullest; worst fit the emptiest', () => {
    const c = ClusterState.fromPools(space, [P('a', [8, 8, 0], 3)]);
    c.allocate(req('n0', [6, 6, 0]), 0, 0); // n0 free 2,2
    c.allocate(req('n1', [3, 3, 0]), 1, 0); // n1 free 5,5 ; n2 free 8,8
    expect(c.bestFit(0, [2, 2, 0])).toBe(0);
    expect(c.bestFit(0, [3, 1, 0])).toBe(1);
    expect(c.worstFit(0, [1, 1, 0])).toBe(2);
    expect(c.bestFit(0, [9, 1, 0])).toBe(-1);
  });

  it('keeps the index consistent with a linear scan through random allocate/release', () => {
    const rng = new Rng(3);
    const c = ClusterState.fromPools(space, [P('a', [16, 64, 4], 50)]);
    const live: string[] = [];
    for (let i = 0; i < 3000; i++) {
      if (live.length > 0 && rng.bernoulli(0.45)) {
        const k = rng.int(live.length);
        c.release(live[k] as string);
        live.splice(k, 1);
        continue;
      }
      const d = [rng.pick([1, 2, 4, 8]), rng.pick([1, 4, 16]), rng.pick([0, 0, 1, 2])];
      // reference: minimum free size among fitting nodes, ties by id
      let ref = -1;
      let refSize = Infinity;
      for (const id of c.upNodes(0)) {
        if (c.fits(id, d) && c.freeSize(id) < refSize - 1e-12) {
          ref = id;
          refSize = c.freeSize(id);
        }
      }
      const got = c.bestFit(0, d);
      expect(got === -1 ? -1 : c.freeSize(got)).toBeCloseTo(ref === -1 ? -1 : refSize, 12);
      if (got >= 0) {
        c.allocate(req(`r${i}`, d), got, 0);
        live.push(`r${i}`);
      }
    }
    c.checkInvariants();
  });

  it('trials stage placements and evictions and roll back exactly', () => {
    const c = ClusterState.fromPools(space, [P('a', [4, 4, 0], 2)]);
    c.allocate(req('x', [2, 2, 0]), 0, 0);
    const before = [Array.from(c.free(0)), Array.from(c.free(1))];
    const t = c.trial();
    t.place(req('y', [4, 4, 0]), 1);
    t.evict('x');
    expect(Array.from(c.free(0))).toEqual([4, 4, 0]);
    expect(() => c.allocate(req('z', [1, 1, 0]), 0, 0)).toThrow(/trial was open/);
    t.rollback();
    expect([Array.from(c.free(0)), Array.from(c.free(1))]).toEqual(before);
  });

  it('refuses a lease renewal while a trial is open, like every other real change', () => {
    const c = ClusterState.fromPools(space, [P('a', [4, 4, 0], 1)]);
    c.allocate(req('x', [2, 2, 0], { lease: 10 }), 0, 0);
    const t = c.trial();
    t.evict('x');
    expect(() => c.renew('x', 99)).toThrow(/trial was open/);
    expect(c.allocation('x')?.leaseExpiry).toBe(10);
    t.rollback();
    expect(c.renew('x', 99).leaseExpiry).toBe(99);
    c.checkInvariants();
  });

  it('refuses to add or bring up a node while a trial is open', () => {
    const c = new ClusterState(space, [P('a', [4, 4, 0], 1)]);
    const booting = c.addNode(0, 'booting');
    c.trial();
    expect(() => c.addNode(0, 'up')).toThrow(/trial was open/);
    expect(() => c.bringUp(booting)).toThrow(/trial was open/);
    expect([c.nodeCount, c.nodeStatus(booting), c.upNodes(0)]).toEqual([1, 'booting', []]);
    c.rollbackTrial();
    c.bringUp(booting);
    expect(c.upNodes(0)).toEqual([booting]);
  });

  it('failing a node returns its allocations and frees them', () => {
    const c = ClusterState.fromPools(space, [P('a', [4, 4, 0], 2)]);
    c.allocate(req('x', [2, 2, 0]), 0, 0);
    c.allocate(req('y', [1, 1, 0]), 0, 0);
    expect(c.failNode(0).map((a) => a.id).sort()).toEqual(['x', 'y']);
    expect(c.allocationCount).toBe(0);
    expect(c.upNodes(0)).toEqual([1]);
    expect(c.bestFit(0, [1, 1, 0])).toBe(1);
  });
});

describe('eligibility and rejections', () => {
  const c = ClusterState.fromPools(space, [P('cheap', [8, 32, 0], 1, { pricePerHour: 1, latencyMs: 50 }), P('gpu', [16, 64, 4], 1, { pricePerHour: 10, latencyMs: 5, labels: { gpu: 'a100' } })]);
  it('reports the first failing constraint with its numbers', () => {
    expect(eligiblePools(c, req('a', [1, 1, 0], { constraints: { pools: ['nope'] } }))).toMatchObject({ rejection: { code: 'infeasible' } });
    expect(eligiblePools(c, req('b', [1, 1, 0], { constraints: { maxLatencyMs: 1 } }))).toMatchObject({ rejection: { code: 'latency', requested: 1, free: 5 } });
    expect(eligiblePools(c, req('c', [1, 1, 8]))).toMatchObject({ rejection: { code: 'never-fits', resource: 'gpu', requested: 8, capacity: 4 } });
    // gpu pool, 2 of 4 GPUs → half a node → 5/h
    expect(requestCostRate(c.pools[1] as PoolSpec, [1, 1, 2])).toBe(5);
    expect(eligiblePools(c, req('d', [1, 1, 2], { constraints: { maxCostPerHour: 4 } }))).toMatchObject({ rejection: { code: 'over-budget', requested: 4, free: 5 } });
    expect(eligiblePools(c, req('e', [1, 1, 0], { constraints: { labels: { gpu: 'a100' } } }))).toEqual({ pools: [1] });
  });

  it('remembers the answer per request and pool list, and answers anew for another pool list', () => {
    const r = req('f', [1, 1, 2], { constraints: { maxLatencyMs: 100 } });
    const first = eligiblePools(c, r);
    expect(first).toEqual({ pools: [1] });
    expect(eligiblePools(c, r)).toBe(first);
    // Equal eligible sets share one array (callers key per-decision caches by it).
    expect((eligiblePools(c, req('g', [2, 2, 1])) as { pools: readonly number[] }).pools).toBe((first as { pools: readonly number[] }).pools);
    // A cluster with other pools (production adds pools by rebuilding the state) is not answered from memory.
    const bigger = ClusterState.fromPools(space, [P('gpu2', [16, 64, 8], 1), ...c.pools]);
    expect(eligiblePools(bigger, r)).toEqual({ pools: [0, 2] });
    const small = ClusterState.fromPools(space, [P('cpu', [8, 32, 0], 1)]);
    expect(eligiblePools(small, r)).toMatchObject({ rejection: { code: 'never-fits', resource: 'gpu' } });
  });

  it('a GPU amount with no device shape (1.5) never fits a pool with GPU devices, and still fits a scalar-GPU pool', () => {
    const devices = ClusterState.fromPools(space, [P('dev', [16, 64, 4], 1, { gpus: { count: 4 } })]);
    // Unconstrained requests take the fast path, constrained ones the full check: both refuse.
    for (const r of [req('h', [1, 1, 1.5]), req('i', [1, 1, 1.5], { constraints: { maxLatencyMs: 100 } })]) {
      expect(eligiblePools(devices, r)).toMatchObject({
        rejection: { code: 'never-fits', resource: 'gpu', requested: 1.5, capacity: 4, message: 'requests 1.5 gpu, which no node with GPU devices can place: a request takes a share of one device (< 1) or whole devices' },
      });
    }
    expect(eligiblePools(devices, req('j', [1, 1, 0.5]))).toEqual({ pools: [0] });
    expect(eligiblePools(devices, req('k', [1, 1, 2]))).toEqual({ pools: [0] });
    // Once {pools: [0]} is remembered, the fast path must not hand it to a shapeless amount.
    expect(eligiblePools(devices, req('h2', [1, 1, 1.5]))).toMatchObject({ rejection: { code: 'never-fits' } });
    const mixed = ClusterState.fromPools(space, [P('dev', [16, 64, 4], 1, { gpus: { count: 4 } }), P('scalar', [16, 64, 4], 1)]);
    expect(eligiblePools(mixed, req('l', [1, 1, 1.5]))).toEqual({ pools: [1] });
  });
});

describe('units', () => {
  it('parses durations and quantities', () => {
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('1.5h')).toBe(5400);
    expect(parseDuration('250ms')).toBe(0.25);
    expect(parseDuration(42)).toBe(42);
    expect(parseDuration('five')).toBeUndefined();
    expect(parseQuantity('64Gi')).toBe(64);
    expect(parseQuantity('512Mi')).toBe(0.5);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('x')).toBeUndefined();
  });
});
