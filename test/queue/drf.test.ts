import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { drf } from '../../src/queue/drf.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { createQueuePolicy, QUEUE_POLICY_NAMES } from '../../src/queue/registry.js';
import { PreemptingAllocator } from '../../src/algorithms/preemption.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';

// The example of Ghodsi et al. (NSDI'11): 9 CPUs and 18 GB; A's tasks need <1 CPU, 4 GB>
// (dominant: memory), B's <3 CPU, 1 GB> (dominant: CPU).
const space = new ResourceSpace(['cpu', 'memory']);
const cluster = (): ClusterState =>
  ClusterState.fromPools(space, [{ name: 'p', capacity: [9, 18], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }]);
const task = (id: string, tenant: 'A' | 'B'): Request => ({ id, tenant, arrival: 0, demand: tenant === 'A' ? [1, 4] : [3, 1], duration: 10, priority: 'medium' });
let seq = 0;
const q = (r: Request): QueuedRequest => ({ request: r, enqueuedAt: 0, seq: seq++, attempts: 0 });

describe('DRF queue order (progressive filling)', () => {
  it('alternates by dominant share, as in the paper', () => {
    seq = 0;
    const waiting = [q(task('a1', 'A')), q(task('a2', 'A')), q(task('a3', 'A')), q(task('a4', 'A')), q(task('b1', 'B')), q(task('b2', 'B')), q(task('b3', 'B'))];
    // Shares after each pick (A: 4/18 per task, B: 3/9 per task):
    // a1 (0 = 0, a1 older) → A 2/9; b1 (0) → B 1/3; a2 (2/9) → A 4/9; b2 (1/3) → B 2/3;
    // a3 (4/9) → A 2/3; tie 2/3 = 2/3, a4 is older than b3 → a4, then b3.
    expect(drf().order(waiting, 0, cluster()).map((x) => x.request.id)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'a4', 'b3']);
  });

  it('counts what tenants already run, and weights', () => {
    seq = 0;
    const c = cluster();
    c.allocate(task('run-b1', 'B'), 0, 0);
    c.allocate(task('run-b2', 'B'), 0, 0); // B holds 6/9 cpu: dominant share 2/3
    const waiting = [q(task('a1', 'A')), q(task('a2', 'A')), q(task('a3', 'A')), q(task('a4', 'A')), q(task('b1', 'B'))];
    // A: 0 → 2/9 → 4/9 → 2/3 (three picks below B's 2/3), then a4 (older) ties B at 2/3.
    expect(drf().order(waiting, 0, c).map((x) => x.request.id)).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
    // B with weight 4: its share counts 2/3 ÷ 4 = 1/6. A (0) → a1, A at 2/9 > 1/6 → b1, then A.
    expect(drf({ weights: { B: 4 } }).order(waiting, 0, c).map((x) => x.request.id)).toEqual(['a1', 'b1', 'a2', 'a3', 'a4']);
  });

  it('requeued work keeps its age: within a tenant and between tenants, arrival first, then seq', () => {
    // a-old arrived at 0, was started, preempted and requeued: its seq (7) is newer than a-new's
    // (5, arrived at 3). As under every other policy (w = now − arrival), it goes first.
    const at = (r: Request, arrival: number, s: number): QueuedRequest => ({ request: { ...r, arrival }, enqueuedAt: 4, seq: s, attempts: s === 7 ? 1 : 0 });
    const aNew = at(task('a-new', 'A'), 3, 5);
    const aOld = at(task('a-old', 'A'), 0, 7);
    expect(drf().order([aNew, aOld], 4, cluster()).map((x) => x.request.id)).toEqual(['a-old', 'a-new']);
    // Between tenants at equal shares (both 0): the tenant whose next request arrived first, A
    // (a-old at 0) before B (b1 at 2), though b1's seq (6) is older than a-old's. A is then at
    // 2/9 > B's 0: b1; B at 1/3 > 2/9: a-new. (By seq: a-new, b1, a-old.)
    const b1 = at(task('b1', 'B'), 2, 6);
    expect(drf().order([aNew, b1, aOld], 4, cluster()).map((x) => x.request.id)).toEqual(['a-old', 'b1', 'a-new']);
    // Same arrival: seq decides.
    const aTwin = at(task('a-twin', 'A'), 0, 8);
    expect(drf().order([aTwin, aOld], 4, cluster()).map((x) => x.request.id)).toEqual(['a-old', 'a-twin']);
  });

  it('a tenant named like an Object property (toString, constructor) gets weight 1, not NaN', () => {
    // weights[t] ?? 1 read Object.prototype.toString for tenant 'toString': its share became NaN,
    // which never compares lower, so b1 and b2 (tenant b) both went before t1.
    const r = (id: string, tenant: string, arrival: number): QueuedRequest => ({ request: { id, tenant, arrival, demand: [1, 1], duration: 10, priority: 'medium' }, enqueuedAt: arrival, seq: arrival, attempts: 0 });
    const waiting = [r('b1', 'b', 0), r('t1', 'toString', 1), r('b2', 'b', 2)];
    // Shares 0, 0: b1 is older → b at 1/18; toString at 0 → t1; then b2.
    expect(drf().order(waiting, 0, cluster()).map((x) => x.request.id)).toEqual(['b1', 't1', 'b2']);
    const w2 = [r('b1', 'b', 0), r('c1', 'constructor', 1), r('b2', 'b', 2)];
    expect(drf({ weights: { b: 1 } }).order(w2, 0, cluster()).map((x) => x.request.id)).toEqual(['b1', 'c1', 'b2']);
  });

  it('is registered by name', () => {
    expect(QUEUE_POLICY_NAMES).toContain('drf');
    expect(createQueuePolicy('drf', { weights: { A: 2 } }).name).toBe('drf');
    expect(() => createQueuePolicy('drf', { weights: { A: 0 } })).toThrow();
  });
});

describe('DRF in the simulator: preempted work keeps its age', () => {
  it('a preempted request starts again before newer work of its tenant', async () => {
    // One node of 4 cpu. old (tenant A, low, preemptible) starts at 0; new (tenant A) arrives at
    // 3 and waits; hi (tenant C, critical) preempts old at 5 and runs until 15. At 15 only one of
    // A's two 4-cpu requests fits: old (arrived at 0, requeued at 5) before new (arrived at 3), so
    // old restarts at 15 and new starts when it ends (115). Ordered by seq, new (queued at 3,
    // before old's requeue) went first.
    const r = (id: string, tenant: string, arrival: number, extra: Partial<Request> = {}): Request => ({ id, tenant, arrival, demand: [4, 0], duration: 100, priority: 'medium', ...extra });
    const out = await replay({
      space,
      pools: [{ name: 'p', capacity: [4, 18], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }],
      requests: [r('old', 'A', 0, { priority: 'low', preemptible: true }), r('new', 'A', 3), r('hi', 'C', 5, { priority: 'critical', duration: 10 })],
      seed: 1,
      allocator: new PreemptingAllocator(createAllocator({ name: 'first-fit' })),
      queue: drf(),
    });
    const starts: Record<string, number[]> = {};
    const { log } = out;
    for (let i = 0; i < log.length; i++) {
      const req = log.requests[log.ref(i)];
      if (req !== undefined && log.kind(i) === EV.start) (starts[req.id] ??= []).push(log.time(i));
    }
    expect(starts).toEqual({ old: [0, 15], hi: [5], new: [115] });
  });
});
