import { describe, expect, it } from 'vitest';
import type { Allocator, AllocatorContext, DecisionBudget } from '../../src/algorithms/allocator.js';
import { WORK_BUDGET } from '../../src/algorithms/allocator.js';
import { decideAndApply } from '../../src/algorithms/decide.js';
import type { AllocatorName } from '../../src/algorithms/registry.js';
import { ALLOCATOR_NAMES, createAllocator } from '../../src/algorithms/registry.js';
import { ClusterState } from '../../src/core/cluster.js';
import { eligiblePools } from '../../src/core/eligibility.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { PRIORITIES } from '../../src/core/priority.js';
import { REJECTION_CODES } from '../../src/core/rejection.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

/**
 * The shared contract every allocator in the registry must meet (Hono-style: one suite, every
 * implementation). New strategies are picked up automatically from the registry.
 */
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (name: string, capacity: number[], n: number, price: number, latency: number, labels: Record<string, string> = {}): PoolSpec => ({
  name,
  capacity,
  nodes: { min: n, max: n, initial: n },
  pricePerHour: price,
  latencyMs: latency,
  bootSeconds: 0,
  labels,
});
const POOLS = [pool('cpu', [16, 64, 0], 6, 1, 5, { tier: 'std' }), pool('gpu', [32, 256, 4], 3, 12, 20, { tier: 'gpu' }), pool('edge', [4, 8, 0], 4, 0.5, 1)];

function ctx(seed: string, blocking = false, now = 0, budget: DecisionBudget = WORK_BUDGET): AllocatorContext {
  return { now, rng: new Rng(seed), budget, blocking };
}

/** A wall-clock budget already spent: a fake clock that moves 1 s at every read. */
function spentWallBudget(): DecisionBudget {
  let t = 0;
  return { kind: 'wall', ms: 0, clock: () => (t += 1000) };
}

/** The smallest work budgets the batch strategies accept (others have no budget to shrink). */
const TINY_OPTIONS: Partial<Record<AllocatorName, unknown>> = {
  ilp: { maxNodes: 0, maxLpIterations: 1 },
  genetic: { generations: 1, population: 4 },
};

function randomBatch(rng: Rng, n: number, prefix: string): Request[] {
  return Array.from({ length: n }, (_, i) => {
    const gpu = rng.bernoulli(0.25) ? rng.pick([0.5, 1, 2, 4]) : 0;
    const r: Request = {
      id: `${prefix}${i}`,
      tenant: `t${rng.int(3)}`,
      arrival: 0,
      demand: [rng.pick([0.5, 1, 2, 4, 8]), rng.pick([1, 2, 8, 16, 32]), gpu],
      duration: 10 + rng.int(100),
      priority: rng.pick(PRIORITIES),
      preemptible: rng.bernoulli(0.5),
      ...(rng.bernoulli(0.15) ? { constraints: { maxLatencyMs: 5 } } : {}),
      ...(rng.bernoulli(0.1) ? { constraints: { pools: ['edge'] } } : {}),
    };
    return r;
  });
}

function freeSnapshot(s: ClusterState): number[][] {
  return Array.from({ length: s.nodeCount }, (_, i) => Array.from(s.free(i)));
}

const VARIANTS: { label: string; make: () => Allocator; tiny: () => Allocator }[] = ALLOCATOR_NAMES.flatMap((name) => [
  { label: name, make: () => createAllocator({ name }), tiny: () => createAllocator({ name, options: TINY_OPTIONS[name] }) },
  {
    label: `${name}+preemption`,
    make: () => createAllocator({ name, preemption: true }),
    tiny: () => createAllocator({ name, options: TINY_OPTIONS[name], preemption: true }),
  },
]);

/** Every request of the batch answered exactly once, with a known rejection code. */
function expectAnswered(batch: readonly Request[], placed: readonly string[], rejected: readonly { requestId: string; code: string }[]): void {
  const ids = [...placed, ...rejected.map((r) => r.requestId)];
  expect(ids.length).toBe(batch.length);
  expect(new Set(ids)).toEqual(new Set(batch.map((r) => r.id)));
  for (const r of rejected) expect(REJECTION_CODES).toContain(r.code);
}

