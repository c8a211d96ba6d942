import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScalingPolicy } from '../../src/autoscale/policy.js';
import { PRIORITIES } from '../../src/core/priority.js';
import { MemoryStore, ResourceScheduler, type AllocationInfo, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';

/**
 * Property-based tests over random sequences of operations (allocate, release, renew, preempt,
 * clock advance, expiry, tick, scaling, addPool) under random configurations (strategy,
 * preemption, queue, quotas). After every operation:
 *
 * - no node is over-allocated (ClusterState.checkInvariants via scheduler.checkInvariants), and
 *   the scheduler's books (tenant usage, lease records, queue index) agree with the cluster;
 * - capacity is accounted exactly: the change of each pool's allocated amount equals what the
 *   events say started minus what they say ended (released, expired, preempted): released
 *   capacity always returns;
 * - after expiry at time T no live allocation has a lease ending at or before T, and each one
 *   that did is reported expired;
 * - the live set the events describe is the live set the scheduler reports.
 * At the end, a scheduler restored from the same store holds the same allocations and pools.
 */

const DIMS = ['cpu', 'memory', 'gpu'] as const;

const requestArb = fc.record({
  pool: fc.constantFrom<string | undefined>('gpu', 'cpu', undefined),
  cpu: fc.integer({ min: 0, max: 12 }),
  memory: fc.integer({ min: 0, max: 24 }),
  gpu: fc.constantFrom(0, 0, 0, 0.5, 1, 2, 4),
  priority: fc.constantFrom(...PRIORITIES),
  tenant: fc.constantFrom('a', 'b', 'c'),
  preemptible: fc.boolean(),
  lease: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined, freq: 3 }),
});

