import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TOKENS, call } from './helpers.js';
import type { ScaleAction, ScalingPolicy } from '../../src/autoscale/policy.js';
import { startServer } from '../../src/scheduler/http.js';
import { MemoryStore, ResourceScheduler, SqliteStore, type StateStore } from '../../src/scheduler/index.js';

/*
 * PoolInfo.billing: the simulator's billing rule (a node costs its pool's pricePerHour from
 * provisioning to removal, booting and failed time included) on the scheduler's clock, kept in
 * the store. Values below are worked by hand from the clock steps.
 */

const MIN = 60_000;
const dir = mkdtempSync(path.join(tmpdir(), 'drs-billing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scaling policy that does what the test says at the next `scale()`. */
function scripted(): ScalingPolicy & { next: ScaleAction[] } {
  return {
    name: 'scripted',
    intervalSeconds: 60,
    next: [],
    decide() {
      const out = this.next;
      this.next = [];
      return out;
    },
  };
}

function make(store: StateStore, clock: { now: number }, policy = scripted()) {
  const s = new ResourceScheduler({
    timers: false,
    clock: () => clock.now,
    store,
    scaling: policy,
    pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: { min: 0, max: 3, initial: 1 }, pricePerHour: 2, bootSeconds: 600 }],
  });
  return { s, policy, billing: () => s.getPool('p')?.billing };
}

