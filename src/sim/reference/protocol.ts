import type { Allocator } from '../../algorithms/allocator.js';
import { createAllocator } from '../../algorithms/registry.js';
import { UserError } from '../../core/errors.js';
import type { PoolSpec, Request } from '../../core/model.js';
import { ResourceSpace } from '../../core/resources.js';
import { conservativeBackfill } from '../../queue/conservative.js';
import { easyBackfill, REFERENCE_EASY } from '../../queue/easy.js';
import { keyedPolicy } from '../../queue/keyed.js';
import { ORDER_KEYS, type OrderKeyName } from '../../queue/keys.js';
import type { BackfillPolicy, QueuePolicy } from '../../queue/policy.js';
import { EV } from '../log.js';
import { replay, type ReplayOutcome } from '../replay.js';
import type { BatchJob, BatchWorkload } from './workload.js';

/**
 * The HPC batch protocol of `../shared/reference/batch-scheduling.md` (RLScheduler, SC'20) on
 * the MAIN simulator: each window of consecutive jobs is replayed by `replay()` (the engine's
 * one scheduling pass) on one node of N processors, with a generic queue policy.
 *
 * The protocol is a configuration, not a second simulator:
 *  - the machine: one pool, one node, capacity N in the single dimension `cpu`;
 *  - a job: arrival = submit time, demand = processors, duration = actual run time,
 *    requestedDuration = requested time; first-fit places it (there is one node);
 *  - the queue: the order key (`src/queue/keys.ts`), head-of-line blocking, `headOfLine: commit`
 *    (the chosen head stays the head until it starts), and EASY backfilling with the reference
 *    preset `REFERENCE_EASY` (reservation once per head, no extra-capacity rule, candidates in
 *    submit order) or conservative backfilling;
 *  - time: an arrival at the same time as a completion comes first (`ties: 'arrivals-first'`)
 *    and the pass runs after every event (`passes: 'per-event'`);
 *  - order: jobs arrive in job-number order; one submitted before a job above it in its window
 *    arrives late, at the clock (`lateArrivals: 'now'`), keeping its submit time (`lateJobs`).
 *
 * Per-job score: bounded slowdown max(1, (wait + run) / max(run, τ)), τ = 10 s, actual run time;
 * a window's value is the mean over its jobs. Utilization (ours; the protocol defines none):
 * processor-seconds of the window's jobs ÷ (N × (last end − the first job's submit)).
 */
export type BackfillMode = 'none' | 'easy' | 'conservative';
export const BACKFILL_MODES: readonly BackfillMode[] = ['none', 'easy', 'conservative'];

/** Window starts of the protocol (0-based job indexes) and their length. */
export const REFERENCE_WINDOWS: readonly number[] = [1981, 2756, 4299, 8850, 3316, 2714, 5228, 7762, 4022, 7085];
export const REFERENCE_LENGTH = 1024;

export interface ProtocolOptions {
  /**
   * A fresh queue policy for each window (it may keep per-run state). Default: the reference
   * policy of `order`/`backfill`/`headOfLine` (`referencePolicy`).
   */
  readonly queue?: () => QueuePolicy;
  readonly order?: OrderKeyName;
  readonly backfill?: BackfillMode;
  readonly headOfLine?: 'commit' | 'reorder';
  /** A fresh allocator per window (default first-fit; there is one node). */
  readonly allocator?: () => Allocator;
  /** Bounded-slowdown threshold, seconds (default 10). */
  readonly tau?: number;
  /**
   * The machine as a pool (a scenario's, for its name and price): one node whose capacity is
   * `[machine]`. Default: a pool named `machine`, price 0.
   */
  readonly pool?: PoolSpec;
  /** The replay's seed (default 1; only a randomised allocator would read it). */
  readonly seed?: number | string;
  /** Called every few thousand arrivals of a window (the replay's `onProgress`): for progress output on long windows. */
  readonly onProgress?: (arrivals: number, now: number) => void;
  /** Called after each window with its score and the replay's outcome (its event log). */
  readonly onWindow?: (window: WindowResult, outcome: ReplayOutcome) => void | Promise<void>;
}

