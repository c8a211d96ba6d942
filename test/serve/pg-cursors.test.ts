/**
 * The cursor contract of the PostgreSQL store under several replicas (docs/serve.md, "Cursors
 * and positions"): a reader paging a log by position (`GET /v1/audit` by `drs_audit.seq`,
 * `GET /v1/events` by event id, `GET /v1/preemptions` by position in the log) must never move
 * past a record that commits later. That needs one transaction at a time: `drs_commit` locks the
 * `drs_leader` row before it takes any sequence value, so a second commit (the same leader's next
 * group on another connection, or a new leader's term change) waits until the first has committed.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { ResourceScheduler } from '../../src/scheduler/scheduler.js';
import { type FreshDatabase, freshDatabase, usePgDatabase } from './pg-support.js';

let db: FreshDatabase | undefined;
usePgDatabase('cursors', 'the PostgreSQL cursor tests', (d) => (db = d));

const auditOf = (target: string): string => JSON.stringify({ audit: [{ at: 1, actor: 'admin#0', method: 'POST', route: '/v1/x', target, status: 201, result: 'ok' }] });

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** Settles within `ms`? (false: still waiting, e.g. on a row lock). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

describe('PostgreSQL: positions are taken in commit order', () => {
  it('a second commit waits for the one in flight, so a reader never sees a later position before an earlier one', async () => {
    if (db === undefined) return;
    const url = db.url;
    const setup = await PgStore.open(url, 0); // the schema, term 0
    await setup.close();
    const a = await client(url);
    const b = await client(url);
    const reader = await client(url);
    try {
      await a.query('BEGIN');
      await a.query('SELECT drs_commit(0, $1::jsonb)', [auditOf('first')]); // takes its seq, not committed yet
      const second = b.query('SELECT drs_commit(0, $1::jsonb)', [auditOf('second')]);
      expect(await settlesWithin(second, 300)).toBe(false); // waits on the drs_leader row
      expect((await reader.query('SELECT target FROM drs_audit ORDER BY seq')).rows).toEqual([]);
      await a.query('COMMIT');
      await second;
      const rows = (await reader.query<{ seq: string; target: string }>('SELECT seq::text AS seq, target FROM drs_audit ORDER BY seq')).rows;
      expect(rows.map((r) => r.target)).toEqual(['first', 'second']);
    } finally {
      await Promise.all([a.end(), b.end(), reader.end()]);
    }
  }, 60_000);

  it('overlapping commitAsync calls of one store apply one at a time, in call order', async () => {
    if (db === undefined) return;
    const store = await PgStore.open(db.url, 0);
    try {
      const calls = Array.from({ length: 20 }, (_, i) =>
        store.commitAsync([{ kind: 'audit', record: { atMs: i, actor: 'admin#0', method: 'POST', route: '/v1/x', target: `t${i}`, status: 201, result: 'ok' } }]),
      );
      await Promise.all(calls);
      const rows = await store.readAudit({ afterSeq: 0, limit: 1000 });
      const mine = rows.filter((r) => r.target?.startsWith('t') === true).map((r) => r.target);
      expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
    } finally {
      await store.close();
    }
  }, 60_000);

  it("a takeover waits for the old leader's commit in flight; that commit's records come before the new leader's, and the old leader's next commit is fenced", async () => {
    if (db === undefined) return;
    const url = db.url;
    const one = await PgLeadership.connect(url, 'http://one');
    const two = await PgLeadership.connect(url, 'http://two');
    const old = await client(url); // the old leader's commit connection
    const reader = await client(url);
    let s2: ResourceScheduler | undefined;
    try {
      const term1 = (await one.tryAcquire()) as number;
      await old.query('BEGIN');
      await old.query('SELECT drs_commit($1, $2::jsonb)', [term1, auditOf('old-in-flight')]);
      // The old leader's lock session is cut (a partition); a standby polls for the lead.
      const admin = await client(url);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      await admin.end();
      const taking = two.acquire(20, () => {});
      expect(await settlesWithin(taking, 500)).toBe(false); // its term change waits for the commit in flight
      await old.query('COMMIT');
      const term2 = await taking;
      expect(term2).toBe(term1 + 1);
      s2 = new ResourceScheduler({ store: await PgStore.open(url, term2), durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] });
      s2.appendAudit({ atMs: 2, actor: 'admin#0', method: 'POST', route: '/v1/x', target: 'new-leader', status: 201, result: 'ok' });
      await s2.durable();
      const rows = (await reader.query<{ target: string }>(`SELECT target FROM drs_audit WHERE target IN ('old-in-flight', 'new-leader', 'old-late') ORDER BY seq`)).rows;
      expect(rows.map((r) => r.target)).toEqual(['old-in-flight', 'new-leader']);
      await expect(old.query('SELECT drs_commit($1, $2::jsonb)', [term1, auditOf('old-late')])).rejects.toThrow(/fenced/);
    } finally {
      await s2?.shutdown();
      await Promise.all([old.end(), reader.end()]);
      await one.stop();
      await two.stop();
    }
  }, 60_000);
});

/**
 * The reads that page by position returned each page in text order: `SELECT seq::text AS seq …
 * ORDER BY seq` sorts by the output column (the text), not the table's bigint, so '10' came
 * before '2'. With a LIMIT the page was not the next N records, and a cursor moved past records
 * never shown: `GET /v1/audit` lost them for good, an event stream resumed with `Last-Event-ID`
 * skipped events (the stream drops ids below the last one sent), and a takeover loaded the
 * preemption log out of order, at wrong positions, whenever the positions crossed a power of ten.
 */
