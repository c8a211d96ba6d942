import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { ScalingPolicy } from '../../src/autoscale/policy.js';
import { MemoryStore, ResourceScheduler, type ResourceSchedulerOptions, type SchedulerEvents } from '../../src/scheduler/index.js';

/** A scheduler on a manual clock with timers off: tests drive time with `t.now` and `tick()`. */
function make(opts: Partial<ResourceSchedulerOptions> = {}) {
  const t = { now: 1_000_000 };
  let n = 0;
  const s = new ResourceScheduler({ clock: () => t.now, timers: false, newId: () => `gen-${n++}`, ...opts });
  if (opts.pools === undefined && opts.store === undefined) {
    s.addPool({ name: 'gpu', capacity: { cpu: 32, memory: 256, gpu: 8 }, nodes: 2, primary: 'gpu', pricePerHour: 30, latencyMs: 20 });
    s.addPool({ name: 'cpu', capacity: { cpu: 64, memory: 256 }, nodes: 2, pricePerHour: 3, latencyMs: 5 });
  }
  return { s, t };
}

function record<K extends keyof SchedulerEvents>(s: ResourceScheduler, ...names: K[]): { name: K; payload: SchedulerEvents[K] }[] {
  const out: { name: K; payload: SchedulerEvents[K] }[] = [];
  for (const name of names) s.on(name, (payload) => out.push({ name, payload }));
  return out;
}

describe('ResourceScheduler: allocate and release', () => {
  it('places a request, reports it, and returns capacity on release', () => {
    const { s } = make();
    const res = s.allocate({ id: 'a', pool: 'gpu', units: 4 });
    expect(res.status).toBe('allocated');
    if (res.status !== 'allocated') return;
    expect(res.allocation).toMatchObject({ id: 'a', pool: 'gpu', tenant: 'default', priority: 'medium', demand: { gpu: 4, cpu: 0 }, leaseExpiryMs: null });
    expect(s.getPool('gpu')?.allocated.gpu).toBe(4);
    expect(s.getAllocation('a')?.node).toMatch(/^gpu-/);
    const rel = s.release('a');
    expect(rel.status).toBe('released');
    expect(s.getPool('gpu')?.allocated.gpu).toBe(0);
    expect(s.getAllocation('a')).toBeUndefined();
    expect(s.release('a')).toEqual({ status: 'not-found', id: 'a' });
    expect(s.status('a')).toMatchObject({ status: 'ended', how: 'released' });
    s.checkInvariants();
  });

  it('`units` means the named pool’s primary dimension, else the first dimension', () => {
    const { s } = make();
    const g = s.allocate({ id: 'g', pool: 'gpu', units: 2 });
    const c = s.allocate({ id: 'c', units: 3 });
    expect(g.status === 'allocated' && g.allocation.demand).toEqual({ cpu: 0, memory: 0, gpu: 2 });
    expect(c.status === 'allocated' && c.allocation.demand).toEqual({ cpu: 3, memory: 0, gpu: 0 });
    expect(() => s.allocate({ pool: 'gpu', units: 1, demand: { gpu: 1 } })).toThrow(/units and demand.gpu/);
  });

  it('lets the strategy choose when no pool is named, honouring latency and cost limits', () => {
    const { s } = make({ strategy: 'first-fit' });
    const fast = s.allocate({ id: 'fast', demand: { cpu: 1 }, maxLatencyMs: 10 });
    expect(fast.status === 'allocated' && fast.allocation.pool).toBe('cpu');
    const gpu = s.allocate({ id: 'needs-gpu', demand: { gpu: 1, cpu: 1 } });
    expect(gpu.status === 'allocated' && gpu.allocation.pool).toBe('gpu');
  });

  it('rejects with the allocator’s structured reason, not null', () => {
    const { s } = make();
    const big = s.allocate({ id: 'big', demand: { gpu: 9 } });
    expect(big).toMatchObject({ status: 'rejected', rejection: { code: 'never-fits', resource: 'gpu', requested: 9, capacity: 8, permanent: true } });
    const slow = s.allocate({ id: 'slow', units: 1, maxLatencyMs: 1 });
    expect(slow).toMatchObject({ status: 'rejected', rejection: { code: 'latency' } });
    const cheap = s.allocate({ id: 'cheap', pool: 'gpu', units: 8, maxCostPerHour: 1 });
    expect(cheap).toMatchObject({ status: 'rejected', rejection: { code: 'over-budget' } });
    const nowhere = s.allocate({ id: 'nowhere', pool: 'tpu', units: 1 });
    expect(nowhere).toMatchObject({ status: 'rejected', rejection: { code: 'infeasible' } });
    s.allocate({ id: 'g1', pool: 'gpu', units: 8 });
    s.allocate({ id: 'g2', pool: 'gpu', units: 8 });
    const full = s.allocate({ id: 'g3', pool: 'gpu', units: 1 });
    expect(full).toMatchObject({ status: 'rejected', rejection: { code: 'wait', resource: 'gpu', requested: 1, free: 0, capacity: 8, permanent: false } });
  });

  it('refuses a duplicate id and bad input with the field named', () => {
    const { s } = make();
    s.allocate({ id: 'x', units: 1 });
    expect(s.allocate({ id: 'x', units: 1 })).toMatchObject({ status: 'rejected', rejection: { code: 'duplicate' } });
    const field = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof UserError ? e.location.field : 'not a UserError';
      }
      return undefined;
    };
    expect(field(() => s.allocate({ demand: { tpu: 1 } }))).toBe('demand.tpu');
    expect(field(() => s.allocate({ units: -1 }))).toBe('units');
    expect(field(() => s.allocate({}))).toBe('demand');
    expect(field(() => s.allocate({ units: 1 }, -5))).toBe('durationMs');
    expect(field(() => s.allocate({ units: 1, priority: 'urgent' as never }))).toBe('priority');
    expect(field(() => s.addPool({ name: 'gpu', capacity: { cpu: 1 }, nodes: 1 }))).toBe('name');
    expect(field(() => s.addPool({ name: 'p', capacity: { cpu: 1 }, nodes: { min: 2, initial: 1, max: 3 } }))).toBe('nodes');
  });
});

