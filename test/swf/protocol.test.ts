import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ORDER_KEY_NAMES, type OrderKeyName } from '../../src/queue/keys.js';
import { checkWindows, consecutiveWindows, lateJobs, REFERENCE_LENGTH, REFERENCE_WINDOWS, replayReferenceWindow, replayReferenceWindows, type BackfillMode } from '../../src/sim/reference/protocol.js';
import { batchWorkloadFromRecords, loadBatchWorkload, type BatchJob, type BatchWorkload } from '../../src/sim/reference/workload.js';
import type { SwfHeader, SwfRecord } from '../../src/traces/swf.js';
import { SWF_DIR, SWF_LOGS, swfDataPresent } from './data.js';

/**
 * The HPC reference protocol on the main simulator (src/sim/reference/protocol.ts): hand-checked
 * replays of small job lists, each start time worked out in the comment above it.
 */

/** A job list for hand-built scenarios: [submit, run, procs, requested?] per job. */
function jobs(spec: readonly (readonly [number, number, number, number?])[]): BatchJob[] {
  return spec.map(([submit, run, procs, requested], index) => ({ index, id: index + 1, submit, run, procs, requested: requested ?? run, clamped: false }));
}

interface Opts {
  readonly machine: number;
  readonly order?: OrderKeyName;
  readonly backfill?: BackfillMode;
  readonly headOfLine?: 'commit' | 'reorder';
}

async function starts(js: readonly BatchJob[], o: Opts): Promise<number[]> {
  const r = await replayReferenceWindow(js, 0, js.length, o.machine, { order: o.order ?? 'fcfs', backfill: o.backfill ?? 'none', ...(o.headOfLine ? { headOfLine: o.headOfLine } : {}) });
  return [...r.startTimes];
}

