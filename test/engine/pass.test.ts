import { describe, expect, it } from 'vitest';
import type { Allocator } from '../../src/algorithms/allocator.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import { UserError } from '../../src/core/errors.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { REJECTION_CODES } from '../../src/core/rejection.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { checkDependencyGraph } from '../../src/engine/dependencies.js';
import type { QuotaConfig } from '../../src/engine/quota.js';
import { conservativeBackfill } from '../../src/queue/conservative.js';
import { easyBackfill } from '../../src/queue/easy.js';
import { fcfs } from '../../src/queue/fcfs.js';
import type { QueuePolicy } from '../../src/queue/policy.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';

/**
 * The engine's rules through the simulator, each with hand-checked start times: dependencies,
 * quota admission (maximum share) and reclaim of borrowed capacity, node-exact conservative
 * backfilling on several nodes.
 */
const pool = (name: string, capacity: number[], nodes: number): PoolSpec => ({ name, capacity, nodes: { min: nodes, max: nodes, initial: nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} });
const req = (id: string, arrival: number, demand: number[], duration: number, extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival, demand, duration, priority: 'medium', ...extra });

interface Life {
  start?: number;
  node?: number;
  reject?: string;
  preempted?: number[];
}

async function run(o: { dims: string[]; pools: PoolSpec[]; requests: Request[]; queue?: QueuePolicy; quotas?: QuotaConfig; allocator?: Allocator; preempting?: Allocator }): Promise<Record<string, Life>> {
  const out = await replay({
    space: new ResourceSpace(o.dims),
    pools: o.pools,
    requests: o.requests,
    seed: 1,
    allocator: o.allocator ?? createAllocator({ name: 'first-fit' }),
    queue: o.queue ?? fcfs({ blocking: false }),
    ...(o.quotas ? { quotas: o.quotas } : {}),
    ...(o.preempting ? { preempting: o.preempting } : {}),
  });
  const lives: Record<string, Life> = {};
  const { log } = out;
  for (let i = 0; i < log.length; i++) {
    const k = log.kind(i);
    const r = log.requests[log.ref(i)];
    if (r === undefined || k === EV.nodeProvision || k === EV.nodeUp || k === EV.nodeRemove || k === EV.nodeFail) continue;
    const l = (lives[r.id] ??= {});
    if (k === EV.start) {
      l.start = log.time(i);
      l.node = log.node(i);
    } else if (k === EV.reject) l.reject = REJECTION_CODES[log.node(i)];
    else if (k === EV.preempt) (l.preempted ??= []).push(log.time(i));
  }
  return lives;
}

describe('dependencies (dependsOn) in the simulator', () => {
  it('planner → two tools → summariser: each stage starts when its dependencies completed', async () => {
    const lives = await run({
      dims: ['cpu'],
      pools: [pool('p', [4], 1)],
      requests: [
        req('plan', 0, [2], 10),
        req('tool1', 1, [2], 5, { dependsOn: ['plan'] }),
        req('tool2', 1, [2], 8, { dependsOn: ['plan'] }),
        req('sum', 2, [1], 3, { dependsOn: ['tool1', 'tool2'] }),
        req('other', 3, [1], 4), // no dependency: uses the idle capacity at once
      ],
    });
    // plan 0-10; the tools wait for it (capacity was free) and start at 10; tool1 ends at 15,
    // tool2 at 18: the summariser starts at 18.
    expect([lives.plan?.start, lives.tool1?.start, lives.tool2?.start, lives.sum?.start, lives.other?.start]).toEqual([0, 10, 10, 18, 3]);
  });

  it('a rejected dependency rejects its dependents (dependency-failed), down the DAG', async () => {
    const lives = await run({
      dims: ['cpu'],
      pools: [pool('p', [4], 1)],
      requests: [req('big', 0, [8], 1), req('next', 1, [1], 1, { dependsOn: ['big'] }), req('last', 2, [1], 1, { dependsOn: ['next'] }), req('ok', 3, [1], 1)],
    });
    expect(lives.big?.reject).toBe('never-fits');
    expect(lives.next?.reject).toBe('dependency-failed');
    expect(lives.last?.reject).toBe('dependency-failed');
    expect(lives.next?.start).toBeUndefined();
    expect(lives.ok?.start).toBe(3);
  });

  it('unknown ids, self-dependencies and cycles are clear errors', async () => {
    const bad = run({ dims: ['cpu'], pools: [pool('p', [4], 1)], requests: [req('a', 0, [1], 1, { dependsOn: ['ghost'] })] });
    await expect(bad).rejects.toThrow(UserError);
    await expect(bad).rejects.toThrow(/'a' depends on unknown request 'ghost'/);
    await expect(run({ dims: ['cpu'], pools: [pool('p', [4], 1)], requests: [req('a', 0, [1], 1, { dependsOn: ['a'] })] })).rejects.toThrow(/depends on itself/);
    expect(() => checkDependencyGraph([{ id: 'a', dependsOn: ['c'] }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }])).toThrow(/dependency cycle: a → c → b → a/);
    expect(() => checkDependencyGraph([{ id: 'a', dependsOn: ['b'] }, { id: 'b' }])).not.toThrow();
  });
});