export interface WindowResult {
  /** Index of the window's first job. */
  readonly start: number;
  readonly length: number;
  /** Mean bounded slowdown over the window's jobs. */
  readonly boundedSlowdown: number;
  /** Processor-seconds used ÷ (N × (last end − the window's first job's submit, where its clock starts)). */
  readonly utilization: number;
  /** Mean wait, seconds. */
  readonly meanWait: number;
  /** Last end − the window's first job's submit, seconds. */
  readonly makespan: number;
  /** Jobs of the window whose width was clamped to the machine. */
  readonly clamped: number;
  /** Start time of each job of the window (index i ↔ job start + i). */
  readonly startTimes: Float64Array;
}

export interface SequenceResult {
  readonly windows: readonly WindowResult[];
  readonly meanBoundedSlowdown: number;
  readonly meanUtilization: number;
}

/** The generic queue policy the protocol prescribes for an order and a backfill mode. */
export function referencePolicy(order: OrderKeyName, backfill: BackfillMode = 'none', headOfLine: 'commit' | 'reorder' = 'commit'): QueuePolicy {
  let b: BackfillPolicy | undefined;
  if (backfill === 'easy') b = easyBackfill(REFERENCE_EASY);
  else if (backfill === 'conservative') b = conservativeBackfill();
  return keyedPolicy(ORDER_KEYS[order], { blocking: true, headOfLine, ...(b === undefined ? {} : { backfill: b }) });
}

const SPACE = new ResourceSpace(['cpu']);

/** Request for a job (id = the SWF job number). */
export function jobRequest(j: BatchJob): Request {
  return { id: String(j.id), tenant: 'swf', arrival: j.submit, demand: [j.procs], duration: j.run, requestedDuration: j.requested, priority: 'medium' };
}

/** `count` consecutive, non-overlapping windows from `start`: start, start + length, ... */
export function consecutiveWindows(start: number, length: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => start + k * length);
}

/**
 * Check windows against a trace of `jobCount` jobs: every start a non-negative integer and every
 * window inside the trace. Throws UserError naming the window and the trace length.
 */
export function checkWindows(starts: readonly number[], length: number, jobCount: number, file?: string): void {
  const loc = file === undefined ? {} : { file };
  if (!Number.isInteger(length) || length < 1) throw new UserError(`window length must be a positive integer, got ${length}`, { ...loc, field: 'length' });
  if (starts.length === 0) throw new UserError('no windows given', { ...loc, field: 'windows' });
  for (const s of starts) {
    if (!Number.isInteger(s) || s < 0) throw new UserError(`window start ${s} is not a job index (an integer ≥ 0)`, { ...loc, field: 'windows' });
    if (s + length > jobCount) {
      throw new UserError(
        `window starting at job ${s} needs jobs ${s}..${s + length - 1}, but the trace has only ${jobCount} usable jobs (indexes 0..${jobCount - 1}); ${
          length <= jobCount ? `the last window of ${length} jobs may start at ${jobCount - length}` : `a window of ${length} jobs is longer than the trace`
        }`,
        { ...loc, field: length <= jobCount ? 'windows' : 'length' },
      );
    }
  }
}

/**
 * Jobs of the windows submitted before a job that comes earlier in job-number order in the same
 * window (the log's numbering and submit order disagree there), per window start; windows without
 * any are left out. The replay keeps job-number order: such a job enters the queue when the job
 * before it does (at the latest submit time so far in its window, or later when that job came
 * later), and its wait, its keys (FCFS, SJF's tie, F1's age) and its bounded slowdown count
 * from its logged submit time, as the reference simulator's do. A window's clock still starts at
 * its first job's submit time.
 */
export function lateJobs(workload: BatchWorkload, starts: readonly number[], length: number): { start: number; jobs: number }[] {
  const out: { start: number; jobs: number }[] = [];
  for (const s of starts) {
    let latest = -Infinity;
    let late = 0;
    for (let i = s; i < s + length; i++) {
      const submit = (workload.jobs[i] as BatchJob).submit;
      if (submit < latest) late++;
      else latest = submit;
    }
    if (late > 0) out.push({ start: s, jobs: late });
  }
  return out;
}

