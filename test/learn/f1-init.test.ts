import { describe, expect, it } from 'vitest';
import { PolicyNet } from '../../src/core/policy-net.js';
import { trainQueueCem } from '../../src/learn/cem.js';
import { QueueEnv } from '../../src/learn/env.js';
import { initLayers } from '../../src/learn/ppo.js';
import { classicPolicy, replaySwfWindow } from '../../src/learn/sim-adapter.js';
import { configFeatures, evaluateQueueNet, f1Layers, measureScaling, netFile } from '../../src/learn/train-queue.js';
import { QUEUE_FEATURES_CONTEXT } from '../../src/queue/learned-queue.js';
import { Rng } from '../../src/core/rng.js';
import { syntheticWorkload, thrownMessage, tinyQueueConfig } from './support.js';

const workload = syntheticWorkload(1400);
const f1Config = (over: Record<string, unknown> = {}) =>
  tinyQueueConfig({ ppo: undefined, cem: { generations: 1, population: 4, elite: 2, windowsPerGeneration: 1 }, network: { hidden: [] }, features: 'context', init: 'f1', ...over });
const WINDOWS = [0, 300, 600, 950];

describe('init: f1 (a linear scorer of the context features that starts at F1)', () => {
  it('trains the 17 context features', () => {
    expect(configFeatures(f1Config())).toEqual(QUEUE_FEATURES_CONTEXT);
    expect(QUEUE_FEATURES_CONTEXT).toHaveLength(17);
  });

  it('takes F1\'s pick at every decision: the same bounded slowdown as F1 on every window, where a random scorer of the same features differs', async () => {
    const cfg = f1Config();
    const F = configFeatures(cfg).length;
    const random = initLayers([F, 1], new Rng('random'));
    const scaling = await measureScaling(cfg, new QueueEnv({ jobs: workload.jobs, machine: workload.machine, length: cfg.episodeLength, backfill: 'none' }), random);
    const layers = f1Layers(configFeatures(cfg), scaling);
    // One weight, on f1-rank, negative: rank 0 (F1's pick) scores highest.
    const at = QUEUE_FEATURES_CONTEXT.indexOf('f1-rank');
    expect(layers[0]?.weights.filter((w) => w !== 0)).toHaveLength(1);
    expect(layers[0]?.weights[at]).toBeLessThan(0);
    const f1 = new PolicyNet(netFile(cfg, scaling, layers));
    const net = await evaluateQueueNet(workload, f1, WINDOWS, 150, 'none');
    const ref: number[] = [];
    for (const w of WINDOWS) ref.push((await replaySwfWindow(workload.jobs, w, 150, workload.machine, classicPolicy('f1', 'none'))).boundedSlowdown);
    expect(net).toEqual(ref);
    const other = await evaluateQueueNet(workload, new PolicyNet(netFile(cfg, scaling, random)), WINDOWS, 150, 'none');
    expect(other).not.toEqual(ref);
  });

  it('starts the CEM search at F1: generation 0 validates at F1\'s bounded slowdown', async () => {
    const cfg = f1Config();
    const { checkpoint, model } = await trainQueueCem(cfg, workload);
    const f1 = (await replaySwfWindow(workload.jobs, 950, 150, workload.machine, classicPolicy('f1', 'none'))).boundedSlowdown;
    expect(checkpoint.curve[0]?.validationBsld).toBe(f1);
    expect(model.features).toEqual(QUEUE_FEATURES_CONTEXT);
    // Without init, the random start validates elsewhere.
    const plain = await trainQueueCem(f1Config({ init: undefined }), workload);
    expect(plain.checkpoint.curve[0]?.validationBsld).not.toBe(f1);
  });

  it('is refused, naming the field, without the context features or with a hidden layer', () => {
    expect(thrownMessage(() => f1Config({ features: 'time-to-fit' }))).toMatch(/features: context/);
    expect(thrownMessage(() => f1Config({ network: { hidden: [4] } }))).toMatch(/network: \{ hidden: \[\] \}/);
    expect(thrownMessage(() => f1Config())).toBe('accepted');
  });
});

describe('cem.commonWindows (every generation plays the same training windows)', () => {
  // A spread of 1e-9 around F1's scorer never changes a pick (ranks are a unit apart), so μ plays
  // F1's order every generation and its training bsld changes only if the windows do.
  const still = (commonWindows?: boolean) =>
    f1Config({ cem: { generations: 3, population: 3, elite: 1, windowsPerGeneration: 2, initStd: 1e-9, minStd: 0, ...(commonWindows === undefined ? {} : { commonWindows }) } });

  it('scores every generation on one draw of windows: the same training bsld for the same order', async () => {
    const { checkpoint } = await trainQueueCem(still(true), workload);
    const train = checkpoint.curve.slice(1).map((p) => p.trainBsld);
    expect(train).toHaveLength(3);
    expect(new Set(train).size).toBe(1);
  });

  it('draws fresh windows each generation without it (the default)', async () => {
    const { checkpoint } = await trainQueueCem(still(), workload);
    const train = checkpoint.curve.slice(1).map((p) => p.trainBsld);
    expect(new Set(train).size).toBeGreaterThan(1);
  });

  it('leaves a config without it on its fresh-window path: the same run as before the option', async () => {
    const a = await trainQueueCem(still(), workload);
    const b = await trainQueueCem(still(false), workload);
    expect(b.checkpoint.curve).toEqual(a.checkpoint.curve);
  });
});
