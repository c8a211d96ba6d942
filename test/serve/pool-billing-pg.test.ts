import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { ServiceMetrics } from '../../src/scheduler/metrics.js';
import { freshDatabase, type FreshDatabase, usePgDatabase } from './pg-support.js';

/* PoolInfo.billing across a restart on the PostgreSQL store, and a version-2 schema upgraded (see test/scheduler/pool-billing.test.ts). */

const MIN = 60_000;

describe('pool billing on PostgreSQL', () => {
  let db: FreshDatabase | undefined;
  usePgDatabase('billing', 'the PostgreSQL billing test', (d) => (db = d));

  it("keeps the nodes' billing times; a version-2 store is upgraded, its nodes billed from that start, and an old leader's rows keep them", async () => {
    if (db === undefined) return;
    const url = db.url;
    const lead = await PgLeadership.connect(url, 'http://billing-test');
    const term = (await lead.tryAcquire()) as number;
    let now = 0;
    const make = async () =>
      new ResourceScheduler({
        timers: false,
        durability: 'group',
        clock: () => now,
        store: await PgStore.open(url, term),
        pools: [{ name: 'w', capacity: { cpu: 4 }, nodes: 2, pricePerHour: 3 }],
      });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await (await make()).shutdown();
      now = 30 * MIN;
      const s1 = await make();
      expect(s1.getPool('w')?.billing).toEqual({ nodeHours: 1, cost: 3, costPerHour: 6, billedNodes: 2 });
      await s1.shutdown();
      // Back to version 2 (no billing columns); the next start upgrades it and bills the nodes from then.
      await c.query(`ALTER TABLE drs_nodes DROP COLUMN provisioned_at_ms, DROP COLUMN removed_at_ms; UPDATE drs_meta SET value = '2' WHERE key = 'schema'`);
      now = 60 * MIN;
      const s2 = await make();
      expect(s2.getPool('w')?.billing).toEqual({ nodeHours: 0, cost: 0, costPerHour: 6, billedNodes: 2 });
      await s2.shutdown();
      expect((await c.query(`SELECT value FROM drs_meta WHERE key = 'schema'`)).rows[0]).toEqual({ value: '5' });
      expect((await c.query('SELECT id, provisioned_at_ms, removed_at_ms FROM drs_nodes ORDER BY id')).rows).toEqual([
        { id: 0, provisioned_at_ms: 60 * MIN, removed_at_ms: null },
        { id: 1, provisioned_at_ms: 60 * MIN, removed_at_ms: null },
      ]);
      // A leader of version 2 during a rolling upgrade writes node rows without times: the stored ones stay.
      await c.query(`SELECT drs_commit($1, '{"nodes":[{"id":0,"pool":0,"status":"failed","ready":null}]}'::jsonb)`, [term]);
      now = 90 * MIN;
      const s3 = await make();
      expect(s3.getPool('w')?.nodes).toMatchObject({ up: 1, failed: 1 });
      expect(s3.getPool('w')?.billing).toEqual({ nodeHours: 1, cost: 3, costPerHour: 6, billedNodes: 2 });
      await s3.shutdown();
    } finally {
      await c.end();
      await lead.stop();
    }
  }, 60_000);

  it('a node alive 1 h before a restart (read then) and 1 h after bills 2 h, not 1 and not 3; /metrics does not go down on a clock behind', async () => {
    if (db === undefined) return;
    const own = await freshDatabase('billing_alive');
    const url = own.url;
    const lead = await PgLeadership.connect(url, 'http://billing-test-2');
    const term = (await lead.tryAcquire()) as number;
    let now = 10 * MIN;
    const make = async () =>
      new ResourceScheduler({ timers: false, durability: 'group', clock: () => now, store: await PgStore.open(url, term), pools: [{ name: 'w', capacity: { cpu: 4 }, nodes: 1, pricePerHour: 3 }] });
    try {
      const s1 = await make();
      now = 70 * MIN;
      expect(s1.getPool('w')?.billing).toEqual({ nodeHours: 1, cost: 3, costPerHour: 3, billedNodes: 1 });
      await s1.shutdown();
      const s2 = await make();
      expect(s2.getPool('w')?.billing).toEqual({ nodeHours: 1, cost: 3, costPerHour: 3, billedNodes: 1 });
      now = 130 * MIN;
      expect(s2.getPool('w')?.billing).toEqual({ nodeHours: 2, cost: 6, costPerHour: 3, billedNodes: 1 });
      await s2.shutdown();
      // Exported at 130 min, then restarted on a clock 10 min behind (a standby behind the old leader): /metrics does not go down.
      const s3 = await make();
      const scrape = async (s: ResourceScheduler): Promise<string> => {
        const m = new ServiceMetrics(s);
        const text = await m.registry.metrics();
        m.close();
        return text;
      };
      expect(await scrape(s3)).toContain('drs_pool_node_hours_total{pool="w"} 2\n');
      await s3.shutdown();
      now = 120 * MIN;
      const s4 = await make();
      expect(await scrape(s4)).toContain('drs_pool_node_hours_total{pool="w"} 2\n');
      await s4.shutdown();
    } finally {
      await lead.stop();
      await own.drop();
    }
  }, 60_000);
});