/** The note on `lateJobs` for the output of the commands that replay windows (empty when none). */
export function lateNotes(workload: BatchWorkload, starts: readonly number[], length: number): string[] {
  const late = lateJobs(workload, starts, length);
  if (late.length === 0) return [];
  const n = late.reduce((a, w) => a + w.jobs, 0);
  return [
    `${n} job(s) in ${late.length} window(s) are submitted before a job with a lower number in their window: the replay keeps job-number order, so each enters the queue with the job above it, at the clock, and its wait counts from its own submit time, as the reference simulator does`,
  ];
}

/** Replay jobs[start, start + length) on an empty machine of `machine` processors. */
export async function replayReferenceWindow(jobs: readonly BatchJob[], start: number, length: number, machine: number, opts: ProtocolOptions = {}): Promise<WindowResult> {
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(length) || length < 1 || start + length > jobs.length) {
    throw new RangeError(`window [${start}, ${start + length}) is not inside the ${jobs.length} jobs`);
  }
  if (!Number.isInteger(machine) || machine < 1) throw new RangeError(`machine size must be a positive integer, got ${machine}`);
  const window = jobs.slice(start, start + length);
  for (const j of window) if (j.procs > machine) throw new RangeError(`job index ${j.index} needs ${j.procs} processors, more than the machine's ${machine}`);
  const pool: PoolSpec = opts.pool ?? { name: 'machine', capacity: [machine], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 0, latencyMs: 0, bootSeconds: 0, labels: {} };
  if (pool.capacity.length !== 1 || pool.capacity[0] !== machine || pool.nodes.min !== 1 || pool.nodes.max !== 1 || pool.nodes.initial !== 1) {
    throw new RangeError(`the protocol's machine is one node of ${machine} processors; pool '${pool.name}' is not`);
  }
  const queue = opts.queue?.() ?? referencePolicy(opts.order ?? 'fcfs', opts.backfill ?? 'none', opts.headOfLine ?? 'commit');
  const out = await replay({
    space: SPACE,
    pools: [pool],
    requests: window.map(jobRequest),
    allocator: opts.allocator?.() ?? createAllocator({ name: 'first-fit' }),
    queue,
    seed: opts.seed ?? 1,
    ties: 'arrivals-first',
    passes: 'per-event',
    // Job-number order is the protocol's, even where submit times go back (see lateJobs).
    lateArrivals: 'now',
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
  });
  const startTimes = new Float64Array(length).fill(NaN);
  const { log } = out;
  for (let i = 0; i < log.length; i++) if (log.kind(i) === EV.start) startTimes[log.ref(i)] = log.time(i);
  const result = score(window, start, machine, startTimes, opts.tau ?? 10);
  await opts.onWindow?.(result, out);
  return result;
}

function score(window: readonly BatchJob[], start: number, machine: number, startTimes: Float64Array, tau: number): WindowResult {
  let bsld = 0;
  let wait = 0;
  let work = 0;
  let lastEnd = -Infinity;
  let clamped = 0;
  const firstSubmit = (window[0] as BatchJob).submit;
  window.forEach((j, i) => {
    const s = startTimes[i] as number;
    if (Number.isNaN(s)) throw new Error(`reference replay: job ${j.id} never started`);
    const w = s - j.submit;
    bsld += Math.max(1, (w + j.run) / Math.max(j.run, tau));
    wait += w;
    work += j.procs * j.run;
    lastEnd = Math.max(lastEnd, s + j.run);
    if (j.clamped) clamped++;
  });
  const n = window.length;
  const makespan = lastEnd - firstSubmit;
  return { start, length: n, boundedSlowdown: bsld / n, utilization: makespan > 0 ? work / (machine * makespan) : 0, meanWait: wait / n, makespan, clamped, startTimes };
}

/** Replay each window independently (empty machine each time) and average: the protocol's table value. */
export async function replayReferenceWindows(workload: BatchWorkload, starts: readonly number[], length: number, opts: ProtocolOptions = {}): Promise<SequenceResult> {
  checkWindows(starts, length, workload.jobs.length, workload.file);
  const windows: WindowResult[] = [];
  for (const s of starts) windows.push(await replayReferenceWindow(workload.jobs, s, length, workload.machine, opts));
  const mean = (f: (w: WindowResult) => number): number => windows.reduce((a, w) => a + f(w), 0) / windows.length;
  return { windows, meanBoundedSlowdown: mean((w) => w.boundedSlowdown), meanUtilization: mean((w) => w.utilization) };
}
