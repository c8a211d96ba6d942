import { FCFS_KEY, sortByKey, type JobFacts, type OrderKey } from '../../queue/keys.js';
import { ResourceProfile } from '../../queue/profile.js';
import type { BatchJob } from './workload.js';

/**
 * HPC batch replay under the reference protocol of `../shared/reference/batch-scheduling.md`
 * (RLScheduler, SC'20): one machine of N processors, one job sequence (window), no other work.
 *
 * The loop, exactly as the protocol states it:
 *
 *  1. Sort the queue by the policy's key (`src/queue/keys.ts`; ties keep queue order, and the
 *     queue keeps the order of its last sort, as a Python list sorted in place would) and take the
 *     first job: the head. With `headOfLine: 'commit'` (the protocol) it stays the head until it
 *     starts, however the queue changes.
 *  2. If the head fits (procs ≤ free), start it now; then, if the queue is empty, move to the next
 *     arrival, handling on the way every completion that comes before it; go back to 1. Stop when
 *     the queue is empty and every job of the window has arrived.
 *  3. If it does not fit, advance time one event at a time until it fits. The next event is the
 *     next arrival if its submit time is at or before the earliest completion (by *actual* run
 *     time), else that completion ("arrival before completion" on ties). Running jobs are kept in
 *     a list stable-sorted in place by actual end before each completion, so equal ends release in
 *     the same order as the reference.
 *  4. Backfilling, before each event step of 3:
 *     - `easy`: when the head first fails to fit, its reservation (shadow time) is computed once:
 *       walk the running jobs in order of *requested* end (start + requested time, stable sort in
 *       place), adding their processors to the free count, until the head fits; the shadow time is
 *       the requested end of the job that made it fit. Then go through the waiting jobs in submit
 *       order (queue stable-sorted in place by submit time) and start each one that fits now and
 *       whose now + requested time is strictly earlier than the shadow time.
 *     - `conservative` (ours; no published reference): at each step, plan from scratch. Build the
 *       machine's free-processor profile from the running jobs' requested ends (an overrunning
 *       job is expected to end now, but nothing starts before it really does); reserve the head at
 *       the earliest time it fits for its requested time; then for every other waiting job in
 *       submit order: start it now if it fits the actual free processors now and the profile over
 *       [now, now + requested), else reserve it at its earliest fit. Every waiting job thus has a
 *       reservation that no job behind it (in submit order) may delay. Planning stops once no
 *       remaining job is narrow enough to start now (their reservations could only constrain jobs
 *       behind them). Requested times below 0 count as 0.
 *     - `none`: no backfilling.
 *     Jobs always release their processors at their *actual* end.
 *  5. With `headOfLine: 'reorder'`, after each event step the queue is re-sorted and the head
 *     re-chosen (an EASY reservation is recomputed when the head changes).
 *
 * Per-job score: bounded slowdown max(1, (wait + run) / max(run, τ)), τ = 10 s, with the actual
 * run time; the window's value is the mean over its jobs. Utilization (ours; the protocol does not
 * define one): processor-seconds used by the window's jobs ÷ (N × (last end − first submit)).
 */
export type BackfillMode = 'none' | 'easy' | 'conservative';
export const BACKFILL_MODES: readonly BackfillMode[] = ['none', 'easy', 'conservative'];

export interface BatchReplayOptions {
  /** Processors of the machine. */
  readonly machine: number;
  /** Queue order (from `src/queue/keys.ts`). */
  readonly order: OrderKey;
  readonly backfill: BackfillMode;
  /** Default `commit` (the protocol). */
  readonly headOfLine?: 'commit' | 'reorder';
  /** Bounded-slowdown threshold, seconds (default 10). */
  readonly tau?: number;
  /**
   * Observer (tests, diagnostics): called with every reservation made, at simulated time `now`:
   * EASY's shadow time for each head, and conservative's reservation for every planned job.
   */
  readonly onReserve?: (job: BatchJob, at: number, now: number) => void;
}

export interface WindowResult {
  /** Index of the window's first job. */
  readonly start: number;
  readonly length: number;
  /** Mean bounded slowdown over the window's jobs. */
  readonly boundedSlowdown: number;
  /** Processor-seconds used ÷ (N × (last end − first submit)). */
  readonly utilization: number;
  /** Mean wait, seconds. */
  readonly meanWait: number;
  /** Last end − first submit, seconds. */
  readonly makespan: number;
  /** Jobs of the window whose width was clamped to the machine. */
  readonly clamped: number;
  /** Start time of each job of the window (index i ↔ job start + i). */
  readonly startTimes: Float64Array;
}