describe('ResourceScheduler: leases', () => {
  it('expires leases on demand and by tick, and renew pushes the expiry out', () => {
    const { s, t } = make();
    const ev = record(s, 'expired', 'renewed');
    s.allocate({ id: 'short', units: 1 }, 1000);
    s.allocate({ id: 'long', units: 1, durationMs: 5000 });
    s.allocate({ id: 'forever', units: 1 });
    expect(s.getAllocation('short')?.leaseExpiryMs).toBe(t.now + 1000);
    // expireAllocations releases what ran out by now (a later asOf is refused: expire-as-of.test.ts).
    t.now += 999;
    expect(s.expireAllocations()).toEqual([]);
    t.now += 1;
    expect(s.expireAllocations(t.now).map((a) => a.id)).toEqual(['short']);
    t.now += 3000;
    expect(s.renew('long', 3000)).toMatchObject({ status: 'renewed', allocation: { leaseExpiryMs: t.now + 3000 } });
    t.now += 2000;
    s.tick();
    expect(s.getAllocation('long')).toBeDefined();
    t.now += 1000;
    s.tick();
    expect(s.getAllocation('long')).toBeUndefined();
    expect(s.getAllocation('forever')).toBeDefined();
    expect(ev.map((e) => `${e.name}:${'allocation' in e.payload ? e.payload.allocation.id : ''}`)).toEqual(['expired:short', 'renewed:long', 'expired:long']);
    expect(s.renew('nope', 10)).toEqual({ status: 'not-found', id: 'nope' });
    s.checkInvariants();
  });

  it('expires on the background timer when timers are on', async () => {
    const s = new ResourceScheduler({ tickIntervalMs: 10, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] });
    try {
      const expired = new Promise<string>((resolve) => s.on('expired', (e) => resolve(e.allocation.id)));
      s.allocate({ id: 'a', units: 1 }, 20);
      expect(await expired).toBe('a');
      expect(s.getPool('p')?.allocated.cpu).toBe(0);
    } finally {
      s.close();
    }
  });

  it('applies the default lease', () => {
    const { s, t } = make({ defaultLeaseMs: 60_000 });
    s.allocate({ id: 'a', units: 1 });
    expect(s.getAllocation('a')?.leaseExpiryMs).toBe(t.now + 60_000);
  });
});