describe('quotas in the simulator (the same FairShare rule as production)', () => {
  it('maximum share: counts what the tenant holds and what is admitted earlier in the same pass', async () => {
    // 2 nodes × 4 cpu = 8; tenant a may hold at most 0.5 · 8 = 4 cpu.
    const a = (id: string, t: number): Request => req(id, t, [2], 10, { tenant: 'a' });
    const lives = await run({
      dims: ['cpu'],
      pools: [pool('p', [4], 2)],
      quotas: { tenants: { a: { max: { cpu: 0.5 } } } },
      requests: [a('a1', 0), a('a2', 0), a('a3', 0), a('a4', 1), req('b1', 2, [2], 10, { tenant: 'b' })],
    });
    // a1, a2 at 0 (4 cpu); a3 (same pass) and a4 (later) wait for a's usage to drop although 4
    // cpu are idle; b1 is not limited. At 10 a1 and a2 end: a3 and a4 start.
    expect([lives.a1?.start, lives.a2?.start, lives.a3?.start, lives.a4?.start, lives.b1?.start]).toEqual([0, 0, 10, 10, 2]);
  });

  it('reclaim: a tenant under its guarantee takes back capacity lent to others, borrowed allocations only', async () => {
    // One node, 2 GPUs. o is guaranteed 1 GPU (0.5), g is guaranteed 1 GPU; x has no quota, so
    // everything it holds is borrowed.
    const quotas: QuotaConfig = { tenants: { o: { guaranteed: { gpu: 0.5 } }, g: { guaranteed: { gpu: 0.5 } } } };
    const lives = await run({
      dims: ['cpu', 'gpu'],
      pools: [pool('p', [8, 2], 1)],
      quotas,
      requests: [
        req('o1', 0, [1, 1], 100, { tenant: 'o' }), // covered by o's guarantee: not borrowed
        req('x1', 0, [1, 1], 100, { tenant: 'x' }), // borrowed
        req('g1', 5, [1, 1], 20, { tenant: 'g' }), // under its guarantee: reclaims x1, not o1
        req('g2', 6, [1, 1], 20, { tenant: 'g' }), // over its guarantee now: waits (no reclaim)
      ],
    });
    expect(lives.o1?.preempted).toBeUndefined();
    expect(lives.g1?.start).toBe(5);
    // g1 ends at 25. FCFS by arrival puts x1 (arrived at 0, requeued) before g2: x1 starts again
    // at 25, and reclaim never takes what started in the same round of passes (production: in the
    // same operation), so g2 waits; the next event is o1's end at 100, where g2 simply fits.
    expect(lives.x1?.preempted).toEqual([5]);
    expect(lives.x1?.start).toBe(25);
    expect(lives.g2?.start).toBe(100);
  });
});

