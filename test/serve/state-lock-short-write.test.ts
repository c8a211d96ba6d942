import type * as NodeFs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * writeSync may write fewer bytes than asked (a signal, a quota reached mid-write, some network
 * file systems) and returns how many it wrote. createWhole ignored that count, so a short write
 * linked a lock file cut short into place: unreadable, it named no process and kept every start
 * out (for 5 s, or until deleted), and this process's own `release` did not recognise it (its text
 * differs from the token), so it was left behind. Here every write writes at most `cap` bytes.
 */
const short = vi.hoisted(() => ({ cap: Infinity, zero: false, noLink: false, zeroCalls: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const writeSync = ((fd: number, data: string | NodeJS.ArrayBufferView, offset?: number, length?: number) => {
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const off = typeof data === 'string' ? 0 : (offset ?? 0);
    const len = typeof data === 'string' ? buf.length : (length ?? buf.length - off);
    if (short.zero) {
      // A writer that retried for ever would hang the test: fail it instead.
      if (++short.zeroCalls > 100) throw new Error('wrote nothing 100 times over: the writer loops');
      return 0;
    }
    return fs.writeSync(fd, buf, off, Math.min(len, short.cap));
  }) as typeof fs.writeSync;
  const linkSync = ((a: string, b: string) => {
    if (short.noLink === true) throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    fs.linkSync(a, b);
  }) as typeof fs.linkSync;
  return { ...fs, default: { ...fs, writeSync, linkSync }, writeSync, linkSync };
});

const { StateLock } = await import('../../src/scheduler/state-lock.js');

const dir = mkdtempSync(path.join(tmpdir(), 'drs-lock-short-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('StateLock: writes that write less than asked', () => {
  for (const noLink of [false, true]) {
    it(`writes the whole lock text, 7 bytes at a time${noLink ? ' (no hard links: O_EXCL and a write)' : ''}`, () => {
      const file = path.join(dir, `a${noLink ? '-nolink' : ''}.db`);
      Object.assign(short, { cap: 7, noLink });
      try {
        const lock = StateLock.acquire(file);
        const v = JSON.parse(readFileSync(`${file}.lock`, 'utf8')) as { pid: number; host: string };
        expect(v.pid).toBe(process.pid);
        lock.release();
        expect(readdirSync(dir).filter((f) => f.startsWith(path.basename(file)))).toEqual([]);
      } finally {
        Object.assign(short, { cap: Infinity, noLink: false });
      }
    });
  }

  it('a write that makes no progress is an error naming the lock file, and leaves no file behind', () => {
    const file = path.join(dir, 'b.db');
    short.zero = true;
    try {
      expect(() => StateLock.acquire(file)).toThrow(`cannot create the lock file ${path.resolve(`${file}.lock`)}: EIO: the write made no progress (0 of `);
      expect(readdirSync(dir).filter((f) => f.startsWith('b.db'))).toEqual([]);
    } finally {
      short.zero = false;
    }
    StateLock.acquire(file).release();
  });
});
