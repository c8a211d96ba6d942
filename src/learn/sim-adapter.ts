/**
 * The ONE place where src/learn calls the simulator. Everything the environment, the trainer and
 * the evaluation need from it goes through these functions, so when the simulator's entry points
 * move, only this file changes.
 *
 * - `replaySwfWindow`: one window of an SWF log under the HPC reference protocol on the main
 *   simulator (`src/sim/reference/protocol.ts`: `replay()` with one node of N cpus, head-of-line
 *   commit, arrivals before completions at equal times, a pass after every event) with any
 *   `QueuePolicy`, the learned one included; returns the window's mean bounded slowdown
 *   max(1, (wait + run) / max(run, 10)), the protocol's score.
 * - `protocolBackfill(mode)`: the backfilling the protocol prescribes (EASY: `REFERENCE_EASY`).
 * - `classicPolicy(order, mode)`: the protocol's FCFS/SJF/F1 policies, to measure them in the same run.
 * - `runScenario`: a built scenario (agent fleet, GPU pool) with a given allocator and the
 *   scenario's queue policy; returns the run's metrics.
 */
import type { Allocator } from '../algorithms/allocator.js';
import type { BackfillPolicy, QueuePolicy } from '../queue/policy.js';
import type { OrderKeyName } from '../queue/keys.js';
import { compareStrategies, type ComparisonInput } from '../sim/compare.js';
import type { RunMetrics } from '../sim/metrics.js';
import { referencePolicy, replayReferenceWindow, type BackfillMode } from '../sim/reference/protocol.js';
import { loadBatchWorkload, type BatchJob, type BatchWorkload } from '../sim/reference/workload.js';

export type { BatchJob, BatchWorkload, BackfillMode, ComparisonInput, RunMetrics };
export { loadBatchWorkload };

export interface WindowScore {
  readonly start: number;
  readonly length: number;
  readonly boundedSlowdown: number;
}

/** Replay one SWF window under the reference protocol with `queue` (a fresh object per window). */
export async function replaySwfWindow(jobs: readonly BatchJob[], start: number, length: number, machine: number, queue: QueuePolicy): Promise<WindowScore> {
  const r = await replayReferenceWindow(jobs, start, length, machine, { queue: () => queue });
  return { start, length, boundedSlowdown: r.boundedSlowdown };
}

/** The protocol's backfilling for a mode (undefined: none). */
export function protocolBackfill(mode: BackfillMode): BackfillPolicy | undefined {
  return referencePolicy('fcfs', mode).backfill;
}

/** The protocol's policy for a classical order. */
export function classicPolicy(order: OrderKeyName, mode: BackfillMode): QueuePolicy {
  return referencePolicy(order, mode);
}

/**
 * Run a scenario (as `buildScenario` gives it) with `allocator` and the scenario's queue policy
 * (that of its first strategy), optionally cut at `horizon` seconds; returns the run's metrics.
 * A strategy failure is rethrown (training must not silently skip an episode).
 */
export async function runScenario(input: ComparisonInput, label: string, allocator: () => Allocator, horizon?: number): Promise<RunMetrics> {
  const first = input.strategies[0];
  if (first === undefined) throw new Error('learn: the scenario has no strategy to take the queue policy from');
  const res = await compareStrategies({
    ...input,
    ...(horizon === undefined ? {} : { horizon }),
    strategies: [{ label, allocator, queue: first.queue, ...(first.scaling === undefined ? {} : { scaling: first.scaling }) }],
  });
  const r = res.results[0];
  if (r === undefined || r.state !== 'completed') throw new Error(`learn: scenario run with ${label} failed: ${r?.state === 'failed' ? r.error : 'no result'}`);
  return r.metrics;
}
