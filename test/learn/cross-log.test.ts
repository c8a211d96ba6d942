import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../../src/core/errors.js';
import { PolicyNet } from '../../src/core/policy-net.js';
import { trainQueueCem } from '../../src/learn/cem.js';
import { parseTrainConfig } from '../../src/learn/config.js';
import { checkLogCovers, combine, CrossLogValidator, trainLogs } from '../../src/learn/cross-log.js';
import { evaluateQueueModel } from '../../src/learn/evaluate.js';
import type { BatchWorkload } from '../../src/learn/sim-adapter.js';
import { randomModel, syntheticWorkload, tinyQueueConfig } from './support.js';

const own = syntheticWorkload(1400);
/** The other log: a different draw with arrivals 100× further apart, so almost every job starts at once (bsld near 1). */
const light: BatchWorkload = (() => {
  const w = syntheticWorkload(1400, 11);
  const t0 = (w.jobs[0] as { submit: number }).submit;
  return { ...w, file: 'light.swf', jobs: w.jobs.map((j) => ({ ...j, submit: t0 + Math.round((j.submit - t0) * 100) })) };
})();
const also = [{ trace: 'light.swf', windows: 2, train: { ranges: [[0, 900]] }, validation: { windows: [950, 1050], length: 150 } }];
const cemConfig = (over: Record<string, unknown> = {}) =>
  tinyQueueConfig({ ppo: undefined, cem: { generations: 2, population: 4, elite: 2, windowsPerGeneration: 2 }, network: { hidden: [] }, features: 'time-to-fit', also, ...over });

describe('cross-log training (also:)', () => {
  it('combines the ratios as ½ own + ½ mean of the others (hand-checked)', () => {
    expect(combine([0.8])).toBe(0.8);
    expect(combine([0.8, 1.0, 1.2])).toBeCloseTo(0.4 + 0.55, 12);
    expect(combine([1.1, 0.7])).toBeCloseTo(0.55 + 0.35, 12);
  });

  it("each log's ratio is the model's mean bsld ÷ F1's, averaged over no backfilling and EASY, as the evaluation path measures them", async () => {
    const cfg = cemConfig();
    const logs = trainLogs(cfg, own, [light]);
    const net = new PolicyNet(randomModel('queue', 3));
    const ratios = await new CrossLogValidator(logs).ratios(net);
    const expected: number[] = [];
    for (const [w, windows, length] of [[own, [950], 150], [light, [950, 1050], 150]] as const) {
      const ev = await evaluateQueueModel(net, w, windows, length);
      const m = ev.meanBoundedSlowdown;
      const learned = m['learned-queue:test-queue'] as { none: number; easy: number };
      const f1 = m.f1 as { none: number; easy: number };
      expected.push((learned.none / f1.none + learned.easy / f1.easy) / 2);
    }
    expect(ratios).toHaveLength(2);
    ratios.forEach((r, i) => expect(r).toBeCloseTo(expected[i] as number, 10));
    // Not trivially 1: the random model differs from F1 on the own log.
    expect(Math.abs((ratios[0] as number) - 1)).toBeGreaterThan(1e-3);
  });

  it('trains on the other log too, deterministically, and selects by the cross-log score', async () => {
    const a = await trainQueueCem(cemConfig(), own, {}, undefined, [light]);
    const b = await trainQueueCem(cemConfig(), own, {}, undefined, [light]);
    expect(b.model.layers).toEqual(a.model.layers);
    // Half the episodes are the light log's (bsld near 1): the training bsld falls well below the own log's alone.
    const alone = await trainQueueCem(cemConfig({ also: undefined }), own);
    expect(a.checkpoint.curve[1]?.trainBsld).toBeLessThan(0.7 * (alone.checkpoint.curve[1]?.trainBsld as number));
    const training = a.model.training as { selected: { validationBsld: number }; alsoData: { trace: string; jobs: number }[] };
    expect(training.alsoData).toEqual([{ trace: 'light.swf', jobs: 1400, machine: 32 }]);
    const score = await new CrossLogValidator(trainLogs(cemConfig(), own, [light])).score(new PolicyNet(a.model));
    expect(training.selected.validationBsld).toBeCloseTo(score, 10);
  });

  it('refuses what cannot work, naming the field', () => {
    const base = { kind: 'queue', name: 't', trace: 'x.swf', episodeLength: 96, train: { ranges: [[0, 900]] }, validation: { windows: [950], length: 150 }, evaluation: { windows: [1200], length: 256 } };
    // The message names the file and the field: "c.yaml, field 'F': what is wrong".
    const field = (raw: Record<string, unknown>): string => {
      try {
        parseTrainConfig(raw, 'c.yaml');
      } catch (e) {
        return (e as Error).message.replace(/^c\.yaml, field '([^']*)': /, '$1: ');
      }
      return 'accepted';
    };
    expect(field({ ...base, ppo: { iterations: 2 }, also })).toMatch(/^also: .*needs a `cem` block/);
    expect(field({ ...base, cem: { generations: 2, normalizeBy: 'none' }, also })).toMatch(/^cem.normalizeBy: .*not on one scale/);
    expect(field({ ...base, cem: { generations: 2 }, also: [{ ...also[0], train: { ranges: [[1000, 1300]] } }] })).toMatch(/^also\[0\]\.train\.ranges\[0\]: .*evaluation window \[1200, 1456\)/);
    expect(field({ ...base, cem: { generations: 2 }, also: [{ ...also[0], validation: { windows: [800], length: 150 } }] })).toMatch(/^also\[0\]\.validation\.windows\[0\]: .*overlaps the training range \[0, 900\)/);
    expect(field({ ...base, cem: { generations: 2 }, also })).toBe('accepted');
    expect(() => trainLogs(cemConfig(), own, [syntheticWorkload(600)])).toThrow(/training range ends at job 900, but synthetic.swf has 600 usable jobs/);
  });

  it('checkLogCovers checks the evaluation windows of the log a model is evaluated on, naming the window', () => {
    const w = syntheticWorkload(1400);
    const located = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        return `${(e as ConfigError).location.field}: ${(e as ConfigError).detail}`;
      }
      return 'accepted';
    };
    const ranges = [[0, 900]] as const;
    const validation = { windows: [950], length: 150 };
    expect(located(() => checkLogCovers(w, ranges, validation, '', { windows: [1200, 1300], length: 128 }))).toBe('evaluation.windows[1]: evaluation window 1300 needs jobs up to 1427, but synthetic.swf has 1400 usable jobs');
    expect(located(() => checkLogCovers(w, ranges, validation, '', { windows: [1200, 1272], length: 128 }))).toBe('accepted');
    // Without evaluation windows (a log the model is not evaluated on), only training and validation count.
    expect(located(() => checkLogCovers(w, ranges, validation, ''))).toBe('accepted');
    // An `also` log's fields are named as the config writes them.
    expect(located(() => trainLogs(cemConfig(), own, [syntheticWorkload(600)]))).toBe('also[0].train.ranges[0]: training range ends at job 900, but synthetic.swf has 600 usable jobs');
  });
});
