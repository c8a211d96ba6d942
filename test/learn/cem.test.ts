import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { DenseLayer } from '../../src/core/policy-net.js';
import { flatten, trainQueueCem, unflatten } from '../../src/learn/cem.js';
import { CemPool } from '../../src/learn/cem-pool.js';
import { parseTrainConfig, queueIterations, withQueueIterations } from '../../src/learn/config.js';
import { initLayers } from '../../src/learn/ppo.js';
import { configFeatures, type QueueCheckpoint } from '../../src/learn/train-queue.js';
import { Rng } from '../../src/core/rng.js';
import { syntheticWorkload, tinyQueueConfig } from './support.js';

const workload = syntheticWorkload(1400);
const cemConfig = (generations: number, over: Record<string, unknown> = {}) =>
  tinyQueueConfig({ ppo: undefined, cem: { generations, population: 6, elite: 2, windowsPerGeneration: 2 }, network: { hidden: [] }, features: 'time-to-fit', ...over });

describe('drs train with the cross-entropy method (cem)', () => {
  it('flatten and unflatten are inverse for any layer shapes', () => {
    const layers: DenseLayer[] = [
      { weights: [1, 2, 3, 4, 5, 6], bias: [7, 8], activation: 'tanh' },
      { weights: [9, 10], bias: [11], activation: 'linear' },
    ];
    expect(flatten(layers)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(unflatten(flatten(layers), layers)).toEqual(layers);
  });

  it('is deterministic for a seed, and a resumed run equals the uninterrupted one', async () => {
    const a = await trainQueueCem(cemConfig(3), workload);
    const b = await trainQueueCem(cemConfig(3), workload);
    expect(b.model.layers).toEqual(a.model.layers);
    expect(b.checkpoint.curve.map((p) => p.validationBsld)).toEqual(a.checkpoint.curve.map((p) => p.validationBsld));
    let saved: QueueCheckpoint | undefined;
    await trainQueueCem(cemConfig(3), workload, { saveCheckpoint: async (c) => void (c.iteration === 1 ? (saved = c) : undefined) });
    expect(saved?.iteration).toBe(1);
    const resumed = await trainQueueCem(cemConfig(3), workload, {}, JSON.parse(JSON.stringify(saved)) as QueueCheckpoint);
    expect(resumed.model.layers).toEqual(a.model.layers);
    expect(resumed.checkpoint.layers).toEqual(a.checkpoint.layers);
    const other = await trainQueueCem(cemConfig(3, { seed: 6 }), workload);
    expect(other.checkpoint.layers).not.toEqual(a.checkpoint.layers);
  });

  it('plays the population on worker threads with the same result as in one thread', { timeout: 60_000 }, async () => {
    const one = await trainQueueCem(cemConfig(2), workload);
    const two = await trainQueueCem(cemConfig(2), workload, {}, undefined, [], 2);
    expect(two.model.layers).toEqual(one.model.layers);
    expect(two.checkpoint.layers).toEqual(one.checkpoint.layers);
    expect(two.checkpoint.curve.map((p) => p.trainBsld)).toEqual(one.checkpoint.curve.map((p) => p.trainBsld));
    // Three threads for six weight vectors, with an other log (two chunks of two, one of two).
    const also = [{ trace: 'other.swf', windows: 1, train: { ranges: [[0, 900]] }, validation: { windows: [950], length: 150 } }];
    const a = await trainQueueCem(cemConfig(2, { also }), workload, {}, undefined, [syntheticWorkload(1400, 9)]);
    const b = await trainQueueCem(cemConfig(2, { also }), workload, {}, undefined, [syntheticWorkload(1400, 9)], 3);
    expect(b.checkpoint.layers).toEqual(a.checkpoint.layers);
    expect(b.checkpoint.curve).toEqual(a.checkpoint.curve.map((p, i) => ({ ...p, seconds: b.checkpoint.curve[i]?.seconds })));
  });

  it('fails with a plain message naming the thread when a worker thread stops, between generations or mid-request', { timeout: 60_000 }, async () => {
    const cfg = cemConfig(1);
    if (cfg.kind !== 'queue') throw new Error('queue config expected');
    const shape: DenseLayer[] = [{ weights: new Array<number>(10).fill(0.1), bias: [0], activation: 'linear' }];
    const init = { cfg, logs: [{ jobs: workload.jobs, machine: workload.machine }], scaling: { mean: new Array<number>(10).fill(0), std: new Array<number>(10).fill(1) }, shape };
    const thetas = [flatten(shape), flatten(shape).map((v) => -v)];
    const episodes = [{ log: 0, start: 0, mode: 'none' as const }];
    const stopped = /CEM worker thread 2 of 2 stopped \(exited with code \d+\); the last checkpoint is kept: rerun with --resume/;
    const between = new CemPool(init, 2);
    try {
      expect(await between.play(thetas, episodes)).toHaveLength(2);
      const workers = (between as unknown as { workers: Worker[] }).workers;
      await workers[1]?.terminate();
      await expect(between.play(thetas, episodes)).rejects.toThrow(stopped);
    } finally {
      await between.close();
    }
    const mid = new CemPool(init, 2);
    try {
      const workers = (mid as unknown as { workers: Worker[] }).workers;
      const asked = mid.play(thetas, episodes);
      void workers[1]?.terminate();
      await expect(asked).rejects.toThrow(stopped);
    } finally {
      await mid.close();
    }
  });

  it('improves the validation score on the synthetic log, and records the method and the selected generation', async () => {
    const { model, checkpoint } = await trainQueueCem(cemConfig(8), workload);
    const v0 = checkpoint.curve[0]?.validationBsld as number;
    const training = model.training as { algorithm: string; selected: { iteration: number; validationBsld: number } };
    expect(training.algorithm).toMatch(/^CEM/);
    expect(training.selected.validationBsld).toBeLessThan(v0);
    expect(training.selected.iteration).toBeGreaterThan(0);
    expect(model.features).toHaveLength(10);
    expect(model.layers).toHaveLength(1); // hidden: [] → a linear scorer
  });

  it('refuses a config with both methods or neither, an elite larger than the population, or imitation', () => {
    const base = { kind: 'queue', name: 't', trace: 'x.swf', episodeLength: 96, train: { ranges: [[0, 900]] }, validation: { windows: [950], length: 150 }, evaluation: { windows: [1200], length: 256 } };
    const cem = { generations: 2 };
    const ppo = { iterations: 2 };
    expect(() => parseTrainConfig({ ...base, ppo, cem }, 'both.yaml')).toThrow(/exactly one training method/);
    expect(() => parseTrainConfig(base, 'none.yaml')).toThrow(ConfigError);
    expect(() => parseTrainConfig({ ...base, cem: { generations: 2, population: 4, elite: 5 } }, 'e.yaml')).toThrow(/cem.elite \(5\) cannot exceed cem.population \(4\)/);
    expect(() => parseTrainConfig({ ...base, cem, imitation: { teacher: 'f1' } }, 'i.yaml')).toThrow(/imitation is a PPO warm start/);
    // A noise floor above the starting spread: named at the field the config writes (minStd, else initStd under the 0.05 default).
    const std = (cemBlock: object): ConfigError => {
      try {
        parseTrainConfig({ ...base, cem: { generations: 2, ...cemBlock } }, 's.yaml');
      } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
      }
      throw new Error('expected a ConfigError');
    };
    const floor = std({ initStd: 1, minStd: 2 });
    expect(floor.location.field).toBe('cem.minStd');
    expect(floor.detail).toMatch(/^cem\.minStd \(2\) cannot exceed cem\.initStd \(1\)/);
    expect(std({ initStd: 0.01 }).location.field).toBe('cem.initStd');
    expect(std({ minStd: 1.5 }).detail).toMatch(/cem\.minStd \(1\.5\) cannot exceed cem\.initStd \(1\)/);
    expect(parseTrainConfig({ ...base, cem: { generations: 2, initStd: 0.5, minStd: 0.5 } }, 'eq.yaml')).toMatchObject({ cem: { initStd: 0.5, minStd: 0.5 } });
    const c = parseTrainConfig({ ...base, cem }, 'ok.yaml');
    if (c.kind !== 'queue') throw new Error('queue config expected');
    expect(queueIterations(c)).toBe(2);
    expect(queueIterations(withQueueIterations(c, 7))).toBe(7);
    expect(withQueueIterations(c, 7).ppo).toBeUndefined();
    expect(std({ smoothing: 0 }).location.field).toBe('cem.smoothing');
    expect(std({ smoothing: 1.5 }).location.field).toBe('cem.smoothing');
  });

  it('smoothing moves mean and deviation only part of the way to the elite fit', async () => {
    // Generation 1 samples around the same start whatever the smoothing, so the plain run's refit is
    // the elite fit the smoothed run blends with its start (μ0 from the initial layers, σ0 = initStd).
    const start = await trainQueueCem(cemConfig(1, { cem: { generations: 1, population: 6, elite: 2, windowsPerGeneration: 2, initStd: 0.8 } }), workload);
    const plain = await trainQueueCem(cemConfig(1, { cem: { generations: 1, population: 6, elite: 2, windowsPerGeneration: 2, initStd: 0.8, smoothing: 1 } }), workload);
    const smooth = await trainQueueCem(cemConfig(1, { cem: { generations: 1, population: 6, elite: 2, windowsPerGeneration: 2, initStd: 0.8, smoothing: 0.3 } }), workload);
    expect(plain.checkpoint.layers).toEqual(start.checkpoint.layers); // 1 is the plain refit
    const cfg = cemConfig(1);
    if (cfg.kind !== 'queue') throw new Error('queue config expected');
    const mu0 = flatten(initLayers([configFeatures(cfg).length, 1], new Rng(`${cfg.seed}:init`)));
    const fit = flatten(plain.checkpoint.layers);
    expect(fit).not.toEqual(mu0);
    const mu1 = flatten(smooth.checkpoint.layers);
    mu1.forEach((m, d) => expect(m).toBeCloseTo(0.3 * (fit[d] as number) + 0.7 * (mu0[d] as number), 12));
    const sd = (r: typeof plain): number[] => r.checkpoint.optimizer.find((o) => o.name === 'cem-std')?.values ?? [];
    sd(smooth).forEach((s, d) => expect(s).toBeCloseTo(0.3 * (sd(plain)[d] as number) + 0.7 * 0.8, 12));
  });
});
