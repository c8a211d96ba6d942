import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/cli/train.js';
import { modelsDir } from '../../src/core/policy-net.js';
import type { QueueTrainConfig } from '../../src/learn/config.js';
import { syntheticSwfFile, thrownMessage } from '../learn/support.js';
import { drs } from './helpers.js';

/** A config file `name` with `text` in a scratch folder (with the 1400-job synthetic.swf of test/learn/support.ts). */
function configFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-config-'));
  syntheticSwfFile(dir);
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A one-generation CEM queue config on synthetic.swf; `evaluation` is its evaluation block (a line, or '' for none). */
const tiny = (evaluation: string): string =>
  [
    'kind: queue',
    'name: tiny',
    'trace: synthetic.swf',
    'episodeLength: 64',
    'train: { ranges: [[0, 900]] }',
    'validation: { windows: [950], length: 64 }',
    evaluation,
    'network: { hidden: [] }',
    'cem: { generations: 1, population: 2, elite: 1, windowsPerGeneration: 1 }',
  ].join('\n') + '\n';

describe('drs train: config files that are not one YAML mapping', () => {
  it('a missing config or a folder is one line naming the path first, as drs run names a scenario, exit 2', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-config-'));
    const missing = path.join(dir, 'nope.yaml');
    const r = await drs(['train', missing]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs train: ${missing}: training config not found\n`);
    const folder = await drs(['train', dir]);
    expect(folder.code).toBe(2);
    expect(folder.err).toBe(`drs train: ${dir}: is a folder, not a training config\n`);
  });

  it('an empty or comment-only config is one line naming the file, exit 2', async () => {
    for (const text of ['', '# only a comment\n']) {
      const file = configFile('c.yaml', text);
      const r = await drs(['train', file]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`drs train: ${file}: the file is empty or holds only comments: expected a training config, a mapping of its fields (kind, name, ...; see train/*.yaml)\n`);
    }
  });

  it('a config holding two YAML documents names the line the second starts on, with no yaml-library advice', async () => {
    const file = configFile('c.yaml', 'kind: queue\nname: t\n---\na: 1\n');
    const r = await drs(['train', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs train: ${file}:3: the file holds more than one YAML document (a second starts on this line, after \`---\`); it must be one document\n`);
  });
});

describe('drs train: an empty file name', () => {
  it("trace: '' (and init, also[].trace) is refused at its line, not read as the config's folder", async () => {
    const cases: [string, string, number][] = [
      ["trace: ''", 'trace', 3],
      ["init: ''", 'init', 10],
      ["also: [{ trace: '', train: { ranges: [[0, 100]] }, validation: { windows: [950], length: 64 } }]", 'also[0].trace', 10],
    ];
    for (const [line, field, at] of cases) {
      const text = line.startsWith('trace') ? tiny('').replace('trace: synthetic.swf', line) : `${tiny('')}${line}\n`;
      const file = configFile('c.yaml', text);
      const r = await drs(['train', file, '--no-eval']);
      expect({ code: r.code, err: r.err }, line).toEqual({ code: 2, err: `drs train: ${file}:${at}, field '${field}': expected a non-empty text\n` });
    }
  });
});

describe('drs train: evaluation windows past the end of the log', () => {
  it('are refused before training, naming the window and its line; no model, no checkpoint', async () => {
    const file = configFile('c.yaml', tiny('evaluation: { windows: [1200, 1300], length: 128 }'));
    const [out, ckpt] = [path.join(path.dirname(file), 'm.json'), path.join(path.dirname(file), 'c.json')];
    const r = await drs(['train', file, '--threads', '1', '--out', out, '--checkpoint', ckpt]);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('iteration 1/');
    expect(r.err).toContain(`drs train: ${file}:7, field 'evaluation.windows[1]': evaluation window 1300 needs jobs up to 1427, but ${path.join(path.dirname(file), 'synthetic.swf')} has 1400 usable jobs\n`);
    expect([existsSync(out), existsSync(ckpt)]).toEqual([false, false]);
  });

  it('when they are the defaults (no evaluation block), says so and what to write; --no-eval trains without them', async () => {
    const file = configFile('c.yaml', tiny(''));
    const [out, ckpt] = [path.join(path.dirname(file), 'm.json'), path.join(path.dirname(file), 'c.json')];
    const r = await drs(['train', file, '--threads', '1', '--out', out, '--checkpoint', ckpt]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `drs train: ${file}, field 'evaluation.windows[0]': evaluation window 1981 needs jobs up to 3004, but ${path.join(path.dirname(file), 'synthetic.swf')} has 1400 usable jobs; ` +
        "the config writes no evaluation windows, so these are the defaults (the reference protocol's, starting at jobs 1981, 2756, 4299, 8850, 3316, 2714, 5228, 7762, 4022, 7085): " +
        'write an `evaluation: { windows: [FIRST JOB, ...], length: JOBS }` block whose windows lie inside the log and miss the training ranges and validation windows, or train with --no-eval\n',
    );
    const noEval = await drs(['train', file, '--threads', '1', '--out', out, '--checkpoint', ckpt, '--no-eval']);
    expect(noEval.code).toBe(0);
    expect(existsSync(out)).toBe(true);
  });
});

describe('drs train: output files that are inputs or each other', () => {
  it('refuses, before training, a --checkpoint or --out that is the config, the log, a withBackfilling config or the other output; the files stay as they were', async () => {
    const file = configFile('c.yaml', tiny('evaluation: { windows: [1200], length: 128 }'));
    const dir = path.dirname(file);
    const text = readFileSync(file, 'utf8');
    const refused = async (...args: string[]): Promise<string> => {
      const r = await drs(['train', file, '--threads', '1', ...args], {}, dir);
      expect(r.code).toBe(2);
      expect(r.err).not.toContain('iteration 1/');
      return r.err;
    };
    expect(await refused('--checkpoint', 'c.yaml', '--out', 'm.json')).toBe(`drs train: field 'checkpoint': --checkpoint ${file} is the training config: the checkpoint would overwrite it; give another file\n`);
    expect(await refused('--out', 'synthetic.swf', '--checkpoint', 'k.json')).toBe(`drs train: field 'out': --out ${path.join(dir, 'synthetic.swf')} is the log: the model would overwrite it; give another file\n`);
    const x = path.join(dir, 'x.json');
    expect(await refused('--out', 'x.json', '--checkpoint', x)).toBe(`drs train: field 'checkpoint': --checkpoint ${x} is also the model (--out): the model and the checkpoint would overwrite each other; give two files\n`);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(existsSync(x)).toBe(false);
    // With withBackfilling: its config, and the second run's checkpoint (the checkpoint's name + -backfilling.json).
    writeFileSync(path.join(dir, 'easy.yaml'), tiny('evaluation: { windows: [1200], length: 128 }').replace('kind: queue', 'kind: queue\nbackfill: easy'));
    writeFileSync(file, `withBackfilling: easy.yaml\n${text}`);
    expect(await refused('--out', 'm.json', '--checkpoint', 'easy.yaml')).toContain(`--checkpoint ${path.join(dir, 'easy.yaml')} is the withBackfilling config: the checkpoint would overwrite it`);
    expect(await refused('--out', 'k-backfilling.json', '--checkpoint', 'k.json')).toBe(
      `drs train: field 'checkpoint': ${path.join(dir, 'k-backfilling.json')} (--checkpoint + -backfilling.json) is also the model (--out): the model and the withBackfilling run's checkpoint would overwrite each other; give two files\n`,
    );
  });

  it('refuses an allocator --out that is its config or its scenario', async () => {
    const file = configFile('a.yaml', 'kind: allocator\nname: a\nscenario: s.yaml\ntrain: { seeds: [100, 200] }\nvalidation: { seeds: [500] }\nppo: { iterations: 1 }\n');
    const dir = path.dirname(file);
    writeFileSync(path.join(dir, 's.yaml'), 'name: s\n');
    for (const [out, what] of [['a.yaml', 'the training config'], ['s.yaml', 'the scenario']] as const) {
      const r = await drs(['train', file, '--out', out], {}, dir);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`drs train: field 'out': --out ${path.join(dir, out)} is ${what}: the model would overwrite it; give another file\n`);
    }
  });
});

describe('drs train: files a config names', () => {
  it('a missing log, withBackfilling config or scenario is the config\'s error: its file, line and field', async () => {
    const file = configFile('c.yaml', tiny('evaluation: { windows: [1200], length: 128 }').replace('trace: synthetic.swf', 'trace: nope.swf'));
    const dir = path.dirname(file);
    const trace = await drs(['train', file, '--threads', '1', '--out', path.join(dir, 'm.json'), '--checkpoint', path.join(dir, 'k.json')]);
    expect([trace.code, trace.err]).toEqual([2, `drs train: ${file}:3, field 'trace': ${path.join(dir, 'nope.swf')}: SWF file not found\n`]);
    writeFileSync(file, `withBackfilling: nope.yaml\n${tiny('')}`);
    const wb = await drs(['train', file, '--threads', '1', '--out', path.join(dir, 'm.json'), '--checkpoint', path.join(dir, 'k.json')]);
    expect([wb.code, wb.err]).toEqual([2, `drs train: ${file}:1, field 'withBackfilling': the training config ${path.join(dir, 'nope.yaml')} does not exist\n`]);
    const alloc = configFile('a.yaml', 'kind: allocator\nname: a\nseed: 3\nscenario: nope.yaml\ntrain: { seeds: [100, 200] }\nvalidation: { seeds: [500] }\nppo: { iterations: 1 }\n');
    const scn = await drs(['train', alloc, '--out', path.join(path.dirname(alloc), 'm.json')]);
    expect([scn.code, scn.err]).toEqual([2, `drs train: ${alloc}:4, field 'scenario': the scenario file ${path.join(path.dirname(alloc), 'nope.yaml')} does not exist\n`]);
  });

  it('init: a network.hidden the init model contradicts is refused at its line (training starts from the model\'s layers)', () => {
    const base = tiny('').replace('cem:', 'features: base\ncem:');
    const file = configFile('c.yaml', `init: hpc2n\n${base}`);
    const line = base.split('\n').findIndex((l) => l.startsWith('network:')) + 2;
    expect(thrownMessage(() => readConfig(file))).toBe(
      `${file}:${line}, field 'network.hidden': network.hidden is [], but init hpc2n has hidden layers [32, 16] and training starts from its layers: write hidden: [32, 16] or leave network out`,
    );
    const unwritten = configFile('c.yaml', `init: hpc2n\n${base.replace('network: { hidden: [] }\n', '')}`);
    expect((readConfig(unwritten) as QueueTrainConfig).init).toBe('hpc2n');
  });

  it('init: a model of another feature list names the features value it was trained with', () => {
    const base = tiny('').replace('cem:', 'features: base\ncem:');
    const file = configFile('c.yaml', `init: sdsc-sp2\n${base}`);
    expect(thrownMessage(() => readConfig(file))).toBe(
      `${file}:1, field 'init': init sdsc-sp2 uses 10 features (features: time-to-fit), but this config trains features: base (8): write features: time-to-fit, or start from another model`,
    );
  });

  it('init: a bare name is a shipped model (as in a scenario), a .json path is relative to the config', () => {
    // hpc2n's hidden layers are [32, 16]: the network must say so (training starts from them).
    const base = tiny('').replace('cem:', 'features: base\ncem:').replace('hidden: []', 'hidden: [32, 16]');
    const named = configFile('c.yaml', `init: hpc2n\n${base}`);
    expect((readConfig(named) as QueueTrainConfig).init).toBe('hpc2n');
    const unknown = configFile('c.yaml', `init: no-such-model\n${base}`);
    expect(thrownMessage(() => readConfig(unknown))).toBe(`${unknown}:1, field 'init': no shipped queue model named 'no-such-model' (looked for ${modelsDir()}queue/no-such-model.json); shipped queue models: hpc2n, lublin-1, sdsc-sp2, or give a .json file`);
    const file = configFile('c.yaml', `init: start.json\n${base}`);
    expect(thrownMessage(() => readConfig(file))).toBe(`${file}:1, field 'init': cannot read model file ${path.join(path.dirname(file), 'start.json')}`);
  });
});

describe('drs train: evaluation windows', () => {
  it('refuses an empty evaluation.windows list (evaluation was silently all null), like validation.windows', () => {
    const file = configFile('c.yaml', tiny('evaluation: { windows: [], length: 128 }'));
    expect(thrownMessage(() => readConfig(file))).toBe(`${file}:7, field 'evaluation.windows': expected at least 1 item`);
    const val = configFile('c.yaml', tiny('evaluation: { windows: [1200], length: 128 }').replace('windows: [950]', 'windows: []'));
    expect(thrownMessage(() => readConfig(val))).toBe(`${val}:6, field 'validation.windows': expected at least 1 item`);
  });
});

describe('drs train --threads', () => {
  it('refuses more than 4 × the cores, and any count for a PPO config (which trains in one thread)', async () => {
    const file = configFile('c.yaml', tiny('evaluation: { windows: [1200], length: 128 }'));
    const dir = path.dirname(file);
    const args = ['--out', path.join(dir, 'm.json'), '--checkpoint', path.join(dir, 'k.json')];
    const cap = 4 * os.availableParallelism();
    const many = await drs(['train', file, '--threads', String(cap + 1), ...args]);
    expect([many.code, many.err]).toEqual([2, `drs train: field 'threads': --threads ${cap + 1} is more than ${cap} (4 × the ${os.availableParallelism()} cores here): threads beyond the cores only cost memory, and the model is the same for any count\n`]);
    writeFileSync(file, tiny('evaluation: { windows: [1200], length: 128 }').replace(/^cem: .*$/m, 'ppo: { iterations: 1 }'));
    const ppo = await drs(['train', file, '--threads', '2', ...args]);
    expect([ppo.code, ppo.err]).toEqual([2, "drs train: field 'threads': --threads: for CEM configs only (a `cem` block); this config trains with PPO, in one thread of TensorFlow.js\n"]);
    expect(existsSync(path.join(dir, 'k.json'))).toBe(false);
  });
});

describe('drs train: what it says it does', () => {
  it('drs --help names both kinds and both methods', async () => {
    const r = await drs(['--help']);
    expect(r.out).toMatch(/^ {2}train +train a learned queue policy \(CEM or PPO\) or allocator \(PPO\) and write its model file$/m);
  });

  it('an allocator config refuses checkpointEvery, which no allocator run uses, naming the key and its line', () => {
    const file = configFile('a.yaml', 'kind: allocator\nname: a\nscenario: s.yaml\ntrain: { seeds: [100, 200] }\nvalidation: { seeds: [500] }\nppo: { iterations: 1 }\ncheckpointEvery: 3\n');
    expect(thrownMessage(() => readConfig(file))).toBe(
      `${file}:7, field 'checkpointEvery': unknown key 'checkpointEvery' in an allocator config: an allocator trains in one PPO run and writes no checkpoints (checkpointEvery is for kind queue configs); remove it`,
    );
  });
});

describe('drs train: an allocator whose episodes decide nothing', () => {
  it('says the horizon is too short (one line, its line in the config) instead of a TensorFlow.js stack trace', async () => {
    const file = configFile('a.yaml', 'kind: allocator\nname: a\nscenario: s.yaml\nhorizon: 0.001\ntrain: { seeds: [100, 200] }\nvalidation: { seeds: [500] }\nppo: { iterations: 1, windowsPerIteration: 1, samplesPerWindow: 2 }\n');
    writeFileSync(
      path.join(path.dirname(file), 's.yaml'),
      [
        'name: s',
        'pools:',
        '  - { name: cpu, capacity: { cpu: 32, memory: 128Gi }, nodes: 2, pricePerHour: 1, latencyMs: 10 }',
        'trace: { kind: synthetic, count: 50, arrival: { rate: 2 }, profiles: [{ name: p, weight: 1, demand: { cpu: 1, memory: 4Gi }, duration: { dist: fixed, value: 30s } }] }',
        'strategies: [first-fit]',
      ].join('\n') + '\n',
    );
    const r = await drs(['train', file, '--out', path.join(path.dirname(file), 'm.json')]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').at(-2)).toBe(
      `drs train: ${file}:4, field 'horizon': the training episodes of iteration 1 made no placement decision (horizon 0.001 s): nothing to learn from; give a longer horizon, or a scenario whose workload arrives within it`,
    );
  });
});

describe('drs train with withBackfilling: the second config against its log', () => {
  it('is checked before the first config trains, at the second config\'s line', async () => {
    const file = configFile('c.yaml', `withBackfilling: easy.yaml\n${tiny('evaluation: { windows: [1200], length: 128 }')}`);
    const dir = path.dirname(file);
    const easy = path.join(dir, 'easy.yaml');
    writeFileSync(easy, tiny('evaluation: { windows: [1200], length: 128 }').replace('kind: queue', 'kind: queue\nbackfill: easy').replace('windows: [950]', 'windows: [1350]'));
    const r = await drs(['train', file, '--threads', '1', '--out', path.join(dir, 'm.json'), '--checkpoint', path.join(dir, 'k.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs train: ${easy}:7, field 'validation.windows[0]': validation window 1350 needs jobs up to 1413, but ${path.join(dir, 'synthetic.swf')} has 1400 usable jobs\n`);
  });
});