/** Fill every node with unit-sized running work (half of it preemptible background). */
function fillCluster(state: ClusterState): void {
  let k = 0;
  for (let n = 0; n < state.nodeCount; n++) {
    const unit = Array.from(state.capacity(n), (c) => c / 4);
    for (let j = 0; j < 4; j++) {
      const pre = k % 2 === 0;
      state.allocate({ id: `fill${k++}`, tenant: 'f', arrival: 0, demand: unit, duration: 1000, priority: pre ? 'background' : 'medium', preemptible: pre }, n, 0);
    }
  }
}

describe.each(VARIANTS)('allocator contract: $label', ({ make }) => {
  it('never over-allocates, answers every request exactly once, respects constraints', async () => {
    const alloc = make();
    await alloc.prepare?.();
    const state = ClusterState.fromPools(space, POOLS);
    const rng = new Rng('contract');
    for (let round = 0; round < 6; round++) {
      const batch = randomBatch(rng, 25, `r${round}-`);
      const before = freeSnapshot(state);
      const decision = alloc.allocate(batch, state, ctx(`c${round}`));
      state.rollbackTrial();
      expect(freeSnapshot(state)).toEqual(before); // the allocator did not mutate the cluster
      const ids = [...decision.placements.map((p) => p.requestId), ...decision.rejections.map((r) => r.requestId)];
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(new Set(batch.map((r) => r.id)));
      for (const rej of decision.rejections) {
        expect(REJECTION_CODES).toContain(rej.code);
        expect(rej.message.length).toBeGreaterThan(0);
      }
      const applied = decideAndApply(alloc, batch, state, ctx(`c${round}`), (r) => r.id);
      state.checkInvariants();
      for (const a of applied.started) {
        const elig = eligiblePools(state, a.request);
        expect(elig.pools).toContain(state.nodePool(a.nodeId));
      }
      // release about half of the running work before the next round
      for (const a of [...state.allocations()]) if (rng.bernoulli(0.5)) state.release(a.id);
      state.checkInvariants();
    }
  });

  it('rejects a request larger than any node as never-fits, naming the resource', () => {
    const state = ClusterState.fromPools(space, POOLS);
    const big: Request = { id: 'huge', tenant: 't', arrival: 0, demand: [8, 8, 16], duration: 1, priority: 'critical' };
    const d = make().allocate([big], state, ctx('x'));
    state.rollbackTrial();
    expect(d.placements).toEqual([]);
    expect(d.rejections).toHaveLength(1);
    expect(d.rejections[0]).toMatchObject({ requestId: 'huge', code: 'never-fits', resource: 'gpu', requested: 16, capacity: 4 });
  });

  it('gives the same decision for the same seed and state', async () => {
    const run = async (): Promise<unknown> => {
      const a = make();
      await a.prepare?.();
      const state = ClusterState.fromPools(space, POOLS);
      const batch = randomBatch(new Rng('same'), 40, 'q');
      const d = a.allocate(batch, state, ctx('same'));
      state.rollbackTrial();
      return { p: d.placements, r: d.rejections.map((j) => [j.requestId, j.code]) };
    };
    expect(await run()).toEqual(await run());
  });

  it('under head-of-line blocking starts nothing behind the first request that must wait', async () => {
    const a = make();
    await a.prepare?.();
    const state = ClusterState.fromPools(space, [pool('one', [4, 16, 0], 1, 1, 1)]);
    const reqs: Request[] = [
      { id: 'a', tenant: 't', arrival: 0, demand: [3, 1, 0], duration: 1, priority: 'medium' },
      { id: 'b', tenant: 't', arrival: 0, demand: [3, 1, 0], duration: 1, priority: 'medium' },
      { id: 'c', tenant: 't', arrival: 0, demand: [1, 1, 0], duration: 1, priority: 'medium' },
    ];
    const applied = decideAndApply(a, reqs, state, ctx('b', true));
    expect(applied.started.map((s) => s.request.id)).toEqual(['a']);
    expect(applied.rejections.map((r) => [r.requestId, r.code])).toEqual(expect.arrayContaining([['b', 'wait'], ['c', 'wait']]));
  });
});

/** GPU device pools (core/gpu.ts): shares of one device, whole devices, and a scalar CPU pool. */
const DEVICE_POOLS: PoolSpec[] = [
  { ...pool('a100', [64, 512, 4], 6, 20, 15), gpus: { count: 4, model: 'A100' } },
  { ...pool('t4', [32, 128, 2], 6, 3, 30), gpus: { count: 2, model: 'T4' } },
  pool('cpu', [32, 128, 0], 6, 1, 5),
];

