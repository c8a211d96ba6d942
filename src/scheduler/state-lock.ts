import { closeSync, fsyncSync, linkSync, openSync, readFileSync, readlinkSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
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
 *
 * That rule alone also took over a live twin's lock: two containers on one volume with the same
 * hostname (`--network host` gives both the host's; one `hostname:` on two replicas), each serving
 * as pid 1. So a lock names its pid namespace too (`pidns`, /proc/self/ns/pid), and its pid is
 * judged only from inside that namespace. A process of another namespace cannot be seen from here
 * (`kill(pid, 0)` and "our own pid" say nothing about it), and a twin is told from a restarted
 * container (whose namespace is new) only by time: a holder rewrites its lock's mtime every
 * HEARTBEAT_MS, and a lock of another namespace on this host is stale once unchanged for
 * FOREIGN_STALE_MS. A lock without `pidns` (an older drs, a system without /proc) is judged as before.
 *
 * Breaking a stale lock races with another process breaking it too: both read the stale lock,
 * one removes it and takes a fresh one, and the other must not then remove that fresh lock (it
 * did: read, then unlink whatever was there, so two processes each held the lock and wrote the
 * same state file). A stale lock is removed only under `<file>.lock.break` (created with O_EXCL,
 * so one process at a time) and only if it still holds exactly the text judged stale; a break
 * file whose process died is removed the same way, under `<file>.lock.break.break`.
 *
 * Each of these files is written whole under a temporary name, fsynced, and linked into place
 * (createWhole), so none is ever seen empty or half-written: created with O_EXCL and then written,
 * a process killed between the two, or a power cut before the text reached the disk, left an
 * empty lock file that named no process, was never stale, and kept every later start out. One
 * that is unreadable all the same (written so by an older drs, or damaged) is stale once it has
 * not changed for UNREADABLE_STALE_MS: no writer takes that long between creating and writing.
 */
const heldHere = new Set<string>();

export class StateLock {
  /** Refreshes the lock's mtime (see FOREIGN_STALE_MS); unref'd, stopped by `release`. */
  private readonly heartbeat: ReturnType<typeof setInterval>;

  private constructor(
    readonly lockPath: string,
    private readonly token: string,
  ) {
    this.heartbeat = setInterval(() => this.refresh(), HEARTBEAT_MS).unref();
  }

  /** Mark the lock as held now, if it is still ours. */
  private refresh(): void {
    try {
      if (readFileSync(this.lockPath, 'utf8') !== this.token) return;
      const now = new Date();
      utimesSync(this.lockPath, now, now);
    } catch {
      // gone (removed by hand): nothing to refresh
    }
  }

  static acquire(file: string): StateLock {
    const lockPath = resolve(`${file}.lock`);
    const token = ownText();
    let unreadable = false; // the last lock seen names no process (and is too young to take over)
    for (let attempt = 0; attempt < 20; attempt++) {
      let created: boolean;
      try {
        created = createWhole(lockPath, token);
      } catch (e) {
        throw new UserError(`cannot create the lock file ${lockPath}: ${(e as Error).message}`, { file });
      }
      if (created) {
        heldHere.add(lockPath);
        return new StateLock(lockPath, token);
      }
      const holder = readHolder(lockPath);
      if (holder === undefined) continue; // removed meanwhile: try again
      unreadable = holder.unreadable && !isStale(holder, lockPath);
      if (unreadable) {
        pause(10); // being written (by an older drs): try again
        continue;
      }
      if (!isStale(holder, lockPath)) {
        const foreign = foreignNamespace(holder);
        const where = holder.host !== hostname() ? ` on host ${holder.host}` : foreign ? ` of another pid namespace on this host (${holder.pidns}: another container)` : '';
        throw new UserError(
          `state file ${file} is in use by process ${holder.pid}${where} (since ${holder.since}; lock file ${lockPath}). ` +
            (foreign ? `Stop that process first; a lock its holder no longer refreshes is taken over once unchanged for ${FOREIGN_STALE_MS / 1000} s.` : 'Stop that process first; only if it no longer runs, delete the lock file.'),
          { file },
        );
      }
      breakStale(lockPath, holder.text); // its process is gone
    }
    if (unreadable) {
      throw new UserError(
        `could not take the lock file ${lockPath}: it names no process (empty or damaged; an older drs may be writing it). ` +
          `It is taken over once it has not changed for ${UNREADABLE_STALE_MS / 1000} s: start again then, or delete it if no drs uses this state file`,
        { file },
      );
    }
    throw new UserError(`could not take the lock file ${lockPath} (another process keeps replacing it, or holds ${lockPath}.break)`, { file });
  }

  /** Remove the lock file if it is still ours. */
  release(): void {
    clearInterval(this.heartbeat);
    heldHere.delete(this.lockPath);
    try {
      if (readFileSync(this.lockPath, 'utf8') === this.token) unlinkSync(this.lockPath);
    } catch {
      // already gone
    }
  }
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  /** The holder's pid namespace (`pid:[4026531836]`), if the lock names it. */
  readonly pidns?: string;
  /** The file's text as read (what a stale lock is recognised by when it is removed). */
  readonly text: string;
  /** The text names no process (empty, cut short, not a drs lock); `modifiedMs`: when the file last changed. */
  readonly unreadable: boolean;
  readonly modifiedMs: number;
}

/** An unreadable lock or break file that has not changed for this long is stale, ms. */
const UNREADABLE_STALE_MS = 5000;

/** How often a holder rewrites its lock's mtime, ms. */
const HEARTBEAT_MS = 1000;

/** A lock of another pid namespace on this host unchanged for this long is stale (its holder stopped refreshing it), ms. */
const FOREIGN_STALE_MS = 10_000;

/** This process's pid namespace (`pid:[4026531836]`); undefined without /proc (macOS) or where it cannot be read. */
const PID_NS = ((): string | undefined => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
})();

/** The text of a lock or break file this process writes: who holds it, since when, in which pid namespace. */
function ownText(): string {
  return JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), ...(PID_NS !== undefined ? { pidns: PID_NS } : {}) });
}

