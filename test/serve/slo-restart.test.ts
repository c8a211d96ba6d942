import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { Priority } from '../../src/core/priority.js';
import { MemoryStore, ResourceScheduler, SqliteStore, type ResourceSchedulerOptions, type StateStore } from '../../src/scheduler/index.js';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

/**
 * SLO figures across restarts (src/scheduler/slo.ts): `sloAttainment()` covers the service's life
 * as the store keeps it, and a request queued before a restart is counted once when it starts (or
 * leaves) after it, its wait measured from its original submission.
 *
 * By hand, on an epoch clock (T = 6 December 2026 00:00 UTC), one node of 4 cpu, a priority queue,
 * SLO waits high 2 s, medium 30 s, every request 4 cpu:
 *   T+0    A high: placed at once, wait 0, met. B high, C medium, D low (own SLO 100 s, timeout 200 s) queue.
 *   T+1 s  restart 1: met 1, 3 pending.
 *   T+2.5 s A released: B starts, wait 2.5 s from its submission: missed (2 s). Measured from the
 *          restart it would be 1.5 s, met.
 *   T+31 s tick: C, still waiting past its 30 s, is counted missed now.
 *   T+32 s restart 2: C's row says it was counted.
 *   T+40 s B released: C starts, wait 40 s observed, not counted again (medium: 1 missed, not 2).
 *   T+200 s tick: D times out: missed.
 *   restart 3: high 1 met 1 missed, medium 1 missed, low 1 missed; overall 1 of 4; none pending.
 */
