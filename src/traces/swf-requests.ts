import { z } from 'zod';
import { TraceFormatError, UserError } from '../core/errors.js';
import type { Request } from '../core/model.js';
import { PRIORITIES, type Priority } from '../core/priority.js';
import { arrivalSortFor, unsortedRuleSchema, type UnsortedRule } from './arrival-order.js';
import { UniqueIds } from './reading.js';
import { openSwf, type SwfRecord } from './swf.js';
import type { RequestStream, TraceReadOptions } from './types.js';

/*
 * SWF logs as requests for the generic simulator (`kind: swf`): which records are replayed, and
 * how each becomes a `Request`. The format itself (header, 18 fields, streaming) is swf.ts.
 */

export interface SwfRequestOptions {
  /**
   * Which records become requests. `valid` (default): only jobs that ran (run time > 0) on a
   * known number of processors (> 0); cancelled-before-start and unknown-size records are skipped
   * (reported through `onSkip`). `all`: every record; an unknown (negative) run time becomes
   * 0 seconds and an unknown width 0 processors (reported through `onAdjust`).
   */
  readonly jobs?: 'all' | 'valid';
  /** Priority of a record (default: `medium` for all, or `queuePriorities`). */
  readonly priorityOf?: (record: SwfRecord) => Priority;
  /** Priority by SWF queue number (field 15); queues not listed get `medium`. */
  readonly queuePriorities?: Readonly<Record<number, Priority>>;
  /**
   * A job submitted before the job above it: `error` (default; the SWF definition orders a log by
   * submit time, and the log is streamed), `sort` (the log is read whole and replayed sorted by
   * submit time, stable: ties keep file order) or `{ window: seconds }` (streamed, jobs that go
   * back at most that far reordered); each moved job is reported through `onAdjust` with the
   * reason 'reordered-by-submit-time'. See arrival-order.ts.
   */
  readonly unsorted?: UnsortedRule;
  /** Called for every job record read (before it is skipped, kept or held for the sort). */
  readonly onRecord?: (record: SwfRecord) => void;
  /** Called for every record skipped under `jobs: 'valid'`. */
  readonly onSkip?: (record: SwfRecord, reason: string) => void;
  /** Called for every unknown run time or width that `jobs: 'all'` reads as 0, and every job `unsorted: 'sort'` moves. */
  readonly onAdjust?: (record: SwfRecord, reason: string) => void;
  /** Under `unsorted`, before each job given back from those held: how many are still held (trace-stats.ts `noteHeld`). */
  readonly onHeld?: (pending: number) => void;
}

/**
 * The options a scenario file may give an SWF trace (`trace.options`), checked with zod: the
 * serialisable subset of `SwfRequestOptions`. Queue numbers are object keys, so strings.
 */
export const swfRequestOptionsSchema = z.strictObject({
  jobs: z.enum(['all', 'valid']).optional(),
  queuePriorities: z.record(z.string().regex(/^-?\d+$/, 'a queue number'), z.enum(PRIORITIES)).optional(),
  unsorted: unsortedRuleSchema.optional(),
});

const KIB_PER_GIB = 1024 * 1024;

/**
 * Stream an SWF log as core `Request`s, in file order, or in submit-time order under
 * `unsorted: 'sort'` (the generic simulator's trace reader).
 *
 * - id: the job number (a number replayed twice is an error); tenant: the user id (field 12;
 *   `unknown` when -1). arrival: submit time minus the first replayed job's (the trace starts at 0);
 *   under `unsorted: 'sort'`, minus the earliest replayed job's, in submit-time order.
 * - demand: cpu = processors = max(allocated, requested) (fields 5 and 8); memory (GiB) =
 *   requested memory (field 10) if known, else used memory (field 7), else 0, times processors
 *   (the SWF gives KB per processor); every other dimension (gpu) 0. Dimensions the scenario's
 *   space does not have are dropped; it must have `cpu`.
 * - duration: run time (field 4); requestedDuration: requested time (field 9) if > 0, else run time.
 * - priority: `medium` unless `priorityOf` or `queuePriorities` says otherwise.
 */