describe('pool billing', () => {
  it('2 nodes at $3/h for 30 min cost $3.00 (1 node-hour), at $6/h now', () => {
    let now = 1_000_000;
    const s = new ResourceScheduler({ timers: false, clock: () => now, pools: [{ name: 'w', capacity: { cpu: 4 }, nodes: 2, pricePerHour: 3 }] });
    expect(s.getPool('w')?.billing).toEqual({ nodeHours: 0, cost: 0, costPerHour: 6, billedNodes: 2 });
    now += 30 * MIN;
    expect(s.getPool('w')?.billing).toEqual({ nodeHours: 1, cost: 3, costPerHour: 6, billedNodes: 2 });
    // JSON (the HTTP body of GET /v1/pools) carries it as is.
    expect(JSON.parse(JSON.stringify(s.listPools()[0])).billing).toEqual({ nodeHours: 1, cost: 3, costPerHour: 6, billedNodes: 2 });
    s.close();
  });

  it('bills a node from provisioning (booting included) to removal, and a failed node while it is failed', () => {
    const clock = { now: 0 };
    const { s, policy, billing } = make(new MemoryStore(), clock);
    policy.next = [{ pool: 0, delta: 1, reason: 'test' }];
    expect(s.scale().map((e) => e.action)).toEqual(['provision']);
    expect(billing()).toMatchObject({ costPerHour: 4, billedNodes: 2 }); // booting: billed
    clock.now = 10 * MIN;
    s.tick(); // boot finished
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 2, booting: 0 });
    clock.now = 60 * MIN;
    policy.next = [{ pool: 0, delta: -1, reason: 'test' }];
    const removed = s.scale();
    expect(removed.map((e) => e.action)).toEqual(['remove']);
    // Node 0: 60 min; the removed node: 60 min. 2 node-hours × $2.
    expect(billing()).toEqual({ nodeHours: 2, cost: 4, costPerHour: 2, billedNodes: 1 });
    clock.now = 90 * MIN;
    expect(billing()).toEqual({ nodeHours: 2.5, cost: 5, costPerHour: 2, billedNodes: 1 });
    // A failed node is still paid for.
    expect(s.failNode('p', removed[0]?.nodeId === 0 ? 1 : 0).status).toBe('failed');
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 0, failed: 1 });
    clock.now = 120 * MIN;
    expect(billing()).toEqual({ nodeHours: 3, cost: 6, costPerHour: 2, billedNodes: 1 });
    s.close();
  });

  it('continues after a restart from a SQLite store (the node was billed while the scheduler was down)', async () => {
    const file = path.join(dir, 'restart.db');
    const clock = { now: 5 * MIN };
    const a = make(new SqliteStore(file), clock);
    a.policy.next = [{ pool: 0, delta: 1, reason: 'test' }];
    a.s.scale();
    clock.now = 35 * MIN;
    a.policy.next = [{ pool: 0, delta: -1, reason: 'test' }]; // the booting node goes (the idle one the caller picks)
    expect(a.s.scale().map((e) => e.action)).toEqual(['remove']);
    expect(a.billing()).toEqual({ nodeHours: 1, cost: 2, costPerHour: 2, billedNodes: 1 });
    await a.s.shutdown();
    clock.now = 95 * MIN; // down for an hour
    const b = make(new SqliteStore(file), clock);
    // Node 0: 5 → 95 min = 1.5 h; the removed node: 5 → 35 min = 0.5 h.
    expect(b.billing()).toEqual({ nodeHours: 2, cost: 4, costPerHour: 2, billedNodes: 1 });
    await b.s.shutdown();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT id, status, provisioned_at_ms, removed_at_ms FROM nodes ORDER BY id').all()).toEqual([
      { id: 0, status: 'up', provisioned_at_ms: 5 * MIN, removed_at_ms: null },
      { id: 1, status: 'removed', provisioned_at_ms: 5 * MIN, removed_at_ms: 35 * MIN },
    ]);
    db.close();
  });

  it('a node alive 1 h before a restart and 1 h after bills 2 h (not 1, not 3), read or not before the restart', async () => {
    for (const readBefore of [true, false]) {
      const file = path.join(dir, `alive-${readBefore}.db`);
      const clock = { now: 10 * MIN };
      const a = make(new SqliteStore(file), clock); // node 0 provisioned at 10 min
      clock.now = 70 * MIN;
      if (readBefore) expect(a.billing()).toEqual({ nodeHours: 1, cost: 2, costPerHour: 2, billedNodes: 1 });
      await a.s.shutdown();
      const b = make(new SqliteStore(file), clock); // restarted at once
      if (readBefore) expect(b.billing()).toEqual({ nodeHours: 1, cost: 2, costPerHour: 2, billedNodes: 1 });
      clock.now = 130 * MIN;
      expect(b.billing()).toEqual({ nodeHours: 2, cost: 4, costPerHour: 2, billedNodes: 1 });
      await b.s.shutdown();
      // A third start reads the same 2 h (nothing is added by starting).
      const c = make(new SqliteStore(file), clock);
      expect(c.billing()).toEqual({ nodeHours: 2, cost: 4, costPerHour: 2, billedNodes: 1 });
      await c.s.shutdown();
    }
  });

  it('bills a live node of a store written before billing times from the first start that reads it, and keeps that start', async () => {
    const file = path.join(dir, 'old.db');
    const clock = { now: 0 };
    const a = make(new SqliteStore(file), clock);
    await a.s.shutdown();
    const db = new Database(file);
    db.exec('UPDATE nodes SET provisioned_at_ms = NULL'); // as a version-3 file has it
    db.close();
    clock.now = 60 * MIN;
    const b = make(new SqliteStore(file), clock);
    expect(b.billing()).toEqual({ nodeHours: 0, cost: 0, costPerHour: 2, billedNodes: 1 });
    await b.s.shutdown();
    clock.now = 90 * MIN;
    const c = make(new SqliteStore(file), clock);
    expect(c.billing()).toEqual({ nodeHours: 0.5, cost: 1, costPerHour: 2, billedNodes: 1 });
    await c.s.shutdown();
  });

  it('does not bill a removed node stored without its removal time (cost unknown), rather than bill it forever', async () => {
    const file = path.join(dir, 'no-removal.db');
    const clock = { now: 0 };
    const a = make(new SqliteStore(file), clock);
    a.policy.next = [{ pool: 0, delta: 1, reason: 'test' }];
    a.s.scale();
    clock.now = 30 * MIN;
    a.policy.next = [{ pool: 0, delta: -1, reason: 'test' }];
    a.s.scale();
    await a.s.shutdown();
    const db = new Database(file);
    db.exec(`UPDATE nodes SET removed_at_ms = NULL WHERE status = 'removed'`);
    db.close();
    clock.now = 60 * MIN;
    const b = make(new SqliteStore(file), clock);
    expect(b.billing()).toEqual({ nodeHours: 1, cost: 2, costPerHour: 2, billedNodes: 1 }); // node 0 only
    await b.s.shutdown();
  });
});

