import type * as NodeFs from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

/**
 * Breaking a stale lock file (its process is gone) races with another process doing the same:
 * both read the stale lock, one removes it and takes a fresh one, and the other, still acting on
 * what it read before, must not remove that fresh lock. Before the fix it did (read, then unlink
 * whatever was there), so two processes each held "the" lock and wrote the same state file.
 *
 * The other process is simulated at the one moment that matters: right after this process read
 * the stale lock, the file is replaced by a live holder's lock (the other process broke the stale
 * one and took the lead).
 */
const race = vi.hoisted(() => ({ lockPath: '', replaceWith: undefined as string | undefined }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const readFileSync = ((p: NodeFs.PathOrFileDescriptor, o?: unknown) => {
    const out = (fs.readFileSync as (p: NodeFs.PathOrFileDescriptor, o?: unknown) => string | Buffer)(p, o);
    if (p === race.lockPath && race.replaceWith !== undefined) {
      const next = race.replaceWith;
      race.replaceWith = undefined; // once: the other process took the lock right after our read
      fs.unlinkSync(p);
      fs.writeFileSync(p, next);
    }
    return out;
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const { StateLock } = await import('../../src/scheduler/state-lock.js');

const dir = mkdtempSync(path.join(tmpdir(), 'drs-lock-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  race.replaceWith = undefined;
});

/** The pid of a process that has exited (its lock is stale). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid as number;
}

describe('StateLock: breaking a stale lock', () => {
  it('does not remove a live lock another process took after this one read the stale one', async () => {
    const file = path.join(dir, 'a.db');
    const lockPath = path.resolve(`${file}.lock`);
    writeFileSync(lockPath, JSON.stringify({ pid: await deadPid(), host: hostname(), since: 'then' }));
    // The other process: alive (our parent, the vitest runner), on this host.
    const live = JSON.stringify({ pid: process.ppid, host: hostname(), since: 'now' });
    race.lockPath = lockPath;
    race.replaceWith = live;
    expect(() => StateLock.acquire(file)).toThrow(/in use by process/);
    expect(existsSync(lockPath)).toBe(true);
    // The other process's lock is untouched.
    const { readFileSync } = await vi.importActual<typeof NodeFs>('node:fs');
    expect(readFileSync(lockPath, 'utf8')).toBe(live);
  });

  it('still takes over a stale lock when nobody races', async () => {
    const file = path.join(dir, 'b.db');
    const lockPath = path.resolve(`${file}.lock`);
    writeFileSync(lockPath, JSON.stringify({ pid: await deadPid(), host: hostname(), since: 'then' }));
    const lock = StateLock.acquire(file);
    const { readFileSync } = await vi.importActual<typeof NodeFs>('node:fs');
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
    expect(existsSync(`${lockPath}.break`)).toBe(false);
  });

  it('gets past a break file left by a process that died while breaking', async () => {
    const file = path.join(dir, 'c.db');
    const lockPath = path.resolve(`${file}.lock`);
    writeFileSync(lockPath, JSON.stringify({ pid: await deadPid(), host: hostname(), since: 'then' }));
    writeFileSync(`${lockPath}.break`, JSON.stringify({ pid: await deadPid(), host: hostname(), since: 'then' }));
    const lock = StateLock.acquire(file);
    expect(existsSync(`${lockPath}.break`)).toBe(false);
    lock.release();
  });

  it('waits for a live breaker instead of breaking beside it', async () => {
    const file = path.join(dir, 'd.db');
    const lockPath = path.resolve(`${file}.lock`);
    writeFileSync(lockPath, JSON.stringify({ pid: await deadPid(), host: hostname(), since: 'then' }));
    const breaker = JSON.stringify({ pid: process.ppid, host: hostname(), since: 'now' });
    writeFileSync(`${lockPath}.break`, breaker);
    // The live breaker never finishes here: this process gives up without touching the stale lock.
    expect(() => StateLock.acquire(file)).toThrow(`could not take the lock file ${lockPath} (another process keeps replacing it, or holds ${lockPath}.break)`);
    const { readFileSync } = await vi.importActual<typeof NodeFs>('node:fs');
    expect(readFileSync(`${lockPath}.break`, 'utf8')).toBe(breaker);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).since).toBe('then');
  });
});
