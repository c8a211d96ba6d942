import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agreement, Decisions, fit, Student } from '../../bench/imitate/fit.js';
import { makeJob, recordingChooser, Sim, studentChooser } from '../../bench/imitate/sim.js';
import { PolicyNet, validatePolicyNetFile, type PolicyNetFile } from '../../src/core/policy-net.js';
import { Rng } from '../../src/core/rng.js';
import { lublinLog } from '../../src/learn/lublin-log.js';
import { replaySwfWindow } from '../../src/learn/sim-adapter.js';
import { F1_KEY } from '../../src/queue/keys.js';
import { LearnedQueue, QUEUE_FEATURES_TIME_TO_FIT } from '../../src/queue/learned-queue.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Decisions over F random features whose label is the argmax of w · x (a target a linear scorer represents). */
function linearTarget(w: readonly number[], count: number, seed: string): Decisions {
  const rng = new Rng(seed);
  const F = w.length;
  const d = new Decisions(F);
  for (let i = 0; i < count; i++) {
    const n = 2 + rng.int(15);
    const x = new Float64Array(n * F);
    let best = 0;
    let bestS = -Infinity;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let f = 0; f < F; f++) {
        x[j * F + f] = rng.normal(3 * f, 1 + f);
        s += (w[f] as number) * (x[j * F + f] as number);
      }
      if (s > bestS) {
        bestS = s;
        best = j;
      }
    }
    d.add(x, n, best);
  }
  return d;
}

describe('bench/learn-imitate: the student', () => {
  const w = [1.5, -2, 0.5, 0];
  const train = linearTarget(w, 1500, 'imitate-test:train');
  const held = linearTarget(w, 500, 'imitate-test:held');

  it('cross-entropy fitting recovers a linear scorer’s choices (linear and one tanh layer)', () => {
    const before = agreement(new Student(4, 0, { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] }), held).top1;
    const lin = fit(train, { hidden: 0, epochs: 15, batch: 32, learningRate: 0.05, l2: 0, seed: 't' });
    const hid = fit(train, { hidden: 4, epochs: 15, batch: 32, learningRate: 0.02, l2: 0, seed: 't' });
    expect(before).toBeLessThan(0.5);
    expect(agreement(lin, held).top1).toBeGreaterThan(0.95);
    expect(agreement(hid, held).top1).toBeGreaterThan(0.9);
    // The loss went down: a fitted student's cross-entropy is far below the uniform guess's.
    expect(agreement(lin, held).ce).toBeLessThan(0.3);
  });

  it('its PolicyNet file scores as the student does (production forward pass, valid file)', () => {
    for (const hidden of [0, 4]) {
      const s = fit(train, { hidden, epochs: 2, batch: 32, learningRate: 0.05, l2: 0, seed: 'f' });
      const file = validatePolicyNetFile(JSON.parse(JSON.stringify(s.file('t', ['a', 'b', 'c', 'd'], {}))), 't.json', { kind: 'queue' });
      const net = new PolicyNet(file);
      const n = held.n[0] as number;
      const out = new Float64Array(n);
      s.scores(held.rows, held.offset[0] as number, n, out);
      const off = (held.offset[0] as number) * 4;
      for (let j = 0; j < n; j++) expect(net.score(held.rows.slice(off, off + n * 4), j * 4)).toBeCloseTo(out[j] as number, 12);
    }
  });
});

describe('bench/learn-imitate: this simulator sees what production sees', () => {
  it('a scorer plays the same window with the same features here and in the main simulator', async () => {
    const rng = new Rng('imitate-test:net');
    const F = QUEUE_FEATURES_TIME_TO_FIT.length;
    const model: PolicyNetFile = {
      format: 1,
      kind: 'queue',
      name: 'random',
      features: QUEUE_FEATURES_TIME_TO_FIT,
      scaling: { mean: new Array<number>(F).fill(0), std: new Array<number>(F).fill(1) },
      layers: [{ weights: Array.from({ length: F }, () => rng.normal(0, 1)), bias: [0], activation: 'linear' }],
    };
    const net = new PolicyNet(model);
    const log = lublinLog({ machine: 256, machineSource: 'option', header: { file: 'model', lines: [], fields: new Map() } }, 1024, 'imitate-test:window').jobs;
    const ours: Float64Array[] = [];
    const sim = new Sim(256, false, studentChooser(net, F, ours));
    sim.run(log.map((j, i) => makeJob(F1_KEY, j.submit, j.run, j.requested, j.procs, i, i)));
    const theirs: Float64Array[] = [];
    const q = new LearnedQueue(net, { chooser: recordingChooser(F, theirs) });
    const main = await replaySwfWindow(log, 0, 1024, 256, q);
    expect(ours.length).toBeGreaterThan(100);
    expect(ours.length).toBe(theirs.length);
    ours.forEach((x, d) => expect(Array.from(x)).toEqual(Array.from(theirs[d] as Float64Array)));
    expect(sim.cost / 1024).toBeCloseTo(main.boundedSlowdown, 9);
  }, 30_000);
});

describe('bench/learn-imitate: user mistakes', () => {
  // No data folder: a check that lets a mistake through fails fast on the missing log instead of running the probe.
  const run = (args: string[]): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/learn-imitate.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DRS_DATA_DIR: path.join(ROOT, 'no-such-data') } });
    return { status: r.status, stderr: r.stderr };
  };
  it('a bad count or an output folder under models/ is one line and exit 2', () => {
    expect(run(['--train', 'x'])).toEqual({ status: 2, stderr: "--train must be a whole number, got 'x'\n" });
    expect(run(['--probe-windows', '5'])).toEqual({ status: 2, stderr: '--probe-windows must be at least 10, got 5\n' });
    expect(run(['--out', 'models/queue/try'])).toEqual({ status: 2, stderr: '--out models/queue/try: the students are not shipped models; write them outside models/ (default /tmp/drs-imitate)\n' });
    expect(run(['--bogus']).stderr).toBe("bench/learn-imitate.ts: Unknown option '--bogus'\n");
  }, 60_000);
});