describe('PostgreSQL: reads by position are in numeric order', () => {
  let db: FreshDatabase | undefined; // its own: the tests above moved the term on
  usePgDatabase('order', 'the PostgreSQL read-order tests', (d) => (db = d));

  it('pages through the audit log as GET /v1/audit does, every record once and in order', async () => {
    if (db === undefined) return;
    const store = await PgStore.open(db.url, 0);
    try {
      const before = (await store.readAudit({ afterSeq: 0, limit: 100_000 })).length;
      for (let i = 0; i < 25; i++) await store.commitAsync([{ kind: 'audit', record: { atMs: i, actor: 'admin#0', method: 'POST', route: '/v1/x', target: `page${i}`, status: 201, result: 'ok' } }]);
      const seen: string[] = [];
      let after = 0;
      for (let page = 0; page < 100; page++) {
        const rows = await store.readAudit({ afterSeq: after, limit: 4 });
        if (rows.length === 0) break;
        for (const r of rows) seen.push(r.target as string);
        after = rows[rows.length - 1]?.seq as number;
      }
      expect(seen.slice(before)).toEqual(Array.from({ length: 25 }, (_, i) => `page${i}`));
    } finally {
      await store.close();
    }
  }, 60_000);

  it('reads the event log after an id in id order (what a resumed event stream replays)', async () => {
    if (db === undefined) return;
    const store = await PgStore.open(db.url, 0);
    try {
      const last = (await store.readEvents(0, 100_000)).length;
      await store.commitAsync(Array.from({ length: 25 }, (_, i) => ({ kind: 'event' as const, event: { id: last + i + 1, type: 'scaled', tenant: null, atMs: i, data: {} } })));
      for (const after of [0, 5, 9]) {
        const ids = (await store.readEvents(after, 4)).map((e) => e.id);
        expect(ids).toEqual([after + 1, after + 2, after + 3, after + 4]);
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a takeover loads the preemption log in order, at the positions it had, across 9 → 10', async () => {
    if (db === undefined) return;
    const fresh = db;
    const open = async (): Promise<ResourceScheduler> =>
      ResourceScheduler.create({ timers: false, preemption: true, preemptionLimit: 10, durability: 'group', store: await PgStore.open(fresh.url, 0, { retention: { preemptions: 10 } }), pools: [{ name: 'q', capacity: { cpu: 4, memory: 16 }, nodes: 1 }] });
    let s = await open();
    const start = s.preemptionWindow();
    const base = start.first + start.records.length;
    // Enough records that the newest 10 positions run from below 10 to above it (or cross the next power of ten).
    const n = 12;
    for (let i = 0; i < n; i++) {
      s.allocate({ id: `lo${i}`, units: 4, priority: 'low', preemptible: true });
      s.allocate({ id: `hi${i}`, units: 4, priority: 'critical' });
      s.release(`hi${i}`);
    }
    const w1 = s.preemptionWindow();
    const positions1 = w1.records.map((r, i) => `${w1.first + i}:${r.allocationId}`);
    await s.shutdown();
    s = await open();
    const w2 = s.preemptionWindow();
    const positions2 = w2.records.map((r, i) => `${w2.first + i}:${r.allocationId}`);
    expect(positions2).toEqual(positions1.slice(-10));
    expect(positions2.at(-1)).toBe(`${base + n - 1}:lo${n - 1}`);
    await s.shutdown();
  }, 60_000);
});

/**
 * Preemption positions are counted by the scheduler; a takeover used to take them from the stored
 * sequence (`seq - 1` of the oldest record it loads). PostgreSQL sequences are not rolled back: a
 * commit that failed after inserting preemption records (and a database crash, which can advance
 * a sequence by up to 32) left a hole, and once the newest records a takeover loads were all past
 * it, their positions moved forward by its size: a client holding a cursor saw records again.
 */
describe('PostgreSQL: preemption positions across a hole in the sequence', () => {
  let db: FreshDatabase | undefined;
  usePgDatabase('prehole', 'the PostgreSQL preemption-position test', (d) => (db = d));

  it('a takeover gives the records it loads the positions the leader before it gave them', async () => {
    if (db === undefined) return;
    const url = db.url;
    const open = async (): Promise<ResourceScheduler> =>
      ResourceScheduler.create({ timers: false, preemption: true, preemptionLimit: 3, durability: 'group', store: await PgStore.open(url, 0, { retention: { preemptions: 3 } }), pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }] });
    const preempt = (s: ResourceScheduler, from: number, n: number): void => {
      for (let i = from; i < from + n; i++) {
        s.allocate({ id: `lo${i}`, units: 4, priority: 'low', preemptible: true });
        s.allocate({ id: `hi${i}`, units: 4, priority: 'critical' });
        s.release(`hi${i}`);
      }
    };
    const positions = (s: ResourceScheduler): string[] => {
      const w = s.preemptionWindow();
      return w.records.map((r, i) => `${w.first + i}:${r.allocationId}`);
    };
    let s = await open();
    preempt(s, 0, 2);
    await s.shutdown();
    // A commit that inserted a preemption record and then failed (here: an event id already taken), rolled back.
    const store = await PgStore.open(url, 0);
    const record = { allocationId: 'ghost', tenant: 'default', pool: 'p', node: 'p-0', forRequestId: 'x', forTenant: 'default', kind: 'priority' as const, reason: 'r', atMs: 0 };
    await expect(store.commitAsync([{ kind: 'preemption', record, position: 2 }, { kind: 'event', event: { id: 1, type: 'scaled', tenant: null, atMs: 0, data: {} } }])).rejects.toThrow(/duplicate key/);
    await store.close();
    s = await open();
    expect(positions(s)).toEqual(['0:lo0', '1:lo1']);
    preempt(s, 2, 4);
    const before = positions(s);
    expect(before).toEqual(['3:lo3', '4:lo4', '5:lo5']);
    await s.shutdown();
    s = await open();
    expect(positions(s)).toEqual(before);
    preempt(s, 6, 1);
    expect(positions(s).at(-1)).toBe('6:lo6');
    await s.shutdown();
  }, 60_000);

  it('a leader of the previous version (records without positions) still commits after records with them', async () => {
    if (db === undefined) return;
    const c = await client(db.url);
    try {
      const max = Number((await c.query<{ m: string }>('SELECT max(seq) AS m FROM drs_preemptions')).rows[0]?.m);
      expect(max).toBeGreaterThan(0);
      await c.query('SELECT drs_commit(0, $1::jsonb)', [JSON.stringify({ pre: [JSON.stringify({ allocationId: 'old-version' })] })]);
      const r = (await c.query<{ seq: string; json: string }>('SELECT seq, json FROM drs_preemptions ORDER BY seq DESC LIMIT 1')).rows[0];
      expect(Number(r?.seq)).toBe(max + 1);
      expect(r?.json).toContain('old-version');
    } finally {
      await c.end();
    }
  }, 60_000);

  it('a store written by sequence, with a hole among the records a takeover loads, takes the next positions past every stored one', async () => {
    const fresh = await freshDatabase('preholes');
    try {
      const setup = await PgStore.open(fresh.url, 0); // the schema
      await setup.close();
      const c = await client(fresh.url);
      try {
        const old = (id: string): Promise<unknown> => c.query('SELECT drs_commit(0, $1::jsonb)', [JSON.stringify({ pre: [JSON.stringify({ allocationId: id, tenant: 'default', pool: 'p', node: 'p-0', forRequestId: 'x', forTenant: 'default', kind: 'priority', reason: 'r', atMs: 0 })] })]);
        await old('old1');
        await old('old2');
        await c.query(`SELECT nextval(pg_get_serial_sequence('drs_preemptions', 'seq'))`); // a hole (a rolled-back commit)
        await old('old4');
      } finally {
        await c.end();
      }
      const s = await ResourceScheduler.create({ timers: false, preemption: true, preemptionLimit: 3, durability: 'group', store: await PgStore.open(fresh.url, 0, { retention: { preemptions: 3 } }), pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }] });
      try {
        s.allocate({ id: 'lo', units: 4, priority: 'low', preemptible: true });
        s.allocate({ id: 'hi', units: 4, priority: 'critical' });
        await s.durable(); // before: position 3 → seq 4, taken: the commit failed
        const w = s.preemptionWindow();
        expect(w.records.map((r, i) => `${w.first + i}:${r.allocationId}`)).toEqual(['1:old1', '2:old2', '3:old4', '4:lo']); // counted back from the newest: the hole moves the older ones up
      } finally {
        await s.shutdown();
      }
    } finally {
      await fresh.drop();
    }
  }, 60_000);
});
