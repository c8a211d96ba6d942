/**
 * `outstanding(tenant)` (the service's per-tenant limit, read on every POST) comes from per-tenant
 * counts kept as work comes and goes, not from a walk over every live allocation. These tests
 * hold the counts to a full recount (listAllocations + listQueued) after every step of seeded
 * random sequences of operations — admit, queue, release, cancel, renew, expiry, queue timeout,
 * explicit and priority preemption, quota reclaim, requeued evictions, node failure and repair —
 * and across restarts (MemoryStore and SQLite).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PRIORITIES } from '../../src/core/priority.js';
import { Rng } from '../../src/core/rng.js';
import { MemoryStore, ResourceScheduler, SqliteStore, type ResourceSchedulerOptions, type StateStore } from '../../src/scheduler/index.js';
import { TenantCounts } from '../../src/scheduler/tenant-counts.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-tenant-counts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TENANTS = ['a', 'b', 'c', 'd'];

/** outstanding(t) for every tenant against a recount of the live and queued lists; then the scheduler's own invariants (which check the counts too). */
function expectCountsMatch(s: ResourceScheduler, where: string): Record<string, number> {
  const recount: Record<string, number> = Object.fromEntries(TENANTS.map((t) => [t, 0]));
  for (const a of s.listAllocations()) recount[a.tenant] = (recount[a.tenant] ?? 0) + 1;
  for (const w of s.listQueued()) recount[w.tenant] = (recount[w.tenant] ?? 0) + 1;
  const counted = Object.fromEntries(TENANTS.map((t) => [t, s.outstanding(t)]));
  expect(counted, where).toEqual(recount);
  s.checkInvariants();
  return counted;
}

interface Variant {
  readonly name: string;
  readonly options: Partial<ResourceSchedulerOptions>;
}
const VARIANTS: Variant[] = [
  { name: 'priority queue, preemption', options: { preemption: true, queue: { policy: 'priority', timeoutMs: 3000 } } },
  { name: 'requeued evictions, quotas (reclaim)', options: { preemption: true, queue: { policy: 'fcfs', timeoutMs: 4000, requeuePreempted: true }, quotas: { tenants: { a: { guaranteed: { cpu: 0.4 }, max: { cpu: 0.7 } }, b: { guaranteed: { cpu: 0.3 } } } } } },
  { name: 'no queue', options: { preemption: true } },
];

const KINDS = ['allocated', 'queued', 'released', 'cancelled', 'expired', 'timed-out', 'preempted', 'lost', 'rejected'] as const;

/**
 * `steps` random operations (seeded), with `restarts` restarts spread over them; the counts are
 * checked after every one. Returns how often each kind of transition happened (events).
 */
