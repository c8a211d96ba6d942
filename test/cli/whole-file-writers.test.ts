import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOnlyFolderWith, runScriptAsNobody } from './as-nobody.js';
import { ROOT } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-whole-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Run an ES-module `script` (with tsx, from the project root) in a child process that may write
 * files of at most 1 KiB (`ulimit -f 1`): a longer write fails part-way with EFBIG, as on a full
 * disk. `main(argv)` in the script runs the CLI as `drs` does, printing to stdout and stderr.
 */
function withFileLimit(script: string): { status: number | null; stdout: string; stderr: string } {
  const prelude = `const { main } = await import(${JSON.stringify(path.join(ROOT, 'src/cli/main.ts'))});\n`;
  const r = spawnSync('bash', ['-c', `ulimit -f 1; exec "${process.execPath}" --import tsx --input-type=module -e '${(prelude + script).replace(/'/g, "'\\''")}'`], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A folder `name` holding `file` with the text of a previous run. */
function folderWithPrevious(name: string, file: string): { folder: string; out: string } {
  const folder = path.join(dir, name);
  mkdirSync(folder);
  const out = path.join(folder, file);
  writeFileSync(out, 'the previous run\n');
  return { folder, out };
}

/**
 * Every file the CLI writes is written whole: a write that fails part-way (here a file size limit,
 * as a full disk would) leaves the previous file as it was, no temporary file beside it, and a
 * one-line error naming the file and the cause (exit 2, no stack trace).
 */
describe.skipIf(process.platform === 'win32')('a write that fails part-way leaves the previous file', () => {
  // generate-swf wrote the log in place (writeFileSync): the first KiB of the new log was left
  // under the log's name, in place of the previous one.
  it('drs generate-swf --out', () => {
    const { folder, out } = folderWithPrevious('swf', 'log.swf');
    const r = withFileLimit(`process.exitCode = await main(['generate-swf', '--jobs', '300', '--nodes', '64', '--out', ${JSON.stringify(out)}]);`);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`drs generate-swf: ${out}: cannot write the log: EFBIG: file too large\n`);
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(folder)).toEqual(['log.swf']);
  }, 60_000);

  it('drs generate-swf --out FILE.gz (a new file: none is left)', () => {
    const folder = path.join(dir, 'swf-gz');
    mkdirSync(folder);
    const out = path.join(folder, 'log.swf.gz');
    const r = withFileLimit(`process.exitCode = await main(['generate-swf', '--jobs', '3000', '--nodes', '64', '--out', ${JSON.stringify(out)}]);`);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`drs generate-swf: ${out}: cannot write the log: EFBIG: file too large\n`);
    expect(readdirSync(folder)).toEqual([]);
  }, 60_000);

  // serve-config wrote the config in place (fs.promises.writeFile).
  it('drs serve-config --out', () => {
    const { folder, out } = folderWithPrevious('serve-config', 'serve.yaml');
    const scenario = path.join(ROOT, 'scenarios/default.yaml');
    const r = withFileLimit(`process.env.DRS_DATA_DIR = ${JSON.stringify(path.join(ROOT, '../shared/data'))};
process.exitCode = await main(['serve-config', ${JSON.stringify(scenario)}, '--strategy', 'first-fit', '--out', ${JSON.stringify(out)}]);`);
    expect(r.stderr).toBe(`drs serve-config: cannot write --out file ${out}: EFBIG\n`);
    expect(r.status).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(folder)).toEqual(['serve.yaml']);
  }, 60_000);

  // drs train's model file went to FILE.partial and was renamed, but a failed write left
  // FILE.partial behind and reached the user as a raw system error.
  it("drs train's model file (writeModel)", () => {
    const { folder, out } = folderWithPrevious('train', 'model.json');
    const r = withFileLimit(`const { writeModel } = await import(${JSON.stringify(path.join(ROOT, 'src/cli/train-output.ts'))});
try { writeModel(${JSON.stringify(out)}, { weights: 'w'.repeat(5000) }, { timings: true }); console.log('written'); }
catch (e) { console.log(e.constructor.name + ': ' + e.message); }`);
    expect(r.stdout).toBe(`UserError: ${out}: cannot write the model file: EFBIG: file too large\n`);
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(folder)).toEqual(['model.json']);
  }, 60_000);

  // The sweep's results folder: a failed write left `<hash>.json.<pid>.tmp` behind, and a raw
  // system error.
  it("a sweep cell's result file (ResultStore.put)", () => {
    const { folder, out } = folderWithPrevious('sweep', 'abc.json');
    const r = withFileLimit(`const { ResultStore } = await import(${JSON.stringify(path.join(ROOT, 'src/sweep/store.ts'))});
const store = new ResultStore(${JSON.stringify(folder)});
try { store.put({ state: 'completed', hash: 'abc', point: { x: 'p'.repeat(5000) }, strategy: 'first-fit', seed: 1, metrics: {}, simulatedSeconds: 1 }); console.log('written'); }
catch (e) { console.log(e.constructor.name + ': ' + e.message); }`);
    expect(r.stdout).toBe(`UserError: cannot write the sweep's result file ${out}: EFBIG\n`);
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(folder)).toEqual(['abc.json']);
  }, 60_000);
});

/**
 * An existing file the user may write, in a folder where they may create none: the checks before
 * the run (prepareOutputFile, checkOutputFolders: the file opens for writing) let it through, so
 * the file is written in place rather than the finished run refused.
 */
describe.skipIf(process.platform !== 'linux')('an existing writable file in a folder that refuses new files', () => {
  // writeModel created FILE.partial there: EACCES after the whole training, as a raw system error.
  it("drs train's model file is written in place", () => {
    const { folder, out, unlock } = readOnlyFolderWith(dir, 'train-read-only', 'model.json');
    const r = runScriptAsNobody(`const { writeModel } = await import(${JSON.stringify(path.join(ROOT, 'src/cli/train-output.ts'))});
writeModel(${JSON.stringify(out)}, { weights: [1, 2] }, { timings: true });`);
    unlock();
    expect(r.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('{\n "weights": [\n  1,\n  2\n ]\n}\n');
    expect(readdirSync(folder)).toEqual(['model.json']);
  }, 60_000);

  it('drs generate-swf --out is written in place', () => {
    const { folder, out, unlock } = readOnlyFolderWith(dir, 'swf-read-only', 'log.swf');
    const r = runScriptAsNobody(`const { main } = await import(${JSON.stringify(path.join(ROOT, 'src/cli/main.ts'))});
process.exitCode = await main(['generate-swf', '--jobs', '20', '--nodes', '64', '--out', ${JSON.stringify(out)}]);`);
    unlock();
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^; /);
    expect(readdirSync(folder)).toEqual(['log.swf']);
  }, 60_000);
});
