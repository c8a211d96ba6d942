import { TraceFormatError } from '../core/errors.js';
import type { Request } from '../core/model.js';
import type { RequestStream } from './types.js';

/*
 * What a trace reader did with the records it saw (read, emitted, skipped and adjusted by its
 * documented rules, held for an arrival-order replay), the notes a run prints from that, and the
 * reader's request stream that carries these counts and resets them at each iteration.
 */

/** What a reader did with the records it saw; filled in while the stream is consumed. */
export interface TraceStats {
  /** Data records read (header excluded). */
  records: number;
  /** Requests emitted. */
  emitted: number;
  /** Records not emitted, by reason (never silent: every documented skip rule counts here). */
  skipped: Record<string, number>;
  /** Records emitted after a documented adjustment, by reason (e.g. a clamped duration). */
  adjusted: Record<string, number>;
  /**
   * Records read and held to be replayed in arrival order (`unsorted: sort` or a window, the openb
   * pod list) that were not given back when reading stopped: a run's horizon or a `limit` ends the
   * replay before the file's last arrival. Present only when some are (see `noteHeld`).
   */
  held?: number;
}

/**
 * What reading the trace left out or changed, by its documented rules, in words (empty when
 * nothing): what `drs run` and `drs sweep` print as notes, never silent.
 */
export function traceStatsNotes(stats: TraceStats): string[] {
  const listed = (r: Record<string, number>): string => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    ...(Object.keys(stats.skipped).length > 0 ? [`the trace's ${stats.records} record(s) gave ${stats.emitted} request(s); skipped by its rules: ${listed(stats.skipped)}`] : []),
    ...(Object.keys(stats.adjusted).length > 0 ? [`trace records adjusted by its rules: ${listed(stats.adjusted)}`] : []),
    ...(stats.held !== undefined && stats.held > 0
      ? [`${stats.held} trace record(s) read but not replayed: they arrive after the point where reading stopped (the run's horizon, the trace's limit, or the first requests drs validate reads), and were held only to replay the trace in arrival order`]
      : []),
  ];
}

/**
 * Record how many records a reader holds for its arrival-order replay, before each request it
 * gives back from them: a consumer that stops reading (at its horizon) stops at a yield, so the
 * count then says what it never replayed; 0 leaves no key (a replay read to its end is unchanged).
 */
export function noteHeld(stats: TraceStats, pending: number): void {
  if (pending > 0) stats.held = pending;
  else delete stats.held;
}

/**
 * The error when a reader's documented skip rules left out every record it read (none emitted):
 * a mis-typed or empty column, or a rule that keeps nothing, not an experiment of no requests (the
 * run printed an empty report and exited 0). Says how many records were read and why each was left
 * out (`stats.skipped`), as the SWF reader's "no job to replay" does; `rules` names the reader's
 * options that skip records.
 */
export function nothingToReplay(file: string, stats: TraceStats, rules: string): TraceFormatError {
  const why = Object.entries(stats.skipped).map(([k, v]) => `${k} ${v}`).join(', ');
  return new TraceFormatError(`no request to replay: all ${stats.records} record(s) were left out (${why}), so the trace would hold no requests: check ${rules}`, { file });
}

export function newTraceStats(): TraceStats {
  return { records: 0, emitted: 0, skipped: {}, adjusted: {} };
}

export function countIn(bucket: Record<string, number>, reason: string): void {
  bucket[reason] = (bucket[reason] ?? 0) + 1;
}

/**
 * A request stream that also reports what it did (filled in while it is consumed). Each
 * iteration reads from the start again and yields the same requests; `stats` is reset when an
 * iteration starts, so it describes the latest one.
 */
export interface TraceStream extends RequestStream {
  readonly stats: TraceStats;
}

export function traceStream(stats: TraceStats, gen: () => AsyncGenerator<Request>): TraceStream {
  return {
    stats,
    [Symbol.asyncIterator]: () => {
      stats.records = 0;
      stats.emitted = 0;
      for (const k of Object.keys(stats.skipped)) delete stats.skipped[k];
      for (const k of Object.keys(stats.adjusted)) delete stats.adjusted[k];
      delete stats.held;
      return gen();
    },
  };
}