describe('ResourceScheduler: preemption', () => {
  it('lets critical/high work evict lower-priority preemptible work (PreemptingAllocator)', () => {
    const { s } = make({ preemption: true });
    const ev = record(s, 'preempted');
    s.allocate({ id: 'bg1', pool: 'gpu', units: 8, priority: 'background', preemptible: true });
    s.allocate({ id: 'keep', pool: 'gpu', units: 8, priority: 'low' });
    const med = s.allocate({ id: 'med', pool: 'gpu', units: 4, priority: 'medium' });
    expect(med).toMatchObject({ status: 'rejected', rejection: { code: 'wait' } });
    const crit = s.allocate({ id: 'crit', pool: 'gpu', units: 4, priority: 'critical' });
    expect(crit.status).toBe('allocated');
    if (crit.status !== 'allocated') return;
    expect(crit.preempted.map((p) => [p.allocationId, p.kind])).toEqual([['bg1', 'priority']]);
    expect(ev).toHaveLength(1);
    expect(s.getAllocation('bg1')).toBeUndefined();
    expect(s.status('bg1')).toMatchObject({ status: 'ended', how: 'preempted' });
    expect(s.getPreemptions().map((p) => p.allocationId)).toEqual(['bg1']);
    s.checkInvariants();
  });

  it('without preemption enabled, critical work waits like anyone', () => {
    const { s } = make();
    s.allocate({ id: 'bg', pool: 'gpu', units: 8, priority: 'background', preemptible: true });
    s.allocate({ id: 'bg2', pool: 'gpu', units: 8, priority: 'background', preemptible: true });
    expect(s.allocate({ id: 'c', pool: 'gpu', units: 1, priority: 'critical' }).status).toBe('rejected');
  });

  it('preempt(targetId, request) follows the same rule and is atomic', () => {
    const { s } = make();
    s.allocate({ id: 'low', pool: 'gpu', units: 8, priority: 'low', preemptible: true });
    s.allocate({ id: 'pinned', pool: 'gpu', units: 8, priority: 'low' });
    expect(s.preempt('low', { id: 'm', pool: 'gpu', units: 8, priority: 'medium' })).toMatchObject({ status: 'rejected', rejection: { code: 'not-preemptible' } });
    expect(s.preempt('pinned', { id: 'h', pool: 'gpu', units: 8, priority: 'high' })).toMatchObject({ status: 'rejected', rejection: { code: 'not-preemptible' } });
    expect(s.preempt('ghost', { id: 'h', pool: 'gpu', units: 8, priority: 'high' })).toMatchObject({ status: 'rejected', rejection: { code: 'not-found' } });
    // Too big even with the target gone: the target keeps running.
    expect(s.preempt('low', { id: 'huge', pool: 'gpu', demand: { gpu: 8, cpu: 64 }, priority: 'high' })).toMatchObject({ status: 'rejected', rejection: { code: 'never-fits' } });
    expect(s.getAllocation('low')).toBeDefined();
    // It places now or not at all: a request that may have to wait (a dependency, a group slot) is
    // refused, not placed ahead of what it waits for.
    s.allocate({ id: 'dep', pool: 'gpu', units: 8, priority: 'low' });
    expect(() => s.preempt('low', { id: 'd', pool: 'gpu', units: 1, priority: 'critical', dependsOn: ['dep'] })).toThrow(/no dependsOn/);
    expect(() => s.preempt('low', { id: 'g', pool: 'gpu', units: 1, priority: 'critical', concurrency: { group: 'etl', limit: 1 } })).toThrow(/no concurrency/);
    expect(s.getAllocation('low')).toBeDefined();
    const ok = s.preempt('low', { id: 'h', pool: 'gpu', units: 6, priority: 'high' });
    expect(ok).toMatchObject({ status: 'allocated', preempted: [{ allocationId: 'low', kind: 'explicit', forRequestId: 'h' }] });
    expect(s.getAllocation('low')).toBeUndefined();
    s.checkInvariants();
  });
});