describe('reference protocol on the main simulator, by hand', () => {
  it('scores bounded slowdown max(1, (wait + run) / max(run, 10)) and utilization', async () => {
    // Job 1 runs 0-40 on all 4 processors; job 2 (5 s, 2 procs) arrives at 10 and waits 30 s.
    const js = jobs([
      [0, 40, 4],
      [10, 5, 2],
    ]);
    const r = await replayReferenceWindow(js, 0, 2, 4, { order: 'fcfs', backfill: 'none' });
    expect([...r.startTimes]).toEqual([0, 40]);
    // bsld: job 1 = 1; job 2 = (30 + 5) / 10 = 3.5 → mean 2.25
    expect(r.boundedSlowdown).toBeCloseTo(2.25, 12);
    // used 4·40 + 2·5 = 170 processor-seconds over 4 × (45 − 0)
    expect(r.utilization).toBeCloseTo(170 / 180, 12);
    expect(r.meanWait).toBe(15);
    expect(r.makespan).toBe(45);
  });

  it('an arrival at the same time as a completion comes first', async () => {
    // SJF. Job 1 fills the machine until 10; job 2 (head, 2 procs) waits; job 3 (4 procs, long)
    // arrives at 2; job 4 (2 procs, short) arrives exactly when job 1 ends. Arrival first: at t=10
    // job 4 is already queued when job 2 starts, so SJF picks it next and it starts at 10 too.
    // (Completion first would commit to job 3 as the next head and start job 4 only at 160.)
    const js = jobs([
      [0, 10, 4],
      [1, 50, 2],
      [2, 100, 4],
      [10, 20, 2],
    ]);
    expect(await starts(js, { machine: 4, order: 'sjf' })).toEqual([0, 10, 60, 10]);
  });

  it('commit keeps the chosen head until it starts; reorder re-chooses at every event', async () => {
    // Job 2 (4 procs) becomes the head while job 1 runs; shorter job 3 arrives at 10, when job 1 ends.
    const js = jobs([
      [0, 10, 4],
      [5, 10, 4],
      [10, 5, 1],
    ]);
    expect(await starts(js, { machine: 4, order: 'sjf', headOfLine: 'commit' })).toEqual([0, 10, 20]);
    expect(await starts(js, { machine: 4, order: 'sjf', headOfLine: 'reorder' })).toEqual([0, 15, 10]);
  });

  it('EASY: one reservation per head, computed once; only jobs ending strictly before it backfill', async () => {
    const js = jobs([
      [0, 100, 2], // runs 0-100 on 2 of 4 processors
      [1, 10, 4], // head: needs the whole machine → shadow time 100
      [2, 98, 1], // 2 + 98 = 100, not < 100: may not backfill
      [3, 96, 1], // 3 + 96 = 99 < 100: backfills at 3
      [4, 95, 1], // 4 + 95 = 99 < 100: backfills at 4
    ]);
    // Job 2's shadow time is 100 (job 1's requested end), computed once at t=1 although the head
    // waited through 5 events; then job 3 becomes the head at t=100 (job 2's requested end, 110).
    expect(await starts(js, { machine: 4, backfill: 'easy' })).toEqual([0, 100, 110, 3, 4]);
  });

  it('EASY takes the reservation when the head first blocks, also alone in the queue', async () => {
    // 4 processors. Job 1 (2 procs, runs 0-10, requested 100) and job 2 (2 procs, runs 0-100,
    // requested 20) start at 0. Job 3 (4 procs) arrives at 1, alone: its reservation, walking the
    // requested ends (job 2 at 20: 2 free; job 1 at 100: 4 free), is 100. Job 1 ends at 10. Job 4
    // (2 procs, requested 60) arrives at 30: 30 + 60 < 100 and 2 are free, so it backfills at 30.
    // bsld 1, 1, (99 + 50) / 50 = 2.98, 1 → 1.495. (Taken only when job 4 arrived, the reservation
    // would be job 2's requested end, 20, already past: job 4 would wait until 150, bsld 13 → 4.495.)
    const js = jobs([
      [0, 10, 2, 100],
      [0, 100, 2, 20],
      [1, 50, 4, 50],
      [30, 10, 2, 60],
    ]);
    for (const order of ['fcfs', 'sjf', 'f1'] as const) {
      const r = await replayReferenceWindow(js, 0, 4, 4, { order, backfill: 'easy' });
      expect([...r.startTimes], order).toEqual([0, 0, 100, 30]);
      expect(r.boundedSlowdown).toBeCloseTo(1.495, 12);
    }
  });

  it('EASY: work ending at the same time ends in the order of the reference running list, sorted by requested end at the reservation', async () => {
    // 4 processors. At 0: job 1 (1 proc, ends 100, requested end 500), job 2 (2 procs, ends 100,
    // requested end 50) and job 3 (1 proc, ends 300) start. Job 4 (4 procs) blocks at 10; its
    // reservation walks requested ends 50 (job 2), 300, 500: shadow 500, and the reference's
    // running list is now job 2, job 3, job 1. Job 5 (3 procs, 60 s, requested 100) and job 6
    // (2 procs, 50 s, requested 100) arrive. At 100 jobs 1 and 2 end, job 2 first (list order):
    // 2 free, job 5 does not fit, job 6 does (100 + 100 < 500) and starts; job 1 ends; at 150 job 6
    // ends and job 5 starts. Job 4 starts at 300. bsld 1, 1, 1, (290 + 10) / 10 = 30,
    // (130 + 60) / 60, (70 + 50) / 50 = 2.4 → 6.4278. (Ending job 1 first, in start order, would
    // start job 5 at 100 and job 6 at 160: 6.4889.)
    const js = jobs([
      [0, 100, 1, 500],
      [0, 100, 2, 50],
      [0, 300, 1, 300],
      [10, 10, 4, 10],
      [20, 60, 3, 100],
      [30, 50, 2, 100],
    ]);
    for (const order of ['fcfs', 'sjf', 'f1'] as const) {
      const r = await replayReferenceWindow(js, 0, 6, 4, { order, backfill: 'easy' });
      expect([...r.startTimes], order).toEqual([0, 0, 0, 300, 150, 100]);
      expect(r.boundedSlowdown).toBeCloseTo((3 + 30 + 190 / 60 + 2.4) / 6, 12);
    }
  });

  it('EASY walks running jobs by requested end, but they release at their actual end', async () => {
    // Job 1 requests 100 s but ends at 20; the shadow time stays 100 (computed once), so job 3
    // (requests 90) still backfills at 5, and the head starts when job 1 really ends.
    const js = jobs([
      [0, 20, 3, 100],
      [1, 10, 4],
      [5, 30, 1, 90],
    ]);
    expect(await starts(js, { machine: 4, backfill: 'easy' })).toEqual([0, 35, 5]);
  });

  it('conservative: every waiting job gets a reservation a later job may not delay', async () => {
    // Machine 4. Job 1 holds 3 procs until 100. Head job 2 needs 4 → reserved at 100.
    // Job 3 (2 procs, 50 s) is reserved at 110 (after the head). Job 4 (1 proc, 200 s) fits now
    // but would overlap the head's reservation [100, 110): under EASY it would not backfill
    // either; job 5 (1 proc, 50 s) fits before 100 and backfills at 4.
    const js = jobs([
      [0, 100, 3],
      [1, 10, 4],
      [2, 50, 2],
      [3, 200, 1],
      [4, 50, 1],
    ]);
    expect(await starts(js, { machine: 4, backfill: 'conservative' })).toEqual([0, 100, 110, 110, 4]);
  });

  it('conservative protects a waiting job that EASY would delay', async () => {
    // Machine 4. A (2 procs) runs 0-100, B (1 proc) 0-20. Head H needs all 4: reserved at 100.
    // C (2 procs, 50 s) arrives at 2: no room until B ends at 20, then it could run 20-70.
    // D (1 proc, 90 s) arrives at 3 and fits now, ending at 93 < 100.
    //   EASY protects only H: D backfills at 3, so at 20 C finds 1 processor, not 2, and waits
    //   until H is done (110).
    //   Conservative also reserves C at [20, 70): D would overlap it, so D waits (until 110).
    const js = jobs([
      [0, 100, 2],
      [0, 20, 1],
      [1, 10, 4],
      [2, 50, 2],
      [3, 90, 1],
    ]);
    expect(await starts(js, { machine: 4, backfill: 'easy' })).toEqual([0, 0, 100, 110, 3]);
    // At t=3: H reserved at 100, C at 20, D after H (110); at t=20 C starts as planned.
    expect(await starts(js, { machine: 4, backfill: 'conservative' })).toEqual([0, 0, 100, 20, 110]);
  });

  it('clamps a job wider than the machine, and counts it', async () => {
    const header: SwfHeader = { file: 'mem', lines: [], fields: new Map() };
    const rec = (n: number, submit: number, run: number, alloc: number, req: number, reqTime: number): SwfRecord => ({
      jobNumber: n,
      submitTime: submit,
      waitTime: -1,
      runTime: run,
      allocatedProcessors: alloc,
      averageCpuTime: -1,
      usedMemory: -1,
      requestedProcessors: req,
      requestedTime: reqTime,
      requestedMemory: -1,
      status: 1,
      userId: 1,
      groupId: 1,
      executableNumber: -1,
      queueNumber: 1,
      partitionNumber: -1,
      precedingJobNumber: -1,
      thinkTime: -1,
      line: n,
    });
    const w = batchWorkloadFromRecords(
      'mem',
      header,
      [rec(3, 20, 5, 2, -1, -1), rec(1, 0, 10, 16, 8, 20), rec(2, 10, -1, 1, -1, -1), rec(4, 30, 0, 1, 1, 5), rec(5, 40, 7, -1, -1, 9)],
      8,
    );
    // Ordered by job number; job 4 (run 0) dropped; job 2's run −1 → 10 and its request stays −1.
    expect(w.jobs.map((j) => [j.id, j.run, j.requested, j.procs, j.clamped])).toEqual([
      [1, 10, 20, 8, true],
      [2, 10, -1, 1, false],
      [3, 5, 5, 2, false],
      [5, 7, 9, 1, false],
    ]);
    expect([w.dropped, w.clamped, w.unknownWidth]).toEqual([1, 1, 1]);
    const r = await replayReferenceWindow(w.jobs, 0, 4, 8, { order: 'fcfs', backfill: 'easy' });
    expect(r.clamped).toBe(1);
    // A kept job with an unknown submit time (−1) cannot be replayed: an error naming its line, not a job at −1 s.
    const unknown = { ...rec(6, 50, 5, 1, -1, -1), submitTime: -1 };
    expect(() => batchWorkloadFromRecords('mem', header, [rec(1, 0, 10, 1, -1, -1), unknown], 8)).toThrow(/^mem:6, field 'submitTime': job 6 has submit time -1 \(unknown\): the protocol replays every job it keeps at its submit time$/);
    // ... unless the protocol leaves it out anyway (run time 0).
    expect(batchWorkloadFromRecords('mem', header, [rec(1, 0, 10, 1, -1, -1), { ...rec(6, 50, 0, 1, -1, -1), submitTime: -1 }], 8).dropped).toBe(1);
    // Two kept jobs with one number would share an allocation id (the replay crashed with a
    // CapacityError stack trace): an error naming both lines. A dropped record's number may recur.
    const twice = { ...rec(3, 25, 4, 1, -1, -1), line: 9 };
    expect(() => batchWorkloadFromRecords('mem', header, [rec(1, 0, 10, 1, -1, -1), rec(3, 20, 5, 2, -1, -1), twice], 8)).toThrow(/^mem:9, field 'jobNumber': duplicate id '3' \(also on line 3\): each request needs its own id$/);
    expect(batchWorkloadFromRecords('mem', header, [rec(1, 0, 10, 1, -1, -1), rec(3, 20, 0, 2, -1, -1), twice], 8).jobs.map((j) => j.id)).toEqual([1, 3]);
  });
});

