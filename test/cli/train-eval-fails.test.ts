import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { syntheticSwfFile } from '../learn/support.js';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

// An evaluation that fails after training (a bug, a full disk, an interrupted run): the model must survive it.
vi.mock('../../src/learn/evaluate.js', () => ({
  evaluateQueueModel: () => Promise.reject(new Error('evaluation broke')),
}));

describe('drs train when the evaluation fails', () => {
  it('keeps the trained model file (written before evaluating) and says how to evaluate it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-train-evalfail-'));
    const trace = syntheticSwfFile(dir);
    const file = path.join(dir, 'c.yaml');
    writeFileSync(
      file,
      'kind: queue\nname: tiny\ntrace: synthetic.swf\nepisodeLength: 64\ntrain: { ranges: [[0, 900]] }\nvalidation: { windows: [950], length: 64 }\n' +
        'evaluation: { windows: [1200], length: 128 }\nnetwork: { hidden: [] }\ncem: { generations: 1, population: 2, elite: 1, windowsPerGeneration: 1 }\n',
    );
    const out = path.join(dir, 'm.json');
    let err = '';
    const io: CliIo = { out: () => undefined, err: (s) => void (err += s), interactive: false, cwd: dir, env: {} };
    await expect(main(['train', file, '--threads', '1', '--out', out, '--checkpoint', path.join(dir, 'c.json')], io)).rejects.toThrow('evaluation broke');
    expect(err).toContain(`drs train: the evaluation failed; ${out} holds the trained model without it (evaluate it with drs replay-swf ${trace} --policy learned-queue:${out} --windows 1200 --length 128, with --backfill none and easy)\n`);
    expect(existsSync(out)).toBe(true);
    const model = JSON.parse(readFileSync(out, 'utf8')) as { name: string; training: unknown; evaluation?: unknown };
    expect([model.name, model.training !== undefined, model.evaluation]).toEqual(['tiny', true, undefined]);
  });
});