describe('ResourceScheduler: fair-share quotas', () => {
  const quotas = {
    tenants: {
      a: { guaranteed: { gpu: 0.5 }, max: { gpu: 1 } },
      b: { guaranteed: { gpu: 0.5 }, max: { gpu: 0.75 } },
    },
  };

  it('caps a tenant at its maximum share', () => {
    const { s } = make({ quotas });
    expect(s.allocate({ id: 'b1', tenant: 'b', pool: 'gpu', units: 8 }).status).toBe('allocated');
    expect(s.allocate({ id: 'b2', tenant: 'b', pool: 'gpu', units: 4 }).status).toBe('allocated');
    expect(s.allocate({ id: 'b3', tenant: 'b', pool: 'gpu', units: 1 })).toMatchObject({ status: 'rejected', rejection: { code: 'quota', resource: 'gpu', permanent: false } });
    expect(s.allocate({ id: 'b4', tenant: 'b', pool: 'gpu', units: 13 })).toMatchObject({ status: 'rejected', rejection: { code: 'quota', permanent: true } });
  });

  it('lends idle capacity above the guarantee and reclaims borrowed capacity first', () => {
    const { s } = make({ quotas, preemption: true });
    const ev = record(s, 'preempted');
    // a borrows: 8 within its guarantee (0.5 × 16), then 8 more borrowed.
    // The cpu and memory a GPU job also needs do not count against a GPU-only guarantee.
    const a1 = s.allocate({ id: 'a1', tenant: 'a', pool: 'gpu', demand: { gpu: 8, cpu: 4, memory: 32 } });
    const a2 = s.allocate({ id: 'a2', tenant: 'a', pool: 'gpu', demand: { gpu: 8, cpu: 4, memory: 32 } });
    expect(a1.status === 'allocated' && a1.allocation.borrowed).toBe(false);
    expect(a2.status === 'allocated' && a2.allocation.borrowed).toBe(true);
    // b is under its guarantee and the pool is full: a's borrowed allocation is reclaimed.
    const b1 = s.allocate({ id: 'b1', tenant: 'b', pool: 'gpu', units: 4 });
    expect(b1).toMatchObject({ status: 'allocated', preempted: [{ allocationId: 'a2', kind: 'reclaim', tenant: 'a', forTenant: 'b' }] });
    expect(ev.map((e) => e.payload.record.kind)).toEqual(['reclaim']);
    // a is back at its guarantee: nothing more of a's is reclaimable, so b waits beyond its own guarantee.
    expect(s.allocate({ id: 'b2', tenant: 'b', pool: 'gpu', units: 4 }).status).toBe('allocated');
    expect(s.allocate({ id: 'b3', tenant: 'b', pool: 'gpu', units: 4 })).toMatchObject({ status: 'rejected' });
    expect(s.getAllocation('a1')).toBeDefined();
    s.checkInvariants();
  });

  it('treats everything a tenant without a guarantee holds as borrowed', () => {
    const { s } = make({ quotas });
    const c1 = s.allocate({ id: 'c1', tenant: 'c', pool: 'gpu', units: 8 });
    const c2 = s.allocate({ id: 'c2', tenant: 'c', pool: 'gpu', units: 8 });
    expect(c1.status === 'allocated' && c1.allocation.borrowed).toBe(true);
    expect(c2.status === 'allocated' && c2.allocation.borrowed).toBe(true);
    // a CPU-only request of a GPU-guaranteed tenant is not covered: it may not reclaim.
    expect(s.allocate({ id: 'a-cpu', tenant: 'a', pool: 'gpu', demand: { cpu: 1 } }).status).toBe('allocated');
    expect(s.allocate({ id: 'a-gpu', tenant: 'a', pool: 'gpu', demand: { gpu: 2 } })).toMatchObject({ status: 'allocated', preempted: [{ allocationId: 'c1', kind: 'reclaim' }] }); // one victim on either node: the lowest node id wins
  });
});