interface Running {
  readonly job: BatchJob;
  readonly start: number;
  /** Actual end. */
  readonly end: number;
  /** Requested end: start + requested time. */
  readonly reqEnd: number;
}

const identity = (j: BatchJob): JobFacts => j;

/** Replay jobs[start, start + length) on an empty machine. */
export function replayWindow(jobs: readonly BatchJob[], start: number, length: number, opts: BatchReplayOptions): WindowResult {
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(length) || length < 1 || start + length > jobs.length) {
    throw new RangeError(`window [${start}, ${start + length}) is not inside the ${jobs.length} jobs`);
  }
  if (!Number.isInteger(opts.machine) || opts.machine < 1) throw new RangeError(`machine size must be a positive integer, got ${opts.machine}`);
  for (let i = start; i < start + length; i++) {
    const p = (jobs[i] as BatchJob).procs;
    if (p > opts.machine) throw new RangeError(`job index ${i} needs ${p} processors, more than the machine's ${opts.machine}`);
  }
  const run = new BatchRun(jobs, start, length, opts);
  run.run();
  return run.result(opts.tau ?? 10);
}

class BatchRun {
  private queue: BatchJob[] = [];
  private running: Running[] = [];
  private free: number;
  private now: number;
  private next: number;
  private readonly end: number;
  private readonly startTimes: Float64Array;
  private readonly reorder: boolean;

  constructor(
    private readonly jobs: readonly BatchJob[],
    private readonly first: number,
    private readonly length: number,
    private readonly opts: BatchReplayOptions,
  ) {
    this.free = opts.machine;
    this.end = first + length;
    this.next = first;
    this.now = (jobs[first] as BatchJob).submit;
    this.startTimes = new Float64Array(length).fill(NaN);
    this.reorder = opts.headOfLine === 'reorder';
  }

  run(): void {
    this.arrive();
    for (;;) {
      this.sortQueue(this.opts.order);
      let head = this.queue[0] as BatchJob;
      if (head.procs > this.free) head = this.waitFor(head);
      this.startJob(head);
      if (!this.refill()) return;
    }
  }

  /** Step 3-5: advance event by event (backfilling before each step) until the head fits. */
  private waitFor(head: BatchJob): BatchJob {
    const mode = this.opts.backfill;
    let shadow = mode === 'easy' ? this.shadowTime(head) : 0;
    while (head.procs > this.free) {
      if (mode === 'easy') this.backfillEasy(head, shadow);
      else if (mode === 'conservative') this.backfillConservative(head);
      this.step();
      if (this.reorder) {
        this.sortQueue(this.opts.order);
        const h = this.queue[0] as BatchJob;
        if (h !== head) {
          head = h;
          if (mode === 'easy' && head.procs > this.free) shadow = this.shadowTime(head);
        }
      }
    }
    return head;
  }

  /** One event: the next arrival if it comes at or before the earliest completion, else that completion. */
  private step(): void {
    if (this.running.length === 0) {
      // Unreachable: the machine is empty, so a head no wider than the machine fits.
      throw new Error(`batch replay: head blocked on an empty machine at t=${this.now}`);
    }
    this.running.sort(byEnd);
    const r = this.running[0] as Running;
    if (this.next < this.end && (this.jobs[this.next] as BatchJob).submit <= r.end) this.arrive();
    else this.complete();
  }

  /** After a start: if the queue is empty, move to the next arrival (completing what ends before it). */
  private refill(): boolean {
    if (this.queue.length > 0) return true;
    if (this.next >= this.end) return false;
    for (;;) {
      let release = Infinity;
      if (this.running.length > 0) {
        this.running.sort(byEnd);
        release = (this.running[0] as Running).end;
      }
      if ((this.jobs[this.next] as BatchJob).submit <= release) {
        this.arrive();
        return true;
      }
      this.complete();
    }
  }

  private arrive(): void {
    const j = this.jobs[this.next++] as BatchJob;
    this.now = Math.max(this.now, j.submit);
    this.queue.push(j);
  }

