import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readConfig } from '../../src/cli/train.js';
import { ConfigError } from '../../src/core/errors.js';
import { describe, expect, it } from 'vitest';
import { PolicyNet, POLICY_NET_FORMAT, type PolicyNetFile } from '../../src/core/policy-net.js';
import { Rng } from '../../src/core/rng.js';
import type { QueueTrainConfig } from '../../src/learn/config.js';
import { QueueEnv, teacherAgent, type Step } from '../../src/learn/env.js';
import { buildBatch, initLayers, PpoLearner } from '../../src/learn/ppo.js';
import { classicPolicy, replaySwfWindow } from '../../src/learn/sim-adapter.js';
import { evaluateQueueNet, trainQueue } from '../../src/learn/train-queue.js';
import { F1_KEY, SJF_KEY } from '../../src/queue/keys.js';
import { LearnedQueue, learnedQueue, QUEUE_FEATURES, QUEUE_FEATURES_TIME_WIDTH, queueFeatures } from '../../src/queue/learned-queue.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { loadTf } from '../../src/predict/tf-runtime.js';
import { randomModel, syntheticWorkload, tinyQueueConfig } from './support.js';

const workload = syntheticWorkload(1500);

function timeWidthModel(seed = 3): PolicyNetFile {
  const F = QUEUE_FEATURES_TIME_WIDTH.length;
  return {
    format: POLICY_NET_FORMAT,
    kind: 'queue',
    name: 'tw',
    features: QUEUE_FEATURES_TIME_WIDTH,
    scaling: { mean: new Array<number>(F).fill(0), std: new Array<number>(F).fill(1) },
    layers: initLayers([F, 8, 4, 1], new Rng(seed), 1),
  };
}

/** One PPO iteration of one epoch: the warm start is what these tests look at. */
const config = (over: Record<string, unknown> = {}): QueueTrainConfig =>
  tinyQueueConfig({ ppo: { iterations: 1, windowsPerIteration: 2, samplesPerWindow: 2, epochs: 1 }, ...over });

/** Share of the decisions where the net's argmax is the recorded action. */
function agreement(net: PolicyNet, steps: readonly Step[]): number {
  const scores = new Float64Array(128);
  let hit = 0;
  for (const s of steps) {
    net.scoreAll(s.x, s.n, scores);
    let best = 0;
    for (let j = 1; j < s.n; j++) if ((scores[j] as number) > (scores[best] as number)) best = j;
    if (best === s.action) hit++;
  }
  return hit / steps.length;
}

