import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { modelMessage } from '../core/model-ref.js';
import { isOrderKeyName, ORDER_KEY_NAMES, type OrderKeyName } from '../queue/keys.js';
import { learnedQueueFactory } from '../queue/learned-queue.js';
import type { QueuePolicy } from '../queue/policy.js';
import { BACKFILL_MODES, checkWindows, consecutiveWindows, lateJobs, lateNotes, REFERENCE_LENGTH, REFERENCE_WINDOWS, referencePolicy, replayReferenceWindows, type BackfillMode } from '../sim/reference/protocol.js';
import { clampedNotes, loadBatchWorkload, wholeNodeNotes, workloadNotes } from '../sim/reference/workload.js';
import { Progress } from '../report/progress.js';
import { listFlag, parseFlags } from './args.js';
import type { CliCommand, CliIo } from './command.js';

const USAGE = `drs replay-swf FILE [options]

Replay an SWF job log (plain or .gz) on one machine under the HPC batch protocol of RLScheduler
(SC'20): each window of consecutive jobs runs alone on an empty machine; prints the mean bounded
slowdown (tau = 10 s) and the utilization of each window and their mean. The replay is the main
simulator (the engine's one scheduling pass) with the generic queue policy and backfilling.

Options:
  --policy NAME        queue order: ${ORDER_KEY_NAMES.join(' | ')} (default fcfs), or
                       learned-queue:MODEL (a shipped model, e.g. learned-queue:sdsc-sp2, or a
                       .json model file; head of line commit only)
  --backfill MODE      ${BACKFILL_MODES.join(' | ')} (default none)
  --windows LIST       comma-separated 0-based start indexes of the windows
                       (default: the protocol's ${REFERENCE_WINDOWS.join(',')})
  --start N --count K  instead of --windows: K consecutive windows from job N
  --length N           jobs per window (default ${REFERENCE_LENGTH})
  --procs N            machine size in processors; default: the header's MaxProcs, else MaxNodes
                       (required when the log has neither)
  --head-of-line H     commit (default, the protocol: the chosen head stays the head until it
                       starts) | reorder (re-sort the queue and re-choose the head at every event)
  --json               print one JSON object:
                       {"trace","policy","backfill","headOfLine","length","machine","jobs",
                       "dropped","unknownRunTime","unknownWidth","clampedInWindows","lateInWindows",
                       "windows":[{"start","boundedSlowdown","utilization"}],"meanBoundedSlowdown",
                       "meanUtilization"}
  --quiet              no progress line (shown on stderr when it is a terminal and the replay
                       runs longer than a second)
  -h, --help           this text

Jobs are read by the protocol's rules (run time > 0 after -1 -> 10, ordered by job number,
processors = max(allocated, requested)); the records each rule changed or left out are counted
in notes (on stderr with --json). A job wider than the machine is clamped to the machine
size; the number of such jobs and the widest request are reported (on stderr with --json),
with a hint to give --procs when the size came from MaxNodes.

Example:
  drs replay-swf ../shared/data/swf/lublin_256.swf.gz --policy sjf --backfill easy`;

interface Parsed {
  readonly file: string;
  readonly policy: OrderKeyName | `learned-queue:${string}`;
  readonly backfill: BackfillMode;
  readonly headOfLine: 'commit' | 'reorder';
  readonly length: number;
  /** --windows; or --start/--count, made into windows once the trace's length is known. */
  readonly starts: readonly number[] | { readonly start: number; readonly count: number } | undefined;
  readonly procs: number | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
}

function parseInteger(flag: string, v: string, min: number): number {
  if (!/^\s*\d+\s*$/.test(v)) throw new UserError(`--${flag} must be an integer ≥ ${min}, got '${v}'`, { field: flag });
  const n = Number(v);
  if (n < min || !Number.isSafeInteger(n)) throw new UserError(`--${flag} must be an integer ≥ ${min}${n < min ? '' : ` and at most ${Number.MAX_SAFE_INTEGER}`}, got ${v.trim()}`, { field: flag });
  return n;
}

