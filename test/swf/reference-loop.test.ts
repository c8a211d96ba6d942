import { describe, expect, it } from 'vitest';
import { replayReferenceWindow } from '../../src/sim/reference/protocol.js';
import { batchWorkloadFromRecords, type BatchJob } from '../../src/sim/reference/workload.js';
import { SWF_FIELDS, type SwfRecord } from '../../src/traces/swf.js';

/**
 * The protocol's loop (../shared/reference/batch-scheduling.md, "The scheduling loop") written
 * out directly, one list operation per rule, and compared start time by start time with the main
 * simulator's replay on logs with what the shipped ones rarely have: many equal submit times,
 * requested times under the run time, unknown (−1) run and requested times, jobs wider than the
 * machine. Lists are sorted in place and stably, as the reference's are.
 */
type Order = 'fcfs' | 'sjf' | 'f1' | 'wfp3' | 'unicep';
const pos = (x: number): number => (x > 0 ? x : 0.1);
/** Keys at time t (WFP3 and UNICEP with the real wait t − submit, as the reference document asks). */
const KEYS: Record<Order, (j: BatchJob, t: number) => [number, number]> = {
  fcfs: (j) => [j.submit, 0],
  sjf: (j) => [j.requested, j.submit],
  f1: (j) => [Math.log10(pos(j.requested)) * j.procs + 870 * Math.log10(pos(j.submit)), 0],
  wfp3: (j, t) => [-Math.pow((t - j.submit) / pos(j.requested), 3) * Math.max(j.procs, 1), 0],
  unicep: (j, t) => [-(t - j.submit + 1e-15) / (Math.log2(Math.max(j.procs, 1) + 1e-15) * pos(j.requested)), 0],
};

function loop(js: readonly BatchJob[], machine: number, order: Order, backfill: boolean): number[] {
  const n = js.length;
  const start = new Array<number>(n).fill(NaN);
  const key = KEYS[order];
  const job = (i: number): BatchJob => js[i] as BatchJob;
  let t = job(0).submit;
  const queue: number[] = [0];
  let next = 1;
  const running: number[] = [];
  let free = machine;
  const fits = (i: number): boolean => job(i).procs <= free;
  const run = (i: number): void => {
    start[i] = t;
    free -= job(i).procs;
    running.push(i);
    queue.splice(queue.indexOf(i), 1);
  };
  const end = (i: number): number => (start[i] as number) + job(i).run;
  /** One step: the next arrival if it comes at or before the earliest actual end, else that end. */
  const step = (): void => {
    running.sort((a, b) => end(a) - end(b));
    const release = running.length > 0 ? end(running[0] as number) : Infinity;
    if (next < n && job(next).submit <= release) {
      t = Math.max(t, job(next).submit);
      queue.push(next++);
    } else {
      t = Math.max(t, release);
      free += job(running.shift() as number).procs;
    }
  };
  for (;;) {
    queue.sort((a, b) => key(job(a), t)[0] - key(job(b), t)[0] || key(job(a), t)[1] - key(job(b), t)[1]);
    const head = queue[0] as number;
    if (!fits(head)) {
      // The reservation, once per head: walk the running jobs by requested end until the head fits.
      let shadow = t;
      if (backfill) {
        running.sort((a, b) => (start[a] as number) + job(a).requested - ((start[b] as number) + job(b).requested));
        let f = free;
        for (const r of running) {
          f += job(r).procs;
          shadow = (start[r] as number) + job(r).requested;
          if (f >= job(head).procs) break;
        }
      }
      while (!fits(head)) {
        if (backfill) {
          queue.sort((a, b) => job(a).submit - job(b).submit);
          for (const c of [...queue]) if (t + job(c).requested < shadow && fits(c)) run(c);
        }
        step();
      }
    }
    run(head);
    if (queue.length > 0) continue;
    if (next >= n) break;
    while (queue.length === 0) step();
  }
  return start;
}

/** A log of `count` jobs (deterministic LCG): bursts of equal submit times, odd requests, -1 fields. */
function records(seed: number, count: number, machine: number): SwfRecord[] {
  let s = seed;
  const rnd = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor(s / 65536) % k;
  };
  let t = 100;
  return Array.from({ length: count }, (_, i) => {
    t += rnd(3) === 0 ? 0 : rnd(200);
    const kind = rnd(10);
    const run = kind === 0 ? -1 : 1 + rnd(kind < 5 ? 30 : 900);
    const width = kind === 1 ? machine + 1 + rnd(4) : 1 + rnd(kind < 3 ? machine : Math.max(1, machine >> 2));
    const req = kind === 0 || kind === 2 ? -1 : kind === 3 ? Math.max(1, run - rnd(20)) : kind === 4 ? 0 : run + rnd(500);
    const f: Record<string, number> = Object.fromEntries(SWF_FIELDS.map((k) => [k, -1]));
    Object.assign(f, { jobNumber: i + 1, submitTime: t, runTime: run, allocatedProcessors: width, requestedProcessors: width, requestedTime: req, status: 1 });
    return { ...f, line: i + 2 } as unknown as SwfRecord;
  });
}

describe('the main simulator against the protocol loop written out', () => {
  it('a shadow already past stays past: a job logged with run and requested time -1 does not backfill before it (was: started at once, delaying the head)', async () => {
    const job = (index: number, submit: number, run: number, procs: number, requested: number): BatchJob => ({ index, id: index + 1, submit, run, procs, requested, clamped: false });
    // Job 1 (2 of 4 processors, run 10 from a logged −1, requested −1) runs from 0. Job 2 needs all
    // 4 at t = 1: its shadow is job 1's requested end, 0 + (−1) = −1. Job 3 (requested −1) arrives
    // at 1 too: 1 + (−1) = 0 is not before −1, so it waits; job 2 starts at 10, job 3 at 110.
    // With the shadow moved up to now (1), 0 < 1 backfilled job 3 at 1 and job 2 waited until 11.
    const js = [job(0, 0, 10, 2, -1), job(1, 1, 100, 4, 100), job(2, 1, 10, 2, -1)];
    expect(loop(js, 4, 'fcfs', true)).toEqual([0, 10, 110]);
    const r = await replayReferenceWindow(js, 0, 3, 4, { order: 'fcfs', backfill: 'easy' });
    expect([...r.startTimes]).toEqual([0, 10, 110]);
  });

  const HEADER = { file: 'gen.swf', lines: [], fields: new Map() };
  for (const machine of [4, 32]) {
    for (const seed of [1, 2, 3]) {
      it(`${machine} processors, seed ${seed}: same start times for FCFS, SJF, F1, WFP3 and UNICEP, without and with EASY`, async () => {
        const w = batchWorkloadFromRecords('gen.swf', HEADER, records(seed, 300, machine), machine);
        for (const order of ['fcfs', 'sjf', 'f1', 'wfp3', 'unicep'] as const) {
          for (const backfill of [false, true]) {
            const r = await replayReferenceWindow(w.jobs, 0, w.jobs.length, machine, { order, backfill: backfill ? 'easy' : 'none' });
            expect([...r.startTimes], `${order}${backfill ? '+easy' : ''}`).toEqual(loop(w.jobs, machine, order, backfill));
          }
        }
      });
    }
  }
});