describe('teacher orders and behaviour cloning', () => {
  it('the F1 and SJF teachers, playing through the learned queue, give exactly the protocol policy of that order (queue ≤ 128)', async () => {
    // Arrivals 5× sparser than the synthetic log, so that fewer than 128 jobs wait and every job is a candidate.
    const light = workload.jobs.map((j) => ({ ...j, submit: 1_000_000 + (j.submit - 1_000_000) * 5 }));
    for (const candidates of ['arrival', 'short-narrow'] as const) {
      const net = new PolicyNet({ ...randomModel('queue', 2), candidates });
      for (const mode of ['none', 'easy'] as const) {
        const env = new QueueEnv({ jobs: light, machine: workload.machine, length: 300, backfill: mode });
        for (const [key, order] of [[F1_KEY, 'f1'], [SJF_KEY, 'sjf']] as const) {
          env.reset(1, 200);
          const taught = await env.run(net, teacherAgent(key));
          const ref = await replaySwfWindow(light, 200, 300, workload.machine, classicPolicy(order, mode));
          expect(Math.max(...taught.steps.map((x) => x.n))).toBeLessThanOrEqual(128);
          expect(taught.boundedSlowdown).toBe(ref.boundedSlowdown);
          expect(taught.steps.length).toBeGreaterThan(50);
        }
      }
    }
  });

  it('candidates beyond 128 waiting: arrival keeps the oldest 128, short-narrow the shortest and narrowest in turn', () => {
    const rng = new Rng(4);
    const w: QueuedRequest[] = Array.from({ length: 300 }, (_, i) => ({
      request: { id: `j${i}`, tenant: 't', arrival: i, demand: [1 + rng.int(64)], duration: 10 + rng.int(5000), priority: 'medium' },
      enqueuedAt: i,
      seq: i,
      attempts: 0,
    })) as unknown as QueuedRequest[];
    const seen = (candidates: 'arrival' | 'short-narrow'): Set<QueuedRequest> => {
      const got = new Set<QueuedRequest>();
      const q = new LearnedQueue({ ...randomModel('queue', 2), candidates }, {
        chooser: {
          choose: (_x, n, _s, ctx) => {
            if (got.size === 0) for (const c of ctx.candidates) got.add(c);
            expect(ctx.candidates.length).toBe(n);
            return 0;
          },
        },
      });
      const out = q.order(w, 10_000);
      expect(new Set(out)).toEqual(new Set(w));
      expect(out.length).toBe(300);
      return got;
    };
    const old = seen('arrival');
    expect(old.size).toBe(128);
    expect([...old].every((q) => q.seq < 128)).toBe(true);
    const sn = seen('short-narrow');
    expect(sn.size).toBe(128);
    const byShort = [...w].sort((a, b) => a.request.duration - b.request.duration || a.seq - b.seq);
    const byNarrow = [...w].sort((a, b) => (a.request.demand[0] as number) - (b.request.demand[0] as number) || a.seq - b.seq);
    // The 50 shortest and the 50 narrowest are in (128 slots, taken in turn: at least 64 from each list).
    for (const q of [...byShort.slice(0, 50), ...byNarrow.slice(0, 50)]) expect(sn.has(q)).toBe(true);
    // A job in neither list's first 128 is never a candidate (each list gives at most 128 turns).
    const far = w.filter((q) => byShort.indexOf(q) >= 128 && byNarrow.indexOf(q) >= 128);
    expect(far.length).toBeGreaterThan(20);
    for (const q of far) expect(sn.has(q)).toBe(false);
  });

  it('imitation raises the share of decisions where the network picks the teacher job', { timeout: 60_000 }, async () => {
    const { tf } = await loadTf();
    const model = timeWidthModel();
    const env = new QueueEnv({ jobs: workload.jobs, machine: workload.machine, length: 120, backfill: 'none' });
    env.reset(1, 0);
    const ep = await env.run(new PolicyNet(model), teacherAgent(F1_KEY));
    const F = QUEUE_FEATURES_TIME_WIDTH.length;
    const learner = new PpoLearner(tf, model.layers, { learningRate: 0.01, clip: 0.2, entropy: 0, epochs: 1 });
    const before = agreement(new PolicyNet(model), ep.steps);
    const loss0 = learner.imitate(buildBatch([[ep, ep]], model.scaling, F), 1, 0.01);
    const loss = learner.imitate(buildBatch([[ep, ep]], model.scaling, F), 80, 0.03);
    const after = agreement(new PolicyNet({ ...model, layers: learner.layers() }), ep.steps);
    learner.dispose();
    expect(loss).toBeLessThan(loss0);
    expect(after).toBeGreaterThan(before + 0.2);
    expect(after).toBeGreaterThan(0.6);
  });
});

describe('time-width feature', () => {
  it('is log10(requested) × width share, after the 8 base features; a 9-feature model runs, other lists are refused', () => {
    const q = { seq: 0, request: { id: 'j', arrival: 100, duration: 400, requestedDuration: 1000, demand: [8] } } as unknown as QueuedRequest;
    const x = new Float64Array(9);
    queueFeatures(x, 0, q, 160, true, { capacity: 32, freeWidth: 16 }, 5, 0, 9);
    expect(x[8]).toBeCloseTo(0.75, 12); // log10(1000) · 8 / 32
    expect(x[0]).toBeCloseTo(Math.log1p(60), 12);
    expect(x[5]).toBeCloseTo(Math.log1p(60 / 1000), 12);
    const base = new Float64Array(9).fill(-7);
    queueFeatures(base, 0, q, 160, true, { capacity: 32, freeWidth: 16 }, 5, 0);
    expect(base[8]).toBe(-7); // the 8-feature call leaves the 9th slot alone
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-tw-'));
    const good = path.join(dir, 'tw.json');
    writeFileSync(good, JSON.stringify(timeWidthModel()));
    expect(learnedQueue(good).featureCount).toBe(9);
    const bad = path.join(dir, 'bad.json');
    const m = timeWidthModel();
    writeFileSync(bad, JSON.stringify({ ...m, features: [...QUEUE_FEATURES, 'area'] }));
    expect(() => learnedQueue(bad)).toThrow(/computes 8 .* or 9 .*retrain/);
  });
});