const opArb = fc.oneof(
  { weight: 12, arbitrary: fc.record({ k: fc.constant('allocate' as const), r: requestArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('renew' as const), pick: fc.nat(), ms: fc.integer({ min: 1, max: 5000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('preempt' as const), pick: fc.nat(), r: requestArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('expire' as const), ahead: fc.integer({ min: 0, max: 2000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('tick' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('scale' as const), delta: fc.integer({ min: -3, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('addPool' as const), nodes: fc.integer({ min: 0, max: 3 }) }) },
);

const configArb = fc.record({
  strategy: fc.constantFrom('first-fit', 'best-fit-decreasing', 'worst-fit', 'round-robin') as fc.Arbitrary<'first-fit' | 'best-fit-decreasing' | 'worst-fit' | 'round-robin'>,
  preemption: fc.boolean(),
  queue: fc.constantFrom<undefined | 'fcfs' | 'priority'>(undefined, 'fcfs', 'priority'),
  quotas: fc.boolean(),
});

type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;
type Config = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

function allocatedByPool(s: ResourceScheduler): Map<string, number[]> {
  return new Map(s.listPools().map((p) => [p.name, DIMS.map((d) => p.allocated[d] ?? 0)]));
}

function run(config: Config, ops: readonly Op[]): void {
  const t = { now: 10_000 };
  let n = 0;
  let scaleDelta = 0;
  const store = new MemoryStore();
  const scaling: ScalingPolicy = { name: 'prop', intervalSeconds: 60, decide: () => [{ pool: 0, delta: scaleDelta, reason: 'test' }, { pool: 1, delta: -scaleDelta, reason: 'test' }] };
  const options: ResourceSchedulerOptions = {
    clock: () => t.now,
    timers: false,
    store,
    newId: () => `r${n++}`,
    strategy: config.strategy,
    preemption: config.preemption,
    scaling,
    ...(config.queue !== undefined ? { queue: { policy: config.queue, timeoutMs: 4000 } } : {}),
    ...(config.quotas ? { quotas: { tenants: { a: { guaranteed: { gpu: 0.5, cpu: 0.3 }, max: { gpu: 0.8 } }, b: { guaranteed: { gpu: 0.25 }, max: { cpu: 0.6 } } } } } : {}),
    pools: [
      { name: 'gpu', capacity: { cpu: 16, memory: 64, gpu: 4 }, nodes: { min: 1, max: 4, initial: 2 }, primary: 'gpu', bootSeconds: 2, pricePerHour: 30 },
      { name: 'cpu', capacity: { cpu: 24, memory: 48 }, nodes: { min: 0, max: 4, initial: 2 }, pricePerHour: 3 },
    ],
  };
  const s = new ResourceScheduler(options);

  // The live set and per-pool allocated amounts, as the events tell them.
  const live = new Map<string, AllocationInfo>();
  const delta = new Map<string, number[]>();
  const add = (a: AllocationInfo, sign: 1 | -1): void => {
    const v = delta.get(a.pool) ?? DIMS.map(() => 0);
    DIMS.forEach((d, i) => (v[i] = (v[i] as number) + sign * (a.demand[d] ?? 0)));
    delta.set(a.pool, v);
  };
  s.on('allocated', (e) => {
    expect(live.has(e.allocation.id)).toBe(false);
    live.set(e.allocation.id, e.allocation);
    add(e.allocation, 1);
  });
  const ended = (a: AllocationInfo): void => {
    expect(live.has(a.id)).toBe(true);
    live.delete(a.id);
    add(a, -1);
  };
  let expiredNow: string[] = [];
  // Work evicted (priority preemption, quota reclaim) during the current operation: a lease that
  // ran out before now ends first in every operation, and the queue pass that follows may evict
  // the very allocation the operation names, before it runs (a renew or release then finds nothing).
  let evictedNow: string[] = [];
  s.on('released', (e) => ended(e.allocation));
  s.on('preempted', (e) => {
    ended(e.allocation);
    evictedNow.push(e.allocation.id);
  });
  s.on('expired', (e) => {
    ended(e.allocation);
    expiredNow.push(e.allocation.id);
  });

  const ids = (): string[] => [...live.keys()].sort();
  const overdue = (a: AllocationInfo | undefined): boolean => a !== undefined && a.leaseExpiryMs !== null && a.leaseExpiryMs < t.now;
  const pick = (i: number): string => {
    const all = ids();
    return all.length === 0 || i % 7 === 0 ? `missing-${i}` : (all[i % all.length] as string);
  };
  let pools = 2;

  for (const op of ops) {
    const before = allocatedByPool(s);
    const liveBefore = s.listAllocations();
    delta.clear();
    expiredNow = [];
    evictedNow = [];
    let expiredAsOf: number | undefined;
    let releasedDemand: AllocationInfo | undefined;
    switch (op.k) {
      case 'allocate':
      case 'preempt': {
        const r = op.r;
        const demand = { cpu: r.cpu, memory: r.memory, gpu: r.pool === 'cpu' && r.cpu % 4 !== 0 ? 0 : r.gpu };
        if (r.cpu + r.memory + r.gpu === 0) demand.cpu = 1;
        const req = { ...(r.pool !== undefined ? { pool: r.pool } : {}), demand, priority: r.priority, tenant: r.tenant, preemptible: r.preemptible };
        const res = op.k === 'allocate' ? s.allocate(req, r.lease) : s.preempt(pick(op.pick), req, r.lease);
        if (res.status === 'allocated') expect(live.get(res.allocation.id)).toEqual(res.allocation);
        if (res.status === 'preempted') expect(live.has(res.allocation.id)).toBe(false);
        break;
      }
      case 'release': {
        const id = pick(op.pick);
        // A lease that ran out before now ends (expired) before the operation does anything.
        releasedDemand = overdue(live.get(id)) ? undefined : live.get(id);
        const res = s.release(id);
        if (evictedNow.includes(id)) releasedDemand = undefined;
        expect(res.status).toBe(releasedDemand !== undefined ? 'released' : res.status === 'cancelled' ? 'cancelled' : 'not-found');
        break;
      }
      case 'renew': {
        const id = pick(op.pick);
        const renewable = live.has(id) && !overdue(live.get(id));
        const res = s.renew(id, op.ms);
        expect(res.status).toBe(renewable && !evictedNow.includes(id) ? 'renewed' : 'not-found');
        if (res.status === 'renewed') {
          expect(res.allocation.leaseExpiryMs).toBe(t.now + op.ms);
          live.set(id, res.allocation);
        }
        break;
      }
      case 'advance':
        t.now += op.ms;
        break;
      case 'expire':
        // The clock moves first: a later asOf than now is refused (expire-as-of.test.ts).
        t.now += op.ahead;
        expiredAsOf = t.now;
        s.expireAllocations(expiredAsOf);
        break;
      case 'tick':
        expiredAsOf = t.now;
        s.tick();
        break;
      case 'scale':
        scaleDelta = op.delta;
        s.scale();
        break;
      case 'addPool':
        s.addPool({ name: `extra${pools++}`, capacity: { cpu: 8, memory: 32, gpu: 2 }, nodes: op.nodes });
        break;
    }

    // No over-allocation; the scheduler's books agree with the cluster.
    s.checkInvariants();
    for (const p of s.listPools()) for (const d of DIMS) expect(p.allocated[d] ?? 0).toBeLessThanOrEqual((p.capacity[d] ?? 0) + 1e-9);

    // Exact accounting: allocated(after) − allocated(before) = started − ended, per pool.
    const after = allocatedByPool(s);
    for (const [pool, v] of after) {
      const b = before.get(pool) ?? DIMS.map(() => 0);
      const dv = delta.get(pool) ?? DIMS.map(() => 0);
      DIMS.forEach((_d, i) => expect((v[i] as number) - (b[i] as number)).toBeCloseTo(dv[i] as number, 9));
    }
    // Released capacity returns: with nothing else starting in the same operation, exactly.
    if (releasedDemand !== undefined && config.queue === undefined && expiredNow.length === 0) {
      const rd = releasedDemand;
      const b = before.get(rd.pool) as number[];
      const a = after.get(rd.pool) as number[];
      DIMS.forEach((d, i) => expect((b[i] as number) - (a[i] as number)).toBeCloseTo(rd.demand[d] ?? 0, 9));
    }
    // Every operation first ends the leases that ran out before now.
    if (op.k !== 'advance' && op.k !== 'scale' && op.k !== 'addPool') for (const a of liveBefore) if (a.leaseExpiryMs !== null && a.leaseExpiryMs < t.now) expect(s.getAllocation(a.id)).toBeUndefined();
    // Expired leases always free: whatever was live before with a lease ending by T is gone
    // (work the queue starts afterwards, in the same call, is new and not judged here).
    if (expiredAsOf !== undefined) {
      for (const a of liveBefore) if (a.leaseExpiryMs !== null && a.leaseExpiryMs <= expiredAsOf) expect(s.getAllocation(a.id)).toBeUndefined();
      for (const a of s.listAllocations()) if (a.leaseExpiryMs !== null && a.leaseExpiryMs <= expiredAsOf) expect(a.startMs).toBe(t.now);
      for (const id of expiredNow) expect(liveBefore.some((a) => a.id === id)).toBe(true);
    }
    // The events and the scheduler agree on what is live.
    expect(s.listAllocations().map((a) => a.id).sort()).toEqual(ids());
  }

  // Restore from the store: same allocations, same pools.
  const byId = (a: AllocationInfo, b: AllocationInfo): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const allocations = s.listAllocations().sort(byId);
  const poolList = s.listPools();
  s.close();
  const restored = new ResourceScheduler({ ...options, store });
  expect(restored.listAllocations().sort(byId)).toEqual(allocations);
  expect(restored.listPools()).toEqual(poolList);
  restored.checkInvariants();
  restored.close();
}

describe('ResourceScheduler properties (fast-check)', () => {
  it('never over-allocates, always returns released capacity, always frees expired leases', () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), (config, ops) => run(config, ops)),
      { numRuns: 300, seed: 20250501 },
    );
  });

  it('reports a request its own call started and took back as preempted, not allocated (two counterexamples fresh seeds found)', () => {
    const config = { strategy: 'first-fit', preemption: true, queue: 'priority', quotas: true } as unknown as Config;
    const alloc = (pool: string, cpu: number, gpu: number, priority: string, tenant: string, preemptible: boolean): Op =>
      ({ k: 'allocate', r: { pool, cpu, memory: 0, gpu, priority, tenant, preemptible, lease: undefined } }) as unknown as Op;
    // Seed 140369471: a's reclaim evicts c's r1 for r3; the same call's pass lets b's queued critical r2 preempt r3.
    run(config, [alloc('gpu', 0, 4, 'critical', 'b', false), alloc('gpu', 8, 2, 'background', 'c', false), alloc('gpu', 9, 2, 'critical', 'b', false), alloc('gpu', 9, 2, 'high', 'a', true), { k: 'renew', pick: 0, ms: 1 } as unknown as Op]);
    // Seed -189582152.
    run(config, [
      alloc('gpu', 9, 0, 'critical', 'a', false), alloc('gpu', 0, 0, 'critical', 'a', false), alloc('gpu', 7, 4, 'background', 'b', false), alloc('gpu', 4, 0, 'critical', 'a', false),
      alloc('gpu', 3, 4, 'critical', 'b', false), alloc('gpu', 3, 2, 'background', 'a', true), alloc('gpu', 0, 0, 'critical', 'a', false),
    ]);
  });

  it('a renew or release names work the expiry pass at its start reclaimed: not-found (a fresh seed found it)', () => {
    const config = { strategy: 'first-fit', preemption: false, queue: 'priority', quotas: true } as unknown as Config;
    const alloc = (gpu: number, tenant: string, lease?: number): Op =>
      ({ k: 'allocate', r: { pool: 'gpu', cpu: 0, memory: 0, gpu, priority: 'critical', tenant, preemptible: false, lease } }) as unknown as Op;
    // Seed -145027059: r0 (a, 2 GPUs, lease 1 ms) runs out; renewing c's r1 first ends r0, and the
    // pass that follows starts a's queued r2 (4 GPUs) by reclaiming c's borrowed r1, as a tick at
    // r0's deadline would have; the renew then finds no r1.
    for (const k of ['renew', 'release']) run(config, [alloc(2, 'a', 1), alloc(4, 'c'), alloc(4, 'a'), alloc(0, 'a'), alloc(0.5, 'c'), { k: 'advance', ms: 2 } as unknown as Op, { k, pick: 1621011459, ms: 1 } as unknown as Op, alloc(0, 'a')]);
  });

  it('holds for fresh random seeds too', () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (config, ops) => run(config, ops)),
      { numRuns: 100 },
    );
  });
});
