import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ORDER_KEY_NAMES, ORDER_KEYS } from '../../src/queue/keys.js';
import { replayWindow, type BatchReplayOptions } from '../../src/sim/batch/replay.js';
import { checkWindows, consecutiveWindows, REFERENCE_LENGTH, REFERENCE_WINDOWS } from '../../src/sim/batch/windows.js';
import { batchWorkloadFromRecords, loadBatchWorkload, type BatchJob, type BatchWorkload } from '../../src/sim/batch/workload.js';
import type { SwfHeader, SwfRecord } from '../../src/traces/swf.js';
import { SWF_DIR, SWF_LOGS, swfDataPresent } from './data.js';

/** A job list for hand-built scenarios: [submit, run, procs, requested?] per job. */
function jobs(spec: readonly (readonly [number, number, number, number?])[]): BatchJob[] {
  return spec.map(([submit, run, procs, requested], index) => ({ index, id: index + 1, submit, run, procs, requested: requested ?? run, clamped: false }));
}

function starts(js: readonly BatchJob[], opts: Partial<BatchReplayOptions> & { machine: number }): number[] {
  const r = replayWindow(js, 0, js.length, { order: ORDER_KEYS.fcfs, backfill: 'none', ...opts });
  return [...r.startTimes];
}

describe('batch replay: the protocol, by hand', () => {
  it('scores bounded slowdown max(1, (wait + run) / max(run, 10)) and utilization', () => {
    // Job 1 runs 0-40 on all 4 processors; job 2 (5 s, 2 procs) arrives at 10 and waits 30 s.
    const js = jobs([
      [0, 40, 4],
      [10, 5, 2],
    ]);
    const r = replayWindow(js, 0, 2, { machine: 4, order: ORDER_KEYS.fcfs, backfill: 'none' });
    expect([...r.startTimes]).toEqual([0, 40]);
    // bsld: job 1 = 1; job 2 = (30 + 5) / 10 = 3.5 → mean 2.25
    expect(r.boundedSlowdown).toBeCloseTo(2.25, 12);
    // used 4·40 + 2·5 = 170 processor-seconds over 4 × (45 − 0)
    expect(r.utilization).toBeCloseTo(170 / 180, 12);
    expect(r.meanWait).toBe(15);
    expect(r.makespan).toBe(45);
  });

  it('an arrival at the same time as a completion comes first', () => {
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
    expect(starts(js, { machine: 4, order: ORDER_KEYS.sjf })).toEqual([0, 10, 60, 10]);
  });

  it('commit keeps the chosen head until it starts; reorder re-chooses at every event', () => {
    // Job 2 (4 procs) becomes the head while job 1 runs; shorter job 3 arrives at 10, when job 1 ends.
    const js = jobs([
      [0, 10, 4],
      [5, 10, 4],
      [10, 5, 1],
    ]);
    expect(starts(js, { machine: 4, order: ORDER_KEYS.sjf, headOfLine: 'commit' })).toEqual([0, 10, 20]);
    expect(starts(js, { machine: 4, order: ORDER_KEYS.sjf, headOfLine: 'reorder' })).toEqual([0, 15, 10]);
  });

  it('EASY: one reservation per head, computed once; only jobs ending strictly before it backfill', () => {
    const js = jobs([
      [0, 100, 2], // runs 0-100 on 2 of 4 processors
      [1, 10, 4], // head: needs the whole machine → shadow time 100
      [2, 98, 1], // 2 + 98 = 100, not < 100: may not backfill
      [3, 96, 1], // 3 + 96 = 99 < 100: backfills at 3
      [4, 95, 1], // 4 + 95 = 99 < 100: backfills at 4
    ]);
    const reservations: [number, number, number][] = [];
    const s = starts(js, { machine: 4, backfill: 'easy', onReserve: (j, at, now) => reservations.push([j.id, at, now]) });
    expect(s).toEqual([0, 100, 110, 3, 4]);
    // Job 2's shadow time, computed once at t=1 although the head waited through 5 events; then
    // job 3 becomes the head at t=100 and gets its own (job 2's requested end, 110).
    expect(reservations).toEqual([
      [2, 100, 1],
      [3, 110, 100],
    ]);
  });

  it('EASY walks running jobs by requested end, but they release at their actual end', () => {
    // Job 1 requests 100 s but ends at 20; the shadow time stays 100 (computed once), so job 3
    // (requests 90) still backfills at 5, and the head starts when job 1 really ends.
    const js = jobs([
      [0, 20, 3, 100],
      [1, 10, 4],
      [5, 30, 1, 90],
    ]);
    const s = starts(js, { machine: 4, backfill: 'easy' });
    expect(s).toEqual([0, 35, 5]);
  });

  it('conservative: every waiting job gets a reservation a later job may not delay', () => {
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
    const s = starts(js, { machine: 4, backfill: 'conservative' });
    expect(s).toEqual([0, 100, 110, 110, 4]);
  });

  it('conservative protects a waiting job that EASY would delay', () => {
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
    expect(starts(js, { machine: 4, backfill: 'easy' })).toEqual([0, 0, 100, 110, 3]);
    const reservations: [number, number, number][] = [];
    expect(starts(js, { machine: 4, backfill: 'conservative', onReserve: (j, at, now) => reservations.push([j.id, at, now]) })).toEqual([0, 0, 100, 20, 110]);
    // At t=3: H at 100, C at 20, D after H (110); at t=20 C starts as planned.
    expect(reservations.slice(0, 3)).toEqual([
      [3, 100, 3],
      [4, 20, 3],
      [5, 110, 3],
    ]);
  });

  it('clamps a job wider than the machine, and counts it', () => {
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
    const r = replayWindow(w.jobs, 0, 4, { machine: 8, order: ORDER_KEYS.fcfs, backfill: 'easy' });
    expect(r.clamped).toBe(1);
  });
});

