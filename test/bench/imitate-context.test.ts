import { describe, expect, it } from 'vitest';
import { CONTEXT_FEATURES, withContext } from '../../bench/imitate/context.js';
import { candidateFeatures, makeJob, recordingChooser, Sim, studentChooser } from '../../bench/imitate/sim.js';
import { PolicyNet, type PolicyNetFile } from '../../src/core/policy-net.js';
import { Rng } from '../../src/core/rng.js';
import { lublinLog } from '../../src/learn/lublin-log.js';
import { replaySwfWindow } from '../../src/learn/sim-adapter.js';
import { F1_KEY } from '../../src/queue/keys.js';
import { LearnedQueue, QUEUE_FEATURES_CONTEXT, QUEUE_FEATURES_TIME_TO_FIT } from '../../src/queue/learned-queue.js';

// Three candidates (arrival order a, b, c), F1 key = log10(requested)·procs + 870·log10(submit):
//   a: submit 100,  requested 1000, procs 4 → 3·4 + 870·2 = 1752   (F1 rank 1)
//   b: submit 10,   requested 10,   procs 8 → 1·8 + 870·1 = 878    (F1 rank 0)
//   c: submit 1000, requested 100,  procs 2 → 2·2 + 870·3 = 2614   (F1 rank 2)
const jobs = [makeJob(F1_KEY, 100, 1000, 1000, 4, 0, 0), makeJob(F1_KEY, 10, 10, 10, 8, 1, 1), makeJob(F1_KEY, 1000, 100, 100, 2, 2, 2)];
// Two base features per row; column 0 is log-wait (5, 7, 1), column 1 a marker that must be copied.
const base = Float64Array.from([5, 0.1, 7, 0.2, 1, 0.3]);
const F = 2;
const W = F + CONTEXT_FEATURES.length;
const col = (x: Float64Array, name: string): number[] => [0, 1, 2].map((j) => x[j * W + F + CONTEXT_FEATURES.indexOf(name)] as number);

describe('bench/imitate/context: the fifteenth round’s context features (hand-checked)', () => {
  it('copies the base rows and computes each context feature over the candidate set (free width 10)', () => {
    const x = withContext(base, F, jobs, { free: 10 });
    expect(x.length).toBe(3 * W);
    expect([0, 1, 2].map((j) => [x[j * W], x[j * W + 1]])).toEqual([
      [5, 0.1],
      [7, 0.2],
      [1, 0.3],
    ]);
    expect(col(x, 'f1-rank')).toEqual([Math.log1p(1), 0, Math.log1p(2)]);
    const gap = col(x, 'f1-gap');
    expect(gap[0]).toBeCloseTo(Math.log1p(874), 12);
    expect(gap[1]).toBe(0);
    expect(gap[2]).toBeCloseTo(Math.log1p(1736), 12);
    const rel = col(x, 'log-rel-requested');
    expect(rel[0]).toBeCloseTo(Math.log(100), 12);
    expect(rel[1]).toBe(0);
    expect(rel[2]).toBeCloseTo(Math.log(10), 12);
    expect(col(x, 'rel-wait')).toEqual([-2, 0, -6]);
    // a (4) leaves 6: c (2) fits, b (8) does not → 1/2; b (8) leaves 2: c → 1/2; c (2) leaves 8: a and b → 2/2.
    expect(col(x, 'others-fit-after')).toEqual([0.5, 0.5, 1]);
    expect(col(x, 'log-delay-imposed')).toEqual([Math.log1p(2000), Math.log1p(20), Math.log1p(200)]);
    expect(col(x, 'fits-share')).toEqual([1, 1, 1]);
  });

  it('a candidate that does not fit leaves no room for others; fits-share counts only those that fit (free width 5)', () => {
    const x = withContext(base, F, jobs, { free: 5 });
    // a (4) leaves 1: nobody; b (8) does not fit: 0; c (2) leaves 3: none of a (4), b (8).
    expect(col(x, 'others-fit-after')).toEqual([0, 0, 0]);
    expect(col(x, 'fits-share')).toEqual([2 / 3, 2 / 3, 2 / 3]);
  });

  it('equal widths: a job does not count itself, but counts another of its width', () => {
    const two = [makeJob(F1_KEY, 1, 10, 10, 3, 0, 0), makeJob(F1_KEY, 2, 10, 10, 3, 1, 1)];
    const x = withContext(Float64Array.from([0, 0]), 1, two, { free: 6 });
    const w = 1 + CONTEXT_FEATURES.length;
    const at = CONTEXT_FEATURES.indexOf('others-fit-after');
    expect([x[1 + at], x[w + 1 + at]]).toEqual([1, 1]);
    expect(withContext(Float64Array.from([0, 0]), 1, two, { free: 5 })[1 + at]).toBe(0);
  });
});

describe('learned-queue with the context features: production computes the probe’s rows', () => {
  it('a hidden-layer model plays a window with bit-identical rows here and in the main simulator', async () => {
    const rng = new Rng('context-test:net');
    const F = QUEUE_FEATURES_CONTEXT.length;
    const H = 6;
    const model: PolicyNetFile = {
      format: 1,
      kind: 'queue',
      name: 'random-context',
      features: QUEUE_FEATURES_CONTEXT,
      scaling: { mean: new Array<number>(F).fill(0), std: new Array<number>(F).fill(1) },
      layers: [
        { weights: Array.from({ length: H * F }, () => rng.normal(0, 0.5)), bias: Array.from({ length: H }, () => rng.normal(0, 0.1)), activation: 'tanh' },
        { weights: Array.from({ length: H }, () => rng.normal(0, 1)), bias: [0], activation: 'linear' },
      ],
    };
    expect(QUEUE_FEATURES_CONTEXT).toEqual([...QUEUE_FEATURES_TIME_TO_FIT, ...CONTEXT_FEATURES]);
    const net = new PolicyNet(model);
    const base = QUEUE_FEATURES_TIME_TO_FIT.length;
    const log = lublinLog({ machine: 256, machineSource: 'option', header: { file: 'model', lines: [], fields: new Map() } }, 1024, 'context-test:window').jobs;
    const ours: Float64Array[] = [];
    const sim = new Sim(256, false, studentChooser(net, F, ours, (s, js) => withContext(candidateFeatures(s, js, base), base, js, s)));
    sim.run(log.map((j, i) => makeJob(F1_KEY, j.submit, j.run, j.requested, j.procs, i, i)));
    const theirs: Float64Array[] = [];
    const main = await replaySwfWindow(log, 0, 1024, 256, new LearnedQueue(net, { chooser: recordingChooser(F, theirs) }));
    expect(ours.length).toBeGreaterThan(100);
    expect(ours.length).toBe(theirs.length);
    ours.forEach((x, d) => expect(Array.from(x)).toEqual(Array.from(theirs[d] as Float64Array)));
    expect(sim.cost / 1024).toBeCloseTo(main.boundedSlowdown, 9);
  }, 30_000);
});
