import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutTimings } from '../../src/cli/train-output.js';
import { drs } from '../cli/helpers.js';
import { syntheticSwfFile } from './support.js';

const config = `kind: queue
name: tiny-cem
seed: 4
trace: synthetic.swf
episodeLength: 96
train: { ranges: [[0, 900]] }
validation: { windows: [950], length: 150 }
evaluation: { windows: [1200], length: 128 }
network: { hidden: [] }
features: time-to-fit
cem: { generations: 2, population: 4, elite: 2, windowsPerGeneration: 2 }
validateEvery: 1
checkpointEvery: 1
`;

describe('drs train --no-timings', () => {
  it('writes the same model bytes on one thread and on two; without the flag the record has its seconds', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-nt-'));
    syntheticSwfFile(dir);
    const cfg = path.join(dir, 'tiny.yaml');
    writeFileSync(cfg, config);
    const train = async (name: string, ...flags: string[]): Promise<string> => {
      const r = await drs(['train', cfg, '--out', path.join(dir, name), '--checkpoint', path.join(dir, `ck-${name}`), '--no-eval', ...flags]);
      expect(r.code).toBe(0);
      return readFileSync(path.join(dir, name), 'utf8');
    };
    const one = await train('one.json', '--no-timings', '--threads', '1');
    const two = await train('two.json', '--no-timings', '--threads', '2');
    expect(two).toBe(one);
    expect(one).not.toMatch(/"(seconds|cpuSeconds)"/);
    const timed = JSON.parse(await train('timed.json', '--threads', '1')) as { layers: unknown; training: { seconds: number; cpuSeconds: number; curve: { seconds: number }[] } };
    expect(typeof timed.training.seconds).toBe('number');
    expect(typeof timed.training.cpuSeconds).toBe('number');
    expect(timed.training.curve.every((p) => typeof p.seconds === 'number')).toBe(true);
    // The weights do not depend on the flag.
    expect(timed.layers).toEqual((JSON.parse(one) as { layers: unknown }).layers);
  });

  it('leaves out the seconds of the withBackfilling scorer too, and nothing else', () => {
    const training = { algorithm: 'CEM', iterations: 2, seconds: 3.2, cpuSeconds: 5.1, curve: [{ iteration: 0, seconds: 0.4 }, { iteration: 1, trainBsld: 2, seconds: 1.1 }], selected: { iteration: 1 } };
    const model = { format: 1, name: 'm', layers: [[1]], training, withBackfilling: { layers: [[2]], training }, evaluation: { windows: [1] } };
    const plain = { algorithm: 'CEM', iterations: 2, curve: [{ iteration: 0 }, { iteration: 1, trainBsld: 2 }], selected: { iteration: 1 } };
    expect(withoutTimings(model)).toEqual({ format: 1, name: 'm', layers: [[1]], training: plain, withBackfilling: { layers: [[2]], training: plain }, evaluation: { windows: [1] } });
    expect(withoutTimings({ name: 'untrained' })).toEqual({ name: 'untrained' });
  });
});
