import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

/**
 * Fencing on a real PostgreSQL server: a leader whose lock session is cut (as in a network
 * partition) keeps running, but once a standby has taken the next term, none of its commits is
 * accepted; its scheduler stops (unhealthy) instead of diverging. The new leader sees exactly what
 * the old one committed before the cut.
 */
let db: FreshDatabase | undefined;

usePgDatabase('fencing', 'the PostgreSQL fencing test', (d) => (db = d));

describe('PostgreSQL leadership and fencing', () => {
  it('one leader at a time; a deposed leader cannot write', async () => {
    if (db === undefined) return;
    const one = await PgLeadership.connect(db.url, 'http://one');
    const two = await PgLeadership.connect(db.url, 'http://two');
    let s1: ResourceScheduler | undefined;
    let s2: ResourceScheduler | undefined;
    try {
      const term1 = await one.tryAcquire();
      expect(term1).toBe(1);
      expect(await two.tryAcquire()).toBeUndefined(); // the lock is held
      expect(await two.leaderAddress()).toBe('http://one');

      s1 = new ResourceScheduler({ store: await PgStore.open(db.url, term1 as number), durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] });
      expect(s1.allocate({ id: 'before', units: 1 }).status).toBe('allocated');
      await s1.durable();

      // Cut the leader's lock session (what a partition or a dead TCP connection does).
      const lost = new Promise<string>((resolve) => one.onLost(resolve));
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      await admin.end();
      expect(await lost).toMatch(/session/);

      // The server frees the lock when the terminated backend has exited, which may come a moment
      // after the client saw its session end: take the lead as a standby does, by polling.
      const term2 = await two.acquire(20, () => {});
      expect(term2).toBe(2);

      // The old leader's scheduler still runs, but its next commit is refused by the term check.
      expect(s1.allocate({ id: 'after', units: 1 }).status).toBe('allocated');
      await expect(s1.durable()).rejects.toThrow(/fenced/);
      expect(s1.healthy).toBe(false);

      s2 = new ResourceScheduler({ store: await PgStore.open(db.url, term2 as number), durability: 'group', timers: false });
      expect(s2.listAllocations().map((a) => a.id)).toEqual(['before']);
      expect(s2.allocate({ id: 'new', units: 3 }).status).toBe('allocated');
      await s2.durable();
    } finally {
      await s1?.shutdown().catch(() => {});
      await s2?.shutdown();
      await one.stop();
      await two.stop();
    }
  }, 60_000);
});
