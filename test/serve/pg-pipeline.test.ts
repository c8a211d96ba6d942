import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { freshDatabase, pgAvailable } from './pg-support.js';

/**
 * The PostgreSQL store's pipelined group commit (pg-store.ts), on a real server: groups are
 * applied at once (asynchronously committed, in order) but acknowledged only after the flusher's
 * synchronous commit that follows them. The test holds that flush back with a row lock on
 * drs_flush and checks that nothing is acknowledged, nor readable by an event stream, before it
 * returns, while later groups keep being applied.
 */
let db: { url: string; drop: () => Promise<void> } | undefined;

beforeAll(async () => {
  const skip = await pgAvailable();
  if (skip !== undefined) {
    if (process.env.DRS_REQUIRE_PG === '1') throw new Error(skip);
    console.warn(`skipping the PostgreSQL pipeline test: ${skip}`);
    return;
  }
  db = await freshDatabase('pipeline');
}, 60_000);
afterAll(async () => {
  await db?.drop();
}, 60_000);

const tick = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('PostgreSQL pipelined group commit', () => {
  it('applies groups in order at once, acknowledges them only after the flush, and one flush covers several', async () => {
    if (db === undefined) return;
    const lead = await PgLeadership.connect(db.url, 'http://one');
    const peek = new pg.Client({ connectionString: db.url });
    await peek.connect();
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    let s: ResourceScheduler | undefined;
    try {
      const term = (await lead.tryAcquire()) as number;
      const store = await PgStore.open(db.url, term);
      s = new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }] });
      await s.durable();
      const before = s.lastEventId;
      const flushes = async (): Promise<number> => Number((await peek.query<{ n: string }>('SELECT n::text AS n FROM drs_flush')).rows[0]?.n);
      const flushed0 = await flushes();

      // Hold the flush: the flusher's UPDATE waits for this row lock.
      await blocker.query('BEGIN');
      await blocker.query('SELECT n FROM drs_flush WHERE id = 1 FOR UPDATE');

      s.allocate({ id: 'a', units: 1 });
      let aDone = false;
      const a = s.durable().then(() => (aDone = true));
      await tick(300);
      const ids = async (): Promise<string[]> => (await peek.query<{ id: string }>('SELECT id FROM drs_allocations ORDER BY id')).rows.map((r) => r.id);
      expect(await ids()).toEqual(['a']); // applied (committed without waiting for its fsync)...
      expect(aDone).toBe(false); // ...not acknowledged: the flush has not returned
      expect(await store.readEvents(before, 10)).toEqual([]); // and not shown to an event stream

      s.release('a');
      s.allocate({ id: 'b', units: 2 });
      let bDone = false;
      const b = s.durable().then(() => (bDone = true));
      await tick(300);
      expect(await ids()).toEqual(['b']); // the next group was applied after the first, in order
      expect(bDone).toBe(false);

      await blocker.query('ROLLBACK'); // let the flush through
      await a;
      await b;
      expect(aDone && bDone).toBe(true);
      expect((await store.readEvents(before, 10)).map((e) => e.type)).toEqual(['allocated', 'released', 'allocated']);
      // The held flush covered the first group; one more covered the second (never one per operation).
      expect((await flushes()) - flushed0).toBe(2);
    } finally {
      await s?.shutdown().catch(() => {});
      await blocker.end();
      await peek.end();
      await lead.stop();
    }
  }, 60_000);
});