/**
 * Submit times that go back in job-number order, as the RLScheduler simulator replays them
 * (HPCSimPickJobs.py): jobs arrive strictly in job-number order, an arrival sets the clock to
 * max(clock, submit), so a job submitted before the job above it enters the queue at the clock;
 * its wait, its keys and its slowdown use its own submit time; the window's clock starts at its
 * first job's submit. Every value below is worked out by hand in the comments, and the authors'
 * simulator gives the same means (docs/queue-policies.md, "Cross-check against the authors' simulator").
 */
describe('submit times that go back in job-number order', () => {
  const workload = (js: BatchJob[]): BatchWorkload => ({ file: 'mem', header: { file: 'mem', lines: [], fields: new Map() }, machine: 4, machineSource: 'option', jobs: js, dropped: 0, clamped: 0, unknownWidth: 0 });

  it('a late job enters the queue with the job above it, behind a committed head, and waits from its submit time', async () => {
    // 4 processors, FCFS. Job 1 (4 procs) runs 100-150. Job 2 (submit 120) arrives at 120 and
    // becomes the head. Job 3 (submit 90) and job 4 (submit 110) come after job 2 in number
    // order: they arrive at 120 too, behind the committed head. At 150 job 2 starts (2 procs);
    // job 3 (key 90) goes before job 4 (110) and starts at 150 (2 procs); job 4 waits for job 3
    // (ends 170). Job 5 arrives at 200 on an empty machine.
    const js = jobs([
      [100, 50, 4, 50],
      [120, 30, 2, 30],
      [90, 20, 2, 20],
      [110, 10, 2, 100],
      [200, 10, 4, 10],
    ]);
    for (const order of ['fcfs', 'sjf', 'f1'] as const) {
      for (const backfill of ['none', 'easy'] as const) {
        const r = await replayReferenceWindow(js, 0, 5, 4, { order, backfill });
        expect([...r.startTimes], `${order} ${backfill}`).toEqual([100, 150, 150, 170, 200]);
        // bsld 1, (30 + 30) / 30 = 2, (60 + 20) / 20 = 4, (60 + 10) / 10 = 7, 1 → mean 3
        expect(r.boundedSlowdown).toBeCloseTo(3, 12);
        // waits 0, 30, 60, 60, 0 (job 3's counts from 90, before it was seen at 120)
        expect(r.meanWait).toBeCloseTo(30, 12);
      }
    }
    expect(lateJobs(workload(js), [0], 5)).toEqual([{ start: 0, jobs: 2 }]);
    // Jobs 3..5 alone are in submit order (90, 110, 200): nothing late there.
    expect(lateJobs(workload(js), [2], 3)).toEqual([]);
    // Equal submit times are in order; only the job that goes back counts.
    expect(lateJobs(workload(jobs([[10, 1, 1], [10, 1, 1], [5, 1, 1]])), [0], 3)).toEqual([{ start: 0, jobs: 1 }]);
  });

  it('FCFS orders a late job by its submit time, ahead of a job that arrived before it', async () => {
    // 4 processors, no backfilling. Job 1 fills the machine 100-200; job 2 (head, 2 procs) arrives
    // at 110, job 3 (submit 120) at 120, job 4 (submit 115) after it, at 120. At 200 job 2 starts;
    // job 4 (115) goes before job 3 (120) and starts at 200; job 3 waits until 210.
    // bsld: 1, (90 + 10) / 10 = 10, (90 + 20) / 20 = 5.5, (85 + 10) / 10 = 9.5, 1 → 27 / 5 = 5.4.
    // (Arrival order would start job 3 at 200 and job 4 at 210: 27.5 / 5 = 5.5.)
    const js = jobs([
      [100, 100, 4, 100],
      [110, 10, 2, 10],
      [120, 20, 2, 50],
      [115, 10, 2, 10],
      [400, 10, 1, 10],
    ]);
    for (const order of ['fcfs', 'sjf', 'f1'] as const) {
      for (const backfill of ['none', 'easy'] as const) {
        const r = await replayReferenceWindow(js, 0, 5, 4, { order, backfill });
        expect([...r.startTimes], `${order} ${backfill}`).toEqual([100, 200, 210, 200, 400]);
        expect(r.boundedSlowdown).toBeCloseTo(5.4, 12);
      }
    }
  });

  it('a late job submitted before the window starts waits from its submit time; EASY backfills it by its requested end', async () => {
    // 4 processors. Job 1 (3 procs) runs 100-200; job 2 (4 procs, head) arrives at 110, its
    // reservation is 200. Job 3 (1 proc, 20 s, submit 95: before the window's clock starts at 100)
    // arrives at 110 with job 2.
    //   EASY: 110 + 20 < 200, so it backfills at 110 (wait 15: bsld (15 + 20) / 20 = 1.75); job 2
    //   starts at 200 (bsld (90 + 50) / 50 = 2.8); job 4 at 300 → (1 + 2.8 + 1.75 + 1) / 4 = 1.6375.
    //   No backfilling: job 3 waits behind job 2 until 250 (wait 155: (155 + 20) / 20 = 8.75)
    //   → (1 + 2.8 + 8.75 + 1) / 4 = 3.3875.
    const js = jobs([
      [100, 100, 3, 100],
      [110, 50, 4, 50],
      [95, 20, 1, 20],
      [300, 10, 1, 10],
    ]);
    const easy = await replayReferenceWindow(js, 0, 4, 4, { order: 'fcfs', backfill: 'easy' });
    expect([...easy.startTimes]).toEqual([100, 200, 110, 300]);
    expect(easy.boundedSlowdown).toBeCloseTo(1.6375, 12);
    // The clock starts at the first job's submit (100), not at job 3's 95: 530 processor-seconds
    // over 4 × (310 − 100).
    expect(easy.utilization).toBeCloseTo(530 / (4 * 210), 12);
    expect(easy.makespan).toBe(210);
    const none = await replayReferenceWindow(js, 0, 4, 4, { order: 'fcfs', backfill: 'none' });
    expect([...none.startTimes]).toEqual([100, 200, 250, 300]);
    expect(none.boundedSlowdown).toBeCloseTo(3.3875, 12);
    // The windows' replay takes such a log (it was refused).
    expect((await replayReferenceWindows(workload(js), [0], 4, { order: 'sjf', backfill: 'easy' })).meanBoundedSlowdown).toBeCloseTo(1.6375, 12);
  });
});