export function readSwfRequests(path: string, opts: TraceReadOptions & SwfRequestOptions): RequestStream {
  const cpu = opts.space.indexOf('cpu');
  if (cpu < 0) throw new UserError(`an SWF trace needs a 'cpu' resource dimension (the scenario has: ${opts.space.names.join(', ')})`, { file: path });
  const mem = opts.space.indexOf('memory');
  const all = opts.jobs === 'all';
  const limit = opts.limit ?? Infinity;
  arrivalSortFor(opts.unsorted); // the rule checked before any reading
  const priorityOf =
    opts.priorityOf ?? (opts.queuePriorities === undefined ? (): Priority => 'medium' : (r: SwfRecord): Priority => opts.queuePriorities?.[r.queueNumber] ?? 'medium');
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<Request> {
      if (!(limit > 0)) return;
      const f = await openSwf(path);
      let origin: number | undefined;
      let last: SwfRecord | undefined;
      const ids = new UniqueIds();
      /** Under `unsorted: 'sort'`: the jobs to replay with their records, until the log is read. */
      const held = arrivalSortFor<Request>(opts.unsorted);
      let n = 0;
      /** Records read, and those `jobs: valid` left out by reason: what the no-job error says. */
      let records = 0;
      const leftOut = new Map<string, number>();
      try {
        for await (const r of f.records) {
          opts.onRecord?.(r);
          records++;
          const procs = Math.max(r.allocatedProcessors, r.requestedProcessors);
          if (!all && !(r.runTime > 0 && procs > 0 && r.submitTime >= 0)) {
            const reason = !(r.runTime > 0) ? 'run time not positive (cancelled, or unknown)' : !(procs > 0) ? 'unknown number of processors' : 'unknown submit time';
            leftOut.set(reason, (leftOut.get(reason) ?? 0) + 1);
            opts.onSkip?.(r, reason);
            continue;
          }
          if (r.submitTime < 0) throw new TraceFormatError(`job ${r.jobNumber} has submit time ${r.submitTime} (unknown), which jobs: all cannot replay; use jobs: valid to skip such records`, { file: path, line: r.line, field: 'submitTime' });
          origin ??= r.submitTime;
          // The simulator replays in submit order; a log out of order is refused where it goes back.
          if (held === undefined && last !== undefined && r.submitTime < last.submitTime) {
            throw new TraceFormatError(
              `job ${r.jobNumber} is submitted at ${r.submitTime} s, before job ${last.jobNumber} on line ${last.line} (${last.submitTime} s): the log must be in submit-time order, as the SWF definition requires (sort the job lines by their second field, keeping the header lines first), or set the option unsorted: sort (trace.options.unsorted in a scenario) to replay it sorted by submit time (the log is then read whole into memory), or unsorted: { window: SECONDS } to reorder jobs that go back at most that far while streaming`,
              { file: path, line: r.line, field: 'submitTime' },
            );
          }
          last = r;
          ids.check(String(r.jobNumber), { file: path, line: r.line, field: 'jobNumber' });
          const width = Math.max(0, procs);
          const run = Math.max(0, r.runTime);
          if (r.runTime < 0) opts.onAdjust?.(r, 'unknown run time read as 0 s');
          if (procs < 0) opts.onAdjust?.(r, 'unknown number of processors read as 0');
          const perProc = r.requestedMemory > 0 ? r.requestedMemory : r.usedMemory > 0 ? r.usedMemory : 0;
          const demand = new Array<number>(opts.space.size).fill(0);
          demand[cpu] = width;
          if (mem >= 0) demand[mem] = (perProc * width) / KIB_PER_GIB;
          // (Under a sort, the arrival is set when the sorted jobs are yielded.)
          const req: Request = {
            id: String(r.jobNumber),
            tenant: r.userId >= 0 ? String(r.userId) : 'unknown',
            arrival: r.submitTime - origin,
            demand,
            duration: run,
            requestedDuration: r.requestedTime > 0 ? r.requestedTime : run,
            priority: priorityOf(r),
          };
          if (held !== undefined) {
            // Counted as the openb pod lists count theirs: a job submitted before a job above it.
            if (held.add(r.submitTime, req, { file: path, line: r.line, field: 'submitTime' })) opts.onAdjust?.(r, 'reordered-by-submit-time');
            for (const { item, arrival } of held.release()) {
              opts.onHeld?.(held.pending);
              yield { ...item, arrival };
              if (++n >= limit) return;
            }
            continue;
          }
          yield req;
          if (++n >= limit) return;
        }
      } finally {
        f.close();
      }
      // `limit` keeps the earliest jobs.
      for (const { item, arrival } of held?.sorted() ?? []) {
        opts.onHeld?.((held as NonNullable<typeof held>).pending);
        yield { ...item, arrival };
        if (++n >= limit) return;
      }
      // A log with no job to replay is a wrong file or wrong options, not an empty experiment.
      if (n === 0) {
        const why = [...leftOut].map(([reason, k]) => `${reason} ${k}`).join(', ');
        throw new TraceFormatError(
          records === 0
            ? 'no job to replay: the log has no job record, only header lines'
            : `no job to replay: the log has no record with a positive run time and a known processor count and submit time (all ${records} record(s) left out: ${why}; jobs: all replays those with a known submit time)`,
          { file: path },
        );
      }
    },
  };
}
