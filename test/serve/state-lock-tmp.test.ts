import type * as NodeFs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * A lock file is written under a temporary name, fsynced, then linked into place. When the write
 * or the fsync failed (a full disk: ENOSPC, a quota: EDQUOT, an I/O error), the temporary file was
 * left behind: only the link step removed it. A service restarted in a loop by its supervisor on a
 * full disk (a new pid each time) left one more file at every start. Here fsync fails once.
 */
const fail = vi.hoisted(() => ({ fsync: 0, link: false, writeAt: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const fsyncSync = ((fd: number) => {
    if (fail.fsync > 0) {
      fail.fsync--;
      throw Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' });
    }
    fs.fsyncSync(fd);
  }) as typeof fs.fsyncSync;
  // A file system without hard links (the O_EXCL-and-write fallback).
  const linkSync = ((a: string, b: string) => {
    if (fail.link) throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    fs.linkSync(a, b);
  }) as typeof fs.linkSync;
  // `writeAt`: the n-th write from now fails.
  const writeSync = ((fd: number, text: string) => {
    if (fail.writeAt > 0 && --fail.writeAt === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return fs.writeSync(fd, text);
  }) as typeof fs.writeSync;
  const mocked = { fsyncSync, linkSync, writeSync };
  return { ...fs, default: { ...fs, ...mocked }, ...mocked };
});

const { StateLock } = await import('../../src/scheduler/state-lock.js');

const dir = mkdtempSync(path.join(tmpdir(), 'drs-lock-tmp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('StateLock: a lock file that cannot be written', () => {
  it('is a user error naming the lock file, and leaves no temporary file behind', () => {
    const file = path.join(dir, 'a.db');
    fail.fsync = 1;
    expect(() => StateLock.acquire(file)).toThrow(`cannot create the lock file ${path.resolve(`${file}.lock`)}: ENOSPC: no space left on device, fsync`);
    expect(readdirSync(dir)).toEqual([]);
    // The disk has room again: the next start takes the lock.
    const lock = StateLock.acquire(file);
    expect(readdirSync(dir)).toEqual(['a.db.lock']);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('without hard links, leaves no empty lock file behind when its write fails', () => {
    // An empty lock names no process: every start for the next 5 s would be refused.
    const file = path.join(dir, 'b.db');
    fail.link = true;
    fail.writeAt = 2; // the temporary file's write passes, the lock file's fails
    try {
      expect(() => StateLock.acquire(file)).toThrow(`cannot create the lock file ${path.resolve(`${file}.lock`)}: ENOSPC: no space left on device, write`);
      expect(readdirSync(dir)).toEqual([]);
      const lock = StateLock.acquire(file);
      expect(readdirSync(dir)).toEqual(['b.db.lock']);
      lock.release();
    } finally {
      fail.link = false;
      fail.writeAt = 0;
    }
  });
});