describe('ResourceScheduler: wait queue', () => {
  it('queues what must wait, retries on release, and times out with an event', () => {
    const { s, t } = make({ queue: { policy: 'fcfs', timeoutMs: 10_000 } });
    const ev = record(s, 'allocated', 'queued', 'timed-out');
    s.allocate({ id: 'g1', pool: 'gpu', units: 8 });
    s.allocate({ id: 'g2', pool: 'gpu', units: 8 });
    const q1 = s.allocate({ id: 'q1', pool: 'gpu', units: 4 });
    expect(q1).toMatchObject({ status: 'queued', reason: { code: 'wait' }, timeoutAtMs: t.now + 10_000 });
    const q2 = s.allocate({ id: 'q2', pool: 'gpu', units: 8, queueTimeoutMs: 1000 });
    expect(q2.status).toBe('queued');
    // FCFS blocks: a small request behind q1 waits even though... nothing fits anyway here.
    expect(s.status('q1')).toMatchObject({ status: 'queued', position: 0 });
    t.now += 500;
    s.release('g1');
    expect(s.getAllocation('q1')?.pool).toBe('gpu');
    expect(ev.filter((e) => e.name === 'allocated').map((e) => [(e.payload as SchedulerEvents['allocated']).allocation.id, (e.payload as SchedulerEvents['allocated']).fromQueue])).toContainEqual(['q1', true]);
    t.now += 1000;
    s.tick();
    expect(s.status('q2')).toMatchObject({ status: 'ended', how: 'timed-out' });
    expect(ev.filter((e) => e.name === 'timed-out')).toHaveLength(1);
    expect(s.queueLength).toBe(0);
    s.checkInvariants();
  });

  it('does not queue a request that asks not to wait (queueTimeoutMs: 0)', () => {
    const { s } = make({ queue: 'fcfs' });
    s.allocate({ id: 'g1', pool: 'gpu', units: 8 });
    s.allocate({ id: 'g2', pool: 'gpu', units: 8 });
    expect(s.allocate({ id: 'now-or-never', pool: 'gpu', units: 1, queueTimeoutMs: 0 })).toMatchObject({ status: 'rejected', rejection: { code: 'wait' } });
    expect(s.queueLength).toBe(0);
    expect(s.allocate({ id: 'g1', units: 1 })).toMatchObject({ status: 'rejected', rejection: { code: 'duplicate' } });
    expect(s.status('g1').status).toBe('allocated');
  });

  it('rejects permanent misfits at once and lets a queued request be cancelled, with an event', async () => {
    const store = new MemoryStore();
    const { s, t } = make({ queue: 'priority', store });
    s.addPool({ name: 'gpu', capacity: { cpu: 32, memory: 256, gpu: 8 }, nodes: 2, primary: 'gpu' });
    const seen = record(s, 'cancelled');
    expect(s.allocate({ id: 'huge', units: 1000 })).toMatchObject({ status: 'rejected', rejection: { code: 'never-fits' } });
    s.allocate({ id: 'g1', pool: 'gpu', units: 8 });
    s.allocate({ id: 'g2', pool: 'gpu', units: 8 });
    expect(s.allocate({ id: 'w', pool: 'gpu', units: 8, tenant: 'team-a' }).status).toBe('queued');
    t.now += 2500;
    expect(s.release('w')).toMatchObject({ status: 'cancelled' });
    expect(s.queueLength).toBe(0);
    // A stream or log reader learns of the withdrawal: it is not left 'queued' for ever.
    expect(seen).toEqual([{ name: 'cancelled', payload: { requestId: 'w', tenant: 'team-a', waitedMs: 2500 } }]);
    await s.durable();
    const log = await store.readEvents(0, 100);
    expect(log.filter((e) => e.type === 'cancelled')).toMatchObject([{ tenant: 'team-a', data: { requestId: 'w', waitedMs: 2500 } }]);
  });

  it('serves the queue in policy order (priority classes)', () => {
    const { s } = make({ queue: 'priority' });
    s.allocate({ id: 'g1', pool: 'gpu', units: 8 });
    s.allocate({ id: 'g2', pool: 'gpu', units: 8 });
    s.allocate({ id: 'low', pool: 'gpu', units: 8, priority: 'low' });
    s.allocate({ id: 'high', pool: 'gpu', units: 8, priority: 'high' });
    s.release('g1');
    expect(s.getAllocation('high')).toBeDefined();
    expect(s.getAllocation('low')).toBeUndefined();
  });
});

describe('ResourceScheduler: persistence and restore', () => {
  it('a new scheduler on the same store gets pools, nodes, allocations, leases and preemptions back', () => {
    const store = new MemoryStore();
    const { s, t } = make({ store, preemption: true });
    s.addPool({ name: 'gpu', capacity: { cpu: 32, memory: 256, gpu: 8 }, nodes: 2, primary: 'gpu' });
    s.allocate({ id: 'bg', pool: 'gpu', units: 8, priority: 'background', preemptible: true }, 5000);
    s.allocate({ id: 'x', pool: 'gpu', units: 8 }, 5000);
    s.allocate({ id: 'c', pool: 'gpu', units: 2, priority: 'critical' });
    s.renew('x', 9000);
    const before = s.listAllocations();
    s.close();
    const r = new ResourceScheduler({ store, clock: () => t.now, timers: false });
    expect(r.listAllocations()).toEqual(before);
    expect(r.getPreemptions()).toHaveLength(1);
    expect(r.listPools()).toEqual(s.listPools());
    t.now += 9000;
    expect(r.expireAllocations().map((a) => a.id)).toEqual(['x']);
    r.checkInvariants();
  });

  it('refuses a store written with other dimensions', () => {
    const store = new MemoryStore();
    new ResourceScheduler({ store, timers: false, dimensions: ['cpu', 'gpu'] }).close();
    expect(() => new ResourceScheduler({ store, timers: false, dimensions: ['cpu', 'memory'] })).toThrow(/dimensions/);
  });

  it('stops after a failed commit instead of acknowledging what is not stored', () => {
    const store = new MemoryStore();
    const { s } = make({ store });
    s.addPool({ name: 'p', capacity: { cpu: 4 }, nodes: 1 });
    store.commit = () => {
      throw new Error('disk full');
    };
    expect(() => s.allocate({ id: 'a', units: 1 })).toThrow('disk full');
    expect(s.healthy).toBe(false);
    expect(() => s.allocate({ id: 'b', units: 1 })).toThrow(/restart/);
  });
});