const T = Date.UTC(2026, 11, 6);
const dir = mkdtempSync(path.join(tmpdir(), 'drs-slo-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Open = () => StateStore | Promise<StateStore>;

const clock = { now: T };
function options(store: StateStore, extra: Partial<ResourceSchedulerOptions> = {}): ResourceSchedulerOptions {
  return {
    store,
    clock: () => clock.now,
    timers: false,
    queue: { policy: 'priority', timeoutMs: 3_600_000 },
    sloWaitMs: { high: 2000, medium: 30_000 },
    pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
    ...(store.asyncOnly === true ? { durability: 'group' as const } : {}),
    ...extra,
  };
}

/** Start a scheduler on `open()`'s store, recording the waits it observes. */
async function start(open: Open, extra: Partial<ResourceSchedulerOptions> = {}): Promise<{ s: ResourceScheduler; waits: [Priority, number][] }> {
  const s = await ResourceScheduler.create(options(await open(), extra));
  const waits: [Priority, number][] = [];
  s.observeSlo({ wait: (p, seconds) => waits.push([p, seconds]) });
  return { s, waits };
}

const cls = (met: number, missed: number) => ({ withSlo: met + missed, met, missed, attainment: met + missed > 0 ? met / (met + missed) : null });

async function scenario(open: Open): Promise<void> {
  clock.now = T;
  const p1 = await start(open);
  expect(p1.s.allocate({ id: 'A', priority: 'high', units: 4 }).status).toBe('allocated');
  expect(p1.s.allocate({ id: 'B', priority: 'high', units: 4 }).status).toBe('queued');
  expect(p1.s.allocate({ id: 'C', priority: 'medium', units: 4 }).status).toBe('queued');
  expect(p1.s.allocate({ id: 'D', priority: 'low', units: 4, sloWaitMs: 100_000, queueTimeoutMs: 200_000 }).status).toBe('queued');
  expect(p1.waits).toEqual([['high', 0]]);
  clock.now = T + 1000;
  await p1.s.shutdown();

  const p2 = await start(open);
  let a = p2.s.sloAttainment();
  expect(a.byPriority.high).toEqual(cls(1, 0));
  expect(a.pending).toBe(3); // B, C, D: followed again
  clock.now = T + 2500;
  p2.s.release('A');
  expect(p2.s.getAllocation('B')).toBeDefined();
  expect(p2.waits).toEqual([['high', 2.5]]); // from its submission at T, not from the restart
  expect(p2.s.sloAttainment().byPriority.high).toEqual(cls(1, 1));
  clock.now = T + 31_000;
  p2.s.tick();
  a = p2.s.sloAttainment();
  expect(a.byPriority.medium).toEqual(cls(0, 1));
  expect(a.pending).toBe(1); // D
  clock.now = T + 32_000;
  await p2.s.shutdown();

  const p3 = await start(open);
  expect(p3.s.sloAttainment().byPriority.medium).toEqual(cls(0, 1));
  expect(p3.s.sloAttainment().pending).toBe(1);
  clock.now = T + 40_000;
  p3.s.release('B');
  expect(p3.s.getAllocation('C')).toBeDefined();
  expect(p3.waits).toEqual([['medium', 40]]);
  expect(p3.s.sloAttainment().byPriority.medium).toEqual(cls(0, 1)); // not counted twice
  clock.now = T + 200_000;
  p3.s.tick();
  expect(p3.s.status('D')).toMatchObject({ status: 'ended', how: 'timed-out' });
  await p3.s.shutdown();

  const p4 = await start(open);
  a = p4.s.sloAttainment();
  expect(a.byPriority).toMatchObject({ high: cls(1, 1), medium: cls(0, 1), low: cls(0, 1), critical: cls(0, 0) });
  expect(a.overall).toEqual(cls(1, 3));
  expect(a.pending).toBe(0);
  await p4.s.shutdown();
}

/** E is placed (met), its node fails and E is requeued; restarted, it starts again when the node is repaired: counted once. */
async function requeued(open: Open): Promise<void> {
  clock.now = T;
  const extra = { queue: { policy: 'fcfs' as const, requeuePreempted: true } };
  const p1 = await start(open, extra);
  expect(p1.s.allocate({ id: 'E', priority: 'high', units: 4 }).status).toBe('allocated');
  expect(p1.s.failNode('p', 0)).toMatchObject({ status: 'failed', requeued: true });
  expect(p1.s.status('E')).toMatchObject({ status: 'queued' });
  await p1.s.shutdown();
  const p2 = await start(open, extra);
  expect(p2.s.sloAttainment()).toMatchObject({ overall: cls(1, 0), pending: 0 });
  clock.now = T + 10_000; // far past its 2 s SLO: it had met it at its first start
  p2.s.tick();
  p2.s.repairNode('p', 0);
  expect(p2.s.getAllocation('E')).toBeDefined();
  expect(p2.waits).toEqual([]); // only the first start's wait counts
  expect(p2.s.sloAttainment()).toMatchObject({ overall: cls(1, 0), pending: 0 });
  await p2.s.shutdown();
}

describe('SLO figures across a restart', () => {
  it('MemoryStore (the same store object)', async () => {
    const store = new MemoryStore();
    await scenario(() => store);
    const again = new MemoryStore();
    await requeued(() => again);
  });

  it('SqliteStore (a file, reopened at each restart)', async () => {
    const file = path.join(dir, 'slo.db');
    await scenario(() => new SqliteStore(file));
    const db = new Database(file, { readonly: true });
    expect(JSON.parse((db.prepare(`SELECT value FROM meta WHERE key = 'slo'`).get() as { value: string }).value)).toEqual({ met: { high: 1 }, missed: { high: 1, medium: 1, low: 1 } });
    db.close();
    const requeueFile = path.join(dir, 'requeued.db');
    await requeued(() => new SqliteStore(requeueFile));
  });

  it('a version-4 SQLite file is upgraded: counts from 0, its queued requests not counted (unknown whether they had started), new ones counted', async () => {
    const file = path.join(dir, 'v4.db');
    clock.now = T;
    const p1 = await start(() => new SqliteStore(file));
    p1.s.allocate({ id: 'A', priority: 'high', units: 4 });
    p1.s.allocate({ id: 'B', priority: 'high', units: 4 });
    await p1.s.shutdown();
    // As version 4 wrote it: no slo column, no counts.
    const db = new Database(file);
    db.exec(`ALTER TABLE waiting DROP COLUMN slo; DELETE FROM meta WHERE key = 'slo'; UPDATE meta SET value = '4' WHERE key = 'schema';`);
    db.close();
    const p2 = await start(() => new SqliteStore(file));
    expect(p2.s.sloAttainment()).toMatchObject({ overall: cls(0, 0), pending: 0 });
    clock.now = T + 1000;
    p2.s.release('A');
    expect(p2.s.getAllocation('B')).toBeDefined();
    expect(p2.waits).toEqual([]);
    expect(p2.s.allocate({ id: 'F', priority: 'high', units: 4 }).status).toBe('queued');
    clock.now = T + 2000;
    p2.s.release('B'); // F: wait 1 s, met
    expect(p2.s.sloAttainment()).toMatchObject({ overall: cls(1, 0), pending: 0 });
    await p2.s.shutdown();
    const check = new Database(file, { readonly: true });
    expect((check.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string }).value).toBe('6');
    check.close();
  });

  it('a damaged SLO entry in a state file is named, not half-read', async () => {
    const file = path.join(dir, 'damaged.db');
    clock.now = T;
    const p1 = await start(() => new SqliteStore(file));
    p1.s.allocate({ id: 'A', priority: 'high', units: 4 });
    p1.s.allocate({ id: 'B', priority: 'high', units: 4 });
    await p1.s.shutdown();
    let db = new Database(file);
    db.exec(`UPDATE waiting SET slo = 'later' WHERE id = 'B'`);
    db.close();
    // The caller's store stays the caller's to close when the scheduler refuses it.
    let store = new SqliteStore(file);
    expect(() => new ResourceScheduler(options(store))).toThrow(`${file}: queued request 'B' has SLO state "later", expected one of open, missed, requeued`);
    expect(() => new ResourceScheduler(options(store))).toThrow(UserError); // drs serve prints it in one line, exit 2
    store.close();
    db = new Database(file);
    db.exec(`UPDATE waiting SET slo = 'open'; UPDATE meta SET value = '{"met":{"high":-1},"missed":{}}' WHERE key = 'slo'`);
    db.close();
    store = new SqliteStore(file);
    expect(() => new ResourceScheduler(options(store))).toThrow(`${file}: the SLO counts are "{\\"met\\":{\\"high\\":-1},\\"missed\\":{}}", expected {"met": {PRIORITY: count}, "missed": {PRIORITY: count}}`);
    store.close();
  });

  describe('PgStore', () => {
    let db: FreshDatabase | undefined;
    usePgDatabase('slo', 'the PostgreSQL SLO restart test', (d) => (db = d));

    it('counts a request queued before a restart once, from its submission; a version-3 store is upgraded', async () => {
      if (db === undefined) return;
      const url = db.url;
      const lead = await PgLeadership.connect(url, 'http://slo-test');
      const term = (await lead.tryAcquire()) as number;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await scenario(() => PgStore.open(url, term));
        expect(JSON.parse((await c.query<{ value: string }>(`SELECT value FROM drs_meta WHERE key = 'slo'`)).rows[0]?.value as string)).toEqual({
          met: { high: 1 },
          missed: { high: 1, medium: 1, low: 1 },
        });
        // A queued request of a version-3 store (no slo column): not counted; the counts kept so far stay.
        clock.now = T + 300_000;
        const p1 = await start(() => PgStore.open(url, term));
        expect(p1.s.allocate({ id: 'G', priority: 'high', units: 4 }).status).toBe('queued'); // C holds the node
        await p1.s.shutdown();
        await c.query(`ALTER TABLE drs_waiting DROP COLUMN slo; UPDATE drs_meta SET value = '3' WHERE key = 'schema'`);
        const p2 = await start(() => PgStore.open(url, term));
        expect((await c.query(`SELECT value FROM drs_meta WHERE key = 'schema'`)).rows[0]).toEqual({ value: '5' });
        expect(p2.s.sloAttainment()).toMatchObject({ overall: cls(1, 3), pending: 0 });
        p2.s.release('C');
        expect(p2.s.getAllocation('G')).toBeDefined();
        expect(p2.s.sloAttainment()).toMatchObject({ overall: cls(1, 3), pending: 0 });
        await p2.s.shutdown();
      } finally {
        await c.end();
        await lead.stop();
      }
    }, 60_000);
  });
});
