import { describe, expect, it } from 'vitest';
import { PolicyNet } from '../../src/core/policy-net.js';
import { trainQueueCem } from '../../src/learn/cem.js';
import { parseTrainConfig } from '../../src/learn/config.js';
import { CrossLogValidator, trainLogs } from '../../src/learn/cross-log.js';
import { resampleLog } from '../../src/learn/resampled-log.js';
import type { BatchJob, BatchWorkload } from '../../src/learn/sim-adapter.js';
import { syntheticWorkload, thrownMessage, tinyQueueConfig } from './support.js';

const HOUR = 3600;
const DAY = 86400;

/**
 * A source log with a hand-made daily pattern: from 00:00 to 11:59 one 1-processor job of 100 s
 * every 30 minutes; from 12:00 to 23:59 one 8-processor job of 900 s every 10 minutes (96 jobs a
 * day). Requested time: the run time for the narrow jobs, twice it for the wide ones.
 */
function dailyLog(days: number): BatchWorkload {
  const jobs: BatchJob[] = [];
  for (let d = 0; d < days; d++) {
    for (let t = 0; t < DAY; ) {
      const night = t < 12 * HOUR;
      const run = night ? 100 : 900;
      const i = jobs.length;
      jobs.push({ index: i, id: i + 1, submit: d * DAY + t, run, requested: night ? run : 2 * run, procs: night ? 1 : 8, clamped: false });
      t += night ? 1800 : 600;
    }
  }
  return { file: 'daily.swf', header: {} as BatchWorkload['header'], machine: 16, machineSource: 'option', jobs, dropped: 0, clamped: 0, unknownWidth: 0 };
}

describe('resampleLog (synthetic: training logs)', () => {
  const source = dailyLog(4);
  const all: [number, number][] = [[0, source.jobs.length]];

  it('is deterministic for a seed, and another seed gives another log', () => {
    const a = resampleLog(source, all, { jobs: 500, jitter: 0.1, seed: 's' });
    const b = resampleLog(source, all, { jobs: 500, jitter: 0.1, seed: 's' });
    const c = resampleLog(source, all, { jobs: 500, jitter: 0.1, seed: 't' });
    expect(b.jobs).toEqual(a.jobs);
    expect(c.jobs).not.toEqual(a.jobs);
    expect(a.jobs.map((j) => j.index)).toEqual([...Array(500).keys()]);
    expect(a.machine).toBe(16);
    expect(a.file).toMatch(/resampled: 500 jobs from 384 jobs/);
  });

  it('with jitter 0, every job is one of the source hour it arrives in, and each hour keeps its gaps', () => {
    // Each hour of the source has one kind of job and one gap, so a resample of exactly four
    // days (384 jobs: the source's mean gap, so the rate stretch is 1) must be the source again.
    // Drawing jobs or gaps without regard to the hour would mix the night's and the day's.
    const r = resampleLog(source, all, { jobs: 384, jitter: 0, seed: 'one' });
    expect(r.jobs.map((j) => [j.submit, j.procs, j.run, j.requested])).toEqual(source.jobs.map((j) => [j.submit, j.procs, j.run, j.requested]));
  });

  it('keeps the training part’s mean arrival rate and draws only from the given ranges', () => {
    const w = syntheticWorkload(1400);
    const ranges: [number, number][] = [[0, 400], [700, 1100]];
    const r = resampleLog(w, ranges, { jobs: 5000, jitter: 0, seed: 'rate' });
    const sourceGap = ranges.reduce((a, [x, y]) => a + ((w.jobs[y - 1] as BatchJob).submit - (w.jobs[x] as BatchJob).submit), 0) / (800 - 2);
    const gap = ((r.jobs[4999] as BatchJob).submit - (r.jobs[0] as BatchJob).submit) / 4999;
    expect(gap / sourceGap).toBeCloseTo(1, 2);
    const inRanges = new Set(ranges.flatMap(([x, y]) => w.jobs.slice(x, y).map((j) => `${j.run}:${j.procs}:${j.requested}`)));
    for (const j of r.jobs) expect(inRanges.has(`${j.run}:${j.procs}:${j.requested}`)).toBe(true);
    // Jobs 400..699 are not in the ranges: a (run, procs) pair only they have never appears.
    const outside = w.jobs.slice(400, 700).filter((j) => !inRanges.has(`${j.run}:${j.procs}:${j.requested}`));
    expect(outside.length).toBeGreaterThan(100);
    const drawn = new Set(r.jobs.map((j) => `${j.run}:${j.procs}:${j.requested}`));
    for (const j of outside) expect(drawn.has(`${j.run}:${j.procs}:${j.requested}`)).toBe(false);
  });

  it('smooths run times with the jitter, keeping requested ≥ run and equal where the source had them equal', () => {
    const r = resampleLog(source, all, { jobs: 2000, jitter: 0.2, seed: 'j' });
    const runs = new Set(r.jobs.map((j) => j.run));
    expect(runs.size).toBeGreaterThan(100);
    for (const j of r.jobs) {
      expect(j.requested).toBeGreaterThanOrEqual(j.run);
      if (j.procs === 1) expect(j.requested).toBe(j.run);
    }
    // log-normal factor of σ 0.2 around 100 s and 900 s
    const narrow = r.jobs.filter((j) => j.procs === 1).map((j) => Math.log(j.run / 100));
    const m = narrow.reduce((a, b) => a + b, 0) / narrow.length;
    const sd = Math.sqrt(narrow.reduce((a, b) => a + (b - m) ** 2, 0) / narrow.length);
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(sd).toBeGreaterThan(0.17);
    expect(sd).toBeLessThan(0.23);
  });

  it('fills an hour without source jobs from the nearest hour, and refuses too little data', () => {
    // Every source job at 05:00–05:59: every other hour borrows from it.
    const jobs = syntheticWorkload(300).jobs.map((j, i) => ({ ...j, submit: Math.floor(i / 120) * DAY + 5 * HOUR + (i % 120) * 30 }));
    const w: BatchWorkload = { ...syntheticWorkload(1), jobs };
    const r = resampleLog(w, [[0, 300]], { jobs: 1000, jitter: 0, seed: 'x' });
    expect(r.jobs).toHaveLength(1000);
    expect(() => resampleLog(w, [[0, 50]], { jobs: 10, jitter: 0, seed: 'x' })).toThrow(/hold 50 jobs of synthetic.swf; a resampled log needs at least 100/);
    expect(() => resampleLog(w, [[0, 300]], { jobs: 0, jitter: 0, seed: 'x' })).toThrow(/positive whole number of jobs, got 0/);
  });
});