describe('windows', () => {
  it('consecutive windows and range checks name the window and the trace length', () => {
    expect(consecutiveWindows(100, 50, 3)).toEqual([100, 150, 200]);
    expect(() => checkWindows([0, 9000], 1024, 10_000, 'x.swf')).toThrow(UserError);
    expect(() => checkWindows([0, 9000], 1024, 10_000, 'x.swf')).toThrow(/window starting at job 9000 .* only 10000 usable jobs/);
    expect(() => checkWindows([8976], 1024, 10_000)).not.toThrow();
    expect(() => checkWindows([-1], 10, 100)).toThrow(UserError);
    expect(() => checkWindows([0], 0, 100)).toThrow(/length/);
    expect(REFERENCE_WINDOWS).toHaveLength(10);
    expect(REFERENCE_LENGTH).toBe(1024);
  });
});

const present = swfDataPresent('test/swf/batch');
describe.skipIf(!present)('invariants on Lublin-1 (its requested times are exact: field 9 is −1)', () => {
  let w: BatchWorkload;
  beforeAll(async () => {
    w = await loadBatchWorkload(path.join(SWF_DIR, SWF_LOGS['Lublin-1']));
  });

  it('EASY never delays the head past its reservation, under every order', () => {
    // One reservation per head (commit): the head must start at or before it.
    for (const name of ORDER_KEY_NAMES) {
      for (const start of REFERENCE_WINDOWS.slice(0, 3)) {
        const shadow = new Map<number, number>();
        const r = replayWindow(w.jobs, start, REFERENCE_LENGTH, {
          machine: w.machine,
          order: ORDER_KEYS[name],
          backfill: 'easy',
          onReserve: (j, at) => {
            expect(shadow.has(j.index), 'one reservation per head').toBe(false);
            shadow.set(j.index, at);
          },
        });
        expect(shadow.size).toBeGreaterThan(0);
        for (const [index, at] of shadow) expect(r.startTimes[index - start], `${name} job ${index}`).toBeLessThanOrEqual(at);
      }
    }
  });

  it('conservative + FCFS never starts a job later than its first reservation', () => {
    for (const start of REFERENCE_WINDOWS.slice(0, 4)) {
      const first = new Map<number, number>();
      const r = replayWindow(w.jobs, start, REFERENCE_LENGTH, {
        machine: w.machine,
        order: ORDER_KEYS.fcfs,
        backfill: 'conservative',
        onReserve: (j, at) => {
          if (!first.has(j.index)) first.set(j.index, at);
        },
      });
      expect(first.size).toBeGreaterThan(100);
      for (const [index, at] of first) expect(r.startTimes[index - start], `job ${index}`).toBeLessThanOrEqual(at);
    }
  });

  it('backfilling never leaves the machine over-committed and every job starts after it arrives', () => {
    for (const backfill of ['none', 'easy', 'conservative'] as const) {
      const start = REFERENCE_WINDOWS[0] as number;
      const r = replayWindow(w.jobs, start, REFERENCE_LENGTH, { machine: w.machine, order: ORDER_KEYS.sjf, backfill });
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

  it('a 1,024-job window replays in well under a second', () => {
    for (const backfill of ['none', 'easy', 'conservative'] as const) {
      const t0 = performance.now();
      replayWindow(w.jobs, 1981, 1024, { machine: w.machine, order: ORDER_KEYS.fcfs, backfill });
      expect(performance.now() - t0, backfill).toBeLessThan(1000);
    }
  });
});