async function randomLife(seed: number, variant: Variant, makeStore: () => StateStore, steps: number, restarts: number, seen: Map<string, number>): Promise<void> {
  const listen = (s: ResourceScheduler): void => {
    for (const kind of KINDS) s.on(kind, () => seen.set(kind, (seen.get(kind) ?? 0) + 1));
  };
  const rng = new Rng(seed);
  const clock = { now: 1_000 };
  let n = 0;
  const options = (store: StateStore): ResourceSchedulerOptions => ({
    timers: false,
    clock: () => clock.now,
    newId: () => `r${n++}`,
    store,
    pools: [
      { name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: 3 },
      { name: 'q', capacity: { cpu: 4, memory: 16 }, nodes: 2 },
    ],
    ...variant.options,
  });
  let store = makeStore();
  let s = new ResourceScheduler(options(store));
  listen(s);
  const ids = (): string[] => [...s.listAllocations().map((a) => a.id), ...s.listQueued().map((w) => w.requestId)].sort();
  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed}, ${variant.name}, step ${step}`;
    const live = s.listAllocations();
    const k = rng.weighted([10, 3, 2, 2, 3, 1, 1, 1, 1]);
    if (k === 0) {
      const priority = PRIORITIES[rng.int(PRIORITIES.length)] as (typeof PRIORITIES)[number];
      s.allocate({ tenant: TENANTS[rng.int(TENANTS.length)] as string, demand: { cpu: 1 + rng.int(4), memory: 1 + rng.int(8) }, priority, preemptible: rng.bernoulli(0.5), ...(rng.bernoulli(0.2) ? { pool: rng.bernoulli(0.5) ? 'p' : 'q' } : {}) }, rng.bernoulli(0.7) ? 500 + rng.int(5000) : undefined);
    } else if (k === 1) {
      const all = ids();
      if (all.length > 0) s.release(all[rng.int(all.length)] as string); // a release or a cancel
      else s.release('none');
    } else if (k === 2) {
      const a = live[rng.int(Math.max(1, live.length))];
      if (a !== undefined) s.renew(a.id, 200 + rng.int(3000));
    } else if (k === 3) {
      const a = live[rng.int(Math.max(1, live.length))];
      if (a !== undefined) s.preempt(a.id, { tenant: TENANTS[rng.int(TENANTS.length)] as string, demand: { cpu: 1 + rng.int(3) }, priority: rng.bernoulli(0.5) ? 'critical' : 'high' }, 1000 + rng.int(2000));
    } else if (k === 4) {
      clock.now += rng.int(1500);
      s.tick();
    } else if (k === 5) {
      clock.now += rng.int(1000);
      s.expireAllocations(clock.now);
    } else if (k === 6) {
      const node = rng.int(5);
      const pool = node < 3 ? 'p' : 'q';
      const status = s.getPool(pool)?.nodes;
      if (status !== undefined && status.failed > 0 && rng.bernoulli(0.6)) for (let id = 0; id < 5; id++) s.repairNode(id < 3 ? 'p' : 'q', id);
      else s.failNode(pool, node);
    } else if (k === 7) {
      // A request that never fits (rejected at once) and a duplicate id (rejected, the original's count untouched).
      s.allocate({ tenant: 'd', demand: { cpu: 100 } });
      const some = ids()[0];
      if (some !== undefined) s.allocate({ id: some, tenant: 'c', demand: { cpu: 1 } });
    } else {
      clock.now += 3000 + rng.int(3000); // queue timeouts and lease expiries, caught up by the next operation
    }
    const before = expectCountsMatch(s, where);
    if (restarts > 0 && step % Math.floor(steps / (restarts + 1)) === Math.floor(steps / (restarts + 1)) - 1) {
      await s.shutdown();
      store = store instanceof MemoryStore ? store : makeStore();
      s = new ResourceScheduler(options(store));
      listen(s);
      // Restored from the store: the same counts, without any walk having been needed to rebuild them lazily.
      expect(expectCountsMatch(s, `${where}, after a restart`)).toEqual(before);
    }
  }
  await s.shutdown();
}

describe('per-tenant counts of live and queued work', () => {
  it('a TenantCounts drops a tenant at zero and refuses to go below it', () => {
    const c = new TenantCounts();
    c.add('a');
    c.add('a');
    c.remove('a');
    expect(c.of('a')).toBe(1);
    c.remove('a');
    expect(c.of('a')).toBe(0);
    expect(() => c.remove('a')).toThrow(/'a' has nothing to remove/);
    const fail = (msg: string): never => {
      throw new Error(msg);
    };
    c.add('b');
    expect(() => c.check(['b', 'b'], 'things', fail)).toThrow(/tenant b has 2 things but its count says 1/);
    expect(() => c.check([], 'things', fail)).toThrow(/tenant b has no things but its count says 1/);
    c.check(['b'], 'things', fail);
  });

  for (const variant of VARIANTS) {
    it(`equal a full recount after every step of seeded random operations, with restarts (MemoryStore; ${variant.name})`, async () => {
      const seen = new Map<string, number>();
      for (const seed of [1, 2, 3]) await randomLife(seed, variant, () => new MemoryStore(), 400, 3, seen);
      // The sequences reach every transition the counts must follow (without a queue, nothing queues, is cancelled or times out).
      const want = variant.options.queue === undefined ? KINDS.filter((k) => k !== 'queued' && k !== 'cancelled' && k !== 'timed-out') : KINDS;
      for (const kind of want) expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(0);
    });
  }

  it('equal a full recount across restarts on SQLite', async () => {
    const file = path.join(dir, 'counts.db');
    const seen = new Map<string, number>();
    await randomLife(7, VARIANTS[1] as Variant, () => new SqliteStore(file), 300, 2, seen);
    expect(seen.get('queued') ?? 0).toBeGreaterThan(0);
  });
});
