/**
 * A long life of the service: what ended work leaves behind stays bounded (the lease heap, the
 * preemption log, the audit log, the ended ids, concurrency groups), rejections do not push the
 * ids of work that ran out of the ended-ids memory, and a `__proto__` key is refused saying so.
 * The soak itself is a benchmark: bench/serve-soak.ts (docs/serve.md, "Long-running service").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/core/cluster.js';
import type { AllocationBook } from '../../src/scheduler/allocations.js';
import { parseServeConfig } from '../../src/scheduler/config.js';
import { startServer } from '../../src/scheduler/http.js';
import { LeaseHeap } from '../../src/scheduler/lease-heap.js';
import type { RecentlyEnded } from '../../src/scheduler/recent.js';
import { ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/scheduler.js';
import { SqliteStore } from '../../src/scheduler/sqlite-store.js';
import { MemoryStore } from '../../src/scheduler/store.js';
import { ADMIN, call, TEAM_A, TOKENS } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-long-life-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = { now: 0 };
function scheduler(o: Partial<ResourceSchedulerOptions> = {}): ResourceScheduler {
  return new ResourceScheduler({ timers: false, clock: () => clock.now, pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }], ...o });
}
const book = (s: ResourceScheduler): AllocationBook => (s as unknown as { book: AllocationBook }).book;

describe('the lease heap', () => {
  it('compact keeps the order of the entries it keeps (deadline, then push order)', () => {
    const h = new LeaseHeap();
    const at = (i: number): number => 1000 + ((i * 17) % 11) * 10; // deadlines out of push order, eleven values
    const kept = (i: number): boolean => (i * 7) % 3 !== 0;
    for (let i = 0; i < 60; i++) expect(h.push(at(i), `e${i}`)).toBe(i);
    h.compact((id, seq) => id === `e${seq}` && kept(seq));
    const out: number[] = [];
    for (let top = h.peek(); top !== undefined; top = h.peek()) {
      expect(top.id).toBe(`e${top.seq}`); // sequence numbers kept
      out.push(top.seq);
      h.pop();
    }
    const want = Array.from({ length: 60 }, (_, i) => i)
      .filter(kept)
      .sort((a, b) => at(a) - at(b) || a - b);
    expect(out).toEqual(want);
  });

  it('stays near the live leases while long leases are released early and renewed, and leases still end on time and in order', () => {
    clock.now = 0;
    const s = scheduler();
    for (const id of ['a', 'b', 'c']) expect(s.allocate({ id, units: 0.5 }, 50_000).status).toBe('allocated'); // due together at 50 s
    for (let i = 0; i < 10_000; i++) {
      clock.now = i;
      expect(s.allocate({ id: `r${i}`, units: 1 }, 3_600_000).status).toBe('allocated'); // a 1-hour lease…
      if (i % 2 === 0) s.renew(`r${i}`, 7_200_000);
      expect(s.release(`r${i}`).status).toBe('released'); // …released at once
      s.renew('b', 50_000 - i); // still due at 50 s
    }
    // Before: 10,000 + 5,000 + 10,003 entries, each until its deadline (an hour or two away).
    expect(book(s).leaseEntries).toBeLessThanOrEqual(2 * 3 + 64 + 1);
    const expired: string[] = [];
    s.on('expired', (e) => expired.push(e.allocation.id));
    clock.now = 49_999;
    s.tick();
    expect(expired).toEqual([]);
    clock.now = 50_000;
    s.tick();
    expect(expired).toEqual(['a', 'c', 'b']); // b's last renewal came after a's and c's start
    s.checkInvariants();
    s.close();
  });
});

describe('the preemption log', () => {
  /** `n` preemptions: a low-priority preemptible request, then a critical one taking its node. */
  function preemptions(s: ResourceScheduler, n: number, from = 0): void {
    for (let i = from; i < from + n; i++) {
      expect(s.allocate({ id: `low${i}`, units: 4, priority: 'low', preemptible: true }).status).toBe('allocated');
      const r = s.allocate({ id: `crit${i}`, units: 4, priority: 'critical' });
      expect(r.status).toBe('allocated');
      s.release(`crit${i}`);
    }
  }

  it('keeps the newest records in memory, in the store, and after a restart, with stable positions', async () => {
    const file = path.join(dir, 'preemptions.db');
    const retention = { preemptions: 50 };
    let s = scheduler({ preemption: true, preemptionLimit: 50, store: new SqliteStore(file, { retention }), durability: 'group' });
    preemptions(s, 1300);
    expect(s.getPreemptions().length).toBeLessThan(100); // pruned to 50 each time it reaches 100
    expect(s.getPreemptions().at(-1)?.allocationId).toBe('low1299');
    const w = s.preemptionWindow();
    expect(w.first + w.records.length).toBe(1300); // positions in the whole log
    await s.shutdown();
    const db = new Database(file, { readonly: true });
    const rows = (db.prepare('SELECT count(*) AS n, min(seq) AS lo FROM preemptions').get() as { n: number; lo: number });
    db.close();
    expect(rows).toEqual({ n: 50 + 300, lo: 1000 - 50 + 1 }); // pruned at the 1,000th write to the newest 50, then 300 more
    const store = new SqliteStore(file, { retention });
    const loaded = store.load(); // a restart reads no more than the retention from the file
    store.close();
    expect(loaded.preemptions.length).toBe(50);
    expect(loaded.preemptionsBefore).toBe(1250);
    s = scheduler({ preemption: true, preemptionLimit: 50, store: new SqliteStore(file, { retention }), durability: 'group' });
    const after = s.preemptionWindow();
    expect(after.records.length).toBe(50); // a restart loads no more than the retention
    expect(after.first).toBe(1250);
    expect(after.records[0]?.allocationId).toBe('low1250');
    await s.shutdown();
  });

  /**
   * A library scheduler may keep more or fewer records in memory (`preemptionLimit`) than its
   * store (`retention.preemptions`). Whatever the two, a restart continues the positions: the
   * window starts where the records the store kept start, and the next record takes the next
   * position. Before: a store keeping none (retention 0) restarted positions at 0 (SQLite and
   * PostgreSQL read MAX(seq) of the emptied table), so a list cursor from before the restart
   * skipped every new record until the log grew past it again.
   */
  for (const [memory, kept] of [[100, 10], [10, 100], [100, 0], [0, 100], [0, 0]] as const) {
    it(`positions continue across a restart with ${memory} records in memory and ${kept} in the store (MemoryStore and SQLite)`, async () => {
      for (const kind of ['memory', 'sqlite'] as const) {
        const file = path.join(dir, `positions-${memory}-${kept}.db`);
        const shared = new MemoryStore({ retention: { preemptions: kept } });
        const store = () => (kind === 'memory' ? shared : new SqliteStore(file, { retention: { preemptions: kept } }));
        let s = scheduler({ preemption: true, preemptionLimit: memory, store: store() });
        preemptions(s, 250);
        const w = s.preemptionWindow();
        expect(w.first + w.records.length, kind).toBe(250);
        await s.shutdown();
        s = scheduler({ preemption: true, preemptionLimit: memory, store: store() });
        const after = s.preemptionWindow();
        expect(after.first + after.records.length, `${kind}: the window still ends at the 250th record`).toBe(250);
        expect(after.records.length, kind).toBeLessThanOrEqual(Math.max(memory, kept) + Math.min(1000, Math.max(1, memory)));
        if (after.records.length > 0) expect(after.records.at(-1)?.allocationId, kind).toBe('low249');
        preemptions(s, 1, 250);
        const next = s.preemptionWindow();
        expect(next.first + next.records.length, `${kind}: the next record is the 251st`).toBe(251);
        if (next.records.length > 0) expect(next.records.at(-1)?.allocationId, kind).toBe('low250');
        await s.shutdown();
      }
    });
  }

  it('a MemoryStore keeps the retention too', () => {
    const store = new MemoryStore({ retention: { preemptions: 10 } });
    const s = scheduler({ preemption: true, preemptionLimit: 10, store });
    preemptions(s, 1500);
    const kept = store.load();
    expect(kept.preemptions.length).toBeLessThan(10 + 1000);
    expect((kept.preemptionsBefore ?? 0) + kept.preemptions.length).toBe(1500);
    s.close();
  });
});