describe('EASY backfilling with priority preemption (no quotas)', () => {
  /** The requests of the two EASY-with-preemption cases below (see the first one's chart). */
  const backfillPreemptWorkload = () => [
    req('F', 0, [4], 0.5),
    req('Y', 0, [2], 100, { priority: 'low', preemptible: true }),
    req('Z', 0, [2], 0.5),
    req('X', 0.2, [1], 1000, { priority: 'low', preemptible: true }),
    req('H', 1, [4], 10),
    req('A', 2, [2], 50),
    req('B', 2, [3], 500, { priority: 'high' }),
  ];

  it('a backfilled request starts only in room free now: it evicts nothing that would delay the head', async () => {
    // Two nodes of 4 cpu, first-fit with preemption. By 0.5: X (low, preemptible, 1 cpu until
    // 1000) on node 0, Y (low, preemptible, 2 cpu until 100) on node 1. At 1 the head H (4 cpu)
    // blocks; its reservation is node 1 at 100 (node 0 only at 1000), nothing to spare.
    // At 2, A (2 cpu, 50 s: ends at 52 < 100) and B (high, 3 cpu, 500 s) are picked: B fits node 0
    // now and not node 1 (rule 3). First-fit then puts A on node 0, so B fits nowhere, and the
    // backfill decision used to preempt Y on node 1 for it: B ran there over [2, 502) and H,
    // reserved at 100, started at 502. Now B waits (no eviction) and H starts at 100 on node 1.
    //
    //   node 1  |Y 0───────────────100|H 100─110|
    //   node 0  |X 0.5──────────────────────────────────1000|
    //           |A 2──52|B 52──────────────────────────────────552|   (B: 3 cpu fit beside X)
    const lives = await run({
      dims: ['cpu'],
      pools: [pool('p', [4], 2)],
      allocator: createAllocator({ name: 'first-fit', preemption: true }),
      queue: fcfs({ blocking: true, backfill: easyBackfill() }),
      requests: backfillPreemptWorkload(),
    });
    expect([lives.H?.start, lives.H?.node]).toEqual([100, 1]);
    expect(lives.Y?.preempted).toBeUndefined();
    expect([lives.X?.node, lives.Y?.start, lives.Y?.node, lives.A?.start]).toEqual([0, 0, 1, 2]);
    // B: node 0 has 3 cpu free once A ends at 52, and B does not fit node 1 (rule 3 again).
    expect([lives.B?.start, lives.B?.node]).toEqual([52, 0]);
  });

  it('the same with a strategy of its own that evicts: none of a backfill decision that evicts starts', async () => {
    const inner = createAllocator({ name: 'first-fit', preemption: true });
    const own: Allocator = { name: 'own+preemption', allocate: (rs, c, ctx) => inner.allocate(rs, c, ctx) };
    const lives = await run({
      dims: ['cpu'],
      pools: [pool('p', [4], 2)],
      allocator: own,
      queue: fcfs({ blocking: true, backfill: easyBackfill() }),
      requests: backfillPreemptWorkload(),
    });
    expect([lives.H?.start, lives.H?.node]).toEqual([100, 1]);
    expect(lives.Y?.preempted).toBeUndefined();
    // The decision at 2 placed A and evicted Y for B: neither starts then. At 100 (Y ends) H
    // starts on node 1 and A on node 0 (3 cpu free); B (3 cpu) then waits for H to end at 110.
    expect([lives.A?.start, lives.B?.start, lives.B?.node]).toEqual([100, 110, 1]);
  });
});

describe('with quotas, a blocked head escalates before backfilling', () => {
  it('what the head preempts at once was not backfilled into its room a moment before', async () => {
    // One node of 10 cpu, quotas on (so preemption comes after reclaim, for the head), EASY;
    // H and j are tenants of their own (each tenant may hold the whole node: no guarantees).
    // R (low, preemptible, 4 cpu until 1000) and X (medium, 5 cpu until 3) run from 0. At 1 the
    // head H (high, 8 cpu) cannot start even by preempting R (1 + 4 < 8); j (low, preemptible,
    // 3 cpu, 10 s) does not fit the 1 cpu free. At 3 X ends: 6 free. H still does not fit; it
    // preempts R (6 + 4 ≥ 8) and starts. j used to be backfilled first (3 + 10 < 1000, H's
    // shadow by R's end), so H needed j's room too (3 + 4 < 8) and evicted both, j at the
    // instant it started:
    //
    //   before   R 0──3✕   j 3✕ (started and preempted at 3)   H 3──103
    //   now      R 0──3✕   H 3──103   j waits (2 cpu free)
    const base = createAllocator({ name: 'first-fit' });
    const lives = await run({
      dims: ['cpu'],
      pools: [pool('p', [10], 1)],
      allocator: base,
      preempting: createAllocator({ name: 'first-fit', preemption: true }),
      quotas: { tenants: {} },
      queue: fcfs({ blocking: true, backfill: easyBackfill() }),
      requests: [
        req('R', 0, [4], 1000, { priority: 'low', preemptible: true }),
        req('X', 0, [5], 3),
        req('H', 1, [8], 100, { priority: 'high', tenant: 'h' }),
        req('j', 1, [3], 10, { priority: 'low', preemptible: true, tenant: 'j' }),
      ],
    });
    expect(lives.H?.start).toBe(3);
    expect(lives.R?.preempted).toEqual([3]);
    expect(lives.j?.preempted).toBeUndefined();
    // At 103 H ends: R (requeued, arrival 0) and j both start.
    expect([lives.R?.start, lives.j?.start]).toEqual([103, 103]);
  });
});

