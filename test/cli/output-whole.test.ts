import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { saveOutput } from '../../src/cli/output.js';
import { readOnlyFolderWith, runScriptAsNobody } from './as-nobody.js';
import { ROOT } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const io = (cwd: string): CliIo & { said: string[] } => {
  const said: string[] = [];
  return { out: () => undefined, err: (s) => void said.push(s), interactive: false, cwd, env: {}, said };
};

/**
 * `--json` and `--html` files were written in place: a write that failed part-way (a full disk)
 * left the first part of the output under the file's name, where a complete file (or the previous
 * run's) had been. They are written beside it (FILE.partial) and take its name once all is written,
 * as `--events` files are.
 */
describe('saveOutput', () => {
  // A file size limit (`ulimit -f`, 1 KiB) makes the write fail part-way, as a full disk would.
  // The write runs in a child process, which alone gets the limit.
  const failingWrite = (folder: string, file: string): ReturnType<typeof spawnSync> => {
    const script = `const m = await import(${JSON.stringify(path.join(ROOT, 'src/cli/output.ts'))});
try {
  await m.saveOutput({ out() {}, err() {}, interactive: false, cwd: ${JSON.stringify(folder)}, env: {} }, 'json', ${JSON.stringify(file)}, () => 'x'.repeat(100000));
  console.log('written');
} catch (e) { console.log(e.constructor.name + ': ' + e.message); }`;
    return spawnSync('bash', ['-c', `ulimit -f 1; exec "${process.execPath}" --import tsx --input-type=module -e '${script.replace(/'/g, "'\\''")}'`], { cwd: ROOT, encoding: 'utf8' });
  };

  it.skipIf(process.platform === 'win32')('a write that fails part-way leaves the previous file as it was and no partial file', () => {
    const folder = path.join(dir, 'failing');
    mkdirSync(folder);
    const out = path.join(folder, 'results.json');
    writeFileSync(out, 'the previous run\n');
    const r = failingWrite(folder, 'results.json');
    expect(r.stdout).toBe(`UserError: cannot write --json file ${out}: EFBIG\n`);
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(folder)).toEqual(['results.json']);
  }, 60_000);

  it.skipIf(process.platform === 'win32')('a write that fails part-way leaves no file under the new name', () => {
    const folder = path.join(dir, 'failing-new');
    mkdirSync(folder);
    const r = failingWrite(folder, 'results.json');
    expect(r.stdout).toBe(`UserError: cannot write --json file ${path.join(folder, 'results.json')}: EFBIG\n`);
    expect(readdirSync(folder)).toEqual([]);
  }, 60_000);

  it('replaces the file once the write is done, keeping its permissions, and says where it went', async () => {
    const out = path.join(dir, 'report.html');
    writeFileSync(out, 'the previous run\n');
    chmodSync(out, 0o600);
    const where = io(dir);
    await saveOutput(where, 'html', 'report.html', () => '<html></html>\n');
    expect(readFileSync(out, 'utf8')).toBe('<html></html>\n');
    expect((statSync(out).mode & 0o777).toString(8)).toBe('600');
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(where.said).toEqual([`report written to ${out}\n`]);
  });

  it('writes through a symbolic link to the file it points to, and replaces a leftover FILE.partial link without following it', async () => {
    const real = path.join(dir, 'real.json');
    const link = path.join(dir, 'link.json');
    const other = path.join(dir, 'someone-else.txt');
    writeFileSync(real, '{}\n');
    symlinkSync(real, link);
    writeFileSync(other, 'not yours\n');
    symlinkSync(other, `${real}.partial`);
    await saveOutput(io(dir), 'json', 'link.json', () => '[1]\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('[1]\n');
    expect(readFileSync(other, 'utf8')).toBe('not yours\n');
    expect(existsSync(`${real}.partial`)).toBe(false);
  });

  /** `drs run --json results.json` run from `folder` as nobody: saveOutput in a child process. */
  const saveJsonAsNobody = (folder: string): ReturnType<typeof runScriptAsNobody> =>
    runScriptAsNobody(`const m = await import(${JSON.stringify(path.join(ROOT, 'src/cli/output.ts'))});
await m.saveOutput({ out() {}, err() {}, interactive: false, cwd: ${JSON.stringify(folder)}, env: {} }, 'json', 'results.json', () => '[1]\\n');`);

  // A file the user may write, in a folder they may not: FILE.partial cannot be created there, and
  // the file was written before (in place), so it still is.
  it.skipIf(process.platform !== 'linux')('writes a writable file in a folder it cannot create files in, in place', () => {
    const { folder, out, unlock } = readOnlyFolderWith(dir, 'read-only', 'results.json');
    const r = saveJsonAsNobody(folder);
    unlock();
    expect(r.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('[1]\n');
    expect(readdirSync(folder)).toEqual(['results.json']);
  }, 60_000);

  // A FILE.partial left there by a write that was killed, before the folder became read-only: its
  // removal was refused (EACCES) before the fallback was reached, so the file that was written in
  // place before 6f2ca49 could not be written at all.
  it.skipIf(process.platform !== 'linux')('writes in place in a read-only folder that still holds a leftover FILE.partial', () => {
    const { folder, out, unlock } = readOnlyFolderWith(dir, 'read-only-leftover', 'results.json', { 'results.json.partial': 'killed half-way' });
    const r = saveJsonAsNobody(folder);
    unlock();
    expect(r.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('[1]\n');
  }, 60_000);

  it.skipIf(process.platform === 'win32')('writes a FIFO in place (it cannot be renamed over)', async () => {
    const fifo = path.join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (d: Buffer) => (read += d.toString()));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    await saveOutput(io(dir), 'json', fifo, () => '{"a":1}\n');
    const stillFifo = lstatSync(fifo).isFIFO();
    if (!stillFifo) reader.kill(); // renamed over: nothing will ever write the pipe the reader waits on
    expect(stillFifo).toBe(true);
    await closed;
    expect(read).toBe('{"a":1}\n');
    expect(existsSync(`${fifo}.partial`)).toBe(false);
  });

  // The text is built before anything is written: a fault there is ours (a bug in the report), not
  // the file's. It was reported as "cannot write --json file FILE: TypeError: …", a user error
  // (exit 2) blaming the file, with no stack; the previous file stays as it was either way.
  it('a failure building the text is thrown as it is, not as a file the user cannot write', async () => {
    const out = path.join(dir, 'bug.json');
    writeFileSync(out, 'the previous run\n');
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    await expect(
      saveOutput(io(dir), 'json', 'bug.json', () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