function deviceBatch(rng: Rng, n: number, prefix: string): Request[] {
  return Array.from({ length: n }, (_, i) => {
    const gpu = rng.bernoulli(0.7) ? rng.pick([0.25, 0.3, 0.5, 0.6, 0.7, 1, 2, 4]) : 0;
    const c = rng.int(10);
    return {
      id: `${prefix}${i}`,
      tenant: `t${rng.int(3)}`,
      arrival: 0,
      demand: [rng.pick([1, 2, 4, 8]), rng.pick([2, 8, 32]), gpu],
      duration: 10,
      priority: rng.pick(PRIORITIES),
      preemptible: rng.bernoulli(0.5),
      ...(c === 0 ? { constraints: { labels: { gpuModel: 'T4' } } } : c === 1 ? { constraints: { pools: ['a100', 'cpu'] } } : {}),
    };
  });
}

/** Checks every running allocation against its node's devices, independently of ClusterState. */
function expectDevicesRespected(state: ClusterState): void {
  const used = new Map<string, number>();
  for (const a of state.allocations()) {
    const g = a.request.demand[2] ?? 0;
    const spec = state.pools[state.nodePool(a.nodeId)] as PoolSpec;
    if (spec.gpus === undefined || g === 0) continue;
    const devices = a.devices ?? [];
    // a share of ONE device, or k whole devices: never a share split over devices
    expect(devices.length).toBe(g < 1 ? 1 : g);
    expect(new Set(devices).size).toBe(devices.length);
    for (const d of devices) {
      expect(d).toBeLessThan(spec.gpus.count);
      const key = `${a.nodeId}/${d}`;
      used.set(key, (used.get(key) ?? 0) + (g < 1 ? Math.round(g * 1000) : 1000));
    }
  }
  for (const [key, milli] of used) expect(milli, `device ${key} over-shared`).toBeLessThanOrEqual(1000);
}

/**
 * Work budgets for the device test: at the default ones an ILP decision on these 120-request
 * batches takes ~12 s of HiGHS root-node work (a minute per variant); these still run the LP.
 */
const DEVICE_OPTIONS: Partial<Record<AllocatorName, unknown>> = { ilp: { maxNodes: 1, maxLpIterations: 300 } };

describe.each(ALLOCATOR_NAMES.flatMap((name) => [false, true].map((preemption) => ({ name, preemption, label: preemption ? `${name}+preemption` : name }))))(
  'allocator contract on GPU device pools: $label',
  ({ name, preemption }) => {
  it("at scale never over-shares a device, over-fills a node or leaves a request's pools", async () => {
    const alloc = createAllocator({ name, options: DEVICE_OPTIONS[name], preemption });
    await alloc.prepare?.();
    const state = ClusterState.fromPools(space, DEVICE_POOLS);
    const rng = new Rng('devices');
    let started = 0;
    for (let round = 0; round < 4; round++) {
      const batch = deviceBatch(rng, 120, `d${round}-`);
      const applied = decideAndApply(alloc, batch, state, ctx(`d${round}`, false, round));
      state.checkInvariants();
      expectDevicesRespected(state);
      expectAnswered(batch, applied.started.map((s) => s.request.id), [...applied.rejections]);
      for (const a of applied.started) expect((eligiblePools(state, a.request) as { pools: number[] }).pools).toContain(state.nodePool(a.nodeId));
      for (const e of applied.evicted) expect(e.allocation.request.preemptible).toBe(true);
      started += applied.started.length;
      for (const a of [...state.allocations()]) if (rng.bernoulli(0.4)) state.release(a.id);
    }
    expect(started).toBeGreaterThan(100);
  });
  },
);