describe('GET /metrics: billing per pool', () => {
  it('exports node-hours and cost as counters and the cost rate as a gauge, with HELP and TYPE', async () => {
    let now = 0;
    const srv = await startServer(
      { port: 0, tokens: TOKENS, pools: [{ name: 'w', capacity: { cpu: 4 }, nodes: 2, pricePerHour: 3 }] },
      { schedulerOptions: { timers: false, clock: () => now } },
    );
    try {
      now = 30 * MIN;
      const text = (await call(srv.url, 'GET', '/metrics')).body as string;
      expect(text).toContain('# HELP drs_pool_node_hours_total Node-hours billed to a pool');
      expect(text).toContain('# TYPE drs_pool_node_hours_total counter\ndrs_pool_node_hours_total{pool="w"} 1\n');
      expect(text).toContain('# TYPE drs_pool_cost_total counter\ndrs_pool_cost_total{pool="w"} 3\n');
      expect(text).toContain('# TYPE drs_pool_cost_per_hour gauge\ndrs_pool_cost_per_hour{pool="w"} 6\n');
    } finally {
      await srv.close();
    }
  });
});

describe('pool billing under node churn', () => {
  /**
   * 300 cycles of 3 nodes provisioned and, 30 minutes later, removed (no boot time), with one node
   * kept throughout: each cycle bills 3 × 0.5 = 1.5 node-hours. Billing keeps an entry for the
   * nodes not removed only (before: two per node the pool ever had, so a long-lived service under
   * autoscaling grew by every node it ever provisioned), and the figures are the same as worked by
   * hand, before and after a restart.
   */
  it('keeps entries for the live nodes only, with the same figures, and a restart restores them exactly', async () => {
    const clock = { now: 0 };
    const file = path.join(dir, 'churn.db');
    const policy = scripted();
    const options = (store: StateStore) => ({
      timers: false,
      clock: () => clock.now,
      store,
      scaling: policy,
      pools: [{ name: 'c', capacity: { cpu: 8, memory: 32 }, nodes: { min: 1, max: 4, initial: 1 }, pricePerHour: 2 }],
    });
    let s = new ResourceScheduler(options(new SqliteStore(file)));
    const entries = (): number => (s as unknown as { pools: { billedNodeEntries: number } }).pools.billedNodeEntries;
    for (let c = 0; c < 300; c++) {
      policy.next = [{ pool: 0, delta: 3, reason: 'up' }];
      expect(s.scale().filter((e) => e.action === 'provision')).toHaveLength(3);
      expect(entries()).toBe(4);
      clock.now += 30 * MIN;
      policy.next = [{ pool: 0, delta: -3, reason: 'down' }];
      expect(s.scale().filter((e) => e.action === 'remove')).toHaveLength(3);
      expect(entries()).toBe(1);
    }
    // 300 cycles × 1.5 node-hours removed, plus the kept node's 150 hours.
    const want = { nodeHours: 450 + 150, cost: 2 * (450 + 150), costPerHour: 2, billedNodes: 1 };
    const b = s.getPool('c')?.billing;
    expect(b?.nodeHours).toBeCloseTo(want.nodeHours, 9);
    expect(b?.cost).toBeCloseTo(want.cost, 9);
    expect({ costPerHour: b?.costPerHour, billedNodes: b?.billedNodes }).toEqual({ costPerHour: 2, billedNodes: 1 });
    await s.shutdown();
    s = new ResourceScheduler(options(new SqliteStore(file)));
    expect(s.getPool('c')?.billing).toEqual(b); // the same numbers, to the last bit
    expect(entries()).toBe(1); // the 900 removed nodes' rows are folded into the total, not kept
    // The removed nodes' rows keep their billing times (what a restart folds in).
    const db = new Database(file, { readonly: true });
    const row = db.prepare(`SELECT count(*) AS n, min(provisioned_at_ms) AS p, max(removed_at_ms) AS r FROM nodes WHERE status = 'removed'`).get();
    db.close();
    expect(row).toEqual({ n: 900, p: 0, r: 300 * 30 * MIN });
    await s.shutdown();
  });
});
