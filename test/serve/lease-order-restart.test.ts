import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, ResourceScheduler, SqliteStore, type ResourceSchedulerOptions, type StateStore } from '../../src/scheduler/index.js';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

/**
 * Leases that end at the same instant expire in the order they were set (granted or renewed:
 * LeaseHeap's sequence), as in the simulator. A restart must keep that order: the stores kept
 * only the deadlines, and the restored heap took the load order (SQLite and PostgreSQL: start
 * time then id; MemoryStore: first grant), so the `expired` events, their ids and what
 * `expireAllocations` returns came out in another order after a restart than without one.
 *
 * By hand, one node of 8 cpu, every allocation 2 cpu:
 *   t = 500   d, lease 3500 ms (ends at 4000)
 *   t = 1000  b, then a, lease 1000 ms each (end at 2000)
 *   t = 1500  d renewed for 500 ms (ends at 2000, set after a and b)
 *   t = 2000  all three end: b, a, d (the order their current leases were set in).
 * Restored from start time and id it was d, a, b; from first grant, d, b, a.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-lease-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = { now: 0 };
function options(store: StateStore): ResourceSchedulerOptions {
  return {
    store,
    clock: () => clock.now,
    timers: false,
    pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }],
    ...(store.asyncOnly === true ? { durability: 'group' as const } : {}),
  };
}

type Open = () => StateStore | Promise<StateStore>;

/** The scenario above, restarted after every step when `restart` is set; the ids in the order they expired. */
async function run(open: Open, restart: boolean): Promise<string[]> {
  clock.now = 500;
  let s = await ResourceScheduler.create(options(await open()));
  const step = async (t: number, fn: (s: ResourceScheduler) => void): Promise<void> => {
    clock.now = t;
    fn(s);
    if (!restart) return;
    await s.shutdown();
    s = await ResourceScheduler.create(options(await open()));
  };
  await step(500, (x) => expect(x.allocate({ id: 'd', units: 2 }, 3500).status).toBe('allocated'));
  await step(1000, (x) => {
    expect(x.allocate({ id: 'b', units: 2 }, 1000).status).toBe('allocated');
    expect(x.allocate({ id: 'a', units: 2 }, 1000).status).toBe('allocated');
  });
  await step(1500, (x) => expect(x.renew('d', 500).status).toBe('renewed'));
  clock.now = 2000;
  const expired: string[] = [];
  s.on('expired', (e) => expired.push(e.allocation.id));
  const out = s.expireAllocations().map((a) => a.id);
  expect(expired).toEqual(out);
  // One more lease set after the restart comes after every restored one at an equal deadline.
  expect(s.allocate({ id: 'e', units: 2 }, 1000).status).toBe('allocated');
  expect(s.allocate({ id: 'c', units: 2 }, 1000).status).toBe('allocated');
  clock.now = 3000;
  out.push(...s.expireAllocations().map((a) => a.id));
  await s.shutdown();
  return out;
}

const ORDER = ['b', 'a', 'd', 'e', 'c'];

describe('leases ending at the same instant expire in the order they were set, across restarts', () => {
  it('without a restart (the reference)', async () => {
    expect(await run(() => new MemoryStore(), false)).toEqual(ORDER);
  });

  it('MemoryStore', async () => {
    const store = new MemoryStore();
    expect(await run(() => store, true)).toEqual(ORDER);
  });

  it('SqliteStore', async () => {
    const file = path.join(dir, 'order.db');
    expect(await run(() => new SqliteStore(file), true)).toEqual(ORDER);
    const db = new Database(file, { readonly: true });
    expect((db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string }).value).toBe('6');
    db.close();
  });

  it('a version-5 SQLite file (no lease order kept) still loads: its leases before every lease set since, in start order', async () => {
    const file = path.join(dir, 'v5.db');
    clock.now = 500;
    let s = new ResourceScheduler(options(new SqliteStore(file)));
    s.allocate({ id: 'x', units: 2 }, 1500); // ends at 2000
    clock.now = 1000;
    s.allocate({ id: 'y', units: 2 }, 1000); // ends at 2000
    s.allocate({ id: 'z', units: 2 }, 1000); // ends at 2000
    s.close();
    const db = new Database(file);
    db.exec(`ALTER TABLE allocations DROP COLUMN lease_seq; UPDATE meta SET value = '5' WHERE key = 'schema'`);
    db.close();
    // Upgraded: x renewed to end at 2000 again, now after y and z (which keep no number).
    clock.now = 1200;
    s = new ResourceScheduler(options(new SqliteStore(file)));
    expect(s.renew('x', 800).status).toBe('renewed');
    s.allocate({ id: 'w', units: 2 }, 800); // ends at 2000, last
    s.close();
    s = new ResourceScheduler(options(new SqliteStore(file)));
    clock.now = 2000;
    expect(s.expireAllocations().map((a) => a.id)).toEqual(['y', 'z', 'x', 'w']);
    s.close();
  });

  it('an old lease restored without a number never stands for a later allocation of its id that has no lease', () => {
    const file = path.join(dir, 'v5-reused.db');
    clock.now = 0;
    let s = new ResourceScheduler(options(new SqliteStore(file)));
    s.allocate({ id: 'x', units: 2 }, 1000); // ends at 1000
    s.close();
    const db = new Database(file);
    db.exec(`ALTER TABLE allocations DROP COLUMN lease_seq; UPDATE meta SET value = '5' WHERE key = 'schema'`);
    db.close();
    clock.now = 500;
    s = new ResourceScheduler(options(new SqliteStore(file)));
    expect(s.release('x').status).toBe('released');
    expect(s.allocate({ id: 'x', units: 2 }).status).toBe('allocated'); // no lease: lives until released
    clock.now = 2000;
    expect(s.expireAllocations()).toEqual([]);
    expect(s.getAllocation('x')?.leaseExpiryMs).toBeNull();
    s.close();
  });

  describe('PgStore', () => {
    let db: FreshDatabase | undefined;
    usePgDatabase('lease_order', 'the PostgreSQL lease order test', (d) => (db = d));

    it('keeps the order; a version-4 store (no lease order kept) is upgraded', async () => {
      if (db === undefined) return;
      const url = db.url;
      const lead = await PgLeadership.connect(url, 'http://lease-order-test');
      const term = (await lead.tryAcquire()) as number;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        expect(await run(() => PgStore.open(url, term), true)).toEqual(ORDER);
        expect((await c.query<{ value: string }>(`SELECT value FROM drs_meta WHERE key = 'schema'`)).rows[0]?.value).toBe('5');
        // As version 4 left it: no lease order column.
        clock.now = 500;
        let s = await ResourceScheduler.create(options(await PgStore.open(url, term)));
        s.allocate({ id: 'x', units: 2 }, 1500);
        clock.now = 1000;
        s.allocate({ id: 'y', units: 2 }, 1000);
        await s.shutdown();
        await c.query(`ALTER TABLE drs_allocations DROP COLUMN lease_seq; UPDATE drs_meta SET value = '4' WHERE key = 'schema'`);
        clock.now = 1200;
        s = await ResourceScheduler.create(options(await PgStore.open(url, term)));
        expect(s.renew('x', 800).status).toBe('renewed');
        await s.shutdown();
        s = await ResourceScheduler.create(options(await PgStore.open(url, term)));
        clock.now = 2000;
        expect(s.expireAllocations().map((a) => a.id)).toEqual(['y', 'x']);
        await s.shutdown();
      } finally {
        await c.end();
        await lead.stop();
      }
    });
  });
});
