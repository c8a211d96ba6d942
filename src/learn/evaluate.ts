import { PolicyNet, type PolicyNetFile } from '../core/policy-net.js';
import { createQueuePolicy } from '../queue/registry.js';
import { LearnedQueue } from '../queue/learned-queue.js';
import type { QueuePolicy } from '../queue/policy.js';
import { replayReferenceWindow, replaySwfWindow, type BatchWorkload } from './sim-adapter.js';

/**
 * Evaluation of a queue model on an SWF log, in one run, beside the classical orders:
 *
 * - `reference`: FCFS, SJF and F1 through the exact reference-protocol replay (src/sim/batch),
 *   which reproduces RLScheduler's published table;
 * - `simulator`: the learned queue and FCFS, SJF, F1 through the simulator's scheduling pass
 *   (`replay()`, the path the learned policy runs on), head-of-line `commit`, with no backfilling
 *   and with the simulator's EASY backfilling.
 *
 * Without backfilling the two paths agree exactly for FCFS and SJF (F1 differs: the simulator's
 * F1 takes the arrival time from the window's start, the protocol the logged absolute submit
 * time). The simulator's EASY differs from the protocol's (the reservation is recomputed at every
 * pass and has the extra-capacity rule), so EASY figures are compared within one path.
 */
export type Mode = 'none' | 'easy';
const MODES: readonly Mode[] = ['none', 'easy'];
const CLASSIC = ['fcfs', 'sjf', 'f1'] as const;

export interface QueueEvaluation {
  readonly trace: string;
  readonly windows: readonly number[];
  readonly length: number;
  /** Mean bounded slowdown per policy and backfill mode. */
  readonly simulator: Record<string, Record<Mode, number>>;
  readonly reference: Record<string, Record<Mode, number>>;
  /** Per-window bounded slowdown of the learned queue. */
  readonly learnedPerWindow: Record<Mode, number[]>;
}

async function meanOver(workload: BatchWorkload, windows: readonly number[], length: number, make: () => QueuePolicy): Promise<number[]> {
  const out: number[] = [];
  for (const w of windows) out.push((await replaySwfWindow(workload.jobs, w, length, workload.machine, make())).boundedSlowdown);
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function evaluateQueueModel(model: PolicyNetFile | PolicyNet, workload: BatchWorkload, windows: readonly number[], length: number): Promise<QueueEvaluation> {
  const net = model instanceof PolicyNet ? model : new PolicyNet(model);
  const simulator: Record<string, Record<Mode, number>> = {};
  const reference: Record<string, Record<Mode, number>> = {};
  const learnedPerWindow = { none: [] as number[], easy: [] as number[] };
  const name = `learned-queue:${net.model.name}`;
  simulator[name] = { none: NaN, easy: NaN };
  for (const mode of MODES) {
    const per = await meanOver(workload, windows, length, () => {
      const backfill = mode === 'easy' ? createQueuePolicy('fcfs', { backfill: 'easy' }).backfill : undefined;
      return new LearnedQueue(net, backfill === undefined ? {} : { backfill });
    });
    learnedPerWindow[mode] = per;
    (simulator[name] as Record<Mode, number>)[mode] = mean(per);
  }
  for (const p of CLASSIC) {
    simulator[p] = { none: NaN, easy: NaN };
    reference[p] = { none: NaN, easy: NaN };
    for (const mode of MODES) {
      (simulator[p] as Record<Mode, number>)[mode] = mean(await meanOver(workload, windows, length, () => createQueuePolicy(p, { headOfLine: 'commit', ...(mode === 'easy' ? { backfill: 'easy' } : {}) })));
      (reference[p] as Record<Mode, number>)[mode] = mean(windows.map((w) => replayReferenceWindow(workload, w, length, p, mode).boundedSlowdown));
    }
  }
  return { trace: workload.file, windows, length, simulator, reference, learnedPerWindow };
}
