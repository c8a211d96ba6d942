import type * as NodeFs from 'node:fs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * A break file (`<file>.lock.break`) left by a process that died while breaking a stale lock is
 * itself stale, and two processes starting at once both find it so. Before the fix each removed
 * it by "read, then unlink whatever is there": one removed the stale break file and took a fresh
 * one, the other (which had read the stale text a moment before) then unlinked that fresh break
 * file and took its own, so both were breaking the lock at once, and the second then removed the
 * lock the first had just taken: two processes each held the state file.
 *
 * The other process (O, a live pid: our parent) is scripted at the two moments that matter:
 * - right after this process (U) re-reads the stale break file to remove it, O removes that
 *   stale break file and takes a fresh one, as the rules allow it: only if it can create the
 *   break file's own guard `<file>.lock.break.break` (O_EXCL), and it leaves that guard after;
 * - while O holds the break file and U has taken one too, at U's next read of the lock file, O
 *   breaks the stale lock (it still holds the stale text) and takes the lock.
 * Whatever the interleaving, at most one of them may end up holding the lock.
 */
const o = vi.hoisted(() => ({
  lockPath: '',
  staleBreak: '',
  breakToken: '',
  lockToken: '',
  reads: 0,
  holdsBreak: false,
  holdsLock: false,
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const read = fs.readFileSync as (p: NodeFs.PathOrFileDescriptor, opt?: unknown) => string | Buffer;
  const readFileSync = ((p: NodeFs.PathOrFileDescriptor, opt?: unknown) => {
    const out = read(p, opt);
    const breakPath = `${o.lockPath}.break`;
    if (o.lockPath !== '' && p === breakPath && out === o.staleBreak && ++o.reads === 2) {
      // O removes the stale break file under its guard, then takes the break file.
      try {
        fs.closeSync(fs.openSync(`${breakPath}.break`, 'wx'));
        try {
          if (read(breakPath, 'utf8') === o.staleBreak) fs.unlinkSync(breakPath);
        } finally {
          fs.unlinkSync(`${breakPath}.break`);
        }
        fs.writeFileSync(breakPath, o.breakToken, { flag: 'wx' });
        o.holdsBreak = true;
      } catch {
        // the guard is held (by U) or the break file was taken: O waits and tries later
      }
    } else if (o.holdsBreak && !o.holdsLock && p === o.lockPath && fs.existsSync(breakPath) && read(breakPath, 'utf8') !== o.breakToken) {
      // O, in its critical section, removes the stale lock (still the stale text) and takes the lock.
      if (read(o.lockPath, 'utf8') === out) {
        fs.unlinkSync(o.lockPath);
        fs.writeFileSync(o.lockPath, o.lockToken, { flag: 'wx' });
        o.holdsLock = true;
      }
    }
    return out;
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const { StateLock } = await import('../../src/scheduler/state-lock.js');
const actual = await vi.importActual<typeof NodeFs>('node:fs');

const dir = mkdtempSync(path.join(tmpdir(), 'drs-lock-break-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  Object.assign(o, { lockPath: '', staleBreak: '', reads: 0, holdsBreak: false, holdsLock: false });
});

/** The pid of a process that has exited (its lock is stale). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid as number;
}

const holder = (pid: number, since: string): string => JSON.stringify({ pid, host: hostname(), since });

describe('StateLock: a stale break file', () => {
  it('two processes removing the same stale break file cannot both end up holding the lock', async () => {
    const file = path.join(dir, 'a.db');
    const lockPath = path.resolve(`${file}.lock`);
    const dead = await deadPid();
    writeFileSync(lockPath, holder(dead, 'then'));
    const staleBreak = holder(dead, 'then, breaking');
    writeFileSync(`${lockPath}.break`, staleBreak);
    Object.assign(o, { lockPath, staleBreak, breakToken: holder(process.ppid, 'now, breaking'), lockToken: holder(process.ppid, 'now') });

    let ours: ReturnType<typeof StateLock.acquire> | undefined;
    try {
      ours = StateLock.acquire(file);
    } catch (e) {
      expect((e as Error).message).toMatch(/in use by process|could not take the lock file/);
    }
    const text = actual.readFileSync(lockPath, 'utf8');
    // Exactly one holder: whoever the lock file names.
    if (o.holdsLock) {
      expect(ours).toBeUndefined();
      expect(text).toBe(o.lockToken);
    } else {
      expect(ours).toBeDefined();
      expect(JSON.parse(text).pid).toBe(process.pid);
    }
    ours?.release();
  });

  it('gets past a stale break file whose own guard was left by a process that died removing it', async () => {
    const file = path.join(dir, 'b.db');
    const lockPath = path.resolve(`${file}.lock`);
    const dead = await deadPid();
    writeFileSync(lockPath, holder(dead, 'then'));
    writeFileSync(`${lockPath}.break`, holder(dead, 'then, breaking'));
    writeFileSync(`${lockPath}.break.break`, holder(dead, 'then, breaking the break file'));
    const lock = StateLock.acquire(file);
    expect(JSON.parse(actual.readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    expect(existsSync(`${lockPath}.break`)).toBe(false);
    expect(existsSync(`${lockPath}.break.break`)).toBe(false);
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });
});
