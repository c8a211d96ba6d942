import { TraceFormatError, UserError } from '../../core/errors.js';
import type { JobFacts } from '../../queue/keys.js';
import { UniqueIds } from '../../traces/reading.js';
import { openSwf, swfMachineSize, type SwfHeader, type SwfRecord } from '../../traces/swf.js';

/**
 * The jobs of an SWF log as the batch replay sees them, read by the reference protocol's rules
 * (`../shared/reference/batch-scheduling.md`, "Reading the log"):
 *
 * - a negative run time (field 4) becomes 10; then only jobs with run time > 0 are kept;
 * - jobs are ordered by job number (field 1) and indexed from 0; two kept jobs with one number
 *   are an error naming both lines (the replay keys its allocations by job number);
 * - processors = max(allocated, requested) (fields 5 and 8); when that is 0 the job takes no
 *   processor (counted in `zeroWidth`), as the reference simulator replays it (it gave 1 before);
 * - requested time = field 9, or, when field 9 is −1, the run time *as logged* (before the
 *   negative → 10 replacement). This is how the reference simulator does it: the request is
 *   filled in when the line is parsed, the run time is repaired later. It concerns the 31
 *   SDSC-SP2 jobs logged with run time −1 and no request (their requested time stays −1); one of
 *   them is inside the reference windows, and the table is the same to two decimals either way.
 *
 * Two rules of our own for logs the reference never met (none of them fires on the three shipped
 * logs):
 * - a job wider than the machine is clamped to the machine size (counted in `clamped`, and
 *   flagged on the job), otherwise it could never start and the replay would stall;
 * - a job whose width is unknown (fields 5 and 8 both negative) gets 1 processor (counted in
 *   `unknownWidth`); the reference simulator allocates −1 node to it and fails when it ends.
 */
export interface BatchJob extends JobFacts {
  /** 0-based index in protocol order (the index windows refer to). */
  readonly index: number;
  /** SWF job number. */
  readonly id: number;
  /** Submit time as logged, seconds. */
  readonly submit: number;
  /** Actual run time, seconds (> 0). */
  readonly run: number;
  /** Requested run time, seconds (what the scheduler may look at). */
  readonly requested: number;
  /** Processors used, 0..machine. */
  readonly procs: number;
  /** True when the log asked for more processors than the machine has (clamped). */
  readonly clamped: boolean;
  /** When clamped: the processors the log asked for. */
  readonly asked?: number;
}

export interface BatchWorkload {
  readonly file: string;
  readonly header: SwfHeader;
  /** Processors of the machine (one processor per node). */
  readonly machine: number;
  /** Where `machine` came from. */
  readonly machineSource: 'MaxProcs' | 'MaxNodes' | 'option';
  readonly jobs: readonly BatchJob[];
  /** Records dropped because their run time is 0 (after −1 → 10). */
  readonly dropped: number;
  /**
   * Records whose run time is negative (−1: unknown), replayed as 10 s by the protocol's rule
   * (5,671 in the SDSC-SP2 log). Absent for workloads not read from a log.
   */
  readonly unknownRunTime?: number;
  /** Jobs wider than the machine, clamped to it. */
  readonly clamped: number;
  /** Jobs with unknown width (fields 5 and 8 both negative), given 1 processor. */
  readonly unknownWidth: number;
  /**
   * Jobs whose width is 0 (the larger of fields 5 and 8 is 0): they take no processor, as the
   * protocol's rule reads and the reference simulator replays them. Absent for workloads not
   * read from a log.
   */
  readonly zeroWidth?: number;
}

export interface LoadOptions {
  /** Machine size in processors; overrides the header (needed when it has neither MaxProcs nor MaxNodes). */
  readonly procs?: number;
}

