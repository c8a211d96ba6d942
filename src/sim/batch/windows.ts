import { UserError } from '../../core/errors.js';
import { replayWindow, type BatchReplayOptions, type WindowResult } from './replay.js';
import type { BatchWorkload } from './workload.js';

/**
 * Job sequences ("windows") of a trace: each is `length` consecutive jobs starting at a 0-based
 * job index. The reference protocol (RLScheduler, SC'20) uses these 10 windows of 1,024 jobs.
 */
export const REFERENCE_WINDOWS: readonly number[] = [1981, 2756, 4299, 8850, 3316, 2714, 5228, 7762, 4022, 7085];
export const REFERENCE_LENGTH = 1024;

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
        `window starting at job ${s} needs jobs ${s}..${s + length - 1}, but the trace has only ${jobCount} usable jobs (indexes 0..${jobCount - 1}); the last window of ${length} jobs may start at ${jobCount - length}`,
        { ...loc, field: 'windows' },
      );
    }
  }
}

export interface SequenceResult {
  readonly windows: readonly WindowResult[];
  readonly meanBoundedSlowdown: number;
  readonly meanUtilization: number;
}

/** Replay each window independently (empty machine each time) and average. */
export function replayWindows(workload: BatchWorkload, starts: readonly number[], length: number, opts: Omit<BatchReplayOptions, 'machine'>): SequenceResult {
  checkWindows(starts, length, workload.jobs.length, workload.file);
  const windows = starts.map((s) => replayWindow(workload.jobs, s, length, { ...opts, machine: workload.machine }));
  const mean = (f: (w: WindowResult) => number): number => windows.reduce((a, w) => a + f(w), 0) / windows.length;
  return { windows, meanBoundedSlowdown: mean((w) => w.boundedSlowdown), meanUtilization: mean((w) => w.utilization) };
}