describe('GET /v1/preemptions while the log is pruned', () => {
  it('a cursor keeps its place: the next page starts after it, not at the same index of a shifted window', async () => {
    const srv = await startServer(
      { port: 0, tokens: TOKENS, preemption: true, retention: { preemptions: 10 }, pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }] },
      { schedulerOptions: { timers: false } },
    );
    try {
      const preempt = (from: number, n: number): void => {
        for (let i = from; i < from + n; i++) {
          srv.scheduler.allocate({ id: `low${i}`, tenant: 'team-a', units: 4, priority: 'low', preemptible: true });
          srv.scheduler.allocate({ id: `crit${i}`, tenant: 'team-b', units: 4, priority: 'critical' });
          srv.scheduler.release(`crit${i}`);
        }
      };
      preempt(0, 15); // pruned to 10 at 20: low0 … low14 all kept
      const first = await call(srv.url, 'GET', '/v1/preemptions?limit=3', { token: ADMIN });
      expect(first.body.preemptions.map((r: { allocationId: string }) => r.allocationId)).toEqual(['low0', 'low1', 'low2']);
      preempt(15, 5); // 20 records: pruned to the newest 10 (low10 … low19)
      const next = await call(srv.url, 'GET', `/v1/preemptions?limit=3&cursor=${first.body.nextCursor as string}`, { token: ADMIN });
      // The records after low2 that are still kept start at low10 (before: the window's index 3, low13).
      expect(next.body.preemptions.map((r: { allocationId: string }) => r.allocationId)).toEqual(['low10', 'low11', 'low12']);
    } finally {
      await srv.close();
    }
  });
});