/** Read an SWF log (plain or gzip) into a batch workload. */
export async function loadBatchWorkload(path: string, opts: LoadOptions = {}): Promise<BatchWorkload> {
  const f = await openSwf(path);
  let machine: number;
  let machineSource: BatchWorkload['machineSource'];
  if (opts.procs !== undefined) {
    if (!Number.isInteger(opts.procs) || opts.procs <= 0) {
      f.close();
      throw new UserError(`machine size must be a positive integer, got ${opts.procs}`, { field: 'procs' });
    }
    machine = opts.procs;
    machineSource = 'option';
  } else {
    const size = swfMachineSize(f.header);
    if (size === undefined) {
      f.close();
      throw new UserError("the SWF header has no MaxProcs or MaxNodes line, so the machine size is unknown; add a '; MaxProcs: N' header line (drs replay-swf also takes --procs N)", {
        file: path,
        field: 'MaxProcs',
      });
    }
    machine = size;
    machineSource = f.header.maxProcs !== undefined ? 'MaxProcs' : 'MaxNodes';
  }
  const b = new WorkloadBuilder(machine, path);
  for await (const r of f.records) b.add(r);
  const w = b.build(path, f.header, machineSource);
  // No job to replay is a wrong file, not windows to fix (it was "the trace has only 0 usable jobs (indexes 0..-1)").
  if (w.jobs.length === 0) {
    throw new TraceFormatError(w.dropped === 0 ? 'no job to replay: the log has no job record, only header lines' : `no job to replay: all ${w.dropped} record(s) have run time 0, which the protocol leaves out`, { file: path });
  }
  return w;
}

/** Apply the protocol's reading rules to parsed records (for tests and in-memory logs). */
export function batchWorkloadFromRecords(
  file: string,
  header: SwfHeader,
  records: Iterable<SwfRecord>,
  machine: number,
  machineSource: BatchWorkload['machineSource'] = 'option',
): BatchWorkload {
  const b = new WorkloadBuilder(machine, file);
  for (const r of records) b.add(r);
  return b.build(file, header, machineSource);
}

/** Turns records into jobs one at a time (the raw records are not kept). */
class WorkloadBuilder {
  private readonly kept: Omit<BatchJob, 'index'>[] = [];
  private dropped = 0;
  private unknownRunTime = 0;
  private clamped = 0;
  private unknownWidth = 0;
  private zeroWidth = 0;
  private readonly ids = new UniqueIds();

  constructor(
    private readonly machine: number,
    private readonly file: string,
  ) {}

  add(r: SwfRecord): void {
    const loggedRun = r.runTime;
    const run = loggedRun < 0 ? 10 : loggedRun;
    if (loggedRun < 0) this.unknownRunTime++;
    if (!(run > 0)) {
      this.dropped++;
      return;
    }
    // A job is replayed at its submit time: an unknown one (−1) cannot be guessed without moving the job.
    if (r.submitTime < 0) {
      throw new TraceFormatError(`job ${r.jobNumber} has submit time ${r.submitTime} (unknown): the protocol replays every job it keeps at its submit time`, { file: this.file, line: r.line, field: 'submitTime' });
    }
    // A dropped record is not replayed, so its number may recur (as in the trace readers).
    this.ids.check(String(r.jobNumber), { file: this.file, line: r.line, field: 'jobNumber' });
    let procs = Math.max(r.allocatedProcessors, r.requestedProcessors);
    if (procs === 0) this.zeroWidth++;
    else if (!(procs > 0)) {
      procs = 1;
      this.unknownWidth++;
    }
    const asked = procs;
    const wide = procs > this.machine;
    if (wide) {
      procs = this.machine;
      this.clamped++;
    }
    this.kept.push({
      id: r.jobNumber,
      submit: r.submitTime,
      run,
      requested: r.requestedTime === -1 ? loggedRun : r.requestedTime,
      procs,
      clamped: wide,
      ...(wide ? { asked } : {}),
    });
  }

  build(file: string, header: SwfHeader, machineSource: BatchWorkload['machineSource']): BatchWorkload {
    // Job numbers are unique (checked in add), so the order is the same whatever the sort.
    this.kept.sort((a, b) => a.id - b.id);
    const jobs: BatchJob[] = this.kept.map((j, index) => ({ index, ...j }));
    const { machine, dropped, unknownRunTime, clamped, unknownWidth, zeroWidth } = this;
    return { file, header, machine, machineSource, jobs, dropped, unknownRunTime, clamped, unknownWidth, zeroWidth };
  }
}

