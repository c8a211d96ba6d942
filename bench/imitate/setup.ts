/**
 * What the imitation probes (bench/learn-imitate.ts, bench/learn-context.ts) share: the window size
 * and machine, the rollout teacher of the fourteenth round (sampled, K 4, 8 drawn futures of 32
 * arrivals from Lublin-1's training part), the `imitate-train` windows (BC, held-out, then one chunk
 * per DAgger iteration), the shipped lublin-1 scorer, and a progress clock on stderr.
 */
import { loadPolicyNetFile, PolicyNet } from '../../src/core/policy-net.js';
import { Rng } from '../../src/core/rng.js';
import { lublinLog } from '../../src/learn/lublin-log.js';
import { loadBatchWorkload, type BatchJob } from '../../src/learn/sim-adapter.js';
import { QUEUE_FEATURE_SETS } from '../../src/queue/learned-queue.js';
import { dataFile, intArg } from '../usage.js';
import { rolloutChooser, sampledFutures, type Chooser } from './sim.js';

export const L = 1024;
export const NODES = 256;
export const K = 4;
export const SAMPLES = 8;
export const FUTURE = 32;
/** The target's margin over F1 on Lublin-1 without backfilling (%): 10-window sets at least this far ahead. */
export const AHEAD = 1.43;
export const TRAIN_SEED = 'imitate-train';
/** Lublin-1's training part (its evaluation windows start at job 1981): the drawn futures' source. */
const TRAIN_END = 1981;

const HEADER = { machine: NODES, machineSource: 'option' as const, header: { file: 'Lublin–Feitelson model', lines: [], fields: new Map() } };

/** `count` windows of L jobs drawn from the Lublin–Feitelson model for NODES nodes with `seed`. */
export function modelLog(count: number, seed: string): readonly BatchJob[] {
  return lublinLog(HEADER, count * L, seed).jobs;
}
export const slice = (log: readonly BatchJob[], w: number): BatchJob[] => log.slice(w * L, (w + 1) * L);
export const range = (a: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + i);

/** The imitate-train windows: BC, held-out, then `dagger` chunks of `daggerWindows`. */
export function trainWindows(train: number, held: number, dagger: number, daggerWindows: number) {
  return {
    log: modelLog(train + held + dagger * daggerWindows, TRAIN_SEED),
    train: range(0, train),
    held: range(train, held),
    dagger: (it: number): number[] => range(train + held + (it - 1) * daggerWindows, daggerWindows),
  };
}

/** The teacher of window w, its futures drawn with seed `imitate-train:future:TAG:w`. */
export async function lublinTeacher(): Promise<(w: number, tag: string) => Chooser> {
  const own = await loadBatchWorkload(dataFile('swf/lublin_256.swf.gz'));
  const trainPart = own.jobs.slice(0, TRAIN_END);
  const gaps = trainPart.slice(1).map((j, i) => j.submit - (trainPart[i] as BatchJob).submit);
  return (w, tag) => rolloutChooser(K, sampledFutures(new Rng(`${TRAIN_SEED}:future:${tag}:${w}`), trainPart, gaps, SAMPLES, FUTURE, NODES, L));
}

/** The shipped lublin-1 scorer and its feature list. */
export function shippedLublin1(): { net: PolicyNet; features: readonly string[] } {
  const file = loadPolicyNetFile('lublin-1', 'queue', QUEUE_FEATURE_SETS);
  return { net: new PolicyNet(file), features: file.features };
}

/** `say` prints a line on stderr after the seconds since the start; `summary` is the closing wall and CPU line. */
export function progressClock(): { say: (s: string) => void; clock: () => string; summary: () => string } {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const clock = (): string => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  return {
    clock,
    say: (s) => console.error(`[${clock()}] ${s}`),
    summary: () => {
      const cpu = process.cpuUsage(cpu0);
      return `wall ${clock()}, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s`;
    },
  };
}

/** The command-line options both probes take (parseArgs form); `probeCounts` reads them. */
export const PROBE_OPTIONS = {
  train: { type: 'string', default: '30' },
  heldout: { type: 'string', default: '10' },
  dagger: { type: 'string', default: '2' },
  'dagger-windows': { type: 'string', default: '15' },
  epochs: { type: 'string', default: '30' },
  'probe-windows': { type: 'string', default: '100' },
  'skip-score': { type: 'boolean', default: false },
} as const;

/** The window counts and epochs of PROBE_OPTIONS' values, checked (a bad one is one line and exit 2). */
export function probeCounts(o: { train: string; heldout: string; dagger: string; 'dagger-windows': string; epochs: string; 'probe-windows': string }) {
  return {
    nTrain: intArg('--train', o.train, 1),
    nHeld: intArg('--heldout', o.heldout, 1),
    nDagger: intArg('--dagger', o.dagger, 0),
    nDaggerWindows: intArg('--dagger-windows', o['dagger-windows'], 1),
    epochs: intArg('--epochs', o.epochs, 1),
    nProbe: intArg('--probe-windows', o['probe-windows'], 10),
  };
}