describe('windows', () => {
  it('consecutive windows and range checks name the window and the trace length', async () => {
    expect(consecutiveWindows(100, 50, 3)).toEqual([100, 150, 200]);
    expect(() => checkWindows([0, 9000], 1024, 10_000, 'x.swf')).toThrow(UserError);
    expect(() => checkWindows([0, 9000], 1024, 10_000, 'x.swf')).toThrow(/window starting at job 9000 .* only 10000 usable jobs/);
    expect(() => checkWindows([8976], 1024, 10_000)).not.toThrow();
    expect(() => checkWindows([-1], 10, 100)).toThrow(UserError);
    expect(() => checkWindows([0], 0, 100)).toThrow(/length/);
    expect(REFERENCE_WINDOWS).toHaveLength(10);
    expect(REFERENCE_LENGTH).toBe(1024);
  });

  it('reports the arrivals of a long window (for progress output; was silent for the whole replay)', async () => {
    // 10,000 one-processor jobs, one a second, 5 s each: a long window, not a slow one.
    const js = jobs(Array.from({ length: 10_000 }, (_, i) => [i, 5, 1] as const));
    const seen: number[] = [];
    const r = await replayReferenceWindow(js, 0, js.length, 8, { onProgress: (arrivals) => seen.push(arrivals) });
    expect(seen).toEqual([4096, 8192]);
    expect(r.boundedSlowdown).toBe(1);
  });
});