describe.each(VARIANTS)('allocator contract under load: $label', ({ make, tiny }) => {
  // 400 waiting requests: more than any batch model takes (ilp and genetic model 150), so the
  // rest of the queue is placed after the model's answer in the same decision.
  const LONG = 400;

  it.each([false, true])('answers a long queue (blocking %s) without throwing, on a half-full cluster', async (blocking) => {
    const alloc = make();
    await alloc.prepare?.();
    const state = ClusterState.fromPools(space, POOLS);
    const rng = new Rng('long');
    for (const r of randomBatch(rng, 40, 'run')) {
      const n = state.nodeCount;
      for (let k = 0; k < n; k++) {
        const node = (rng.int(n) + k) % n;
        if (state.fits(node, r.demand)) {
          state.allocate(r, node, 0);
          break;
        }
      }
    }
    const batch = randomBatch(rng, LONG, 'q');
    const applied = decideAndApply(alloc, batch, state, ctx('long', blocking));
    state.checkInvariants();
    expectAnswered(batch, applied.started.map((s) => s.request.id), applied.rejections);
    expect(applied.started.length).toBeGreaterThan(0);
  });

  it('answers a long queue on a full cluster: nothing starts without evicting', async () => {
    const alloc = make();
    await alloc.prepare?.();
    const state = ClusterState.fromPools(space, POOLS);
    fillCluster(state);
    const batch = randomBatch(new Rng('full'), LONG, 'f');
    const applied = decideAndApply(alloc, batch, state, ctx('full'));
    state.checkInvariants();
    expectAnswered(batch, applied.started.map((s) => s.request.id), applied.rejections);
    if (applied.evicted.length === 0) expect(applied.started).toEqual([]);
    for (const rej of applied.rejections) expect(['wait', 'never-fits', 'latency', 'over-budget', 'infeasible']).toContain(rej.code);
  });

  it.each([
    ['the smallest work budget', (): DecisionBudget => WORK_BUDGET, true],
    ['a wall-clock budget already spent', spentWallBudget, false],
  ] as const)('answers a long queue with %s', async (_label, budget, useTiny) => {
    const alloc = useTiny ? tiny() : make();
    await alloc.prepare?.();
    const state = ClusterState.fromPools(space, POOLS);
    const batch = randomBatch(new Rng('tiny'), LONG, 't');
    const applied = decideAndApply(alloc, batch, state, ctx('tiny', false, 0, budget()));
    state.checkInvariants();
    expectAnswered(batch, applied.started.map((s) => s.request.id), applied.rejections);
    expect(applied.started.length).toBeGreaterThan(0);
  });
});

describe('priority preemption rule', () => {
  it('a critical request evicts the fewest, lowest-priority preemptible allocations; non-preemptible work is safe', () => {
    const state = ClusterState.fromPools(space, [pool('p', [8, 32, 0], 2, 1, 1)]);
    const mk = (id: string, cpu: number, priority: Request['priority'], preemptible: boolean): Request => ({ id, tenant: 't', arrival: 0, demand: [cpu, 1, 0], duration: 100, priority, preemptible });
    state.allocate(mk('n0-low', 4, 'low', true), 0, 0);
    state.allocate(mk('n0-bg', 4, 'background', true), 0, 0);
    state.allocate(mk('n1-med-fixed', 8, 'medium', false), 1, 0);
    const alloc = createAllocator({ name: 'first-fit', preemption: true });
    const applied = decideAndApply(alloc, [mk('urgent', 4, 'critical', false)], state, ctx('p'));
    expect(applied.evicted.map((e) => e.allocation.id)).toEqual(['n0-bg']);
    expect(applied.started.map((s) => [s.request.id, s.nodeId])).toEqual([['urgent', 0]]);
    state.checkInvariants();
  });

  it('among victims of equal priority, evicts the youngest first (the least work lost)', () => {
    const state = ClusterState.fromPools(space, [pool('p', [8, 32, 0], 1, 1, 1)]);
    const mk = (id: string, priority: Request['priority']): Request => ({ id, tenant: 't', arrival: 0, demand: [4, 1, 0], duration: 1000, priority, preemptible: true });
    state.allocate(mk('old', 'low'), 0, 0);
    state.allocate(mk('young', 'low'), 0, 50);
    const alloc = createAllocator({ name: 'first-fit', preemption: true });
    const applied = decideAndApply(alloc, [{ ...mk('urgent', 'high'), preemptible: false }], state, ctx('y', false, 100));
    expect(applied.evicted.map((e) => e.allocation.id)).toEqual(['young']);
    state.checkInvariants();
  });

  it('medium requests never preempt', () => {
    const state = ClusterState.fromPools(space, [pool('p', [8, 32, 0], 1, 1, 1)]);
    state.allocate({ id: 'bg', tenant: 't', arrival: 0, demand: [8, 1, 0], duration: 100, priority: 'background', preemptible: true }, 0, 0);
    const applied = decideAndApply(createAllocator({ name: 'best-fit-decreasing', preemption: true }), [{ id: 'm', tenant: 't', arrival: 0, demand: [2, 1, 0], duration: 1, priority: 'medium' }], state, ctx('p'));
    expect(applied.evicted).toEqual([]);
    expect(applied.rejections[0]?.code).toBe('wait');
  });
});
