import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { MemoryStore, ResourceScheduler, SqliteStore, type StateStore } from '../../src/scheduler/index.js';
import { PgLeadership } from '../../src/scheduler/pg-leader.js';
import { PgStore } from '../../src/scheduler/pg-store.js';
import { type FreshDatabase, usePgDatabase } from './pg-support.js';

/**
 * An allocation on a node with GPU devices names its devices, and the store keeps them: after a
 * restart each allocation holds the devices it held, not the default choice made again on a
 * cluster without the allocations that ended since.
 *
 * By hand: one node with 2 devices. a (1 GPU) takes the lowest idle device, 0. b (0.5 GPU) takes
 * the tightest device that holds it: device 0 is full, so 1. a ends. Restarted, b must still be
 * on device 1 — chosen again on an empty node it would land on 0 — and c (1 GPU) then gets the
 * idle device 0.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-gpu-devices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = { timers: false as const, pools: [{ name: 'g', capacity: { cpu: 8, memory: 64 }, gpus: { count: 2 }, nodes: 1 }] };

async function scenario(open: () => StateStore | Promise<StateStore>, durability?: 'group'): Promise<void> {
  const o = { ...options, ...(durability === undefined ? {} : { durability }) };
  const s1 = new ResourceScheduler({ ...o, store: await open() });
  const a = s1.allocate({ id: 'a', demand: { gpu: 1, cpu: 1 } });
  const b = s1.allocate({ id: 'b', demand: { gpu: 0.5, cpu: 1 } });
  expect(a.status === 'allocated' && a.allocation.devices).toEqual([0]);
  expect(b.status === 'allocated' && b.allocation.devices).toEqual([1]);
  const cpuOnly = s1.allocate({ id: 'cpu-only', demand: { cpu: 1 } });
  expect(cpuOnly.status === 'allocated' && 'devices' in cpuOnly.allocation).toBe(false);
  expect(s1.release('a')).toMatchObject({ status: 'released' });
  await s1.shutdown();
  const s2 = new ResourceScheduler({ ...o, store: await open() });
  expect(s2.getAllocation('b')?.devices).toEqual([1]);
  const c = s2.allocate({ id: 'c', demand: { gpu: 1, cpu: 1 } });
  expect(c.status === 'allocated' && c.allocation.devices).toEqual([0]);
  expect(s2.listAllocations().map((x) => [x.id, x.devices])).toEqual([
    ['b', [1]],
    ['cpu-only', undefined],
    ['c', [0]],
  ]);
  s2.checkInvariants();
  await s2.shutdown();
}

describe('GPU devices of an allocation, across a restart', () => {
  it('MemoryStore', async () => {
    const store = new MemoryStore();
    await scenario(() => store);
  });

  it('SqliteStore, and a version-2 file upgraded in place (its older allocations chosen again)', async () => {
    await scenario(() => new SqliteStore(path.join(dir, 'fresh.sqlite')));
    // A version-2 file: the allocations table without the devices column.
    const file = path.join(dir, 'v2.sqlite');
    const s0 = new ResourceScheduler({ ...options, store: new SqliteStore(file) });
    expect(s0.allocate({ id: 'old', demand: { gpu: 1 } }).status).toBe('allocated');
    await s0.shutdown();
    const db = new Database(file);
    db.exec(`ALTER TABLE allocations DROP COLUMN devices; UPDATE meta SET value = '2' WHERE key = 'schema';`);
    db.close();
    const s1 = new ResourceScheduler({ ...options, store: new SqliteStore(file) });
    expect(s1.getAllocation('old')?.devices).toEqual([0]); // chosen again: the default, lowest idle device
    expect(s1.allocate({ id: 'new', demand: { gpu: 0.5 } })).toMatchObject({ status: 'allocated', allocation: { devices: [1] } });
    await s1.shutdown();
    const check = new Database(file, { readonly: true });
    expect((check.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string }).value).toBe('6');
    expect(check.prepare(`SELECT id, devices FROM allocations ORDER BY id`).all()).toEqual([
      { id: 'new', devices: '[1]' },
      { id: 'old', devices: null },
    ]);
    check.close();
  });

  it('restores shares that are not whole milli-GPUs (a device keeps 333 milli for 1/3 GPU, 1 milli for 1e-7)', async () => {
    // A device holds integer milli, so a node's free GPU is 2 − 0.334 = 1.666 while
    // capacity − Σ demands is 2 − 0.3333334 = 1.6666666: the restore must not take that for damage.
    const file = path.join(dir, 'thirds.sqlite');
    const s1 = new ResourceScheduler({ ...options, store: new SqliteStore(file) });
    expect(s1.allocate({ id: 'third', demand: { gpu: 1 / 3 } })).toMatchObject({ status: 'allocated', allocation: { devices: [0] } });
    expect(s1.allocate({ id: 'tiny', demand: { gpu: 1e-7 } })).toMatchObject({ status: 'allocated', allocation: { devices: [0] } });
    await s1.shutdown();
    const s2 = new ResourceScheduler({ ...options, store: new SqliteStore(file) });
    expect(s2.listAllocations().map((a) => [a.id, a.devices])).toEqual([
      ['third', [0]],
      ['tiny', [0]],
    ]);
    // Device 0 has 666 milli left: 0.666 fits there, 0.667 goes to device 1.
    expect(s2.allocate({ id: 'fill', demand: { gpu: 0.666 } })).toMatchObject({ status: 'allocated', allocation: { devices: [0] } });
    expect(s2.allocate({ id: 'next', demand: { gpu: 0.667 } })).toMatchObject({ status: 'allocated', allocation: { devices: [1] } });
    s2.checkInvariants();
    await s2.shutdown();
  });

  it('a damaged devices entry is named, not half-read', async () => {
    const file = path.join(dir, 'bad.sqlite');
    const s0 = new ResourceScheduler({ ...options, store: new SqliteStore(file) });
    s0.allocate({ id: 'x', demand: { gpu: 1 } });
    await s0.shutdown();
    const db = new Database(file);
    db.exec(`UPDATE allocations SET devices = '[0, "one"]'`);
    db.close();
    // A user's damaged file, not a bug: a UserError, which drs serve prints in one line (exit 2), no stack trace.
    // The caller's store stays the caller's to close when the scheduler refuses it.
    const store = new SqliteStore(file);
    expect(() => new ResourceScheduler({ ...options, store })).toThrow(`allocation 'x' has devices "[0, \\"one\\"]", expected a JSON list of device indexes`);
    expect(() => new ResourceScheduler({ ...options, store })).toThrow(UserError);
    store.close();
  });

  it('an allocation on a node the store does not hold, or a gap in the node ids, is named as a damaged store', async () => {
    const file = path.join(dir, 'gap.sqlite');
    const s0 = new ResourceScheduler({ ...options, store: new SqliteStore(file) });
    s0.allocate({ id: 'x', demand: { gpu: 1 } });
    await s0.shutdown();
    const refused = (damage: string): unknown => {
      const db = new Database(file);
      db.exec(damage);
      db.close();
      // The caller's store stays the caller's to close when the scheduler refuses it.
      const store = new SqliteStore(file);
      try {
        new ResourceScheduler({ ...options, store });
      } catch (e) {
        return e;
      } finally {
        store.close();
      }
      return undefined;
    };
    const onMissingNode = refused('UPDATE allocations SET node_id = 99');
    expect(onMissingNode).toBeInstanceOf(UserError);
    expect((onMissingNode as Error).message).toMatch(/gap\.sqlite: cannot restore allocation 'x' on node 99: no node with id 99$/);
    const gap = refused('UPDATE allocations SET node_id = 0; UPDATE nodes SET id = id + 5 WHERE id = (SELECT MAX(id) FROM nodes)');
    expect(gap).toBeInstanceOf(UserError);
    expect((gap as Error).message).toMatch(/gap\.sqlite: node ids are not dense \(expected 0, found 5\)$/);
  });

  describe('PgStore', () => {
    let db: FreshDatabase | undefined;
    usePgDatabase('gpudev', 'the PostgreSQL GPU-devices test', (d) => (db = d));

    it('keeps the devices, and upgrades a version-1 schema in place', async () => {
      if (db === undefined) return;
      const url = db.url;
      const lead = await PgLeadership.connect(url, 'http://gpu-devices-test');
      const term = (await lead.tryAcquire()) as number;
      await scenario(() => PgStore.open(url, term), 'group');
      // Back to version 1 (no devices column); the next start upgrades it and keeps the rows.
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`ALTER TABLE drs_allocations DROP COLUMN devices; UPDATE drs_meta SET value = '1' WHERE key = 'schema'`);
        const s = new ResourceScheduler({ ...options, durability: 'group', store: await PgStore.open(url, term) });
        expect(s.getAllocation('b')?.devices).toEqual([0]); // chosen again on the node where c holds nothing yet
        await s.shutdown();
        expect((await c.query(`SELECT value FROM drs_meta WHERE key = 'schema'`)).rows[0]).toEqual({ value: '5' });
      } finally {
        await c.end();
        await lead.stop();
      }
    });
  });
});