describe('drs train: warm starts, loaded windows, mixed backfilling', () => {
  it('parses imitation, init, minLoad, features and backfill: mixed; refuses unknown values', () => {
    const c = config({ imitation: { teacher: 'f1' }, features: 'time-width', backfill: 'mixed', train: { ranges: [[0, 900]], minLoad: { order: 'sjf', bsld: 5 } } });
    expect(c.imitation).toEqual({ teacher: 'f1', windows: 8, steps: 200, learningRate: 0.01 });
    expect(c.train.minLoad).toEqual({ order: 'sjf', bsld: 5 });
    expect(() => config({ imitation: { teacher: 'wfp3' } })).toThrow(/imitation\.teacher|Invalid enum/);
    expect(() => config({ backfill: 'conservative' })).toThrow(/backfill|Invalid enum/);
  });

  it('mixed: validation is the mean of the no-backfilling and EASY scores; init starts from the given model', { timeout: 120_000 }, async () => {
    const { tf } = await loadTf();
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-init-'));
    const file = path.join(dir, 'start.json');
    const start = { ...randomModel('queue', 9), name: 'tiny' };
    writeFileSync(file, JSON.stringify(start));
    const cfg = config({ backfill: 'mixed', init: file });
    const { model } = await trainQueue(tf, cfg, workload);
    const curve = (model.training as { curve: { iteration: number; validationBsld: number }[] }).curve;
    const net = new PolicyNet(start);
    const none = await evaluateQueueNet(workload, net, [950], 150, 'none');
    const easy = await evaluateQueueNet(workload, net, [950], 150, 'easy');
    expect(none[0]).not.toBe(easy[0]);
    expect(curve[0]?.validationBsld).toBeCloseTo(((none[0] as number) + (easy[0] as number)) / 2, 9);
    expect((model.training as { init: { model: string } }).init.model).toBe(file);
    expect(model.scaling).toEqual(start.scaling);
  });

  it('init: a relative path is read from the config file\'s folder, not the working directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-initcfg-'));
    const yaml = [
      'kind: queue', 'name: tiny', 'seed: 5', 'trace: synthetic.swf', 'episodeLength: 96', 'init: models/start.json',
      'train: { ranges: [[0, 900]] }', 'validation: { windows: [950], length: 150 }', 'evaluation: { windows: [1200], length: 256 }',
      'network: { hidden: [32, 16] }', 'ppo: { iterations: 1, windowsPerIteration: 2, samplesPerWindow: 2, epochs: 1 }',
    ].join('\n');
    writeFileSync(path.join(dir, 'c.yaml'), yaml);
    // Read when the config is: missing, it is the config's error at init's line.
    const missing = (() => {
      try {
        readConfig(path.join(dir, 'c.yaml'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as ConfigError).location).toMatchObject({ file: path.join(dir, 'c.yaml'), line: 6, field: 'init' });
    expect((missing as ConfigError).message).toContain(`cannot read model file ${path.join(dir, 'models', 'start.json')}`);
    mkdirSync(path.join(dir, 'models'));
    copyFileSync(path.resolve(import.meta.dirname, '../../models/queue/hpc2n.json'), path.join(dir, 'models', 'start.json'));
    const cfg = readConfig(path.join(dir, 'c.yaml')) as QueueTrainConfig;
    expect(cfg.init).toBe(path.join(dir, 'models', 'start.json'));
    const abs = path.join(dir, 'models', 'start.json');
    writeFileSync(path.join(dir, 'abs.yaml'), yaml.replace('models/start.json', abs));
    expect((readConfig(path.join(dir, 'abs.yaml')) as QueueTrainConfig).init).toBe(abs);
  });

  it('minLoad trains only on windows where the order reaches the bar', { timeout: 120_000 }, async () => {
    const { tf } = await loadTf();
    // Scores of every window start the trainer may draw: the bar keeps the heaviest ones.
    const starts = Array.from({ length: 805 }, (_, i) => i);
    const sjf = await Promise.all(starts.filter((s) => s % 50 === 0).map(async (s) => (await replaySwfWindow(workload.jobs, s, 96, workload.machine, classicPolicy('sjf', 'none'))).boundedSlowdown));
    const bar = [...sjf].sort((a, b) => a - b)[Math.floor(sjf.length * 0.7)] as number;
    const seen: number[] = [];
    const cfg = config({ train: { ranges: [[0, 900]], minLoad: { order: 'sjf', bsld: bar } } });
    const env = QueueEnv.prototype.reset;
    QueueEnv.prototype.reset = function (seed: number, window: number) {
      seen.push(window);
      env.call(this, seed, window);
    };
    try {
      await trainQueue(tf, cfg, workload);
    } finally {
      QueueEnv.prototype.reset = env;
    }
    // The PPO episodes are the windows after the scaling (4) windows; validation windows are 950.
    const trained = seen.slice(4).filter((w) => w !== 950);
    expect(trained.length).toBe(4);
    for (const w of trained) expect((await replaySwfWindow(workload.jobs, w, 96, workload.machine, classicPolicy('sjf', 'none'))).boundedSlowdown).toBeGreaterThanOrEqual(bar);
  });
});