/**
 * What reading the log changed, in words, for the output of every command that replays it: the
 * run times the protocol fills in (−1 → 10 s), the records it leaves out (run time 0) and the
 * widths our rules filled in or cut (jobs
 * wider than the machine are reported per window by the replay). Empty when nothing changed.
 */
export function workloadNotes(w: BatchWorkload): string[] {
  const notes: string[] = [];
  if ((w.unknownRunTime ?? 0) > 0) notes.push(`${w.unknownRunTime} record(s) with an unknown run time (field 4 < 0) run for 10 s, as the protocol does`);
  if (w.dropped > 0) notes.push(`${w.dropped} record(s) with run time 0 are left out, as the protocol does (${w.jobs.length} jobs remain)`);
  if (w.unknownWidth > 0) notes.push(`${w.unknownWidth} job(s) give no processor count (fields 5 and 8 both < 0) and run on 1 processor (a rule of ours: the reference simulator fails when such a job ends)`);
  if ((w.zeroWidth ?? 0) > 0) notes.push(`${w.zeroWidth} job(s) have width 0 (the larger of fields 5 and 8 is 0) and take no processor, as the protocol's rule reads and the reference simulator replays them`);
  return notes;
}

/**
 * The note on the jobs of the windows that asked for more than the machine (empty when none):
 * how many, and the widest. When the size is the header's MaxNodes (no MaxProcs), jobs wider than
 * it usually mean nodes of several processors, which the replay cannot know: the note says so
 * and how to give the processor count, as the machine would otherwise be too small.
 */
export function clampedNotes(w: BatchWorkload, starts: readonly number[], length: number): string[] {
  let clamped = 0;
  let widest = 0;
  for (const s of starts) {
    for (const j of w.jobs.slice(s, s + length)) {
      if (!j.clamped) continue;
      clamped++;
      widest = Math.max(widest, j.asked ?? 0);
    }
  }
  if (clamped === 0) return [];
  const nodes = w.machineSource === 'MaxNodes' ? `; the machine size is the header's MaxNodes (it has no MaxProcs): if a node has several processors, give the machine's processor count (drs replay-swf --procs N; in a protocol scenario, the pool's capacity.cpu)` : '';
  return [`${clamped} job(s) in these windows asked for more than the machine's ${w.machine} processors (up to ${widest}) and were clamped to ${w.machine}${nodes}`];
}

/**
 * The note for a header whose MaxNodes and MaxProcs differ (empty otherwise, or when the machine is
 * not MaxProcs processors). The protocol replays one processor per node, MaxProcs of them; the
 * reference simulator (HPCSimPickJobs.py, cluster.py) builds MaxNodes nodes of MaxProcs / MaxNodes
 * processors and gives a job whole nodes, ceil(width / that), so the two agree exactly when every
 * job's width is a multiple of it (docs/queue-policies.md). The note counts the windows' jobs that
 * are not.
 */
export function wholeNodeNotes(w: BatchWorkload, starts: readonly number[], length: number): string[] {
  const { maxNodes, maxProcs } = w.header;
  if (maxNodes === undefined || maxProcs === undefined || maxNodes === maxProcs || w.machine !== maxProcs) return [];
  const per = maxProcs / maxNodes;
  let odd = 0;
  for (const s of starts) for (const j of w.jobs.slice(s, s + length)) if (Math.ceil(j.procs / per) * per !== j.procs) odd++;
  if (odd === 0) return [];
  const each = Number.isInteger(per) ? String(per) : per.toFixed(3);
  return [
    `the header gives ${maxNodes} nodes and ${maxProcs} processors: this replay uses ${maxProcs} processors, one per node, as the protocol says; the reference simulator gives each job whole nodes of ${each} processors, so its numbers differ here: ${odd} job(s) in these windows have a width that is not a multiple of ${each}`,
  ];
}
