import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { replaySwfCommand } from '../../src/cli/replay-swf.js';
import { TraceFormatError } from '../../src/core/errors.js';
import { learnedQueueFactory } from '../../src/queue/learned-queue.js';
import { ORDER_KEY_NAMES } from '../../src/queue/keys.js';
import { BACKFILL_MODES, referencePolicy, replayReferenceWindow } from '../../src/sim/reference/protocol.js';
import { loadBatchWorkload, type BatchJob } from '../../src/sim/reference/workload.js';
import { openSwf } from '../../src/traces/swf.js';

/**
 * SWF logs unlike the three shipped ones, as other sites write them (the Parallel Workloads
 * Archive's definition): MaxNodes without MaxProcs, -1 in most fields, no requested times, CRLF,
 * tabs, comments between jobs, trailing blank lines, headers after the first job, jobs wider
 * than the machine. Replays are checked against a small FCFS computation of our own and against
 * invariants (no start before submit, never more processors in use than the machine has).
 */

const dir = mkdtempSync(path.join(tmpdir(), 'drs-swf-other-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function replayCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false, cwd: dir, env: {} };
  const code = await replaySwfCommand.run(argv, io);
  return { code, out: out.join('\n'), err: err.join('') };
}

// job submit wait run alloc cpu mem reqP reqT reqMem status user group exe queue part prec think
type Job = { n: number; submit: number; run: number; alloc: number; reqP: number; reqT: number; status: number; part: number };
const fields = (j: Job): number[] => [j.n, j.submit, -1, j.run, j.alloc, -1, -1, j.reqP, j.reqT, -1, j.status, 1 + (j.n % 3), 1, -1, 1, j.part, -1, -1];

/**
 * A deterministic 30-job log of machine `machine` (a small LCG, no Math.random): job numbers with
 * gaps, statuses 0/1/5, partitions, some run times 0 (left out) and -1 (10 s), widths -1 (1
 * processor), a few wider than the machine (clamped), requested times -1, under or over the run.
 */
function messyJobs(machine: number, count = 30): Job[] {
  let s = 12345;
  const rnd = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor(s / 65536) % k; // the high bits: the low ones of this LCG cycle fast
  };
  const out: Job[] = [];
  let t = 0;
  let n = 1;
  for (let i = 0; i < count; i++) {
    t += rnd(4) === 0 ? 0 : rnd(300); // equal submit times too
    n += 1 + (rnd(5) === 0 ? rnd(7) : 0); // numbers not contiguous
    const kind = (i * 7) % 12; // every kind of record, each at least twice in 24 jobs
    const run = kind === 0 ? 0 : kind === 1 ? -1 : 1 + rnd(kind < 6 ? 50 : 1500);
    const width = kind === 2 ? -1 : kind === 3 ? machine + 1 + rnd(machine) : 1 + rnd(machine);
    const reqT = kind % 4 === 0 ? -1 : run <= 0 ? 60 : kind === 5 ? Math.max(1, run - 5) : run + rnd(600);
    out.push({ n, submit: t, run, alloc: kind === 4 ? -1 : width, reqP: kind === 7 ? -1 : width, reqT, status: [1, 0, 5][rnd(3)] as number, part: 1 + rnd(2) });
  }
  return out;
}

const lines = (js: readonly Job[], sep = ' '): string[] => js.map((j) => fields(j).join(sep));

/** FCFS without backfilling, computed on its own: job i starts at the first time ≥ max(submit, previous start) at which it fits. */
function fcfsStarts(js: readonly BatchJob[], machine: number): number[] {
  const starts: number[] = [];
  js.forEach((j, i) => {
    let t = Math.max(j.submit, i > 0 ? (starts[i - 1] as number) : -Infinity);
    for (;;) {
      const used = js.slice(0, i).reduce((a, k, m) => (starts[m]! <= t && t < starts[m]! + k.run ? a + k.procs : a), 0);
      if (used + j.procs <= machine) break;
      // The next completion after t.
      t = Math.min(...js.slice(0, i).map((k, m) => starts[m]! + k.run).filter((e) => e > t));
    }
    starts.push(t);
  });
  return starts;
}

const bsld = (js: readonly BatchJob[], starts: ArrayLike<number>): number => js.reduce((a, j, i) => a + Math.max(1, (starts[i]! - j.submit + j.run) / Math.max(j.run, 10)), 0) / js.length;

/** Start ≥ submit, every job starts, and at every start the running jobs fit the machine. */
function checkInvariants(js: readonly BatchJob[], starts: ArrayLike<number>, machine: number): void {
  js.forEach((j, i) => {
    expect(Number.isFinite(starts[i]), `job ${j.id} starts`).toBe(true);
    expect(starts[i]!, `job ${j.id} starts after its submit`).toBeGreaterThanOrEqual(j.submit);
    expect(j.procs).toBeLessThanOrEqual(machine);
  });
  for (let i = 0; i < js.length; i++) {
    const t = starts[i]!;
    const used = js.reduce((a, k, m) => (starts[m]! <= t && t < starts[m]! + k.run ? a + k.procs : a), 0);
    expect(used, `processors in use at ${t}`).toBeLessThanOrEqual(machine);
  }
}

