import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/scheduler/http.js';
import { MemoryStore, ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';
import { ADMIN, TEAM_A, TOKENS, call } from './helpers.js';

/**
 * A scheduler restarted from its store after downtime: leases whose deadline passed while it was
 * down are over. Writes already did what fell due strictly before now first (`operation`), but
 * reads did not: until the first background tick (250 ms after start, never with `timers: false`)
 * `status`, `getAllocation`, `listAllocations`, `outstanding` (and GET /v1/allocations) showed
 * them as held, and the service's per-tenant limit, read before the write, refused a POST (429)
 * for capacity the tenant no longer held. The same held between two ticks of a running service.
 *
 * By hand, pool p (one node of 4 cpu) and pool o (the same), a fcfs queue:
 *   t = 1000  a (4 cpu) on p, lease 1000 ms (ends at 2000); c (4 cpu) on o, lease to 5000;
 *             q and q2 (2 cpu each) on p, queued behind a.
 *   stop; start again at t = 5000 (no tick): a ended `expired` at 5000, q and q2 took its room.
 *   c, ending exactly at 5000, is still live (an operation at its deadline may renew it).
 */
const base = (clock: { now: number }, store: MemoryStore): ResourceSchedulerOptions => ({
  clock: () => clock.now,
  timers: false,
  store,
  strategy: 'first-fit',
  queue: { policy: 'fcfs', timeoutMs: 3_600_000 },
  pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
});

/** The store as above, at 1000 ms. */
function stored(clock: { now: number }): MemoryStore {
  const store = new MemoryStore();
  const s = new ResourceScheduler({ ...base(clock, store), pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }, { name: 'o', capacity: { cpu: 4 }, nodes: 1 }] });
  clock.now = 1000;
  expect(s.allocate({ id: 'a', pool: 'p', units: 4, tenant: 't' }, 1000).status).toBe('allocated');
  expect(s.allocate({ id: 'c', pool: 'o', units: 4, tenant: 'u' }, 4000).status).toBe('allocated'); // ends at 5000
  expect(s.allocate({ id: 'q', pool: 'p', units: 2, tenant: 't' }).status).toBe('queued');
  expect(s.allocate({ id: 'q2', pool: 'p', units: 2, tenant: 't' }).status).toBe('queued');
  s.close();
  return store;
}

const restartOptions = (clock: { now: number }, store: MemoryStore): ResourceSchedulerOptions => ({
  ...base(clock, store),
  pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }, { name: 'o', capacity: { cpu: 4 }, nodes: 1 }],
});

/** Each read, made first after the restart (so it alone must see the lapse), and what it answers at 5000 ms. */
const reads: [string, (s: ResourceScheduler) => unknown, unknown][] = [
  ['getAllocation', (s) => s.getAllocation('a'), undefined],
  ['status', (s) => s.status('a'), { status: 'ended', id: 'a', tenant: 't', how: 'expired', atMs: 5000 }],
  ['status of the request queued behind it', (s) => s.status('q').status, 'allocated'],
  ['listAllocations', (s) => s.listAllocations().map((x) => x.id).sort(), ['c', 'q', 'q2']], // c ends exactly now: still live
  ['listQueued', (s) => s.listQueued(), []],
  ['queueLength', (s) => s.queueLength, 0],
  ['allocationCount', (s) => s.allocationCount, 3],
  ['outstanding', (s) => s.outstanding('t'), 2],
  ['getPool', (s) => s.getPool('p')?.allocations, 2],
  ['listPools', (s) => s.listPools().map((p) => p.allocations), [2, 1]],
  ['listPoolsDurably (/metrics)', async (s) => (await s.listPoolsDurably()).map((p) => p.allocations), [2, 1]],
];

