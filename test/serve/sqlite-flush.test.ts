import type * as NodeFs from 'node:fs';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The SQLite store's fsync off the event loop (sqlite-flush.ts): a group commit is written to
 * the WAL at once but acknowledged (durable() resolves, its events become readable) only after an
 * fdatasync of the WAL that started after it; the next group is applied while that fdatasync is
 * in flight, and one fdatasync then covers it. The fdatasync calls are intercepted (held, failed)
 * through a mock of node:fs that otherwise passes them through.
 */
const fsState = vi.hoisted(() => ({
  hold: false,
  fail: false,
  calls: [] as string[],
  held: [] as (() => void)[],
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const fdatasync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
    fsState.calls.push('async');
    if (fsState.fail) {
      setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
      return;
    }
    const run = (): void => fs.fdatasync(fd, cb);
    if (fsState.hold) fsState.held.push(run);
    else run();
  };
  const fdatasyncSync = (fd: number): void => {
    fsState.calls.push('sync');
    fs.fdatasyncSync(fd);
  };
  return { ...fs, default: { ...fs, fdatasync, fdatasyncSync }, fdatasync, fdatasyncSync };
});

const { ResourceScheduler, SqliteStore } = await import('../../src/scheduler/index.js');

const dir = mkdtempSync(path.join(tmpdir(), 'drs-sqlite-flush-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  fsState.hold = false;
  fsState.fail = false;
  fsState.calls.length = 0;
  for (const run of fsState.held.splice(0)) run();
});