describe('SWF logs the project has not seen', () => {
  const MACHINE = 16;
  const js = messyJobs(MACHINE);
  const header = ['; Version: 2.2', '; Computer: elsewhere', `; MaxNodes: ${MACHINE}`, '; MaxJobs: 30', '; Note: no MaxProcs line;', ';'];
  const plain = write('plain.swf', [...header, ...lines(js), ''].join('\n'));
  // The same log as another site writes it: CRLF, tabs and runs of spaces, comments and blank lines between jobs, trailing blank lines.
  const body = lines(js, '\t').map((l, i) => (i % 2 === 0 ? l : `  ${l.replaceAll('\t', '   ')}`));
  body.splice(10, 0, '; a comment between jobs', '');
  body.splice(20, 0, `; MaxNodes: ${MACHINE}`); // a header repeated after the first job, same value
  const crlf = write('crlf.swf', [...header, ...body, '', '', ''].join('\r\n'));

  it('reads CRLF, tabs, comments and blank lines between jobs, and a repeated header, as the plain log', async () => {
    const a = await loadBatchWorkload(plain);
    const b = await loadBatchWorkload(crlf);
    expect(a.machine).toBe(MACHINE);
    expect(a.machineSource).toBe('MaxNodes');
    expect(b.jobs.map(({ ...j }) => j)).toEqual(a.jobs.map(({ ...j }) => j));
    // Every record is accounted for: kept, or left out for run time 0.
    expect(a.jobs.length + a.dropped).toBe(js.length);
    expect(a.dropped).toBe(js.filter((j) => j.run === 0).length);
    expect(a.clamped).toBeGreaterThan(0);
    expect(a.unknownWidth).toBeGreaterThan(0);
    expect(a.unknownRunTime).toBeGreaterThan(0);
  });

  it('FCFS without backfilling gives the start times and bounded slowdown of an independent computation', async () => {
    const w = await loadBatchWorkload(crlf);
    const n = w.jobs.length;
    const r = await replayReferenceWindow(w.jobs, 0, n, w.machine, { order: 'fcfs', backfill: 'none' });
    const expected = fcfsStarts(w.jobs, w.machine);
    expect([...r.startTimes]).toEqual(expected);
    expect(r.boundedSlowdown).toBeCloseTo(bsld(w.jobs, expected), 10);
    // The same number through the command, on the log as written.
    const cli = await replayCli(['crlf.swf', '--windows', '0', '--length', String(n), '--json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.out).meanBoundedSlowdown).toBeCloseTo(bsld(w.jobs, expected), 10);
  });

  it('every policy, with and without backfilling, starts no job before its submit time and never uses more than the machine', async () => {
    const w = await loadBatchWorkload(crlf);
    for (const order of ORDER_KEY_NAMES) {
      for (const backfill of BACKFILL_MODES) {
        const r = await replayReferenceWindow(w.jobs, 0, w.jobs.length, w.machine, { queue: () => referencePolicy(order, backfill) });
        checkInvariants(w.jobs, r.startTimes, w.machine);
      }
    }
  });

  it.each(['hpc2n', 'sdsc-sp2'])('learned-queue:%s runs on machines of other sizes and on a log with no requested time', async (model) => {
    for (const machine of [1, 3, MACHINE, 5000]) {
      // Requested times all -1 (a model's log): the protocol requests the run time.
      const noReq = messyJobs(machine).map((j) => ({ ...j, reqT: -1 }));
      write(`noreq-${machine}.swf`, [`; MaxNodes: ${machine}`, ...lines(noReq), ''].join('\n'));
      const w = await loadBatchWorkload(path.join(dir, `noreq-${machine}.swf`));
      for (const backfill of ['none', 'easy'] as const) {
        const queue = learnedQueueFactory(model, referencePolicy('fcfs', backfill).backfill);
        const r = await replayReferenceWindow(w.jobs, 0, w.jobs.length, w.machine, { queue, backfill });
        checkInvariants(w.jobs, r.startTimes, w.machine);
        expect(Number.isFinite(r.boundedSlowdown)).toBe(true);
      }
      const cli = await replayCli([`noreq-${machine}.swf`, '--windows', '0', '--length', String(w.jobs.length), '--policy', `learned-queue:${model}`, '--backfill', 'easy', '--json']);
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.out)).toMatchObject({ machine, jobs: w.jobs.length });
    }
  });

  it('clamps a job wider than the machine to it and says so, on a machine of one processor too (no stall)', async () => {
    write('one.swf', ['; MaxProcs: 1', '1 0 -1 100 4 -1 -1 4 100 -1 1 1 1 -1 1 -1 -1 -1', '2 5 -1 10 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1', ''].join('\n'));
    const cli = await replayCli(['one.swf', '--windows', '0', '--length', '2']);
    expect(cli.code).toBe(0);
    // Job 1 runs 0–100 on the one processor; job 2 waits 95 s: bsld (1 + (95 + 10) / 10) / 2 = 5.75.
    expect(cli.out).toMatch(/mean\s+5\.75/);
    expect(cli.out).toContain("note: 1 job(s) in these windows asked for more than the machine's 1 processors (up to 4) and were clamped to 1");
  });

  it('says, when the machine size is MaxNodes and jobs are wider, that nodes may have several processors and how to give them', async () => {
    write('nodes.swf', ['; MaxNodes: 4', '1 0 -1 100 8 -1 -1 8 100 -1 1 1 1 -1 1 -1 -1 -1', '2 10 -1 100 6 -1 -1 2 100 -1 1 1 1 -1 1 -1 -1 -1', '3 20 -1 10 1 -1 -1 1 100 -1 1 1 1 -1 1 -1 -1 -1', ''].join('\n'));
    const cli = await replayCli(['nodes.swf', '--windows', '0', '--length', '3', '--json']);
    expect(cli.err).toContain(
      "note: 2 job(s) in these windows asked for more than the machine's 4 processors (up to 8) and were clamped to 4; the machine size is the header's MaxNodes (it has no MaxProcs): if a node has several processors, give the machine's processor count (drs replay-swf --procs N; in a protocol scenario, the pool's capacity.cpu)\n",
    );
    // With the processor count nothing is clamped, and nothing is said.
    const procs = await replayCli(['nodes.swf', '--windows', '0', '--length', '3', '--json', '--procs', '8']);
    expect(JSON.parse(procs.out)).toMatchObject({ machine: 8, clampedInWindows: 0 });
    expect(procs.err).toBe('');
    // Only the windows' jobs count: a window without the wide jobs has no note.
    expect((await replayCli(['nodes.swf', '--windows', '2', '--length', '1', '--json'])).err).toBe('');
  });
});

