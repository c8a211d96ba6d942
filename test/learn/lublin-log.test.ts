import { describe, expect, it } from 'vitest';
import { PolicyNet } from '../../src/core/policy-net.js';
import { trainQueueCem } from '../../src/learn/cem.js';
import { parseTrainConfig } from '../../src/learn/config.js';
import { combine, CrossLogValidator, trainLogs } from '../../src/learn/cross-log.js';
import { lublinLog } from '../../src/learn/lublin-log.js';
import { generateLublin99 } from '../../src/traces/lublin99.js';
import { syntheticWorkload, thrownMessage, tinyQueueConfig } from './support.js';

describe('training beside a log drawn from the Lublin model (synthetic.model: lublin99)', () => {
  const own = syntheticWorkload(1400);
  const cemConfig = (over: Record<string, unknown> = {}) =>
    tinyQueueConfig({
      ppo: undefined,
      cem: { generations: 2, population: 4, elite: 2, windowsPerGeneration: 1 },
      network: { hidden: [] },
      features: 'time-to-fit',
      synthetic: { model: 'lublin99', windows: 2, jobs: 3000, validation: 2 },
      ...over,
    });

  it('draws the training and validation logs from the model for the own machine, never from the own jobs', () => {
    const logs = trainLogs(cemConfig(), own, []);
    expect(logs.map((l) => [l.workload.jobs.length, l.windows, l.validation.windows])).toEqual([
      [1400, 1, [950]],
      [3000, 2, []],
      [192, 0, [0, 96]],
    ]);
    const [, train, validation] = logs;
    // The model's jobs for a 32-processor machine with the config seed's stream; requested = run, as in Lublin-1.
    const drawn = generateLublin99({ jobs: 3000, nodes: 32, seed: '5:synthetic' });
    expect(train?.workload.jobs.map((j) => [j.submit, j.run, j.procs, j.requested])).toEqual(drawn.map((j) => [j.submit, j.run, j.procs, j.run]));
    expect(train?.workload.machine).toBe(32);
    expect(validation?.workload.jobs.map((j) => j.submit)).toEqual(generateLublin99({ jobs: 192, nodes: 32, seed: 'synthetic-validation' }).map((j) => j.submit));
    expect(lublinLog(own, 10, 'x').file).toMatch(/Lublin–Feitelson model \(10 jobs, 32 nodes, one class, seed x\)/);
  });

  it('trains deterministically and records the model log as its data', async () => {
    const a = await trainQueueCem(cemConfig(), own);
    const b = await trainQueueCem(cemConfig(), own);
    expect(b.model.layers).toEqual(a.model.layers);
    const training = a.model.training as { syntheticData: string };
    expect(training.syntheticData).toMatch(/Lublin–Feitelson model \(3000 jobs, 32 nodes, one class, seed 5:synthetic\).*seed synthetic-validation/);
    const resampled = await trainQueueCem(cemConfig({ synthetic: { windows: 2, jobs: 3000, validation: 2 } }), own);
    expect(resampled.model.layers).not.toEqual(a.model.layers);
  });

  it('weighs the validation logs by their jobs with validationWeighting: jobs, in training and in the validator', async () => {
    const cfg = cemConfig({ validationWeighting: 'jobs', synthetic: { model: 'lublin99', windows: 2, jobs: 3000, validation: 4 } });
    const logs = trainLogs(cfg, own, []);
    const trained = await trainQueueCem(cfg, own);
    const net = new PolicyNet(trained.model);
    const byLogs = new CrossLogValidator(logs);
    const byJobs = new CrossLogValidator(logs, undefined, 'jobs');
    const ratios = await byJobs.ratios(net);
    expect(await byLogs.ratios(net)).toEqual(ratios);
    // The real window holds 150 jobs, the model log's four windows 4 × 96 = 384.
    const [own1, model] = ratios as [number, number];
    expect(await byJobs.score(net)).toBeCloseTo((150 * own1 + 384 * model) / 534, 12);
    expect(await byLogs.score(net)).toBeCloseTo(own1 / 2 + model / 2, 12);
    // Training selected by the weighted score.
    expect((trained.model.training as { selected: { validationBsld: number } }).selected.validationBsld).toBeCloseTo(await byJobs.score(net), 10);
    expect(combine([1, 2, 4], [1, 1, 2])).toBeCloseTo(11 / 4, 12);
    expect(() => combine([1, 2], [1])).toThrow(/2 ratios, 1 weights/);
  });

  it('refuses jitter on a model log and a weighting with no cross-log score, naming the field', () => {
    const base = { kind: 'queue', name: 't', trace: 'x.swf', episodeLength: 96, train: { ranges: [[0, 900]] }, validation: { windows: [950], length: 150 }, evaluation: { windows: [1200], length: 256 }, cem: { generations: 2 } };
    const message = (raw: Record<string, unknown>): string => thrownMessage(() => parseTrainConfig(raw, 'c.yaml'));
    expect(message({ ...base, synthetic: { model: 'lublin99', jitter: 0.1 } })).toMatch(/c\.yaml.*field 'synthetic.jitter'.*Lublin model.*remove it/);
    expect(message({ ...base, synthetic: { model: 'lublin99' } })).toBe('accepted');
    expect(message({ ...base, synthetic: { model: 'feitelson96' } })).toMatch(/synthetic.model/);
    expect(message({ ...base, validationWeighting: 'jobs' })).toMatch(/field 'validationWeighting'.*needs `also` or `synthetic.validation`/);
    expect(message({ ...base, synthetic: { model: 'lublin99', validation: 3 }, validationWeighting: 'jobs' })).toBe('accepted');
    expect(message({ ...base, synthetic: { validation: 3 }, validationWeighting: 'windows' })).toMatch(/validationWeighting/);
  });
});