  /** Complete running[0] (the caller has just sorted by actual end). */
  private complete(): void {
    const r = this.running.shift() as Running;
    this.now = Math.max(this.now, r.end);
    this.free += r.job.procs;
  }

  private startJob(j: BatchJob): void {
    const i = this.queue.indexOf(j);
    if (i < 0) throw new Error(`batch replay: job ${j.id} is not waiting`);
    this.queue.splice(i, 1);
    this.free -= j.procs;
    this.running.push({ job: j, start: this.now, end: this.now + j.run, reqEnd: this.now + j.requested });
    this.startTimes[j.index - this.first] = this.now;
  }

  private sortQueue(order: OrderKey): void {
    this.queue = sortByKey(this.queue, identity, order, this.now);
  }

  /** EASY: the earliest time the head fits, by requested ends (computed once per head). */
  private shadowTime(head: BatchJob): number {
    this.running.sort(byReqEnd);
    let free = this.free;
    let shadow = this.now;
    for (const r of this.running) {
      free += r.job.procs;
      shadow = r.reqEnd;
      if (free >= head.procs) break;
    }
    this.opts.onReserve?.(head, shadow, this.now);
    return shadow;
  }

  private backfillEasy(head: BatchJob, shadow: number): void {
    this.sortQueue(FCFS_KEY);
    for (const j of [...this.queue]) {
      if (j !== head && this.now + j.requested < shadow && j.procs <= this.free) this.startJob(j);
    }
  }

  private backfillConservative(head: BatchJob): void {
    if (this.free <= 0 || this.queue.length < 2) return;
    this.sortQueue(FCFS_KEY);
    const others = this.queue.filter((j) => j !== head);
    // narrowest[i] = fewest processors among others[i..]: once it exceeds the free count, stop.
    const narrowest = new Float64Array(others.length + 1).fill(Infinity);
    for (let i = others.length - 1; i >= 0; i--) narrowest[i] = Math.min(narrowest[i + 1] as number, (others[i] as BatchJob).procs);
    if ((narrowest[0] as number) > this.free) return;
    const profile = new ResourceProfile(
      this.now,
      [this.free],
      this.running.map((r) => ({ at: r.reqEnd, demand: [r.job.procs] })),
    );
    const reserve = (j: BatchJob, at: number): void => {
      profile.reserve([j.procs], at, Math.max(0, j.requested));
      this.opts.onReserve?.(j, at, this.now);
    };
    reserve(head, profile.earliestStart([head.procs], Math.max(0, head.requested)));
    for (let i = 0; i < others.length; i++) {
      if ((narrowest[i] as number) > this.free) break;
      const j = others[i] as BatchJob;
      const d = Math.max(0, j.requested);
      if (j.procs <= this.free && profile.fitsDuring([j.procs], this.now, d)) {
        this.startJob(j);
        reserve(j, this.now);
      } else {
        reserve(j, profile.earliestStart([j.procs], d));
      }
    }
  }

  result(tau: number): WindowResult {
    let bsld = 0;
    let wait = 0;
    let work = 0;
    let lastEnd = -Infinity;
    let clamped = 0;
    const firstSubmit = (this.jobs[this.first] as BatchJob).submit;
    for (let i = 0; i < this.length; i++) {
      const j = this.jobs[this.first + i] as BatchJob;
      const s = this.startTimes[i] as number;
      if (Number.isNaN(s)) throw new Error(`batch replay: job ${j.id} never started`);
      const w = s - j.submit;
      bsld += Math.max(1, (w + j.run) / Math.max(j.run, tau));
      wait += w;
      work += j.procs * j.run;
      lastEnd = Math.max(lastEnd, s + j.run);
      if (j.clamped) clamped++;
    }
    const makespan = lastEnd - firstSubmit;
    return {
      start: this.first,
      length: this.length,
      boundedSlowdown: bsld / this.length,
      utilization: makespan > 0 ? work / (this.opts.machine * makespan) : 0,
      meanWait: wait / this.length,
      makespan,
      clamped,
      startTimes: this.startTimes,
    };
  }
}

function byEnd(a: Running, b: Running): number {
  return a.end - b.end;
}

function byReqEnd(a: Running, b: Running): number {
  return a.reqEnd - b.reqEnd;
}
