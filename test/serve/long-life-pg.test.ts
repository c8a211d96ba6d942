/**
 * The long-life bounds on PostgreSQL (`drs_commit` prunes; a takeover loads only what is kept):
 * rejected ids apart from the others, the preemption log's and the audit log's retention.
 * The SQLite and in-memory sides: test/scheduler/long-life.test.ts.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { ResourceScheduler } from '../../src/scheduler/scheduler.js';
import { freshDatabase, pgAvailable } from './pg-support.js';

let db: { url: string; drop: () => Promise<void> };
beforeAll(async () => {
  const why = await pgAvailable();
  if (why !== undefined) throw new Error(why);
  db = await freshDatabase('longlife');
});
afterAll(async () => db?.drop());

const retention = { preemptions: 50, audit: 100 };
const build = async (): Promise<ResourceScheduler> =>
  ResourceScheduler.create({
    timers: false,
    preemption: true,
    preemptionLimit: 50,
    durability: 'group',
    store: await PgStore.open(db.url, 0, { retention }),
    pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }],
  });

async function count(table: string): Promise<{ n: number; lo: number | null }> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query<{ n: string; lo: string | null }>(`SELECT count(*)::text AS n, min(seq)::text AS lo FROM ${table}`);
    return { n: Number(r.rows[0]?.n), lo: r.rows[0]?.lo == null ? null : Number(r.rows[0].lo) };
  } finally {
    await c.end();
  }
}

describe('long life on PostgreSQL', () => {
  it('prunes rejected ids apart from the others, and keeps the newest preemption and audit records across a takeover', async () => {
    let s = await build();
    expect(s.allocate({ id: 'done', units: 1 }).status).toBe('allocated');
    s.release('done');
    for (let i = 0; i < 11_000; i++) {
      expect(s.allocate({ id: `never${i}`, units: 1000 }).status).toBe('rejected');
      if (i % 1000 === 999) await s.durable();
    }
    for (let i = 0; i < 1100; i++) {
      s.allocate({ id: `low${i}`, units: 4, priority: 'low', preemptible: true });
      s.allocate({ id: `crit${i}`, units: 4, priority: 'critical' });
      s.release(`crit${i}`);
      s.appendAudit({ atMs: i, actor: 'admin#00000000', method: 'POST', route: '/v1/allocations', target: `crit${i}`, status: 201, result: 'allocated' });
      if (i % 100 === 99) await s.durable();
    }
    await s.shutdown();
    // Pruned at the 1,000th write of each to the newest N, then 100 more.
    expect(await count('drs_preemptions')).toEqual({ n: 50 + 100, lo: 1000 - 50 + 1 });
    expect(await count('drs_audit')).toEqual({ n: 100 + 100, lo: 1000 - 100 + 1 });
    s = await build();
    expect(s.status('done')).toMatchObject({ status: 'ended', how: 'released' }); // not pushed out by 11,000 rejections
    expect(s.status('never10999')).toMatchObject({ status: 'ended', how: 'rejected' });
    const w = s.preemptionWindow();
    expect(w.records.length).toBe(50);
    expect(w.first + w.records.length).toBe(1100);
    expect(w.records.at(-1)?.allocationId).toBe('low1099');
    await s.shutdown();
  }, 120_000);

  it('a takeover continues the preemption positions when the store keeps none (retention 0) and memory keeps 100', async () => {
    // Before: max(seq) of the emptied table restarted positions at 0, so a list cursor from before skipped every new record.
    const fresh = await freshDatabase('positions');
    try {
      const open = async (): Promise<ResourceScheduler> =>
        ResourceScheduler.create({ timers: false, preemption: true, preemptionLimit: 100, durability: 'group', store: await PgStore.open(fresh.url, 0, { retention: { preemptions: 0 } }), pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }] });
      const preempt = (s: ResourceScheduler, from: number, n: number): void => {
        for (let i = from; i < from + n; i++) {
          s.allocate({ id: `low${i}`, units: 4, priority: 'low', preemptible: true });
          s.allocate({ id: `crit${i}`, units: 4, priority: 'critical' });
          s.release(`crit${i}`);
        }
      };
      let s = await open();
      preempt(s, 0, 250);
      await s.shutdown();
      s = await open();
      const w = s.preemptionWindow();
      expect(w.records.length).toBe(0);
      expect(w.first).toBe(250);
      preempt(s, 250, 1);
      expect(s.preemptionWindow().first + s.preemptionWindow().records.length).toBe(251);
      expect(s.preemptionWindow().records.at(-1)?.allocationId).toBe('low250');
      await s.shutdown();
    } finally {
      await fresh.drop();
    }
  }, 120_000);
});
