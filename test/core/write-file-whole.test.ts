import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PartialFile, writeFailure, writeFileWhole, writeFolderWhole } from '../../src/core/whole-file.js';
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

describe('writeFolderWhole', () => {
  const saved = (name: string): string => {
    const d = path.join(dir, name);
    mkdirSync(d);
    writeFileSync(path.join(d, 'a'), 'old a\n');
    writeFileSync(path.join(d, 'b'), 'old b\n');
    return d;
  };
  const contents = (d: string): Record<string, string> => Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(path.join(d, f), 'utf8')]));

  it('a disk that fills up on the second file leaves the folder as it was and nothing beside it', () => {
    const d = saved('folder-full');
    let calls = 0;
    const write = (fd: number, data: string | Uint8Array): void => (++calls === 2 ? fullDisk(3)(fd, data) : void writeSync(fd, Buffer.from(data)));
    expect(() => writeFolderWhole(d, { a: 'new a\n', b: 'new b\n' }, { write })).toThrow(/ENOSPC/);
    expect(contents(d)).toEqual({ a: 'old a\n', b: 'old b\n' });
    expect(readdirSync(dir).filter((f) => f.startsWith('folder-full'))).toEqual(['folder-full']);
  });

  it('replaces the files it writes and keeps the others; through a link, the folder it points to', () => {
    const d = saved('folder-real');
    writeFileSync(path.join(d, 'notes'), 'mine\n');
    const link = path.join(dir, 'folder-link');
    symlinkSync(d, link);
    writeFolderWhole(link, { a: 'new a\n', c: 'new c\n' });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(contents(d)).toEqual({ a: 'new a\n', b: 'old b\n', c: 'new c\n', notes: 'mine\n' });
    expect(readdirSync(dir).filter((f) => f.startsWith('folder-real'))).toEqual(['folder-real']);
  });

  // A folder whose parent refuses new entries (or a mount point, which cannot be renamed): no
  // DIR.partial beside it. It was refused (EACCES) where the save before wrote it in place.
  it.skipIf(process.platform !== 'linux')('writes a folder it cannot replace in place, one whole file after another', () => {
    const parent = path.join(dir, 'folder-read-only-parent');
    const d = path.join(parent, 'model');
    mkdirSync(d, { recursive: true });
    for (const f of ['a', 'b']) {
      writeFileSync(path.join(d, f), `old ${f}\n`);
      chmodSync(path.join(d, f), 0o666);
    }
    chmodSync(d, 0o777);
    chmodSync(parent, 0o555);
    const r = runScriptAsNobody(`const m = await import(${JSON.stringify(path.join(ROOT, 'src/core/whole-file.ts'))});
m.writeFolderWhole(${JSON.stringify(d)}, { b: 'new b\\n', a: 'new a\\n', c: 'new c\\n' });`);
    chmodSync(parent, 0o755);
    expect(r.stderr).toBe('');
    expect(contents(d)).toEqual({ a: 'new a\n', b: 'new b\n', c: 'new c\n' });
    expect(readdirSync(parent)).toEqual(['model']);
  }, 60_000);

  // A folder its owner made read-only (mode 555): the save is refused up front, naming the folder,
  // not the DIR.partial it would have failed in; the folder and its files stay as they were.
  it.skipIf(process.platform !== 'linux')('refuses a read-only folder, naming it, and leaves it as it was', () => {
    const parent = path.join(dir, 'folder-read-only');
    mkdirSync(parent);
    chmodSync(parent, 0o777);
    const d = path.join(parent, 'model');
    mkdirSync(d);
    writeFileSync(path.join(d, 'a'), 'old a\n');
    chmodSync(path.join(d, 'a'), 0o666);
    chmodSync(d, 0o555);
    const r = runScriptAsNobody(`const m = await import(${JSON.stringify(path.join(ROOT, 'src/core/whole-file.ts'))});
try { m.writeFolderWhole(${JSON.stringify(d)}, { a: 'new a\\n' }); console.log('saved'); } catch (e) { console.log(e.code + ' ' + m.writeFailure(e)); }`);
    chmodSync(d, 0o755);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`EACCES ${d} is read-only (mode 555): make it writable (chmod u+w) or save elsewhere\n`);
    expect(contents(d)).toEqual({ a: 'old a\n' });
    expect(readdirSync(parent)).toEqual(['model']);
  }, 60_000);

  it('a path that is a file: ENOTDIR, the file as it was', () => {
    const f = path.join(dir, 'folder-is-file');
    writeFileSync(f, 'a file\n');
    expect(() => writeFolderWhole(f, { a: 'x' })).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(readFileSync(f, 'utf8')).toBe('a file\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('folder-is-file'))).toEqual(['folder-is-file']);
  });
});