describe('the audit log', () => {
  const record = (i: number) => ({ atMs: i, actor: 'admin#00000000', method: 'POST', route: '/v1/allocations', target: `x${i}`, status: 201, result: 'allocated' });

  it('keeps the newest records (retention.audit), or all of them with null', async () => {
    for (const [name, audit, rows] of [
      ['kept.db', 100, { n: 100 + 500, lo: 2000 - 100 + 1 }],
      ['all.db', null, { n: 2500, lo: 1 }],
    ] as const) {
      const file = path.join(dir, name);
      const s = scheduler({ store: new SqliteStore(file, { retention: { audit } }) });
      for (let i = 0; i < 2500; i++) s.appendAudit(record(i));
      const newest = await s.store.readAudit({ afterSeq: 2499, limit: 5 });
      expect(newest.map((r) => r.target)).toEqual(['x2499']);
      s.close();
      const db = new Database(file, { readonly: true });
      expect(db.prepare('SELECT count(*) AS n, min(seq) AS lo FROM audit').get()).toEqual(rows);
      db.close();
    }
  });

  it('the serve config takes retention (audit: all keeps every record) and refuses a bad one naming the field', () => {
    const cfg = (retention: unknown) => parseServeConfig({ tokens: [{ token: 'x'.repeat(16), admin: true }], retention }, 'serve.yaml', dir);
    expect(cfg({ preemptions: 5, audit: 'all' }).retention).toEqual({ preemptions: 5, audit: null });
    expect(cfg({ audit: 20000 }).retention).toEqual({ audit: 20000 });
    expect(() => cfg({ audit: -1 })).toThrow(/retention\.audit/);
    expect(() => cfg({ audti: 5 })).toThrow(/audti/);
  });

  it('a retention that is not a whole number ≥ 0 is refused naming the field', () => {
    expect(() => new SqliteStore(':memory:', { retention: { audit: -1 } })).toThrow(/retention\.audit must be a whole number ≥ 0, got -1/);
    expect(() => new MemoryStore({ retention: { preemptions: 1.5 } })).toThrow(/retention\.preemptions/);
  });
});

