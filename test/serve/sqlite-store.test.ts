import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ResourceScheduler, SqliteStore } from '../../src/scheduler/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteStore', () => {
  it('upgrades a version-1 file in place and keeps its allocations', () => {
    const file = path.join(dir, 'v1.sqlite');
    // A version-1 state file as the previous release wrote it (one pool, one node, one allocation).
    const db = new Database(file);
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE pools (idx INTEGER PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE nodes (id INTEGER PRIMARY KEY, pool INTEGER NOT NULL, status TEXT NOT NULL, ready_at_ms REAL);
      CREATE TABLE allocations (id TEXT PRIMARY KEY, node_id INTEGER NOT NULL, start_ms REAL NOT NULL, lease_expiry_ms REAL, borrowed INTEGER NOT NULL, request TEXT NOT NULL);
      CREATE TABLE preemptions (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema', '1'), ('dimensions', '["cpu","memory","gpu"]');
    `);
    db.close();
    const s1 = new ResourceScheduler({ store: new SqliteStore(file), timers: false, pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }] });
    expect(s1.allocate({ id: 'a', units: 2 }).status).toBe('allocated');
    s1.close();
    const check = new Database(file, { readonly: true });
    expect((check.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string }).value).toBe('6');
    expect((check.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n).toBe(2); // pool-added, allocated
    check.close();
    const s2 = new ResourceScheduler({ store: new SqliteStore(file), timers: false });
    expect(s2.listAllocations().map((a) => a.id)).toEqual(['a']);
    expect(s2.lastEventId).toBe(2);
    s2.close();
  });

  it('refuses a file written by a newer version, and a second open of a locked file', () => {
    const file = path.join(dir, 'v9.sqlite');
    const db = new Database(file);
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema', '9');`);
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/schema version 9 is not supported/);
    const ok = path.join(dir, 'locked.sqlite');
    const first = new SqliteStore(ok);
    expect(() => new SqliteStore(ok)).toThrow(new RegExp(`in use by process ${process.pid}`));
    first.close();
    new SqliteStore(ok).close(); // released on close
  });

  it('takes over a lock left by a dead process that had our pid (a restarted container) or is a zombie', async () => {
    const lockOf = (pid: number): string => JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' });
    // kill -9 of a container's server, then a restart: the new server has the same pid and hostname.
    const file = path.join(dir, 'same-pid.sqlite');
    new SqliteStore(file).close();
    writeFileSync(`${file}.lock`, lockOf(process.pid));
    const reopened = new SqliteStore(file);
    expect(() => new SqliteStore(file)).toThrow(new RegExp(`in use by process ${process.pid}`)); // now it is ours
    reopened.close();
    // A zombie: `sleep 0` exited, and its parent (sh, exec'd into `sleep 5`) never reaps it.
    const sh = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((ok) => sh.stdout.once('data', (d: Buffer) => ok(d.toString()))));
      for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); i++) await new Promise((r) => setTimeout(r, 20));
      const zombie = path.join(dir, 'zombie.sqlite');
      writeFileSync(`${zombie}.lock`, lockOf(pid));
      new SqliteStore(zombie).close();
    } finally {
      sh.kill('SIGKILL');
    }
  });

  it('a state path that cannot be a state file is a UserError naming it, not a stack trace', () => {
    const refused = (file: string, why: RegExp): void => {
      let e: unknown;
      try {
        new SqliteStore(file).close();
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).location.file).toBe(file);
      expect((e as Error).message).toMatch(why);
    };
    refused(dir, /this is a folder; give a state file path \(e\.g\. .*\/state\.db\)/);
    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, 'pools: []\n'.repeat(100));
    refused(text, /not a drs state file \(not an SQLite database\)/);
    refused(path.join(text, 'state.db'), /notes\.txt is a file, not a folder: cannot hold the state file/);
    // Missing parents are created, level by level.
    new SqliteStore(path.join(dir, 'a', 'b', 'state.db')).close();
  });

  it('group commit: durable() resolves after the commit, close() commits what is staged', async () => {
    const file = path.join(dir, 'group.sqlite');
    const s = new ResourceScheduler({ store: new SqliteStore(file), durability: 'group', timers: false, queue: 'fcfs', pools: [{ name: 'p', capacity: { cpu: 2 }, nodes: 1 }] });
    for (let i = 0; i < 4; i++) s.allocate({ id: `r${i}`, units: 1 });
    await s.durable();
    const peek = new Database(file, { readonly: true });
    expect((peek.prepare('SELECT COUNT(*) AS n FROM allocations').get() as { n: number }).n).toBe(2);
    expect((peek.prepare('SELECT id FROM waiting ORDER BY seq').all() as { id: string }[]).map((r) => r.id)).toEqual(['r2', 'r3']);
    peek.close();
    s.release('r0'); // r2 starts; staged, not yet committed
    s.close(); // waits for the writer, commits the rest
    const s2 = new ResourceScheduler({ store: new SqliteStore(file), timers: false, queue: 'fcfs' });
    expect(s2.listAllocations().map((a) => a.id).sort()).toEqual(['r1', 'r2']);
    expect(s2.listQueued().map((q) => q.requestId)).toEqual(['r3']);
    expect(s2.status('r0')).toMatchObject({ status: 'ended', how: 'released' });
    s2.close();
  });
});
