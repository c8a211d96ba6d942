import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';

/**
 * Exclusive use of a state file: `<file>.lock`, created with O_EXCL, holds the owner's pid and
 * host. A second process finds it and is refused before it opens the database (so it can never
 * write to it). A lock whose process no longer runs on this host (a crash, `kill -9`) is stale
 * and taken over. A lock written by another host is always respected (shared file systems).
 *
 * A lock naming this process's own pid is ours only if this process took it: a container
 * restarted after `kill -9` runs its server under the same pid (often 1) and hostname as the
 * process that died, so `kill(pid, 0)` alone would call that lock live forever. A zombie (dead,
 * not yet reaped by its parent) holds no file and counts as gone.
 */
const heldHere = new Set<string>();

export class StateLock {
  private constructor(
    readonly lockPath: string,
    private readonly token: string,
  ) {}

  static acquire(file: string): StateLock {
    const lockPath = resolve(`${file}.lock`);
    const token = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = openSync(lockPath, 'wx', 0o644);
        try {
          writeSync(fd, token);
        } finally {
          closeSync(fd);
        }
        heldHere.add(lockPath);
        return new StateLock(lockPath, token);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`cannot create the lock file ${lockPath}: ${(e as Error).message}`, { file });
      }
      const holder = readHolder(lockPath);
      if (holder === undefined) continue; // removed meanwhile, or being written: try again
      const live = holder.pid === process.pid ? heldHere.has(lockPath) : isAlive(holder.pid);
      if (holder.host !== hostname() || live) {
        throw new UserError(
          `state file ${file} is in use by process ${holder.pid}${holder.host !== hostname() ? ` on host ${holder.host}` : ''} (since ${holder.since}; lock file ${lockPath}). ` +
            'Stop that process first; only if it no longer runs, delete the lock file.',
          { file },
        );
      }
      try {
        unlinkSync(lockPath); // stale: its process is gone
      } catch {
        // someone else removed it first
      }
    }
    throw new UserError(`could not take the lock file ${lockPath} (another process keeps replacing it)`, { file });
  }

  /** Remove the lock file if it is still ours. */
  release(): void {
    heldHere.delete(this.lockPath);
    try {
      if (readFileSync(this.lockPath, 'utf8') === this.token) unlinkSync(this.lockPath);
    } catch {
      // already gone
    }
  }
}

function readHolder(lockPath: string): { pid: number; host: string; since: string } | undefined {
  try {
    const v = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid?: unknown; host?: unknown; since?: unknown };
    if (typeof v.pid !== 'number' || typeof v.host !== 'string') return undefined;
    return { pid: v.pid, host: v.host, since: typeof v.since === 'string' ? v.since : '?' };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux: `/proc/PID/stat` has state Z (after the parenthesised name, which may hold spaces). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (macOS, …): kill(pid, 0) has the last word
  }
}
