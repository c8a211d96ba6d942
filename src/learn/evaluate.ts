import { PolicyNet, type PolicyNetFile } from '../core/policy-net.js';
import { LearnedQueue } from '../queue/learned-queue.js';
import type { QueuePolicy } from '../queue/policy.js';
import { classicPolicy, protocolBackfill, replaySwfWindow, type BatchWorkload } from './sim-adapter.js';

/**
 * Evaluation of a queue model on an SWF log under the reference protocol (main simulator), in one
 * run with FCFS, SJF and F1 (the protocol's policies, which reproduce RLScheduler's published
 * table), with no backfilling and with the protocol's EASY backfilling.
 */
export type Mode = 'none' | 'easy';
export const MODES: readonly Mode[] = ['none', 'easy'];
const CLASSIC = ['fcfs', 'sjf', 'f1'] as const;

export interface QueueEvaluation {
  readonly trace: string;
  readonly windows: readonly number[];
  readonly length: number;
  /** Mean bounded slowdown per policy and backfill mode. */
  readonly meanBoundedSlowdown: Record<string, Record<Mode, number>>;
  /** Per-window bounded slowdown of every policy. */
  readonly perWindow: Record<string, Record<Mode, number[]>>;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function learnedQueueFor(net: PolicyNet, mode: Mode): LearnedQueue {
  const backfill = protocolBackfill(mode);
  return new LearnedQueue(net, backfill === undefined ? {} : { backfill });
}

export async function evaluateQueueModel(model: PolicyNetFile | PolicyNet, workload: BatchWorkload, windows: readonly number[], length: number, withClassic = true): Promise<QueueEvaluation> {
  const net = model instanceof PolicyNet ? model : new PolicyNet(model);
  const policies: [string, (mode: Mode) => QueuePolicy][] = [
    [`learned-queue:${net.model.name}`, (mode) => learnedQueueFor(net, mode)],
    ...(withClassic ? CLASSIC.map((o): [string, (mode: Mode) => QueuePolicy] => [o, (mode) => classicPolicy(o, mode)]) : []),
  ];
  const meanBoundedSlowdown: Record<string, Record<Mode, number>> = {};
  const perWindow: Record<string, Record<Mode, number[]>> = {};
  for (const [name, make] of policies) {
    const per = { none: [] as number[], easy: [] as number[] };
    for (const mode of MODES) for (const w of windows) per[mode].push((await replaySwfWindow(workload.jobs, w, length, workload.machine, make(mode))).boundedSlowdown);
    perWindow[name] = per;
    meanBoundedSlowdown[name] = { none: mean(per.none), easy: mean(per.easy) };
  }
  return { trace: workload.file, windows, length, meanBoundedSlowdown, perWindow };
}
