/**
 * The cap on the length of a series made from a file. Binning an event log, resampling and gap
 * filling make one point per step from the first timestamp to the last, so one far-off timestamp
 * (a typo in the year, a stray 0, one row in milliseconds) would ask for billions of points: V8
 * aborted ("invalid size error") or the process took gigabytes. 10 million points (80 MB of
 * values) is far more than any series the forecasters backtest in reasonable time; past it the
 * read stops with a TraceFormatError naming the line of the suspect timestamp.
 */
import { TraceFormatError } from '../core/errors.js';

export const MAX_SERIES_POINTS = 10_000_000;

/** An occupied point: its index in steps (from the epoch when it has no line: the message then shows index · step) and its source line. */
export interface Stamp {
  readonly bin: number;
  readonly line?: number;
}

export interface SpanSource {
  file?: string;
  field?: string;
  /** How to get fewer points, e.g. 'give a larger --step'. */
  remedy: string;
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Refuses a series that would hold more than MAX_SERIES_POINTS points, from index `lo` to `hi`.
 * Only then is `stamps` walked (once), to find the lowest two and highest two occupied indexes:
 * the suspect is the end farther from its nearest neighbour (the later one on a tie).
 */
export function checkSeriesSpan(lo: number, hi: number, step: number, stamps: () => Iterable<Stamp>, where: SpanSource): void {
  const points = hi - lo + 1;
  if (points <= MAX_SERIES_POINTS) return;
  let low: Stamp | undefined;
  let low2: Stamp | undefined;
  let high: Stamp | undefined;
  let high2: Stamp | undefined;
  for (const s of stamps()) {
    if (low === undefined || s.bin < low.bin) [low, low2] = [s, low];
    else if (s.bin > low.bin && (low2 === undefined || s.bin < low2.bin)) low2 = s;
    if (high === undefined || s.bin > high.bin) [high, high2] = [s, high];
    else if (s.bin < high.bin && (high2 === undefined || s.bin > high2.bin)) high2 = s;
  }
  // More than one point is asked for, so at least two indexes are occupied.
  const [first, second, last, beforeLast] = [low, low2, high, high2] as [Stamp, Stamp, Stamp, Stamp];
  const early = second.bin - first.bin > last.bin - beforeLast.bin;
  const [suspect, nearest] = early ? [first, second] : [last, beforeLast];
  const at = (s: Stamp): string => (s.line === undefined ? `t = ${s.bin * step} s` : `line ${s.line}`);
  throw new TraceFormatError(
    `the series would need ${count(points)} points, one every ${step} s, between ${at(first)} and ${at(last)}; at most ${count(MAX_SERIES_POINTS)} are allowed. ` +
      `Is the timestamp on ${at(suspect)} right? It is ${count(Math.abs(suspect.bin - nearest.bin))} steps ${early ? 'before' : 'after'} the nearest other, on ${at(nearest)}. Otherwise ${where.remedy}`,
    { file: where.file, line: suspect.line, field: where.field },
  );
}
