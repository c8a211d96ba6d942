import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScaleAction, ScalingPolicy } from '../../src/autoscale/policy.js';
import { ResourceScheduler, SqliteStore } from '../../src/scheduler/index.js';
import { ServiceMetrics } from '../../src/scheduler/metrics.js';

/*
 * The billing figures are exported as Prometheus counters (drs_pool_node_hours_total,
 * drs_pool_cost_total), and a counter that goes down reads as a reset: rate() then counts the
 * whole total again. A wall clock steps back (NTP), so billing runs on the latest time it has
 * seen: a read, a provisioning or a removal while the clock is behind is billed as at that
 * latest time. Values worked by hand below; 2 nodes at $3/h unless said.
 */
const MIN = 60_000;
const dir = mkdtempSync(path.join(tmpdir(), 'drs-billing-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `drs_pool_node_hours_total{pool="w"}` as /metrics exports it. */
async function scrapedNodeHours(s: ResourceScheduler): Promise<number> {
  const m = new ServiceMetrics(s);
  try {
    const line = (await m.registry.metrics()).split('\n').find((l) => l.startsWith('drs_pool_node_hours_total{pool="w"}'));
    return Number(line?.split(' ')[1]);
  } finally {
    m.close();
  }
}

function scripted(): ScalingPolicy & { next: ScaleAction[] } {
  return { name: 'scripted', intervalSeconds: 60, next: [], decide() { const out = this.next; this.next = []; return out; } };
}

describe('billing when the clock goes backwards', () => {
  it('a read while the clock is behind does not go below an earlier read', () => {
    const clock = { now: 60 * MIN };
    const s = new ResourceScheduler({ timers: false, clock: () => clock.now, pools: [{ name: 'w', capacity: { cpu: 4 }, nodes: 2, pricePerHour: 3 }] });
    clock.now = 90 * MIN; // 2 nodes × 30 min
    expect(s.getPool('w')?.billing).toMatchObject({ nodeHours: 1, cost: 3 });
    clock.now = 70 * MIN; // stepped back 20 min
    expect(s.getPool('w')?.billing).toMatchObject({ nodeHours: 1, cost: 3 });
    clock.now = 105 * MIN; // forward again: 2 × 45 min
    expect(s.getPool('w')?.billing).toMatchObject({ nodeHours: 1.5, cost: 4.5 });
    s.close();
  });

  it('a node removed or provisioned while the clock is behind is billed from the latest time seen', () => {
    const clock = { now: 0 };
    const policy = scripted();
    const s = new ResourceScheduler({ timers: false, clock: () => clock.now, scaling: policy, pools: [{ name: 'w', capacity: { cpu: 4 }, nodes: { min: 0, max: 3, initial: 2 }, pricePerHour: 3 }] });
    clock.now = 30 * MIN;
    expect(s.getPool('w')?.billing).toMatchObject({ nodeHours: 1 }); // 2 × 30 min
    clock.now = 10 * MIN;
    policy.next = [{ pool: 0, delta: -1, reason: 'test' }];
    expect(s.scale().map((e) => e.action)).toEqual(['remove']); // billed to 30 min, not 10
    expect(s.getPool('w')?.billing).toEqual({ nodeHours: 1, cost: 3, costPerHour: 3, billedNodes: 1 });
    policy.next = [{ pool: 0, delta: 1, reason: 'test' }];
    expect(s.scale().map((e) => e.action)).toEqual(['provision', 'up']); // no boot time; billed from 30 min, not 10
    expect(s.getPool('w')?.billing).toEqual({ nodeHours: 1, cost: 3, costPerHour: 6, billedNodes: 2 });
    clock.now = 60 * MIN; // the kept node 60 min, the removed one 30, the new one 30
    expect(s.getPool('w')?.billing).toMatchObject({ nodeHours: 2, cost: 6 });
    s.close();
  });

  it('the exported counters do not go down across a restart on a clock behind (a standby behind the old leader, a clock stepped back)', async () => {
    const file = path.join(dir, 'behind.db');
    const clock = { now: 10 * MIN };
    const make = () => new ResourceScheduler({ timers: false, clock: () => clock.now, store: new SqliteStore(file), pools: [{ name: 'w', capacity: { cpu: 4 }, nodes: 1, pricePerHour: 3 }] });
    const a = make();
    clock.now = 70 * MIN;
    expect(await scrapedNodeHours(a)).toBe(1); // exported: 1 node-hour
    clock.now = 70 * MIN + 500;
    expect(await scrapedNodeHours(a)).toBe(1); // within a second of the stored time: billed at it, nothing written
    await a.shutdown();
    const db = new Database(file, { readonly: true });
    expect(db.prepare(`SELECT value FROM meta WHERE key = 'billing_clock_ms'`).get()).toEqual({ value: String(70 * MIN) });
    db.close();
    clock.now = 60 * MIN; // restarted on a clock 10 min behind
    const b = make();
    expect(await scrapedNodeHours(b)).toBe(1); // not 50 min: a drop would read as a counter reset
    expect(b.getPool('w')?.billing).toMatchObject({ nodeHours: 1, cost: 3 });
    clock.now = 130 * MIN;
    expect(await scrapedNodeHours(b)).toBe(2);
    await b.shutdown();
    // A damaged stored time is named, not read as 0 or NaN.
    const w = new Database(file);
    w.exec(`UPDATE meta SET value = 'soon' WHERE key = 'billing_clock_ms'`);
    w.close();
    const store = new SqliteStore(file);
    expect(() => new ResourceScheduler({ timers: false, store })).toThrow(`sqlite:${file}: billing_clock_ms is "soon", expected a time in milliseconds`);
    store.close();
  });
});
