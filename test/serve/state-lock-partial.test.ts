import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StateLock } from '../../src/scheduler/state-lock.js';

/**
 * A lock file is created (O_EXCL) and then written: a process killed between the two, or a power
 * cut before the file's data reached the disk (the name is there after the reboot, the text is
 * not), leaves an empty lock file. It names no process, so it was never judged stale: every later
 * start looped and gave up ("another process keeps replacing it"), and the service could not start
 * again until someone deleted the file by hand. Now a lock file is written whole under a temporary
 * name, fsynced, and linked into place (so it is never seen half-written), and an unreadable one
 * that has not changed for a while (no writer takes seconds) is taken over.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-lock-partial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ago = (file: string, seconds: number): void => {
  const t = new Date(Date.now() - seconds * 1000);
  utimesSync(file, t, t);
};

describe('StateLock: a lock file left half-written', () => {
  it('takes over an empty lock file left by a crash (a minute old)', () => {
    const file = path.join(dir, 'a.db');
    writeFileSync(`${file}.lock`, '');
    ago(`${file}.lock`, 60);
    const lock = StateLock.acquire(file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('takes over a truncated lock file and an empty break file', () => {
    const file = path.join(dir, 'b.db');
    writeFileSync(`${file}.lock`, '{"pid":12');
    writeFileSync(`${file}.lock.break`, '');
    ago(`${file}.lock`, 60);
    ago(`${file}.lock.break`, 60);
    const lock = StateLock.acquire(file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
    expect(existsSync(`${file}.lock.break`)).toBe(false);
    lock.release();
  });

  it('leaves an empty lock file that was just created alone (its writer may be about to write it)', () => {
    const file = path.join(dir, 'c.db');
    writeFileSync(`${file}.lock`, '');
    // Said why: no process to name, and when it is taken over. It said "another process keeps
    // replacing it, or holds <lock>.break", neither of which was so.
    const lockPath = path.resolve(`${file}.lock`);
    expect(() => StateLock.acquire(file)).toThrow(
      `could not take the lock file ${lockPath}: it names no process (empty or damaged; an older drs may be writing it). ` +
        'It is taken over once it has not changed for 5 s: start again then, or delete it if no drs uses this state file',
    );
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe('');
  });

  it('writes the lock whole, leaving no temporary file behind', () => {
    const file = path.join(dir, 'd.db');
    const lock = StateLock.acquire(file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir).filter((n) => n.startsWith('d.db'))).toEqual(['d.db.lock']);
    lock.release();
  });

  it("leaves another host's temporary file of the same pid alone (two containers, each pid 1, on one volume)", () => {
    // Containers on a shared volume all run their server as pid 1: a temporary name made of the
    // pid alone is the same for both, so one truncated and rewrote the other's file between its
    // write and its link, and the other linked this process's text into place as its own lock.
    const file = path.join(dir, 'e.db');
    const theirs = `${file}.lock.${process.pid}.tmp`;
    const text = JSON.stringify({ pid: process.pid, host: 'another-container', since: 'now' });
    writeFileSync(theirs, text);
    const lock = StateLock.acquire(file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).host).not.toBe('another-container');
    expect(readFileSync(theirs, 'utf8')).toBe(text);
    lock.release();
  });
});