describe('the ended ids', () => {
  it('rejections do not push out the ids of work that ran (in memory and after a restart)', async () => {
    const file = path.join(dir, 'ended.db');
    let s = scheduler({ recentLimit: 100, store: new SqliteStore(file), durability: 'group' });
    expect(s.allocate({ id: 'done', units: 1 }).status).toBe('allocated');
    expect(s.release('done').status).toBe('released');
    for (let i = 0; i < 12_000; i++) expect(s.allocate({ id: `never${i}`, units: 1000 }).status).toBe('rejected');
    // Before: the 100-id memory (and the store's 10,000) held only rejections, and 'done' was unknown.
    expect(s.status('done')).toMatchObject({ status: 'ended', how: 'released' });
    expect(s.status('never11999')).toMatchObject({ status: 'ended', how: 'rejected' });
    expect(s.status('never0')).toMatchObject({ status: 'unknown' }); // rejections are bounded too
    const sizes = (s as unknown as { ended: RecentlyEnded }).ended.sizes;
    expect(sizes.ran).toBe(1);
    expect(sizes.rejected).toBeLessThanOrEqual(100);
    // A dependent of the released id may still be submitted (it completed).
    expect(s.allocate({ id: 'next', units: 1, dependsOn: ['done'] }).status).toBe('allocated');
    await s.shutdown();
    s = scheduler({ store: new SqliteStore(file), durability: 'group' });
    expect(s.status('done')).toMatchObject({ status: 'ended', how: 'released' });
    expect(s.status('never11999')).toMatchObject({ status: 'ended', how: 'rejected' });
    await s.shutdown();
  });

  it('an id rejected once and then run under the same id answers with its newest ending', () => {
    clock.now = 0;
    const s = scheduler();
    expect(s.allocate({ id: 'x', units: 1000 }).status).toBe('rejected');
    clock.now = 10;
    expect(s.allocate({ id: 'x', units: 1 }).status).toBe('allocated');
    clock.now = 20;
    s.release('x');
    expect(s.status('x')).toMatchObject({ status: 'ended', how: 'released' });
    s.close();
  });
});

describe('concurrency groups', () => {
  it('a group is forgotten once nothing of it runs', () => {
    const s = scheduler();
    for (let i = 0; i < 1000; i++) {
      expect(s.allocate({ id: `g${i}`, units: 1, concurrency: { group: `job-${i}`, limit: 1 } }).status).toBe('allocated');
      s.release(`g${i}`);
    }
    expect((s as unknown as { pools: { state: ClusterState } }).pools.state.groupCount).toBe(0);
    s.close();
  });
});

describe('a JSON body with a __proto__ key', () => {
  it('is refused naming the key and where it is, not as "invalid JSON"', async () => {
    const srv = await startServer({ port: 0, tokens: TOKENS, pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }] }, { schedulerOptions: { timers: false } });
    try {
      const post = (raw: string) => call(srv.url, 'POST', '/v1/allocations', { token: TEAM_A, raw });
      const top = await post('{"units": 1, "__proto__": {"admin": true}}');
      expect(top.status).toBe(400);
      expect(top.body.error).toMatchObject({ code: 'invalid-body', field: '__proto__' });
      expect(top.body.error.message).toMatch(/^__proto__: the key '__proto__' is not allowed/);
      const nested = await post('{"units": 1, "labels": {"__proto__": {"x": "y"}}}');
      expect(nested.body.error).toMatchObject({ code: 'invalid-body', field: 'labels.__proto__' });
      const ctor = await post('{"units": 1, "labels": {"constructor": {"prototype": {"x": 1}}}}');
      expect(ctor.body.error).toMatchObject({ code: 'invalid-body', field: 'labels.constructor.prototype' });
      // Malformed JSON says why.
      const malformed = await post('{"units": 1,');
      expect(malformed.body.error.code).toBe('invalid-json');
      expect(malformed.body.error.message).toMatch(/^the body is not valid JSON: /);
      expect((await post('')).body.error).toMatchObject({ code: 'invalid-json', message: 'the body is empty: expected a JSON object' });
      // A plain unknown key is the schema's to name; a valid body still works, with a charset too.
      expect((await post('{"units": 1, "constructor": "x"}')).body.error).toMatchObject({ code: 'invalid-body', field: 'constructor' });
      expect((await call(srv.url, 'POST', '/v1/allocations', { token: TEAM_A, raw: '{"units": 1}', contentType: 'application/json; charset=utf-8' })).status).toBe(201);
    } finally {
      await srv.close();
    }
  });
});