/** Bound of each wait for a condition (generous: met in a few ms unless the machine is very busy). */
const WAIT = { timeout: 15_000, interval: 5 };
const count = (file: string, table: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('SQLite group commit with the fsync off the event loop', () => {
  it('acknowledges a group only after an fdatasync of the WAL; applies the next group meanwhile; one fdatasync covers both', async () => {
    const file = path.join(dir, 'pipeline.sqlite');
    const store = new SqliteStore(file);
    const s = new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }] });
    await s.durable();
    const eventsBefore = s.lastEventId;
    fsState.hold = true;
    fsState.calls.length = 0;

    s.allocate({ id: 'a', units: 1 });
    let aDone = false;
    const a = s.durable().then(() => (aDone = true));
    // The group is written and its fdatasync asked for in one step at a later turn: wait for that call (held).
    await vi.waitFor(() => expect(fsState.calls).toEqual(['async']), WAIT);
    expect(count(file, 'allocations')).toBe(1); // written to the WAL (visible to a reader)...
    expect(aDone).toBe(false); // ...but not acknowledged: its fdatasync has not returned
    expect(await store.readEvents(eventsBefore, 10)).toEqual([]); // nor readable by an event stream

    s.allocate({ id: 'b', units: 1 }); // applied while a's fdatasync is in flight
    let bDone = false;
    const b = s.durable().then(() => (bDone = true));
    // b's write and its flush request happen in the same synchronous step: once b is in the WAL, a
    // second fdatasync, had the flusher started one beside the first, would already be in the calls.
    await vi.waitFor(() => expect(count(file, 'allocations')).toBe(2), WAIT);
    expect(fsState.calls).toEqual(['async']); // one fdatasync at a time

    fsState.hold = false;
    (fsState.held.shift() as () => void)(); // a's fdatasync returns
    await a;
    expect(bDone).toBe(false); // it started before b was written
    expect((await store.readEvents(eventsBefore, 10)).map((e) => e.data)).toEqual([expect.objectContaining({ allocation: expect.objectContaining({ id: 'a' }) })]);
    await b; // covered by the next one
    expect(fsState.calls).toEqual(['async', 'async']);
    expect((await store.readEvents(eventsBefore, 10)).length).toBe(2);
    s.release('a');
    s.close(); // staged, not yet flushed: close commits it and fdatasyncs on the calling thread
    expect(fsState.calls.at(-1)).toBe('sync');
    const again = new ResourceScheduler({ store: new SqliteStore(file), timers: false });
    expect(again.listAllocations().map((x) => x.id)).toEqual(['b']);
    again.close();
  });

  it('an audit record is readable only once the fdatasync of its group returned (as events)', async () => {
    const file = path.join(dir, 'audit.sqlite');
    const store = new SqliteStore(file);
    const s = new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }] });
    await s.durable();
    fsState.hold = true;
    fsState.calls.length = 0;
    s.allocate({ id: 'a', units: 1 });
    s.appendAudit({ atMs: 1, actor: 'admin#00000000', method: 'POST', route: '/v1/allocations', target: 'a', status: 201, result: 'allocated' });
    const a = s.durable();
    await vi.waitFor(() => expect(fsState.calls).toEqual(['async']), WAIT); // written, its fdatasync held
    expect(count(file, 'audit')).toBe(1); // in the WAL...
    expect(await store.readAudit({ limit: 10 })).toEqual([]); // ...but not shown before it is durable
    fsState.hold = false;
    (fsState.held.shift() as () => void)();
    await a;
    expect((await store.readAudit({ limit: 10 })).map((r) => [r.target, r.result])).toEqual([['a', 'allocated']]);
    await s.shutdown();
    // After a restart everything on disk is durable: shown at once.
    const again = new SqliteStore(file);
    expect((await again.readAudit({ limit: 10 })).length).toBe(1);
    again.close();
  });

  it('a failed fdatasync fails the group, stops the scheduler and fails every later commit', async () => {
    const file = path.join(dir, 'fail.sqlite');
    const s = new ResourceScheduler({ store: new SqliteStore(file), durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }] });
    await s.durable();
    fsState.fail = true;
    s.allocate({ id: 'a', units: 1 });
    await expect(s.durable()).rejects.toThrow(/fdatasync failed: EIO/);
    expect(s.healthy).toBe(false);
    expect(() => s.allocate({ id: 'b', units: 1 })).toThrow(/stopped after an internal error/);
    s.close();
  });

  it('per-operation commits fdatasync on the calling thread before they return', () => {
    const file = path.join(dir, 'per-op.sqlite');
    const s = new ResourceScheduler({ store: new SqliteStore(file), timers: false, pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }] });
    fsState.calls.length = 0;
    s.allocate({ id: 'a', units: 1 });
    expect(fsState.calls).toEqual(['sync']);
    s.close();
  });

  it('checkpoints on the worker thread once the WAL outgrows the threshold; the WAL file stays bounded under sustained writes; nothing is lost', async () => {
    const file = path.join(dir, 'checkpoint.sqlite');
    const limit = 64 * 1024;
    const store = new SqliteStore(file, { checkpointBytes: limit });
    const s = new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 10_000 }, nodes: 1 }] });
    for (let i = 0; i < 600; i++) {
      s.allocate({ id: `r${i}`, units: 1 });
      await s.durable();
    }
    expect(store.checkpoints.lastError).toBeUndefined();
    expect(store.checkpoints.done).toBeGreaterThan(0);
    // Most checkpoints ran on the worker: the file size is no trigger by itself once SQLite reuses
    // the file (journal_size_limit truncates it back), or every flush would checkpoint on the loop.
    expect(store.checkpoints.onLoop).toBeLessThan(store.checkpoints.done);
    // Without checkpoints that let SQLite reuse the file from its start, 600 commits grow the WAL
    // to several MiB; with them it stays near 4 × the threshold (plus the writes of one flush).
    expect(statSync(`${file}-wal`).size).toBeLessThan(4 * limit + 512 * 1024);
    await s.shutdown();
    const again = new ResourceScheduler({ store: new SqliteStore(file), timers: false });
    expect(again.allocationCount).toBe(600);
    again.close();
  });

  it('under concurrent writes the catch-up step restarts the log: the loop checkpoints rarely if ever, nothing lost', async () => {
    const file = path.join(dir, 'catch-up.sqlite');
    const limit = 256 * 1024;
    const store = new SqliteStore(file, { checkpointBytes: limit });
    const s = new ResourceScheduler({ store, durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 100_000 }, nodes: 1 }] });
    // 16 clients in lockstep, each awaiting its commit: the writer never pauses long enough for a
    // PASSIVE checkpoint beside it to copy the whole log, so only the catch-up step restarts it.
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 400; i++) {
          s.allocate({ id: `c${w}-${i}`, units: 1 });
          await s.durable();
        }
      }),
    );
    const c = store.checkpoints;
    expect(c.lastError).toBeUndefined();
    expect(c.restarts).toBeGreaterThan(0);
    // Without the step the log outgrows 4 × the limit and the store checkpoints on the loop.
    // The loop's checkpoint is only the fallback for a worker that could not keep up: on a machine
    // busy enough to starve the worker thread it may run once (seen once in CI, 1 against 70-80
    // restarts); without the step the log never restarts and the loop checkpoints 16 times here.
    expect(c.onLoop).toBeLessThan(c.restarts / 10);
    await s.shutdown();
    const again = new ResourceScheduler({ store: new SqliteStore(file), timers: false });
    expect(again.allocationCount).toBe(16 * 400);
    again.close();
  });

  it("writer 'inline' never calls the flusher (SQLite fsyncs inside each commit)", async () => {
    const file = path.join(dir, 'inline.sqlite');
    const s = new ResourceScheduler({ store: new SqliteStore(file, { writer: 'inline' }), durability: 'group', timers: false, pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }] });
    s.allocate({ id: 'a', units: 1 });
    await s.durable();
    s.close();
    expect(fsState.calls).toEqual([]);
  });
});
