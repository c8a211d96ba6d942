import { TraceFormatError } from '../core/errors.js';
import { DECIMAL } from '../core/timestamp.js';

/*
 * Traces whose records are not in arrival order (option `unsorted` of the csv, swf and azure-llm
 * kinds). Many public traces are lists rather than logs (job tables exported from a database,
 * CSVs concatenated from several machines, SWF logs whose submit times go back a few seconds in
 * job-number order):
 *
 * - `unsorted: error` (default): the file is streamed and a record earlier than the one before it
 *   is an error naming its line (ArrivalClock in reading.ts; the SWF reader's own check);
 * - `unsorted: sort`: the whole file is read and held in memory, then replayed sorted by arrival
 *   (stable: ties keep file order), relative to the earliest arrival (or a fixed `origin`). Every
 *   record that arrives before a record above it in the file counts in
 *   `stats.adjusted[<reason>]`, the rule the openb pod lists use (alibaba-gpu.ts).
 */

/** What a reader does with a record that arrives before a record above it in the file. */
export const UNSORTED_RULES = ['error', 'sort'] as const;
export type UnsortedRule = (typeof UNSORTED_RULES)[number];

/** The fix an out-of-order error suggests, for readers that have the option. */
export const UNSORTED_HINT = "set 'unsorted: sort' to replay it sorted by arrival (the file is then read whole into memory)";

/** Where a held record came from, for an origin error. */
export interface HeldAt {
  readonly file: string;
  readonly line: number;
  readonly field: string;
}

interface Held<T> {
  readonly t: number;
  readonly item: T;
  readonly at: HeldAt;
  readonly text: string | undefined;
}

/** Records held for `unsorted: sort`, then given back sorted by arrival. */
export class ArrivalSort<T> {
  private readonly held: Held<T>[] = [];
  private latest = -Infinity;

  /**
   * Hold a record arriving at `t` (the trace's clock, seconds); `text` is the cell as written.
   * True when it arrives before a record above it in the file (the reader counts it as reordered).
   */
  add(t: number, item: T, at: HeldAt, text?: string): boolean {
    const back = t < this.latest;
    if (t > this.latest) this.latest = t;
    this.held.push({ t, item, at, text });
    return back;
  }

  /**
   * The held records in arrival order (Array.prototype.sort is stable: ties keep file order),
   * with arrivals relative to `origin` or, without one, to the earliest arrival. A record before
   * a fixed origin is an error at the earliest such record's line.
   */
  sorted(origin?: number): Iterable<{ readonly item: T; readonly arrival: number }> {
    const held = this.held.sort((a, b) => a.t - b.t);
    const first = held[0];
    if (first === undefined) return [];
    if (origin !== undefined && first.t < origin) {
      const shown = first.text === undefined || DECIMAL.test(first.text.trim()) ? String(first.t) : `'${first.text.trim()}'`;
      throw new TraceFormatError(`arrival ${shown} is before the origin ${origin} set by 'origin' (it is the earliest arrival in the file): set 'origin' to at most ${first.t}, or leave it out to start at the earliest arrival`, first.at);
    }
    const o = origin ?? first.t;
    return (function* () {
      for (const h of held) yield { item: h.item, arrival: h.t - o };
    })();
  }
}
