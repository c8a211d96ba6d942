/**
 * The ONE place where src/learn calls the simulator. Everything the environment, the trainer and
 * the evaluation need from it goes through these functions, so when the scheduling pass moves
 * (src/engine) or the SWF reference-protocol evaluation moves onto the main simulator, only this
 * file changes.
 *
 * - `replaySwfWindow`: one window of an SWF log on one machine of N processors (a single node of
 *   N cpus), driven by the generic simulator `replay()` with any `QueuePolicy` (the learned one
 *   included) and first-fit placement; returns the window's mean bounded slowdown
 *   max(1, (wait + run) / max(run, 10)), the reference protocol's score.
 * - `replayReferenceWindow`: the same window through the exact reference-protocol replay
 *   (src/sim/batch) for the classical orders (FCFS, SJF, F1), to report them in the same run.
 * - `replayScenario`: a built scenario with a given allocator and queue (agent fleet, GPU pool).
 */
import { createAllocator } from '../algorithms/registry.js';
import type { Allocator } from '../algorithms/allocator.js';
import type { PoolSpec, Request } from '../core/model.js';
import { ResourceSpace } from '../core/resources.js';
import type { QueuePolicy } from '../queue/policy.js';
import { ORDER_KEYS, type OrderKeyName } from '../queue/keys.js';
import { replayWindow, type BackfillMode } from '../sim/batch/replay.js';
import type { BatchJob, BatchWorkload } from '../sim/batch/workload.js';
import { loadBatchWorkload } from '../sim/batch/workload.js';
import { EV } from '../sim/log.js';
import { replay } from '../sim/replay.js';

export type { BatchJob, BatchWorkload, BackfillMode };
export { loadBatchWorkload };

export interface WindowScore {
  readonly start: number;
  readonly length: number;
  readonly boundedSlowdown: number;
}

const SWF_SPACE = new ResourceSpace(['cpu']);

/** Jobs[start, start+length) as requests arriving from time 0 (the window's first submit). */
export function windowRequests(jobs: readonly BatchJob[], start: number, length: number): Request[] {
  const t0 = (jobs[start] as BatchJob).submit;
  const out: Request[] = [];
  for (let i = start; i < start + length; i++) {
    const j = jobs[i] as BatchJob;
    out.push({ id: String(i), tenant: 'swf', arrival: j.submit - t0, demand: [j.procs], duration: j.run, requestedDuration: Math.max(0, j.requested), priority: 'medium' });
  }
  return out;
}

function machinePool(machine: number): PoolSpec {
  return { name: 'machine', capacity: [machine], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 0, latencyMs: 0, bootSeconds: 0, labels: {} };
}

/**
 * Replay one SWF window through the generic simulator with `queue` (its backfill, if any, is the
 * generic one of src/queue) and first-fit placement on one node of `machine` cpus.
 */
export async function replaySwfWindow(jobs: readonly BatchJob[], start: number, length: number, machine: number, queue: QueuePolicy, seed = 1): Promise<WindowScore> {
  const requests = windowRequests(jobs, start, length);
  const out = await replay({ space: SWF_SPACE, pools: [machinePool(machine)], requests, allocator: createAllocator({ name: 'first-fit' }), queue, seed });
  const started = new Float64Array(length).fill(NaN);
  const log = out.log;
  for (let e = 0; e < log.length; e++) if (log.kind(e) === EV.start) started[log.ref(e)] = log.time(e);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const r = requests[i] as Request;
    const s = started[i] as number;
    if (Number.isNaN(s)) throw new Error(`learn: job ${r.id} of window ${start} never started (queue ${queue.name})`);
    sum += Math.max(1, (s - r.arrival + r.duration) / Math.max(r.duration, 10));
  }
  return { start, length, boundedSlowdown: sum / length };
}

/** The exact reference-protocol replay of one window with a classical order. */
export function replayReferenceWindow(workload: BatchWorkload, start: number, length: number, order: OrderKeyName, backfill: BackfillMode): WindowScore {
  const r = replayWindow(workload.jobs, start, length, { machine: workload.machine, order: ORDER_KEYS[order], backfill, headOfLine: 'commit' });
  return { start, length, boundedSlowdown: r.boundedSlowdown };
}

export interface ScenarioRun {
  readonly space: ResourceSpace;
  readonly pools: readonly PoolSpec[];
  readonly requests: readonly Request[];
}

/** Replay a scenario's requests with an allocator and a queue; returns the simulator's outcome. */
export async function replayScenario(run: ScenarioRun, allocator: Allocator, queue: QueuePolicy, seed: number): Promise<Awaited<ReturnType<typeof replay>>> {
  return replay({ space: run.space, pools: run.pools, requests: run.requests, allocator, queue, seed });
}