const REPLAY_OPTIONS = {
  policy: { type: 'string' },
  backfill: { type: 'string' },
  windows: { type: 'string' },
  start: { type: 'string' },
  count: { type: 'string' },
  length: { type: 'string' },
  procs: { type: 'string' },
  'head-of-line': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]): Parsed | 'help' {
  const { values, positionals } = parseFlags(argv, REPLAY_OPTIONS, USAGE);
  if (values.help === true) return 'help';
  if (positionals.length !== 1) {
    throw new UserError(`${positionals.length === 0 ? 'missing the SWF file (drs replay-swf FILE ...)' : `expected one SWF file, got ${positionals.length}: ${positionals.join(' ')}`}\n${USAGE}`);
  }
  const policy = values.policy ?? 'fcfs';
  const learned = policy.startsWith('learned-queue:') ? (policy as `learned-queue:${string}`) : undefined;
  if (learned === undefined && !isOrderKeyName(policy)) throw new UserError(`unknown --policy '${policy}' (known: ${ORDER_KEY_NAMES.join(', ')}, learned-queue:MODEL)`, { field: 'policy' });
  const backfill = values.backfill ?? 'none';
  if (!(BACKFILL_MODES as readonly string[]).includes(backfill)) {
    throw new UserError(`unknown --backfill '${backfill}' (known: ${BACKFILL_MODES.join(', ')})`, { field: 'backfill' });
  }
  const hol = values['head-of-line'] ?? 'commit';
  if (hol !== 'commit' && hol !== 'reorder') throw new UserError(`--head-of-line must be commit or reorder, got '${hol}'`, { field: 'head-of-line' });
  if (learned !== undefined && hol !== 'commit') throw new UserError(`${learned} always commits to the head it picks; --head-of-line reorder is not available for it`, { field: 'head-of-line' });
  const length = values.length === undefined ? REFERENCE_LENGTH : parseInteger('length', values.length, 1);
  let starts: Parsed['starts'];
  if (values.windows !== undefined) {
    if (values.start !== undefined || values.count !== undefined) throw new UserError('give either --windows or --start/--count, not both', { field: 'windows' });
    starts = listFlag(values.windows, 'windows').map((s) => parseInteger('windows', s, 0));
    if (starts.length === 0) throw new UserError(`--windows needs at least one window start (e.g. 0,5000), got '${values.windows}'`, { field: 'windows' });
  } else if (values.start !== undefined || values.count !== undefined) {
    const start = values.start === undefined ? 0 : parseInteger('start', values.start, 0);
    const count = values.count === undefined ? 1 : parseInteger('count', values.count, 1);
    starts = { start, count };
  }
  const procs = values.procs === undefined ? undefined : parseInteger('procs', values.procs, 1);
  return {
    file: positionals[0] as string,
    policy: learned ?? (policy as OrderKeyName),
    backfill: backfill as BackfillMode,
    headOfLine: hol,
    length,
    starts,
    procs,
    json: values.json === true,
    quiet: values.quiet === true,
  };
}

export const replaySwfCommand: CliCommand = {
  name: 'replay-swf',
  summary: 'replay an SWF job log under the HPC batch protocol (FCFS/SJF/F1/WFP3/UNICEP, EASY/conservative backfilling)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const p = parse(argv);
    if (p === 'help') {
      io.out(USAGE);
      return 0;
    }
    const path = resolve(io.cwd, p.file);
    // The model first: a bad --policy is reported before the log is read.
    let queue: (() => QueuePolicy) | undefined;
    try {
      queue = isOrderKeyName(p.policy) ? undefined : learnedQueueFactory(p.policy.slice('learned-queue:'.length), referencePolicy('fcfs', p.backfill).backfill);
    } catch (e) {
      throw e instanceof UserError ? new UserError(`--policy ${p.policy}: ${modelMessage(e)}`) : e;
    }
    const workload = await loadBatchWorkload(path, p.procs === undefined ? {} : { procs: p.procs });
    // Errors name the log by its full path, as every other error about it does.
    const starts = windowStarts(p, workload.jobs.length, path);
    checkWindows(starts, p.length, workload.jobs.length, path);
    const policy = queue === undefined ? { order: p.policy as OrderKeyName, backfill: p.backfill, headOfLine: p.headOfLine } : { queue, backfill: p.backfill };
    // Progress on a terminal only: piped or logged, stderr keeps only the notes, whatever the speed.
    const progress = p.quiet || !io.interactive ? {} : windowProgress(new Progress(io.err, true), starts.length, p.length);
    const res = await replayReferenceWindows(workload, starts, p.length, { ...policy, ...progress });
    const clamped = res.windows.reduce((a, w) => a + w.clamped, 0);
    const notes = [...workloadNotes(workload), ...clampedNotes(workload, starts, p.length), ...wholeNodeNotes(workload, starts, p.length), ...lateNotes(workload, starts, p.length)];
    if (p.json) {
      io.out(
        JSON.stringify({
          trace: p.file,
          policy: p.policy,
          backfill: p.backfill,
          // The rest of the protocol, so that a result says how it was measured (a reorder run or
          // a --procs machine is not the reference's).
          headOfLine: p.headOfLine,
          length: p.length,
          machine: workload.machine,
          jobs: workload.jobs.length,
          dropped: workload.dropped,
          unknownRunTime: workload.unknownRunTime ?? 0,
          unknownWidth: workload.unknownWidth,
          clampedInWindows: clamped,
          lateInWindows: lateJobs(workload, starts, p.length).reduce((a, w) => a + w.jobs, 0),
          windows: res.windows.map((w) => ({ start: w.start, boundedSlowdown: w.boundedSlowdown, utilization: w.utilization })),
          meanBoundedSlowdown: res.meanBoundedSlowdown,
          meanUtilization: res.meanUtilization,
        }),
      );
      for (const n of notes) io.err(`note: ${n}\n`);
      return 0;
    }
    printTable(io, p, workload.jobs.length, workload.machine, workload.machineSource, res, notes, workload.header.acknowledge);
    return 0;
  },
};