describe('training with a resampled log (synthetic:)', () => {
  const own = syntheticWorkload(1400);
  const cemConfig = (over: Record<string, unknown> = {}) =>
    tinyQueueConfig({ ppo: undefined, cem: { generations: 2, population: 4, elite: 2, windowsPerGeneration: 1 }, network: { hidden: [] }, features: 'time-to-fit', synthetic: { windows: 2, jobs: 3000, validation: 2 }, ...over });

  it('plays the resample, validates on the real window and the validation resample (score S), deterministically, and records it', async () => {
    const cfg = cemConfig();
    const logs = trainLogs(cfg, own, []);
    expect(logs.map((l) => [l.workload.jobs.length, l.windows, l.validation.windows])).toEqual([
      [1400, 1, [950]],
      [3000, 2, []],
      [192, 0, [0, 96]],
    ]);
    const a = await trainQueueCem(cfg, own);
    const b = await trainQueueCem(cfg, own);
    expect(b.model.layers).toEqual(a.model.layers);
    const training = a.model.training as { selected: { validationBsld: number }; syntheticData: string };
    expect(training.syntheticData).toMatch(/resampled: 3000 jobs from 900 jobs of ranges \[\[0,900\]\], jitter 0.1, seed 5:synthetic.*seed synthetic-validation/);
    const v = new CrossLogValidator(logs);
    const ratios = await v.ratios(new PolicyNet(a.model));
    expect(ratios).toHaveLength(2); // the training resample has no validation windows
    expect(training.selected.validationBsld).toBeCloseTo((ratios[0] as number) / 2 + (ratios[1] as number) / 2, 10);
    // The resample's windows are played: without them the first generation's training bsld differs.
    const alone = await trainQueueCem(cemConfig({ synthetic: undefined }), own);
    expect(alone.checkpoint.curve[1]?.trainBsld).not.toBeCloseTo(a.checkpoint.curve[1]?.trainBsld as number, 6);
  });

  it('records a resample without jitter with the default 0.1 where the schema puts it (what earlier checkpoints hold), a model log without', () => {
    const base = { kind: 'queue', name: 't', trace: 'x.swf', episodeLength: 96, train: { ranges: [[0, 900]] }, validation: { windows: [950], length: 150 }, evaluation: { windows: [1200], length: 256 }, cem: { generations: 2 } };
    const synthetic = (s: Record<string, unknown>): string => {
      const c = parseTrainConfig({ ...base, synthetic: s }, 'c.yaml');
      return JSON.stringify(c.kind === 'queue' ? c.synthetic : undefined);
    };
    expect(synthetic({ windows: 3 })).toBe('{"windows":3,"jobs":100000,"jitter":0.1,"validation":0}');
    expect(synthetic({ model: 'resample', validation: 2 })).toBe('{"model":"resample","windows":6,"jobs":100000,"jitter":0.1,"validation":2}');
    expect(synthetic({ jitter: 0 })).toBe('{"windows":6,"jobs":100000,"jitter":0,"validation":0}');
    expect(synthetic({ model: 'lublin99' })).toBe('{"model":"lublin99","windows":6,"jobs":100000,"validation":0}');
  });

  it('refuses a resample with PPO or shorter than an episode, and validationModes with nothing to apply to, naming the field', () => {
    const base = { kind: 'queue', name: 't', trace: 'x.swf', episodeLength: 96, train: { ranges: [[0, 900]] }, validation: { windows: [950], length: 150 }, evaluation: { windows: [1200], length: 256 } };
    const message = (raw: Record<string, unknown>): string => thrownMessage(() => parseTrainConfig(raw, 'c.yaml'));
    expect(message({ ...base, ppo: { iterations: 2 }, synthetic: {} })).toMatch(/field 'synthetic'.*needs a `cem` block/);
    expect(message({ ...base, cem: { generations: 2 }, synthetic: { jobs: 50 } })).toMatch(/field 'synthetic.jobs'.*shorter than one episode \(96 jobs\)/);
    expect(message({ ...base, cem: { generations: 2 }, synthetic: { jitter: -1 } })).toMatch(/synthetic.jitter/);
    expect(message({ ...base, cem: { generations: 2 }, synthetic: {} })).toBe('accepted');
    // validationModes without a cross-log score would be ignored: refused instead.
    expect(message({ ...base, cem: { generations: 2 }, synthetic: {}, validationModes: ['easy'] })).toMatch(/field 'validationModes'.*needs `also` or `synthetic.validation`/);
    expect(message({ ...base, cem: { generations: 2 }, synthetic: { validation: 2 }, validationModes: ['easy'] })).toBe('accepted');
  });
});