describe('reads after a restart see leases that lapsed during the downtime', () => {
  for (const [name, read, want] of reads) {
    it(`${name} (no tick)`, async () => {
      const clock = { now: 0 };
      const store = stored(clock);
      clock.now = 5000;
      const s = new ResourceScheduler(restartOptions(clock, store));
      expect(await read(s)).toEqual(want);
      s.checkInvariants();
      s.close();
    });
  }

  it('built with create(): its first tick for the restored queue ends what ran out by now, c too', async () => {
    const clock = { now: 0 };
    const store = stored(clock);
    clock.now = 5000;
    const s = await ResourceScheduler.create(restartOptions(clock, store));
    expect(s.status('a')).toMatchObject({ status: 'ended', how: 'expired' });
    expect(s.listAllocations().map((x) => x.id).sort()).toEqual(['q', 'q2']);
    s.close();
  });

  it('the lapse is committed once, with its events, before the read answers', async () => {
    const clock = { now: 0 };
    const store = stored(clock);
    clock.now = 5000;
    const s = new ResourceScheduler(restartOptions(clock, store));
    const expired: string[] = [];
    s.on('expired', (e) => expired.push(e.allocation.id));
    expect(s.getAllocation('a')).toBeUndefined();
    expect(s.getAllocation('a')).toBeUndefined();
    expect(expired).toEqual(['a']);
    s.close();
    const events = await store.readEvents(0, 100);
    expect(events.filter((e) => e.type === 'expired').map((e) => (e.data as { allocation: { id: string } }).allocation.id)).toEqual(['a']);
    // A third start finds the same: a gone, q running.
    const again = new ResourceScheduler(restartOptions(clock, store));
    expect(again.listAllocations().map((x) => x.id).sort()).toEqual(['c', 'q', 'q2']);
    again.close();
  });

  it('a stopped scheduler answers reads without a transaction', () => {
    const clock = { now: 0 };
    const store = stored(clock);
    clock.now = 1500;
    const s = new ResourceScheduler(restartOptions(clock, store));
    s.close();
    clock.now = 5000;
    expect(s.getAllocation('a')).toBeDefined(); // closed: nothing can end it any more
    expect(s.listAllocations().length).toBe(2);
  });

  it('writes after the restart see the lapse first: renew and release answer not-found', () => {
    const clock = { now: 0 };
    const store = stored(clock);
    clock.now = 5000;
    const s = new ResourceScheduler(restartOptions(clock, store));
    expect(s.renew('a', 1000)).toEqual({ status: 'not-found', id: 'a' });
    expect(s.release('a')).toEqual({ status: 'not-found', id: 'a' });
    expect(s.renew('c', 1000).status).toBe('renewed'); // at its deadline: still renewable
    s.close();
  });
});

describe('drs serve restarted after downtime', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drs-restart-lapsed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('GET shows the lapsed lease ended, and the per-tenant limit counts it no more', async () => {
    const clock = { now: 1000 };
    const config = { port: 0, tokens: TOKENS, stateFile: path.join(dir, 'state.db'), limits: { outstandingPerTenant: 1 }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] };
    const opts = { schedulerOptions: { clock: () => clock.now, timers: false } };
    let srv = await startServer(config, opts);
    try {
      expect((await call(srv.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'a', units: 4, durationMs: 1000 } })).status).toBe(201);
    } finally {
      await srv.close();
    }
    clock.now = 5000;
    srv = await startServer(config, opts);
    try {
      const got = await call(srv.url, 'GET', '/v1/allocations/a', { token: TEAM_A });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ status: 'ended', how: 'expired' });
      const list = await call(srv.url, 'GET', '/v1/allocations', { token: ADMIN });
      expect(list.body.allocations).toEqual([]);
      // The tenant holds nothing: its one allowed request is admitted (it was 429 tenant-limit).
      const post = await call(srv.url, 'POST', '/v1/allocations', { token: TEAM_A, body: { id: 'b', units: 4 } });
      expect(post.status).toBe(201);
    } finally {
      await srv.close();
    }
  });
});