/** The holder is a process of this host that this process cannot see: another pid namespace (a container). */
function foreignNamespace(holder: Holder): boolean {
  return holder.host === hostname() && holder.pidns !== undefined && PID_NS !== undefined && holder.pidns !== PID_NS;
}

/** The file's holder; undefined if there is no file. */
function readHolder(lockPath: string): Holder | undefined {
  let text: string;
  let modifiedMs: number;
  try {
    modifiedMs = statSync(lockPath).mtimeMs;
    text = readFileSync(lockPath, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as { pid?: unknown; host?: unknown; since?: unknown; pidns?: unknown };
    if (typeof v.pid === 'number' && typeof v.host === 'string') {
      return { pid: v.pid, host: v.host, since: typeof v.since === 'string' ? v.since : '?', ...(typeof v.pidns === 'string' ? { pidns: v.pidns } : {}), text, unreadable: false, modifiedMs };
    }
  } catch {
    // unreadable
  }
  return { pid: 0, host: '?', since: '?', text, unreadable: true, modifiedMs };
}

/**
 * A lock of this host whose process is gone (a lock of another host is never stale: shared file
 * systems), one of another pid namespace of this host unchanged for FOREIGN_STALE_MS, or an
 * unreadable one unchanged for UNREADABLE_STALE_MS (either way round: a clock set back does not
 * keep it forever).
 */
function isStale(holder: Holder, lockPath: string): boolean {
  if (holder.unreadable) return Math.abs(Date.now() - holder.modifiedMs) >= UNREADABLE_STALE_MS;
  if (holder.host !== hostname()) return false;
  if (foreignNamespace(holder)) return Math.abs(Date.now() - holder.modifiedMs) >= FOREIGN_STALE_MS;
  return !(holder.pid === process.pid ? heldHere.has(lockPath) : isAlive(holder.pid));
}

/**
 * Remove the stale lock at `lockPath` if it still holds `staleText`, under the break file (one
 * breaker at a time). Returns without removing anything when another process is breaking it (the
 * caller tries again) or when the file changed since it was read (another process broke it and
 * took a fresh lock, which the caller then finds live).
 */
function breakStale(lockPath: string, staleText: string): void {
  removeUnderGuard(lockPath, staleText, 0);
}

/** How many guards deep a stale guard is broken (each level needs another process to die inside its microseconds). */
const MAX_GUARD_DEPTH = 4;

/**
 * Remove `file` if it still holds `staleText`, holding `<file>.break` (O_EXCL) meanwhile: reading
 * the file and unlinking it are two steps, and only the guard keeps another process from
 * replacing the file between them. A guard is removed only by its holder, or, when its holder
 * died (it holds it for microseconds), the same way one level down: under `<guard>.break`. It was
 * removed by "read, then unlink" with no guard: two processes finding the same dead breaker's
 * file both did, the second unlinked the break file the first had just taken, both broke the
 * lock at once and the second removed the lock the first had taken (two holders).
 */
function removeUnderGuard(file: string, staleText: string, depth: number): void {
  const guard = `${file}.break`;
  const token = ownText();
  let created: boolean;
  try {
    created = createWhole(guard, token);
  } catch (e) {
    throw new UserError(`cannot create ${guard}: ${(e as Error).message}`);
  }
  if (!created) {
    // Another process is breaking it: wait a moment. A guard whose process died is removed the same careful way.
    const breaker = readHolder(guard);
    if (breaker !== undefined && depth < MAX_GUARD_DEPTH && isStale(breaker, guard)) removeUnderGuard(guard, breaker.text, depth + 1);
    else pause(10);
    return;
  }
  try {
    if (readFileSync(file, 'utf8') === staleText) unlinkSync(file);
  } catch {
    // already gone
  } finally {
    removeOwn(guard, token);
  }
}

/**
 * Create `file` holding `text` unless it exists (false then): written and fsynced under a
 * temporary name of this process, then linked into place (link, like O_EXCL, fails if the name
 * exists), so the file is never seen without its text. A file system without hard links gets
 * O_EXCL and a write.
 *
 * The temporary name holds the host as well as the pid: containers sharing a volume each run
 * their server as pid 1, and with the pid alone one rewrote the other's temporary file between
 * its write and its link, so the other linked this process's text into place as its own lock.
 */
function createWhole(file: string, text: string): boolean {
  const tmp = `${file}.${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeAll(fd, text);
    fsyncSync(fd);
  } catch (e) {
    // A full disk (ENOSPC), a quota, an I/O error: the temporary file goes too (a supervisor
    // restarting the service in a loop left one more at every start).
    closeSync(fd);
    removeIfThere(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  } finally {
    removeIfThere(tmp);
  }
  let out: number;
  try {
    out = openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeAll(out, text);
  } catch (e) {
    // Ours and empty: left, it would name no process and keep every start out for a while.
    closeSync(out);
    removeIfThere(file);
    throw e;
  }
  closeSync(out);
  return true;
}

/**
 * Write all of `text`: writeSync may write less than asked (a signal, a quota reached mid-write,
 * some network file systems) and says how much it wrote; ignored, a lock cut short was linked into
 * place (naming no process, it kept every start out, and `release` did not know it as its own).
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let done = 0; done < bytes.length; ) {
    const n = writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error(`EIO: the write made no progress (${done} of ${bytes.length} bytes written)`), { code: 'EIO' });
    done += n;
  }
}

function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Remove a file this process created (nobody else removes a live process's file, so read-then-unlink is safe here). */
function removeOwn(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) unlinkSync(file);
  } catch {
    // already gone
  }
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
