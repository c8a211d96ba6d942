import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PartialFile, writeFailure, writeFileWhole } from '../../src/core/whole-file.js';
import { readOnlyFolderWith, runScriptAsNobody } from '../cli/as-nobody.js';
import { ROOT } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-write-whole-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh folder `name` holding `file` with the text of a previous run. */
function previous(name: string, file = 'out.txt'): { folder: string; out: string } {
  const folder = path.join(dir, name);
  mkdirSync(folder);
  const out = path.join(folder, file);
  writeFileSync(out, 'the previous run\n');
  return { folder, out };
}

/** A disk that fills up after `room` bytes: the first part is written, then ENOSPC. */
const fullDisk =
  (room: number) =>
  (fd: number, data: string | Uint8Array): void => {
    writeSync(fd, Buffer.from(data).subarray(0, room));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  };

describe('writeFileWhole', () => {
  it('a disk that fills up part-way leaves the previous file as it was and no partial file', () => {
    const { folder, out } = previous('full');
    expect(() => writeFileWhole(out, 'x'.repeat(10000), { write: fullDisk(100) })).toThrow(/ENOSPC/);
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(folder)).toEqual(['out.txt']);
  });

  it('… and with `concurrent` (the partial file of its own name goes too)', () => {
    const { folder, out } = previous('full-concurrent');
    expect(() => writeFileWhole(out, 'x'.repeat(10000), { concurrent: true, write: fullDisk(100) })).toThrow(/ENOSPC/);
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(folder)).toEqual(['out.txt']);
  });

  it('a new file that fails part-way is not created', () => {
    const folder = path.join(dir, 'full-new');
    mkdirSync(folder);
    expect(() => writeFileWhole(path.join(folder, 'new.txt'), 'x'.repeat(10000), { write: fullDisk(100) })).toThrow(/ENOSPC/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a path that is a folder: EISDIR, the folder unchanged, nothing created beside it', () => {
    const folder = path.join(dir, 'is-a-folder');
    mkdirSync(path.join(folder, 'out'), { recursive: true });
    writeFileSync(path.join(folder, 'out', 'kept.txt'), 'kept\n');
    expect(() => writeFileWhole(path.join(folder, 'out'), 'data')).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    expect(readdirSync(folder)).toEqual(['out']);
    expect(readdirSync(path.join(folder, 'out'))).toEqual(['kept.txt']);
  });

  it('writes the data whole and leaves nothing beside it', () => {
    const { folder, out } = previous('ok');
    writeFileWhole(out, Buffer.from('new\n'));
    writeFileWhole(out, 'newer\n', { concurrent: true });
    expect(readFileSync(out, 'utf8')).toBe('newer\n');
    expect(readdirSync(folder)).toEqual(['out.txt']);
  });

  // Two writers of one file at once (two sweeps sharing a results folder finish the same cell):
  // with one FILE.partial name, the second removed the first's partial file and created its own,
  // which the first then renamed to FILE while it was still empty.
  it('`concurrent`: two writers of one file at once each write their own partial file', () => {
    const { folder, out } = previous('two-writers');
    const a = PartialFile.open(out, { concurrent: true });
    const b = PartialFile.open(out, { concurrent: true });
    writeSync(a.fd, 'from a\n');
    a.commit();
    expect(readFileSync(out, 'utf8')).toBe('from a\n');
    writeSync(b.fd, 'from b\n');
    b.commit();
    expect(readFileSync(out, 'utf8')).toBe('from b\n');
    expect(readdirSync(folder)).toEqual(['out.txt']);
  });

  it.skipIf(process.platform !== 'linux')('a new file in a folder that refuses new files: EACCES, nothing created', () => {
    const { folder, unlock } = readOnlyFolderWith(dir, 'read-only', 'old.txt');
    const r = runScriptAsNobody(`const m = await import(${JSON.stringify(path.join(ROOT, 'src/report/partial-file.ts'))});
try { m.writeFileWhole(${JSON.stringify(path.join(folder, 'new.txt'))}, 'data', { inPlaceWhenRefused: true }); console.log('written'); }
catch (e) { console.log(m.writeFailure(e)); }`);
    unlock();
    expect(r.stdout).toBe('EACCES: permission denied\n');
    expect(readdirSync(folder)).toEqual(['old.txt']);
  }, 60_000);
});

describe('writeFailure', () => {
  it("says a system error's code and description without the path Node adds (the partial file's)", () => {
    const e = Object.assign(new Error("EACCES: permission denied, open '/x/out.txt.partial'"), { code: 'EACCES' });
    expect(writeFailure(e)).toBe('EACCES: permission denied');
    expect(writeFailure(Object.assign(new Error('EXDEV: cross-device link not permitted, rename \'/a\' -> \'/b\''), { code: 'EXDEV' }))).toBe('EXDEV: cross-device link not permitted');
    expect(writeFailure(Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG' }))).toBe('EFBIG: file too large');
    expect(writeFailure(new Error('no code, write'))).toBe('no code, write');
  });
});
