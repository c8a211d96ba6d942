import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { PolicyNet } from '../../src/core/policy-net.js';
import { QueueEnv, sampleAgent } from '../../src/learn/env.js';
import { trainQueue, type QueueCheckpoint } from '../../src/learn/train-queue.js';
import { Rng } from '../../src/core/rng.js';
import { loadTf } from '../../src/predict/tf-runtime.js';
import { randomModel, syntheticWorkload, tinyQueueConfig } from './support.js';

const workload = syntheticWorkload(1500);

const config = tinyQueueConfig;

describe('queue environment', () => {
  it('is deterministic for a seed and a window, and its reward is minus the mean bounded slowdown', async () => {
    const net = new PolicyNet(randomModel('queue', 4));
    const env = new QueueEnv({ jobs: workload.jobs, machine: workload.machine, length: 120, backfill: 'none' });
    const play = async (seed: number) => {
      env.reset(seed, 100);
      return env.run(net, sampleAgent(new Rng(seed)));
    };
    const a = await play(1);
    const b = await play(1);
    const c = await play(2);
    expect(a.boundedSlowdown).toBe(b.boundedSlowdown);
    expect(a.steps.map((s) => s.action)).toEqual(b.steps.map((s) => s.action));
    expect(a.reward).toBe(-a.boundedSlowdown);
    expect(a.boundedSlowdown).toBeGreaterThanOrEqual(1);
    // Every job is one decision at most (a pick starts it or makes it the committed head).
    expect(a.steps.length).toBeGreaterThan(0);
    expect(a.steps.length).toBeLessThanOrEqual(120);
    expect(c.steps.map((s) => s.action)).not.toEqual(a.steps.map((s) => s.action));
  });
});

describe('drs train (queue)', () => {
  it('refuses training ranges or validation windows that overlap the evaluation windows', () => {
    expect(() => config({ train: { ranges: [[0, 1300]] } })).toThrow(ConfigError);
    expect(() => config({ train: { ranges: [[0, 1300]] } })).toThrow(/jobs \[0, 1300\) overlap the evaluation window \[1200, 1456\)/);
    expect(() => config({ validation: { windows: [1100], length: 150 } })).toThrow(/validation jobs \[1100, 1250\) overlap/);
    expect(() => config({ validation: { windows: [800], length: 150 } })).toThrow(/overlaps the training range/);
  });

  it('is deterministic for a seed over a few iterations, and resuming from a checkpoint gives the same model', { timeout: 120_000 }, async () => {
    const { tf } = await loadTf();
    const cfg = config();
    const checkpoints: QueueCheckpoint[] = [];
    const a = await trainQueue(tf, cfg, workload, { saveCheckpoint: async (c) => void checkpoints.push(JSON.parse(JSON.stringify(c)) as QueueCheckpoint) });
    const b = await trainQueue(tf, cfg, workload);
    expect(b.checkpoint.layers).toEqual(a.checkpoint.layers);
    expect(b.model.layers).toEqual(a.model.layers);
    // The weights moved (training did something) and the curve has one point per iteration + the start.
    expect(a.checkpoint.layers).not.toEqual(checkpoints[0]?.layers);
    expect((a.model.training as { curve: unknown[] }).curve.length).toBe(3);
    // Resume after iteration 1: the same weights as the uninterrupted run, up to float32 rounding
    // (TF.js rebuilds Adam's β^t from the step count instead of the running product).
    const first = checkpoints.find((c) => c.iteration === 1) as QueueCheckpoint;
    const resumed = await trainQueue(tf, cfg, workload, {}, first);
    const flat = (l: typeof a.checkpoint.layers): number[] => l.flatMap((x) => [...x.weights, ...x.bias]);
    const want = flat(a.checkpoint.layers);
    const dist = (x: number[], y: number[]): number => Math.sqrt(x.reduce((s, v, i) => s + (v - (y[i] as number)) ** 2, 0));
    const step = dist(want, flat(first.layers)); // how far iteration 2 moved the weights
    expect(step).toBeGreaterThan(0);
    expect(dist(flat(resumed.checkpoint.layers), want)).toBeLessThan(0.01 * step);
    // A different seed gives a different model.
    const other = await trainQueue(tf, { ...cfg, seed: 6 }, workload);
    expect(other.checkpoint.layers).not.toEqual(a.checkpoint.layers);
  });
});