/**
 * Progress of the windows (silent for a run under a second: the protocol's windows of a 100k-job
 * log take about two; one window of 60,000 jobs under a learned queue, most of a minute): windows
 * done, and the arrivals of the current one; the last window closes the line.
 */
export function windowProgress(progress: Progress, windows: number, length: number): { onProgress: (arrivals: number) => void; onWindow: () => void } {
  let done = 0;
  const show = (arrivals: number): void => progress.update(`window ${Math.min(done + 1, windows)}/${windows}`, (done + arrivals / length) / windows, `${arrivals} of ${length} jobs arrived`);
  return {
    onProgress: show,
    onWindow: (): void => {
      done++;
      if (done < windows) show(0);
      else progress.done(`${windows} window(s) replayed`);
    },
  };
}

/**
 * The windows' starts. --start/--count are checked against the trace before the windows are made:
 * a count far beyond the trace (--count 1e20) is a mistake to name, not an array to allocate.
 */
function windowStarts(p: Parsed, jobs: number, file: string): readonly number[] {
  if (p.starts === undefined) {
    // The protocol's windows were chosen for the shipped logs; another log may be shorter. Say
    // that they are the defaults and what fits, not only that "window 1981" does not.
    const need = Math.max(...REFERENCE_WINDOWS) + p.length;
    if (need <= jobs) return REFERENCE_WINDOWS;
    const fit = Math.floor(jobs / p.length);
    const advice = fit >= 1 ? `--start 0 --count ${fit} (the most windows of ${p.length} jobs that fit)` : `a --length of at most ${jobs}`;
    throw new UserError(
      `the default windows (the protocol's: ${p.length} jobs from each of job indexes ${REFERENCE_WINDOWS.join(', ')}) need ${need} usable jobs, but the log has only ${jobs}; choose windows that fit with --windows LIST or --start N --count K, e.g. ${advice}`,
      { file, field: 'windows' },
    );
  }
  if (Array.isArray(p.starts)) return p.starts;
  const { start, count } = p.starts as { start: number; count: number };
  const end = start + count * p.length;
  if (end > jobs) {
    const fit = Math.floor((jobs - start) / p.length);
    throw new UserError(`--start ${start} --count ${count}: ${count} window(s) of ${p.length} jobs need jobs ${start}..${end - 1}, but the trace has only ${jobs} usable jobs (indexes 0..${jobs - 1})${fit >= 1 ? `; at most --count ${fit} from --start ${start}` : ''}`, { file, field: 'count' });
  }
  return consecutiveWindows(start, p.length, count);
}

function printTable(
  io: CliIo,
  p: Parsed,
  jobs: number,
  machine: number,
  source: string,
  res: Awaited<ReturnType<typeof replayReferenceWindows>>,
  notes: readonly string[],
  acknowledge: string | undefined,
): void {
  const lines: string[] = [];
  lines.push(`trace     ${p.file}: ${jobs} jobs, machine ${machine} processors (${source === 'option' ? '--procs' : source})`);
  lines.push(`policy    ${p.policy}, backfill ${p.backfill}, head of line ${p.headOfLine}; ${res.windows.length} window(s) of ${p.length} jobs`);
  lines.push('');
  const head = ['window', 'start', 'bounded slowdown', 'utilization'];
  const rows = res.windows.map((w, i) => [String(i + 1), String(w.start), w.boundedSlowdown.toFixed(2), w.utilization.toFixed(3)]);
  rows.push(['mean', '', res.meanBoundedSlowdown.toFixed(2), res.meanUtilization.toFixed(3)]);
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const fmt = (r: readonly string[]): string => r.map((cell, c) => (c === 0 ? cell.padEnd(width[c] as number) : cell.padStart(width[c] as number))).join('  ');
  lines.push(fmt(head));
  rows.forEach((r, i) => {
    if (i === rows.length - 1) lines.push(width.map((w) => '-'.repeat(w)).join('  '));
    lines.push(fmt(r));
  });
  if (notes.length > 0) lines.push('', ...notes.map((n) => `note: ${n}`));
  if (acknowledge !== undefined) lines.push('', `data: Acknowledge: ${acknowledge} (Parallel Workloads Archive)`);
  io.out(lines.join('\n'));
}
