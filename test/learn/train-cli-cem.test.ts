import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeQueueCheckpoint } from '../../src/learn/checkpoint.js';
import type { QueueCheckpoint } from '../../src/learn/train-queue.js';
import { drs } from '../cli/helpers.js';
import { syntheticSwfFile } from './support.js';

const swfFile = (dir: string): string => syntheticSwfFile(dir);

const config = (method: string): string => `kind: queue
name: tiny-cem
seed: 4
trace: synthetic.swf
episodeLength: 96
train: { ranges: [[0, 900]] }
validation: { windows: [950], length: 150 }
evaluation: { windows: [1200], length: 128 }
network: { hidden: [] }
features: time-to-fit
${method}
validateEvery: 1
checkpointEvery: 1
`;

/** A scratch directory with the synthetic log and tiny.yaml (`method` as its training block); where the run writes. */
function tinyRun(prefix: string, method: string): { dir: string; cfg: string; out: string; ckpt: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  swfFile(dir);
  const cfg = path.join(dir, 'tiny.yaml');
  writeFileSync(cfg, config(method));
  return { dir, cfg, out: path.join(dir, 'model.json'), ckpt: path.join(dir, 'ckpt.json') };
}

describe('drs train with a cem block (CLI)', () => {
  it('trains without TensorFlow, writes the model with its evaluation, resumes, and refuses a config with two methods', { timeout: 60_000 }, async () => {
    const { cfg, out, ckpt } = tinyRun('drs-cem-', 'cem: { generations: 2, population: 4, elite: 2, windowsPerGeneration: 2 }');
    const r = await drs(['train', cfg, '--out', out, '--checkpoint', ckpt]);
    expect(r.err).toMatch(/CEM \(no TensorFlow, \d+ threads?\)/);
    expect(r.err).toContain('iteration 2/2');
    expect(r.code).toBe(0);
    const model = JSON.parse(readFileSync(out, 'utf8')) as { training: { algorithm: string; iterations: number }; evaluation: { meanBoundedSlowdown: Record<string, unknown> } };
    expect(model.training.algorithm).toMatch(/^CEM/);
    expect(Object.keys(model.evaluation.meanBoundedSlowdown)).toEqual(['learned-queue:tiny-cem', 'fcfs', 'sjf', 'f1']);
    // stdout is the evaluation as a table (not JSON): one row per policy, the model file's means to 2 decimals.
    for (const [name, m] of Object.entries(model.evaluation.meanBoundedSlowdown as Record<string, { none: number; easy: number }>)) {
      expect(r.out).toMatch(new RegExp(`^${name}\\s+${m.none.toFixed(2)}\\s+\\S+\\s+${m.easy.toFixed(2)}\\s`, 'm'));
    }
    expect(existsSync(ckpt)).toBe(true);
    const resumed = await drs(['train', cfg, '--out', out, '--checkpoint', ckpt, '--resume', '--iterations', '3', '--no-eval']);
    expect(resumed.err).toContain('resuming at iteration 2');
    expect(resumed.err).toContain('iteration 3/3');
    expect(resumed.code).toBe(0);
    const zero = await drs(['train', cfg, '--out', out, '--checkpoint', ckpt, '--threads', '0']);
    expect(zero.code).toBe(2);
    expect(zero.err).toContain('--threads must be ≥ 1');
    writeFileSync(cfg, config('cem: { generations: 2 }\nppo: { iterations: 2 }'));
    const both = await drs(['train', cfg, '--out', out, '--checkpoint', ckpt]);
    expect(both.code).not.toBe(0);
    expect(both.err).toMatch(/tiny\.yaml.*exactly one training method/s);
  });

  it('resumes only from a whole checkpoint of this config, not past the run, and says what is wrong in one line', { timeout: 60_000 }, async () => {
    const { dir, cfg, out, ckpt } = tinyRun('drs-cem-ck-', 'cem: { generations: 2, population: 4, elite: 2, windowsPerGeneration: 1 }');
    expect((await drs(['train', cfg, '--out', out, '--checkpoint', ckpt, '--no-eval'])).code).toBe(0);
    // Written whole: the temporary file is renamed over the checkpoint.
    expect(existsSync(`${ckpt}.partial`)).toBe(false);
    const good = readFileSync(ckpt, 'utf8');
    // A write that fails part-way (here: the temporary file cannot be created) leaves the previous checkpoint as it was.
    mkdirSync(`${ckpt}.partial`);
    expect(() => writeQueueCheckpoint(ckpt, JSON.parse(good) as QueueCheckpoint)).toThrow();
    expect(readFileSync(ckpt, 'utf8')).toBe(good);
    rmSync(`${ckpt}.partial`, { recursive: true });
    let n = 0;
    const resume = async (text: string, ...more: string[]): Promise<{ code: number; err: string }> => {
      const bad = path.join(dir, `bad-${++n}.json`);
      writeFileSync(bad, text);
      return drs(['train', cfg, '--out', out, '--checkpoint', bad, '--resume', '--no-eval', ...more]);
    };
    const edited = (f: (c: Record<string, unknown>) => void): string => {
      const c = JSON.parse(good) as Record<string, unknown>;
      f(c);
      return JSON.stringify(c);
    };
    const cases: [() => Promise<{ code: number; err: string }>, RegExp][] = [
      [() => resume(good.slice(0, 300)), /bad-1\.json.*not valid JSON.*stopped while writing it\?/],
      [() => resume('{"kind":"drs-train-checkpoint"}'), /bad-2\.json.*field 'config'.*not a drs train checkpoint of a queue model/],
      [() => resume(edited((c) => delete c.optimizer)), /field 'optimizer'.*not a drs train checkpoint/],
      [() => resume(edited((c) => (c.iteration = 'x'))), /field 'iteration'.*expected a number/],
      [() => resume(good, '--iterations', '1'), /checkpoint is at iteration 2, past this run's 1: give --iterations 2 or more/],
      [() => resume(good, '--seed', '5'), /different config: 'seed' differs/],
      [() => resume(edited((c) => ((c.config as { cem: { population: number } }).cem.population = 5))), /different config: 'cem\.population' differs/],
      [() => resume(edited((c) => ((c.layers as { weights: number[] }[])[0] as { weights: number[] }).weights.pop())), /field 'layers\[0\]'.*layer 1 of the checkpoint has 9 weights and 1 biases; the config's network needs 10×1 = 10 and 1/],
      [() => resume(edited((c) => (c.optimizer = []))), /field 'optimizer'.*no CEM deviations for its 11 parameters/],
      // What the model loader refuses, a checkpoint may not hold either (a zero deviation made every score NaN).
      [() => resume(edited((c) => ((c.scaling as { std: number[] }).std[3] = 0))), /bad-10\.json, field 'scaling\.std': --resume: the checkpoint's network is not one a model file may hold: scaling\.std must be 10 positive numbers\n$/],
      [() => resume(edited((c) => (((c.best as { layers: { activation: string }[] }).layers[0] as { activation: string }).activation = 'sigmoid'))), /bad-11\.json, field 'best\.layers\[0\]\.activation': --resume: .*activation must be one of tanh, relu, linear\n$/],
      [() => resume(edited((c) => (((c.layers as { activation: string }[])[0] as { activation: string }).activation = 'x'))), /bad-12\.json, field 'layers\[0\]\.activation': .*activation must be one of/],
    ];
    for (const [run, message] of cases) {
      const r = await run();
      expect(r.err).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    // The checkpoint itself still resumes.
    const ok = await resume(good, '--iterations', '3');
    expect(ok.err).toContain('resuming at iteration 2');
    expect(ok.code).toBe(0);
  });

  it('trains on another log given under also (here the same file), and names also[N].trace when that log is missing', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-cem-also-'));
    swfFile(dir);
    const cfg = path.join(dir, 'also.yaml');
    const also = (trace: string): string => `also:\n  - { trace: ${trace}, windows: 1, train: { ranges: [[0, 900]] }, validation: { windows: [950], length: 150 } }\ncem: { generations: 1, population: 4, elite: 2, windowsPerGeneration: 1 }`;
    writeFileSync(cfg, config(also('synthetic.swf')));
    const out = path.join(dir, 'model.json');
    const ok = await drs(['train', cfg, '--out', out, '--checkpoint', path.join(dir, 'c.json'), '--no-eval']);
    expect(ok.err).toContain('also on');
    expect(ok.err).toMatch(/iteration 1\/1: .*validation score S /);
    expect(ok.code).toBe(0);
    writeFileSync(cfg, config(also('missing.swf')));
    const bad = await drs(['train', cfg, '--out', out, '--checkpoint', path.join(dir, 'c.json'), '--no-eval']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/also\.yaml:12, field 'also\[0\]\.trace': .*missing\.swf: SWF file not found/);
  });

  it('refuses an --out or --checkpoint it could not write before training, not after', async () => {
    const { dir, cfg, out } = tinyRun('drs-cem-out-', 'cem: { generations: 2, population: 4, elite: 2, windowsPerGeneration: 1 }');
    writeFileSync(path.join(dir, 'afile'), 'x');
    const under = await drs(['train', cfg, '--out', path.join(dir, 'afile', 'o.json'), '--checkpoint', path.join(dir, 'c.json')]);
    expect(under.code).toBe(2);
    expect(under.err).toMatch(/--out .*afile\/o\.json: a part of .*afile is a file, not a folder/);
    expect(under.err).not.toMatch(/iteration|\n\s+at /);
    mkdirSync(path.join(dir, 'ckdir'));
    const folder = await drs(['train', cfg, '--out', out, '--checkpoint', path.join(dir, 'ckdir')]);
    expect(folder.code).toBe(2);
    expect(folder.err).toMatch(/--checkpoint .*ckdir: is a folder; give a file name/);
    expect(existsSync(out)).toBe(false);
  });

  it("names the config and its field for a missing log, and refuses an allocator config on a protocol scenario", async () => {
    const { dir, cfg, out } = tinyRun('drs-cem-trace-', 'cem: { generations: 1, population: 4, elite: 2, windowsPerGeneration: 1 }');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('trace: synthetic.swf', 'trace: missing.swf'));
    const missing = await drs(['train', cfg, '--out', out, '--checkpoint', path.join(dir, 'c.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/tiny\.yaml:4, field 'trace': .*missing\.swf: SWF file not found/);
    const repo = path.resolve(import.meta.dirname, '../..');
    const alloc = path.join(dir, 'alloc.yaml');
    writeFileSync(alloc, readFileSync(path.join(repo, 'train/agent-fleet.yaml'), 'utf8').replace('scenario: ../scenarios/default.yaml', `scenario: ${path.join(repo, 'scenarios/swf-reference-lublin.yaml')}`));
    const proto = await drs(['train', alloc, '--out', path.join(dir, 'a.json')]);
    expect(proto.code).toBe(2);
    expect(proto.err).toMatch(/alloc\.yaml:15, field 'scenario': .*runs protocol rlscheduler/);
  });

  it('names the config file when a resample has too few training jobs to calibrate on', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-cem-syn-'));
    swfFile(dir);
    const cfg = path.join(dir, 'syn.yaml');
    writeFileSync(cfg, config('synthetic: { jobs: 500 }\ncem: { generations: 1, population: 4, elite: 2, windowsPerGeneration: 1 }').replace('episodeLength: 96\ntrain: { ranges: [[0, 900]] }', 'episodeLength: 50\ntrain: { ranges: [[0, 60]] }'));
    const r = await drs(['train', cfg, '--out', path.join(dir, 'm.json'), '--checkpoint', path.join(dir, 'c.json'), '--no-eval']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/syn\.yaml:6, field 'train\.ranges': the training ranges hold 60 jobs .*at least 100/);
  });

  it('with withBackfilling trains both configs and writes one two-scorer file, each scorer the same as its config trained alone; refuses a mismatched or missing second config, and a default --out that would drop a scorer', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-cem-bf-'));
    swfFile(dir);
    const cem = 'cem: { generations: 2, population: 4, elite: 2, windowsPerGeneration: 1 }';
    const main = path.join(dir, 'main.yaml');
    const easy = path.join(dir, 'easy.yaml');
    writeFileSync(main, config(`withBackfilling: easy.yaml\n${cem}`));
    writeFileSync(easy, config(`backfill: easy\n${cem}`).replace('seed: 4', 'seed: 9'));
    const out = path.join(dir, 'model.json');
    const r = await drs(['train', main, '--out', out, '--checkpoint', path.join(dir, 'c.json'), '--no-eval']);
    expect(r.err).toContain('now the scorer for runs with backfilling');
    expect(r.err).toContain('backfilling easy');
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, 'c-backfilling.json'))).toBe(true);
    type M = { layers: unknown; scaling: unknown; withBackfilling: { layers: unknown; scaling: unknown; training: { config: { seed: number } } } };
    const two = JSON.parse(readFileSync(out, 'utf8')) as M;
    // Each scorer is what its config gives alone.
    const alone = async (cfgFile: string, name: string): Promise<{ layers: unknown; scaling: unknown }> => {
      writeFileSync(path.join(dir, `${name}-only.yaml`), readFileSync(cfgFile, 'utf8').replace('withBackfilling: easy.yaml\n', ''));
      const o = path.join(dir, `${name}.json`);
      expect((await drs(['train', path.join(dir, `${name}-only.yaml`), '--out', o, '--checkpoint', path.join(dir, `${name}-c.json`), '--no-eval'])).code).toBe(0);
      return JSON.parse(readFileSync(o, 'utf8')) as { layers: unknown; scaling: unknown };
    };
    const a = await alone(main, 'main');
    const b = await alone(easy, 'easy');
    expect([two.layers, two.scaling]).toEqual([a.layers, a.scaling]);
    expect([two.withBackfilling.layers, two.withBackfilling.scaling]).toEqual([b.layers, b.scaling]);
    expect(two.withBackfilling.training.config.seed).toBe(9);
    // A default --out over a two-scorer file with a single-scorer config is refused.
    const shippedLike = path.join(dir, 'models', 'queue', 'tiny-cem.json');
    mkdirSync(path.dirname(shippedLike), { recursive: true });
    writeFileSync(shippedLike, readFileSync(out, 'utf8'));
    const drop = await drs(['train', easy, '--checkpoint', path.join(dir, 'd.json'), '--no-eval'], {}, dir);
    expect(drop.code).toBe(2);
    expect(drop.err).toMatch(/tiny-cem\.json has a scorer for runs with backfilling.*give --out/);
    // The second config is checked before any training.
    writeFileSync(easy, config(`backfill: none\n${cem}`));
    const none = await drs(['train', main, '--out', out, '--checkpoint', path.join(dir, 'c.json'), '--no-eval']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/main\.yaml.*withBackfilling.*easy\.yaml trains without backfilling/s);
    expect(none.err).not.toContain('iteration 1/');
    writeFileSync(main, config(`withBackfilling: nowhere.yaml\n${cem}`));
    const missing = await drs(['train', main, '--out', out, '--checkpoint', path.join(dir, 'c.json'), '--no-eval']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`drs train: ${main}:11, field 'withBackfilling': the training config ${path.join(dir, 'nowhere.yaml')} does not exist\n`);
  });
});
