import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, ResourceScheduler, SqliteStore, type ResourceSchedulerOptions, type StateStore } from '../../src/scheduler/index.js';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

/**
 * `headOfLine: commit` (docs/queue-policies.md): the request chosen as head when it first blocks
 * stays the head until it starts, however the queue changes meanwhile. The scheduling pass held
 * that head in memory only, so a restart forgot it: the policy's order chose the head again, and
 * work queued after the committed head overtook it.
 *
 * By hand, one node of 4 cpu, a blocking priority queue with `headOfLine: commit`, every request
 * 4 cpu:
 *   t = 0     a placed, lease 10 s (ends at 10 000).
 *   t = 1000  L (low) queues and blocks: the committed head.
 *   t = 2000  H (high) queues: it sorts first, but L stays the head.
 *   (restart)
 *   t = 10 000  a expires: L starts, H waits. Restarted, H started instead.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-committed-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = { now: 0 };
function options(store: StateStore): ResourceSchedulerOptions {
  return {
    store,
    clock: () => clock.now,
    timers: false,
    queue: { policy: 'priority', options: { blocking: true, headOfLine: 'commit' }, timeoutMs: 3_600_000 },
    pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
    ...(store.asyncOnly === true ? { durability: 'group' as const } : {}),
  };
}

type Open = () => StateStore | Promise<StateStore>;

/** The scenario; restarted before a expires when `restart`; which request holds the node after. */
async function run(open: Open, restart: boolean): Promise<string[]> {
  clock.now = 0;
  let s = await ResourceScheduler.create(options(await open()));
  expect(s.allocate({ id: 'a', units: 4, priority: 'high' }, 10_000).status).toBe('allocated');
  clock.now = 1000;
  expect(s.allocate({ id: 'L', units: 4, priority: 'low' }).status).toBe('queued');
  clock.now = 2000;
  expect(s.allocate({ id: 'H', units: 4, priority: 'high' }).status).toBe('queued');
  if (restart) {
    await s.shutdown();
    s = await ResourceScheduler.create(options(await open()));
  }
  clock.now = 10_000;
  s.tick();
  const out = s.listAllocations().map((x) => x.id);
  // Once it started, nothing is held for it: released after a restart, the next one starts.
  if (restart) {
    await s.shutdown();
    s = await ResourceScheduler.create(options(await open()));
  }
  clock.now = 11_000;
  expect(s.release(out[0] as string).status).toBe('released');
  out.push(...s.listAllocations().map((x) => x.id));
  s.checkInvariants();
  await s.shutdown();
  return out;
}

const WANT = ['L', 'H'];

describe('the committed head (headOfLine: commit) survives a restart', () => {
  it('without a restart (the reference)', async () => {
    expect(await run(() => new MemoryStore(), false)).toEqual(WANT);
  });

  it('MemoryStore', async () => {
    const store = new MemoryStore();
    expect(await run(() => store, true)).toEqual(WANT);
  });

  it('SqliteStore', async () => {
    const file = path.join(dir, 'head.db');
    expect(await run(() => new SqliteStore(file), true)).toEqual(WANT);
  });

  describe('PgStore', () => {
    let db: FreshDatabase | undefined;
    usePgDatabase('committed_head', 'the PostgreSQL committed head test', (d) => (db = d));

    it('keeps the committed head', async () => {
      if (db === undefined) return;
      const lead = await PgLeadership.connect(db.url, 'http://committed-head-test');
      const term = (await lead.tryAcquire()) as number;
      const url = db.url;
      try {
        expect(await run(() => PgStore.open(url, term), true)).toEqual(WANT);
      } finally {
        await lead.stop();
      }
    });
  });
});
