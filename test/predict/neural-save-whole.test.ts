import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { MlpForecaster } from '../../src/predict/mlp.js';
import { loadNeuralForecaster } from '../../src/predict/neural-load.js';
import { runScriptAsNobody } from '../cli/as-nobody.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'drs-neural-whole-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Tiny on purpose (the suite must stay fast on 2 cores).
const y = Array.from({ length: 120 }, (_, t) => 50 + 10 * Math.sin((2 * Math.PI * t) / 16) + 0.05 * t);
const tiny = { season: 16, window: 8, horizon: 4, units: 4, epochs: 2, batchSize: 32 };
const FILES = ['drs-forecaster.json', 'model.json', 'weights.bin'];

/** Two trained models of one shape, different seeds; `a`'s forecast. */
let a: MlpForecaster;
let b: MlpForecaster;
let forecastA: number[];
beforeAll(async () => {
  a = new MlpForecaster({ ...tiny, seed: 1 });
  b = new MlpForecaster({ ...tiny, seed: 2 });
  await a.fit(y);
  await b.fit(y);
  forecastA = a.forecast(4).point;
}, 60_000);

/** 'loaded', or the message of the error the load threw (a failing test prints no whole model). */
const loadOutcome = (d: string): Promise<string> => loadNeuralForecaster(d).then(
  () => 'loaded',
  (e: unknown) => `${(e as Error).constructor.name}: ${(e as Error).message}`,
);

async function savedA(name: string): Promise<string> {
  const d = path.join(dir, name);
  await a.save(d);
  return d;
}

/**
 * `save(dir)` wrote model.json, weights.bin and drs-forecaster.json in place, one after the
 * other: a save that failed or was stopped between them left a folder that loads half-old,
 * half-new (or not at all). The new model is now written into DIR.partial beside it and takes
 * DIR's place once all of it is written, and the loader checks that the three files are of one save.
 */
