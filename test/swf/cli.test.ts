import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replaySwfCommand, windowProgress } from '../../src/cli/replay-swf.js';
import { Progress } from '../../src/report/progress.js';
import type { CliIo } from '../../src/cli/command.js';
import { UserError } from '../../src/core/errors.js';
import { SWF_DIR, SWF_LOGS, swfDataPresent } from './data.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-replay-swf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive: false, cwd: dir, env: {} };
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = io();
  const code = await replaySwfCommand.run(argv, o);
  return { code, out: o.stdout.join('\n'), err: o.stderr.join('\n') };
}

async function userError(argv: string[]): Promise<UserError> {
  const e = await replaySwfCommand.run(argv, io()).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

// job submit wait run alloc cpu mem reqP reqT reqMem status user group exe queue part prec think
const line = (n: number, submit: number, run: number, procs: number, req: number): string => `${n} ${submit} -1 ${run} ${procs} -1 -1 ${procs} ${req} -1 1 1 1 -1 1 -1 -1 -1`;
const JOBS = [line(1, 0, 100, 2, 100), line(2, 10, 50, 8, 60), line(3, 20, 30, 1, 40), line(4, 30, 10, 2, 10)].join('\n');
writeFileSync(path.join(dir, 'small.swf'), `; MaxProcs: 4\n${JOBS}\n`);
writeFileSync(path.join(dir, 'noheader.swf'), `; Version: 2\n${JOBS}\n`);

describe('drs replay-swf on a small log', () => {
  it('says what reading the log changed: unknown run times filled in, records left out (run time 0) and jobs without a width', async () => {
    const jobs = [line(1, 0, 100, 2, 100), line(2, 5, 0, 2, 60), line(3, 10, 50, -1, 60), line(4, 20, 30, 1, 40), line(5, 30, 0, 1, 10), line(6, 40, -1, 1, 20)].join('\n');
    writeFileSync(path.join(dir, 'changed.swf'), `; MaxProcs: 4\n${jobs}\n`);
    const table = await run(['changed.swf', '--windows', '0', '--length', '3']);
    expect(table.out).toContain('changed.swf: 4 jobs');
    // Job 6's run time −1 is replayed as 10 s: a rule of the protocol, said as the others are (was silent).
    expect(table.out).toContain('note: 1 record(s) with an unknown run time (field 4 < 0) run for 10 s, as the protocol does');
    expect(table.out).toContain('note: 2 record(s) with run time 0 are left out, as the protocol does (4 jobs remain)');
    expect(table.out).toContain('note: 1 job(s) give no processor count (fields 5 and 8 both < 0) and run on 1 processor (a rule of ours: the reference simulator fails when such a job ends)');
    const json = await run(['changed.swf', '--windows', '0', '--length', '3', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ jobs: 4, dropped: 2, unknownRunTime: 1, unknownWidth: 1, clampedInWindows: 0 });
    expect(json.err).toContain('note: 2 record(s) with run time 0');
    expect(json.err).toContain('note: 1 record(s) with an unknown run time');
  });

  it("a job of width 0 takes no processor; a request of 0 or −1 (with run time −1) is kept as logged: the reference simulator's values", async () => {
    // MaxNodes only (4 processors). Job 1 fills the machine 0-100. Job 2 (allocated 0, requested
    // −1: width 0) starts at once at 10 (bsld 1; given 1 processor it waited until 100). Job 3
    // (2 procs, request 0), job 4 (run −1 → 10, request −1 stays −1) and job 5 (allocated 1,
    // requested −1) all start at 100: bsld (80 + 30) / 30, (70 + 10) / 10 = 8, (60 + 10) / 10 = 7.
    const jobs = [
      '1 0 -1 100 4 -1 -1 4 100 -1 1 1 1 -1 1 -1 -1 -1',
      '2 10 -1 20 0 -1 -1 -1 50 -1 1 1 1 -1 1 -1 -1 -1',
      '3 20 -1 30 2 -1 -1 2 0 -1 1 1 1 -1 1 -1 -1 -1',
      '4 30 -1 -1 1 -1 -1 1 -1 -1 1 1 1 -1 1 -1 -1 -1',
      '5 40 -1 10 1 -1 -1 -1 20 -1 1 1 1 -1 1 -1 -1 -1',
    ].join('\n');
    writeFileSync(path.join(dir, 'quirks.swf'), `; MaxNodes: 4\n${jobs}\n`);
    for (const policy of ['fcfs', 'sjf', 'f1']) {
      for (const backfill of ['none', 'easy']) {
        const r = await run(['quirks.swf', '--windows', '0', '--length', '5', '--policy', policy, '--backfill', backfill, '--json']);
        expect((JSON.parse(r.out) as { meanBoundedSlowdown: number }).meanBoundedSlowdown, `${policy} ${backfill}`).toBeCloseTo((1 + 1 + 110 / 30 + 8 + 7) / 5, 12);
        expect(r.err).toContain("note: 1 job(s) have width 0 (the larger of fields 5 and 8 is 0) and take no processor, as the protocol's rule reads and the reference simulator replays them");
      }
    }
  });

  it('says when MaxNodes and MaxProcs differ and a width is not a whole number of nodes (the reference simulator allocates whole nodes)', async () => {
    // 2 nodes of 2 processors: widths 2 and 4 are whole nodes, 1 and 3 are not.
    const jobs = [line(1, 0, 100, 2, 100), line(2, 10, 50, 1, 60), line(3, 20, 30, 3, 40), line(4, 30, 10, 4, 10)].join('\n');
    writeFileSync(path.join(dir, 'nodes.swf'), `; MaxNodes: 2\n; MaxProcs: 4\n${jobs}\n`);
    const r = await run(['nodes.swf', '--windows', '0', '--length', '4']);
    expect(r.out).toContain('note: the header gives 2 nodes and 4 processors: this replay uses 4 processors, one per node, as the protocol says; the reference simulator gives each job whole nodes of 2 processors, so its numbers differ here: 2 job(s) in these windows have a width that is not a multiple of 2');
    // Whole nodes only (jobs 1 and 4): the two replays agree, nothing to say.
    expect((await run(['nodes.swf', '--windows', '3', '--length', '1'])).out).not.toContain('whole nodes');
    // Equal MaxNodes and MaxProcs (one processor per node in both): nothing to say.
    writeFileSync(path.join(dir, 'nodes1.swf'), `; MaxNodes: 4\n; MaxProcs: 4\n${jobs}\n`);
    expect((await run(['nodes1.swf', '--windows', '0', '--length', '4'])).out).not.toContain('whole nodes');
  });

  it('refuses a job number given twice, naming both lines (was a CapacityError stack trace mid-replay)', async () => {
    writeFileSync(path.join(dir, 'twice.swf'), `; MaxProcs: 4\n${[line(1, 0, 100, 2, 100), line(2, 10, 50, 1, 60), line(2, 20, 30, 1, 40)].join('\n')}\n`);
    const e = await userError(['twice.swf', '--windows', '0', '--length', '3']);
    expect(e.message).toBe(`${path.join(dir, 'twice.swf')}:4, field 'jobNumber': duplicate id '2' (also on line 3): each request needs its own id`);
  });

  it('checks a learned --policy before reading the log', async () => {
    const e = await userError(['no-such-log.swf', '--policy', 'learned-queue:nope']);
    expect(e.message).toMatch(/^--policy learned-queue:nope: no shipped queue model named 'nope'/);
    const empty = await userError(['no-such-log.swf', '--policy', 'learned-queue:']);
    expect(empty.message).toMatch(/^--policy learned-queue:: model name '' is not a name/);
  });

  it('names a folder given as the log (was an EISDIR stack trace)', async () => {
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const e = await userError(['logs']);
    expect(e.message).toBe(`${path.join(dir, 'logs')}: is a folder, not an SWF file`);
  });

  it('replays a window whose submit times go back in job-number order as the reference simulator does, and says so', async () => {
    // 4 processors. Job 1 (2 procs) runs 0-100; job 2 arrives at 50 and runs 50-60; job 3 (submit
    // 20) comes after job 2 in number order, so it arrives at 50 with nothing free; job 4 arrives
    // at 60, before job 2's end at 60 is handled. At 60 job 3 starts (wait 40: (40 + 50) / 50 =
    // 1.8), then job 4 (wait 0). bsld (1 + 1 + 1.8 + 1) / 4 = 1.2; utilization 300 / (4 × 110).
    const jobs = [line(1, 0, 100, 2, 100), line(2, 50, 10, 2, 60), line(3, 20, 50, 1, 60), line(4, 60, 30, 1, 40)].join('\n');
    writeFileSync(path.join(dir, 'back.swf'), `; MaxProcs: 4\n${jobs}\n`);
    const r = await run(['back.swf', '--windows', '0', '--length', '4', '--json']);
    expect(r.code).toBe(0);
    const obj = JSON.parse(r.out) as { meanBoundedSlowdown: number; meanUtilization: number; lateInWindows: number };
    expect(obj.meanBoundedSlowdown).toBeCloseTo(1.2, 12);
    expect(obj.meanUtilization).toBeCloseTo(300 / 440, 12);
    expect(obj.lateInWindows).toBe(1);
    expect(r.err).toContain('note: 1 job(s) in 1 window(s) are submitted before a job with a lower number in their window: the replay keeps job-number order');
    // A window without the pair has no note.
    const clean = await run(['back.swf', '--windows', '2', '--length', '2']);
    expect(clean.code).toBe(0);
    expect(clean.out).not.toContain('lower number');
  });

  it('--json prints exactly one object with the documented keys', async () => {
    const r = await run(['small.swf', '--windows', '0,1', '--length', '3', '--policy', 'sjf', '--backfill', 'easy', '--json']);
    expect(r.code).toBe(0);
    const obj = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['trace', 'policy', 'backfill', 'headOfLine', 'length', 'machine', 'jobs', 'dropped', 'unknownRunTime', 'unknownWidth', 'clampedInWindows', 'lateInWindows', 'windows', 'meanBoundedSlowdown', 'meanUtilization']);
    expect(obj).toMatchObject({ trace: 'small.swf', policy: 'sjf', backfill: 'easy', headOfLine: 'commit', length: 3, machine: 4, jobs: 4, dropped: 0, unknownRunTime: 0, unknownWidth: 0, clampedInWindows: 2, lateInWindows: 0 });
    const windows = obj.windows as { start: number; boundedSlowdown: number; utilization: number }[];
    expect(windows.map((w) => Object.keys(w))).toEqual([
      ['start', 'boundedSlowdown', 'utilization'],
      ['start', 'boundedSlowdown', 'utilization'],
    ]);
    expect(windows.map((w) => w.start)).toEqual([0, 1]);
    expect(obj.meanBoundedSlowdown).toBeCloseTo((windows[0]!.boundedSlowdown + windows[1]!.boundedSlowdown) / 2, 12);
    // Job 2 asks for 8 of 4 processors: clamped, counted (once per window it is in), on stderr.
    expect(r.err).toContain('2 job(s) in these windows asked for more than the machine');
  });

  it('--json says the protocol it measured: head of line, window length and machine size', async () => {
    // A reorder run on a --procs machine printed the same keys as a reference run.
    const r = await run(['small.swf', '--windows', '0', '--length', '2', '--head-of-line', 'reorder', '--procs', '8', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ policy: 'fcfs', backfill: 'none', headOfLine: 'reorder', length: 2, machine: 8 });
  });

  it('prints a table with each window and the mean; --start/--count make consecutive windows', async () => {
    const r = await run(['small.swf', '--start', '0', '--count', '2', '--length', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/window\s+start\s+bounded slowdown\s+utilization/);
    expect(r.out).toMatch(/^1\s+0\s/m);
    expect(r.out).toMatch(/^2\s+2\s/m);
    expect(r.out).toMatch(/^mean\s/m);
    expect(r.out).toContain('machine 4 processors (MaxProcs)');
    expect(r.out).toContain('clamped to 4');
  });

  it('a log without MaxProcs/MaxNodes needs --procs', async () => {
    const e = await userError(['noheader.swf', '--windows', '0', '--length', '4']);
    expect(e.message).toContain('no MaxProcs or MaxNodes');
    expect(e.message).toContain('--procs');
    const r = await run(['noheader.swf', '--windows', '0', '--length', '4', '--procs', '16']);
    expect(r.out).toContain('machine 16 processors (--procs)');
  });

  it('a window beyond the end names the window and the trace length', async () => {
    const e = await userError(['small.swf', '--windows', '0,2', '--length', '3']);
    expect(e.message).toMatch(/window starting at job 2 .* only 4 usable jobs/);
    // The log by its full path, as the other errors about it name it (the argument was relative).
    expect(e.location.file).toBe(path.join(dir, 'small.swf'));
    expect((await userError(['small.swf', '--start', '0', '--count', '9', '--length', '3'])).location.file).toBe(path.join(dir, 'small.swf'));
    // The default (reference) windows do not fit a 4-job log either: said as the defaults, with what fits (was "window starting at job 1981 ...").
    const defaults = await userError(['small.swf']);
    expect(defaults.message).toContain("the default windows (the protocol's: 1024 jobs from each of job indexes 1981, 2756, 4299, 8850, 3316, 2714, 5228, 7762, 4022, 7085) need 9874 usable jobs, but the log has only 4");
    expect(defaults.message).toContain('e.g. a --length of at most 4');
    expect(defaults.location).toMatchObject({ file: path.join(dir, 'small.swf'), field: 'windows' });
    const shorter = await userError(['small.swf', '--length', '2']);
    expect(shorter.message).toContain('need 8852 usable jobs, but the log has only 4; choose windows that fit with --windows LIST or --start N --count K, e.g. --start 0 --count 2 (the most windows of 2 jobs that fit)');
    expect((await run(['small.swf', '--length', '2', '--start', '0', '--count', '2'])).code).toBe(0);
  });

  it('takes --quiet (no progress line), with the same results', async () => {
    const loud = await run(['small.swf', '--windows', '0', '--length', '4', '--json']);
    const quiet = await run(['small.swf', '--windows', '0', '--length', '4', '--json', '--quiet']);
    expect(quiet.out).toBe(loud.out);
    expect(quiet.err).toBe(loud.err);
  });

  it('shows the windows done and the arrivals of the current one once the replay runs past a second (was silent)', () => {
    let t = 0;
    const shown: string[] = [];
    const p = windowProgress(new Progress((s) => shown.push(s), true, () => t), 3, 10_000);
    p.onProgress(4096); // under a second: nothing
    t = 1500;
    p.onProgress(8192);
    t = 1600;
    p.onWindow();
    t = 1650;
    p.onWindow(); // within 100 ms of the last line: not redrawn
    t = 1800;
    p.onWindow();
    expect(shown.map((s) => s.replace('\r\x1b[2K', ''))).toEqual([
      'window 1/3 [#######.................] 27% 8192 of 10000 jobs arrived (2s)',
      'window 2/3 [########................] 33% 0 of 10000 jobs arrived (2s)',
      '', // the last window clears the line
    ]);
  });

  it('rejects unknown flags and bad values', async () => {
    expect((await userError(['small.swf', '--bogus'])).message).toContain("Unknown option '--bogus'");
    expect((await userError(['small.swf', '--policy', 'lifo'])).message).toContain("unknown --policy 'lifo'");
    expect((await userError(['small.swf', '--backfill', 'greedy'])).message).toContain("unknown --backfill 'greedy'");
    expect((await userError(['small.swf', '--length', '0'])).message).toContain('--length');
    expect((await userError(['small.swf', '--windows', '1,x'])).message).toContain("'x'");
    expect((await userError(['small.swf', '--windows', '1', '--start', '0'])).message).toContain('not both');
    expect((await userError([])).message).toContain('missing the SWF file');
    expect((await userError(['missing.swf'])).message).toContain('not found');
  });

  it('--help prints the usage', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('drs replay-swf FILE');
  });
});

const present = swfDataPresent('test/swf/cli');
describe.skipIf(!present)('drs replay-swf on the shipped logs', () => {
  it('Lublin-1, SJF + EASY, default windows: the published 73.31', async () => {
    const r = await run([path.join(SWF_DIR, SWF_LOGS['Lublin-1']), '--policy', 'sjf', '--backfill', 'easy', '--json']);
    const obj = JSON.parse(r.out) as { windows: unknown[]; meanBoundedSlowdown: number; meanUtilization: number };
    expect(obj.windows).toHaveLength(10);
    expect(obj.meanBoundedSlowdown.toFixed(2)).toBe('73.31');
    expect(obj.meanUtilization).toBeGreaterThan(0);
    expect(obj.meanUtilization).toBeLessThanOrEqual(1);
    expect(r.err).toBe('');
  });
});