describe('ResourceScheduler: group commit', () => {
  it('stages changes until one commit covers them all; durable() resolves after it', async () => {
    const store = new MemoryStore();
    const { s } = make({ store, durability: 'group' });
    s.addPool({ name: 'p', capacity: { cpu: 8 }, nodes: 1 });
    await s.durable();
    const commits = store.commits;
    s.allocate({ id: 'a', units: 1 });
    s.allocate({ id: 'b', units: 1 });
    s.release('a');
    expect(store.load().allocations).toHaveLength(0);
    await s.durable();
    expect(store.commits).toBe(commits + 1);
    expect(store.load().allocations.map((a) => a.id)).toEqual(['b']);
    await s.durable(); // nothing staged: resolves at once
    expect(store.commits).toBe(commits + 1);
  });

  it('a failed group commit rejects durable() and stops the scheduler', async () => {
    const store = new MemoryStore();
    const { s } = make({ store, durability: 'group' });
    s.addPool({ name: 'p', capacity: { cpu: 8 }, nodes: 1 });
    await s.durable();
    store.commit = () => {
      throw new Error('disk full');
    };
    s.allocate({ id: 'a', units: 1 });
    await expect(s.durable()).rejects.toThrow('disk full');
    expect(s.healthy).toBe(false);
  });
});

describe('ResourceScheduler: scaling', () => {
  it('calls the policy, boots nodes after the boot delay, and never removes busy nodes', () => {
    let delta = 2;
    const policy: ScalingPolicy = { name: 'test', intervalSeconds: 60, decide: (input) => [{ pool: 0, delta, reason: `u=${input.pools[0]?.utilization[0]}` }] };
    const { s, t } = make({ scaling: policy, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: { min: 1, max: 4, initial: 2 }, bootSeconds: 30 }] });
    const ev = record(s, 'scaled');
    expect(s.scale().map((e) => e.action)).toEqual(['provision', 'provision']);
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 2, booting: 2 });
    t.now += 29_000;
    s.tick();
    expect(s.getPool('p')?.nodes.up).toBe(2);
    t.now += 1000;
    s.tick();
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 4, booting: 0 });
    expect(ev.filter((e) => e.payload.action === 'up')).toHaveLength(2);
    s.allocate({ id: 'busy', units: 4 });
    delta = -10;
    const removed = s.scale();
    // Down to the minimum of 1: the three idle nodes go, the busy one stays.
    expect(removed.filter((e) => e.action === 'remove')).toHaveLength(3);
    expect(s.getAllocation('busy')).toBeDefined();
    expect(s.getPool('p')?.nodes.up).toBe(1);
    s.allocate({ id: 'busy2', units: 0.5 }); // no room: the busy node is full
    delta = -1;
    expect(s.scale()).toEqual([]);
    s.checkInvariants();
  });
});

describe('TypedEmitter through the scheduler', () => {
  it('emits after the change is committed; a throwing observer does not undo it', () => {
    const store = new MemoryStore();
    const { s } = make({ store });
    s.addPool({ name: 'p', capacity: { cpu: 4 }, nodes: 1 });
    let seenCommitted = false;
    s.on('allocated', () => {
      seenCommitted = store.load().allocations.some((a) => a.id === 'a');
      throw new Error('observer bug');
    });
    expect(() => s.allocate({ id: 'a', units: 1 })).toThrow('observer bug');
    expect(seenCommitted).toBe(true);
    expect(s.getAllocation('a')).toBeDefined();
    expect(s.healthy).toBe(true);
  });
});