const present = swfDataPresent('test/swf/protocol');
describe.skipIf(!present)('invariants on Lublin-1 (its requested times are exact: field 9 is −1)', async () => {
  let w: BatchWorkload;
  beforeAll(async () => {
    w = await loadBatchWorkload(path.join(SWF_DIR, SWF_LOGS['Lublin-1']));
  });

  it('backfilling never leaves the machine over-committed and every job starts after it arrives', async () => {
    for (const [backfill, order] of [['none', 'sjf'], ['conservative', 'sjf'], ...ORDER_KEY_NAMES.map((o) => ['easy', o])] as [BackfillMode, OrderKeyName][]) {
      const start = REFERENCE_WINDOWS[0] as number;
      const r = await replayReferenceWindow(w.jobs, start, REFERENCE_LENGTH, w.machine, { order, backfill });
      const ev: [number, number][] = [];
      for (let i = 0; i < REFERENCE_LENGTH; i++) {
        const j = w.jobs[start + i] as BatchJob;
        const s = r.startTimes[i] as number;
        expect(s).toBeGreaterThanOrEqual(j.submit);
        ev.push([s, j.procs], [s + j.run, -j.procs]);
      }
      ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // releases before starts at equal times
      let used = 0;
      for (const [, d] of ev) {
        used += d;
        expect(used).toBeLessThanOrEqual(w.machine);
      }
    }
  });
});