describe('conservative backfilling on several nodes (node-exact)', () => {
  it('starts a request on the node its plan checked, where the allocator would not have dared', async () => {
    // Two nodes of 4 cpu. a (3 cpu, until 100) lands on node 0, b (2 cpu, until 300) on node 1.
    // At 5: head (4 cpu, 10 s) is reserved on node 0 over [100, 110). `one` (1 cpu, 500 s) would
    // delay the head on node 0 but fits node 1's plan: it starts at 5 on node 1. `two` (2 cpu)
    // then finds 1 cpu on node 1 and the head's reservation on node 0: it waits until 110.
    const lives = await run({
      dims: ['cpu'],
      pools: [pool('p', [4], 2)],
      queue: fcfs({ blocking: true, backfill: conservativeBackfill() }),
      requests: [req('a', 0, [3], 100), req('b', 0, [2], 300), req('head', 5, [4], 10), req('one', 5, [1], 500), req('two', 5, [2], 500)],
    });
    expect([lives.a?.node, lives.b?.node]).toEqual([0, 1]);
    expect([lives.head?.start, lives.one?.start, lives.one?.node, lives.two?.start]).toEqual([100, 5, 1, 110]);
  });
});

describe('conservative backfilling on GPU devices (node- and device-exact)', () => {
  const gpuPool = (devices: number): PoolSpec => ({ ...pool('g', [16, 64, devices], 1), gpus: { count: devices, model: 'A10' } });
  const dims = ['cpu', 'memory', 'gpu'];
  it('a pick starts on the devices its plan kept free, not the cluster default that would delay the head', async () => {
    // a (0.7) takes device 0 until 100, b (0.5) device 1 for good. head (1 whole GPU) is reserved on
    // device 0 over [100, 110). share (0.3, 1000 s) fits device 1's plan; the default choice now
    // (the tightest device, 0) would hold device 0 until 1005. fill (0.2) ends by 100.
    const lives = await run({
      dims,
      pools: [gpuPool(2)],
      queue: fcfs({ blocking: true, backfill: conservativeBackfill() }),
      requests: [req('a', 0, [1, 1, 0.7], 100), req('b', 0, [1, 1, 0.5], 10000), req('head', 5, [1, 1, 1], 10), req('share', 5, [1, 1, 0.3], 1000), req('fill', 5, [1, 1, 0.2], 50)],
    });
    expect([lives.head?.start, lives.share?.start, lives.fill?.start]).toEqual([100, 5, 5]);
  });
  it('a share that fits the GPUs in sum but no device is not picked (the driver used to throw an invalid decision)', async () => {
    // a (0.6) on device 0, b (0.5) on device 1 until 1000: 0.9 GPU free in sum, 400 and 500 milli per device
    const lives = await run({
      dims,
      pools: [gpuPool(2)],
      queue: fcfs({ blocking: true, backfill: conservativeBackfill() }),
      requests: [req('a', 0, [1, 1, 0.6], 1000), req('b', 0, [1, 1, 0.5], 1000), req('head', 5, [1, 1, 2], 10), req('wide', 5, [1, 1, 0.8], 10), req('cpu', 5, [1, 1, 0], 10)],
    });
    expect([lives.head?.start, lives.wide?.start, lives.cpu?.start]).toEqual([1000, 1010, 5]);
  });
});

describe('a decision that places some requests of a batch and refuses others', () => {
  it('books each answer on its own request: the placed one starts, the refused one is rejected', async () => {
    // Places the first request of every batch on node 0 and refuses the rest as infeasible
    // (permanent): the pass must reject b, not a, which the same decision started.
    const firstOnly: Allocator = {
      name: 'first-only',
      allocate: (requests) => ({
        placements: requests.slice(0, 1).map((r) => ({ requestId: r.id, nodeId: 0 })),
        preemptions: [],
        rejections: requests.slice(1).map((r) => ({ requestId: r.id, code: 'infeasible' as const, message: 'refused by the test strategy' })),
      }),
    };
    const lives = await run({ dims: ['cpu'], pools: [pool('p', [4], 1)], requests: [req('a', 0, [1], 5), req('b', 0, [1], 5)], allocator: firstOnly });
    expect(lives.a).toEqual({ start: 0, node: 0 });
    expect(lives.b).toEqual({ reject: 'infeasible' });
  });

  it('the same when the refused request comes first in the batch', async () => {
    const lastOnly: Allocator = {
      name: 'last-only',
      allocate: (requests) => ({
        placements: requests.slice(-1).map((r) => ({ requestId: r.id, nodeId: 0 })),
        preemptions: [],
        rejections: requests.slice(0, -1).map((r) => ({ requestId: r.id, code: 'infeasible' as const, message: 'refused by the test strategy' })),
      }),
    };
    const lives = await run({ dims: ['cpu'], pools: [pool('p', [4], 1)], requests: [req('a', 0, [1], 5), req('b', 0, [1], 5)], allocator: lastOnly });
    expect(lives.a).toEqual({ reject: 'infeasible' });
    expect(lives.b).toEqual({ start: 0, node: 0 });
  });
});