describe('SWF header lines after the first job', () => {
  const job = (n: number, submit: number, procs: number): string => `${n} ${submit} -1 100 ${procs} -1 -1 ${procs} 100 -1 1 1 1 -1 1 -1 -1 -1`;

  async function readAll(p: string): Promise<number> {
    const f = await openSwf(p);
    let n = 0;
    for await (const _ of f.records) n++;
    return n;
  }

  it('refuses a later MaxProcs that changes the machine size, naming its line and the first one (was skipped: the log replayed on the smaller machine)', async () => {
    const p = write('grows.swf', ['; MaxProcs: 8', job(1, 0, 2), job(2, 10, 4), '; MaxProcs: 16', job(3, 20, 12), ''].join('\n'));
    const e = await readAll(p).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as TraceFormatError).location).toMatchObject({ file: p, line: 4, field: 'MaxProcs' });
    expect((e as TraceFormatError).message).toContain("header 'MaxProcs: 16' comes after the first job (line 2) and the header before it gives 8 (line 1)");
    const cli = await replayCli(['grows.swf', '--windows', '0', '--length', '3']).catch((x: unknown) => x);
    expect(cli).toBeInstanceOf(TraceFormatError);
  });

  it('refuses a machine size given only after the first job', async () => {
    const p = write('late-nodes.swf', ['; MaxProcs: 8', job(1, 0, 2), '; MaxNodes: 4', job(2, 10, 4), ''].join('\n'));
    const e = (await readAll(p).catch((x: unknown) => x)) as TraceFormatError;
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.location).toMatchObject({ line: 3, field: 'MaxNodes' });
    expect(e.message).toContain('the header before it gives no MaxNodes');
  });

  it('accepts a repeated header with the same value, -1, and other comments between jobs', async () => {
    const p = write('repeat.swf', ['; MaxProcs: 8', job(1, 0, 2), '; MaxProcs: 8 (again)', '; MaxNodes: -1', '; Note: site maintenance', job(2, 10, 4), ''].join('\n'));
    expect(await readAll(p)).toBe(2);
  });
});

describe('SWF logs with no job to replay', () => {
  it('says so, for a log of header lines only and one whose every record has run time 0 (was "only 0 usable jobs (indexes 0..-1)")', async () => {
    write('empty.swf', '; MaxProcs: 8\n;\n\n');
    write('zeros.swf', ['; MaxProcs: 8', '1 0 -1 0 1 -1 -1 1 10 -1 1 1 1 -1 1 -1 -1 -1', '2 5 -1 0 1 -1 -1 1 10 -1 5 1 1 -1 1 -1 -1 -1', ''].join('\n'));
    const empty = await replayCli(['empty.swf', '--windows', '0', '--length', '1']).catch((x: unknown) => x);
    expect(empty).toBeInstanceOf(TraceFormatError);
    expect((empty as TraceFormatError).message).toBe(`${path.join(dir, 'empty.swf')}: no job to replay: the log has no job record, only header lines`);
    const zeros = await replayCli(['zeros.swf']).catch((x: unknown) => x);
    expect(zeros).toBeInstanceOf(TraceFormatError);
    expect((zeros as TraceFormatError).message).toBe(`${path.join(dir, 'zeros.swf')}: no job to replay: all 2 record(s) have run time 0, which the protocol leaves out`);
  });
});