describe('saving a neural forecaster', () => {
  // A file size limit (1 KiB, as a full disk would) stops a save of a bigger model part-way.
  it.skipIf(process.platform === 'win32')('a save that fails part-way leaves the previous model loadable as it was, and no partial folder', async () => {
    const d = await savedA('failed-save');
    const before = Object.fromEntries(FILES.map((f) => [f, readFileSync(path.join(d, f))]));
    const script = `const { MlpForecaster } = await import(${JSON.stringify(path.join(ROOT, 'src/predict/mlp.ts'))});
const m = new MlpForecaster({ ...${JSON.stringify(tiny)}, units: 64, seed: 3 });
await m.fit(${JSON.stringify(y)});
try { await m.save(${JSON.stringify(d)}); console.log('saved'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }`;
    const r = spawnSync('bash', ['-c', `ulimit -f 1; exec "${process.execPath}" --import tsx --input-type=module -e '${script.replace(/'/g, "'\\''")}'`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toBe(`UserError: ${d}: cannot save the model: EFBIG: file too large\n`);
    for (const f of FILES) expect(readFileSync(path.join(d, f)).equals(before[f] as Buffer)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('failed-save'))).toEqual(['failed-save']);
    expect((await loadNeuralForecaster(d)).forecast(4).point).toEqual(forecastA);
  }, 60_000);

  it('replaces a saved model whole, keeping other files of the folder', async () => {
    const d = await savedA('replaced');
    writeFileSync(path.join(d, 'notes.txt'), 'mine\n');
    await b.save(d);
    expect(readdirSync(d).sort()).toEqual([...FILES, 'notes.txt'].sort());
    expect(readFileSync(path.join(d, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect((await loadNeuralForecaster(d)).forecast(4).point).toEqual(b.forecast(4).point);
    expect(readdirSync(dir).filter((f) => f.startsWith('replaced'))).toEqual(['replaced']);
  });

  it('saves into a new folder (its parents made) and over an empty one, and replaces a leftover DIR.partial', async () => {
    const d = path.join(dir, 'new', 'deeper', 'model');
    await a.save(d);
    expect(readdirSync(d).sort()).toEqual(FILES);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    mkdirSync(`${empty}.partial`);
    writeFileSync(path.join(`${empty}.partial`, 'weights.bin'), 'killed half-way');
    await a.save(empty);
    expect(readdirSync(dir).filter((f) => f.startsWith('empty'))).toEqual(['empty']);
    expect((await loadNeuralForecaster(empty)).forecast(4).point).toEqual(forecastA);
  });

  // A model folder whose parent refuses new entries (or a mount point) has no room for DIR.partial
  // beside it: its files are written in place, drs-forecaster.json last, as before.
  it.skipIf(process.platform !== 'linux')('saves in place into a folder it cannot replace', async () => {
    const parent = path.join(dir, 'read-only-parent');
    const d = path.join(parent, 'model');
    mkdirSync(parent);
    await b.save(d);
    chmodSync(d, 0o777);
    for (const f of FILES) chmodSync(path.join(d, f), 0o666);
    chmodSync(parent, 0o555);
    chmodSync(dir, 0o755); // mkdtemp's 0700: nobody could not reach the folder at all
    const r = runScriptAsNobody(`const { MlpForecaster } = await import(${JSON.stringify(path.join(ROOT, 'src/predict/mlp.ts'))});
const m = new MlpForecaster({ ...${JSON.stringify(tiny)}, seed: 1 });
await m.fit(${JSON.stringify(y)});
await m.save(${JSON.stringify(d)});`);
    chmodSync(parent, 0o755);
    expect(r.stderr).toBe('');
    expect(readdirSync(parent)).toEqual(['model']);
    expect(readdirSync(d).sort()).toEqual(FILES);
    expect((await loadNeuralForecaster(d)).forecast(4).point).toEqual(forecastA);
  }, 60_000);

  it('refuses a path that is a file, and leaves it as it was', async () => {
    const f = path.join(dir, 'a-file');
    writeFileSync(f, 'not a folder\n');
    await expect(a.save(f)).rejects.toThrow(new UserError(`cannot save the model: ${f} is a file, not a folder`, { file: f }));
    expect(readFileSync(f, 'utf8')).toBe('not a folder\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('a-file'))).toEqual(['a-file']);
  });

  // A save stopped between moving the old model aside and putting the new one in place leaves
  // the old one in DIR.previous: it is not removed unseen, nor saved over.
  it('refuses to save while a DIR.previous left by an interrupted save is there', async () => {
    const d = await savedA('interrupted');
    mkdirSync(`${d}.previous`);
    await expect(b.save(d)).rejects.toThrow(/interrupted\.previous is left by a save into .*interrupted that was stopped/);
    expect((await loadNeuralForecaster(d)).forecast(4).point).toEqual(forecastA);
  });
});

describe('loading a neural forecaster', () => {
  // A folder holding files of two saves (one stopped half-way, or files copied by hand) loaded
  // without a word: another model's weights with this one's normalisation and last values.
  it('refuses a folder whose files are of two saves, naming the file', async () => {
    const d = await savedA('mixed');
    const other = path.join(dir, 'other');
    await b.save(other);
    copyFileSync(path.join(other, 'weights.bin'), path.join(d, 'weights.bin'));
    expect(await loadOutcome(d)).toBe(`UserError: ${d}: weights.bin is not the file saved with drs-forecaster.json (files of two saves: a save that was stopped, or files copied by hand); save the model again`);
  });

  it('refuses a cut-off weights.bin of a model saved before the check (no file record), naming the sizes', async () => {
    const d = await savedA('old-cut');
    const metaFile = path.join(d, 'drs-forecaster.json');
    const { files, ...meta } = JSON.parse(readFileSync(metaFile, 'utf8')) as { files?: unknown };
    expect(files).toBeDefined();
    writeFileSync(metaFile, JSON.stringify(meta));
    expect((await loadNeuralForecaster(d)).forecast(4).point).toEqual(forecastA); // still loads
    const w = readFileSync(path.join(d, 'weights.bin'));
    writeFileSync(path.join(d, 'weights.bin'), w.subarray(0, 40));
    expect(await loadOutcome(d)).toBe(`UserError: ${d}: weights.bin holds 40 bytes; model.json's weights take ${w.length} (a cut-off or foreign file); save the model again`);
  });

  it('names the file that is cut off or not a JSON object', async () => {
    const d = await savedA('cut-json');
    writeFileSync(path.join(d, 'model.json'), '{"modelTopology": {');
    expect(await loadOutcome(d)).toMatch(`UserError: ${d}: cannot load a forecaster: model.json: `);
    writeFileSync(path.join(d, 'model.json'), 'null');
    expect(await loadOutcome(d)).toMatch(`UserError: ${d}: cannot load a forecaster: model.json: not a JSON object;`);
  });
});
