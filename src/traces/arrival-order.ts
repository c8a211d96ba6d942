import { z } from 'zod';
import { TraceFormatError, UserError } from '../core/errors.js';
import { positiveDurationSchema } from '../core/fields.js';
import { DECIMAL } from '../core/timestamp.js';
import { arrivalTooLate, epochUnitProblem } from './reading.js';

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
 * - `unsorted: { window: W }` (seconds): the file is streamed; a record may arrive up to W before
 *   the latest arrival read so far. Records are held, in arrival order, until the latest arrival
 *   read is W past them (the watermark rule of stream processors), so memory is bounded by the
 *   records inside the window, not by the file (the contract of ARCHITECTURE.md's trace readers). A
 *   record that comes back further than W is an error naming its line, how far back it is, and
 *   the window that would take it. The replay equals `sort`'s whenever no record is refused.
 */

/** What a reader does with a record that arrives before a record above it in the file. */
export const UNSORTED_RULES = ['error', 'sort'] as const;
export type UnsortedRule = (typeof UNSORTED_RULES)[number] | { readonly window: number };

/** The option as scenario files write it: `error`, `sort` or `{ window: 10m }` (a duration). */
export const unsortedRuleSchema = z.union([
  z.enum(UNSORTED_RULES),
  // `window` optional in the form, required by the refine: a misspelt key (`{ windw: 60 }`) is then
  // reported as the unknown key it is, with the nearest known one.
  z
    .strictObject({ window: positiveDurationSchema.optional() })
    .refine((o) => o.window !== undefined, { message: 'missing required field (expected a duration: seconds or "10m")', path: ['window'] })
    .transform((o) => ({ window: o.window as number })),
]);

/** The fix an out-of-order error suggests, for readers that have the option. */
export const UNSORTED_HINT = "set 'unsorted: sort' to replay it sorted by arrival (the file is then read whole into memory), or 'unsorted: { window: SECONDS }' to reorder records that come back at most that far while streaming";

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

/**
 * The reader's rule checked: `undefined` for `error` (the reader streams and refuses a record that
 * goes back), else the ArrivalSort that holds the records (whole file, or a window).
 */
export function arrivalSortFor<T>(rule: UnsortedRule | undefined, field = 'unsorted'): ArrivalSort<T> | undefined {
  if (rule === undefined || rule === 'error') return undefined;
  if (rule === 'sort') return new ArrivalSort<T>();
  const w = typeof rule === 'object' && rule !== null ? rule.window : undefined;
  if (typeof w !== 'number' || !(w > 0) || !Number.isFinite(w)) throw new UserError(`must be 'error', 'sort' or { window: SECONDS } with seconds > 0, got ${JSON.stringify(rule)}`, { field });
  return new ArrivalSort<T>(w);
}

const shownTime = (t: number, text: string | undefined): string => (text === undefined || DECIMAL.test(text.trim()) ? String(t) : `'${text.trim()}'`);

/** Records held for `unsorted: sort` (the whole file) or `unsorted: { window }`, given back sorted by arrival. */
export class ArrivalSort<T> {
  /** Whole-file mode: in file order until `sorted`; window mode: in arrival order (stable), from `head` on. */
  private held: Held<T>[] = [];
  private head = 0;
  private latest = -Infinity;
  private latestAt: Held<T> | undefined;
  /** The latest arrival given back so far (window mode): nothing earlier may be added any more. */
  private released = -Infinity;
  private origin: number | undefined;

  /** `window`: seconds a record may come back (window mode); without it, the whole file is held. */
  constructor(private readonly window?: number) {}

  /** Records held and not given back yet. */
  get pending(): number {
    return this.held.length - this.head;
  }

  /**
   * Hold a record arriving at `t` (the trace's clock, seconds); `text` is the cell as written.
   * True when it arrives before a record above it in the file (the reader counts it as reordered).
   * Window mode: a record before one already given back is an error at its line.
   */
  add(t: number, item: T, at: HeldAt, text?: string): boolean {
    const h: Held<T> = { t, item, at, text };
    if (t < this.released) {
      const latest = this.latestAt as Held<T>;
      const behind = latest.t - t;
      throw new TraceFormatError(
        `arrival ${shownTime(t, text)} is ${behind} s before the latest arrival read so far (line ${latest.at.line}, ${shownTime(latest.t, latest.text)}), further back than the reorder window of ${this.window} s: set 'unsorted: { window: ${Math.ceil(behind)} }' or more, or 'unsorted: sort'`,
        at,
      );
    }
    const back = t < this.latest;
    if (t > this.latest || this.latestAt === undefined) {
      this.latest = Math.max(this.latest, t);
      this.latestAt = h;
    }
    if (this.window === undefined) {
      this.held.push(h);
      return back;
    }
    // Insert after every held record with an arrival ≤ t (ties keep file order); records come
    // nearly sorted, so the search starts from the end.
    let i = this.held.length;
    while (i > this.head && (this.held[i - 1] as Held<T>).t > t) i--;
    this.held.splice(i, 0, h);
    return back;
  }

  /** Window mode: the held records the window has closed on (arrival ≤ latest − window), in order. */
  *release(origin?: number): Generator<{ readonly item: T; readonly arrival: number }> {
    if (this.window === undefined) return;
    const upTo = this.latest - this.window;
    while (this.head < this.held.length && (this.held[this.head] as Held<T>).t <= upTo) yield this.give(this.held[this.head++] as Held<T>, origin);
    // Drop what was given back once it is most of the buffer (amortised O(1) per record).
    if (this.head > 1024 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * The records not given back yet, in arrival order (Array.prototype.sort is stable: ties keep
   * file order), with arrivals relative to `origin` or, without one, to the earliest arrival. A
   * record before a fixed origin is an error at the earliest such record's line.
   */
  *sorted(origin?: number): Generator<{ readonly item: T; readonly arrival: number }> {
    if (this.window === undefined) this.held.sort((a, b) => a.t - b.t);
    while (this.head < this.held.length) yield this.give(this.held[this.head++] as Held<T>, origin);
  }

  /** One record given back; the first sets the origin (the earliest arrival: nothing earlier can follow). */
  private give(h: Held<T>, fixed: number | undefined): { readonly item: T; readonly arrival: number } {
    if (this.origin === undefined) {
      // The earliest record: a clock in epoch milliseconds read as seconds is refused here (reading.ts).
      const unit = epochUnitProblem(h.t, h.text);
      if (unit !== undefined) throw new TraceFormatError(unit, h.at);
      if (fixed !== undefined && h.t < fixed) {
        throw new TraceFormatError(`arrival ${shownTime(h.t, h.text)} is before the origin ${fixed} set by 'origin' (it is the earliest arrival in the file): set 'origin' to at most ${h.t}, or leave it out to start at the earliest arrival`, h.at);
      }
      this.origin = fixed ?? h.t;
    }
    const late = arrivalTooLate(shownTime(h.t, h.text), h.t - this.origin, this.origin);
    if (late !== undefined) throw new TraceFormatError(late, h.at);
    this.released = Math.max(this.released, h.t);
    return { item: h.item, arrival: h.t - this.origin };
  }
}
