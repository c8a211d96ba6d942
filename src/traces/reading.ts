import { TraceFormatError, UserError } from '../core/errors.js';
import { DECIMAL, readDateTime } from '../core/timestamp.js';
import type { Priority } from '../core/priority.js';
import type { ResourceSpace } from '../core/resources.js';
import type { Rng } from '../core/rng.js';
import type { CsvRow } from './csv-rows.js';

/*
 * Reading plumbing shared by the trace readers (generic CSV, Azure LLM, Alibaba GPU, demand
 * series, synthetic): streaming CSV rows, typed cells, timestamps, weighted tenant and priority
 * shares (what a reader did with its records, and its stream: trace-stats.ts).
 *
 * - Rows stream through csv-parse (csv-rows.ts); a name ending in `.gz` is gunzipped on the fly.
 * - Line numbers are 1-based physical lines of the (decompressed) file, the header being line 1;
 *   for a quoted value spanning lines it is the line on which the record ends.
 * - Every bad value is a TraceFormatError naming file:line and the field (column).
 * - Arrivals are made relative to the first record (its arrival becomes 0), so a replay starts at
 *   0 whatever clock the trace used, or to a fixed `origin`; a record earlier than the one before
 *   it is an error, unless the reader was asked to sort the file (`unsorted: sort`,
 *   arrival-order.ts).
 */

// ---------------------------------------------------------------------------------------------
// Rows (streamed by csv-rows.ts)

export { csvRows, type CsvReadOptions, type CsvRow } from './csv-rows.js';

/**
 * A data row must have as many cells as the header: an extra cell would be dropped unread, a
 * missing one read as empty (a shifted or cut-off row). csvRows relaxes the count so that this
 * error can name the line and the cells.
 */
export function checkRowWidth(file: string, row: CsvRow, header: readonly string[], delimiter = ',', headerIs = 'the header has'): void {
  const n = row.values.length;
  if (n === header.length) return;
  const what = n > header.length ? `extra '${row.values.slice(header.length).join(delimiter)}': a stray '${delimiter}' or a shifted row?` : `no ${header.slice(n).join(', ')}: a missing '${delimiter}' or a cut-off row?`;
  throw new TraceFormatError(`${n} cells, but ${headerIs} ${header.length} columns (${what})`, { file, line: row.line });
}

/**
 * Column lookup over a header row; a missing column names the file, the column and the header.
 * `ignoreCase` (readers of a fixed, published header: Azure, openb): a column spelled with other
 * case (`timestamp` for `TIMESTAMP`, as a re-export may write it) is found when it is the only
 * such one; an exact match always wins, and two candidates without one is an error naming both.
 */
export class CsvHeader {
  /** The header's names, in file order. */
  readonly names: readonly string[];
  /** The header's line (blank lines before it are skipped: not always 1). */
  readonly line: number;
  private readonly index: ReadonlyMap<string, number>;
  /** A name the header gives more than once → every column that has it: asking for it is an error (which one is meant?). */
  private readonly again: ReadonlyMap<string, readonly number[]>;

  /**
   * `option`: the names come from the reader's options (a file without a header row), not from
   * the file; a missing column is then the options' mistake, a UserError naming the mapped field.
   */
  constructor(
    readonly file: string,
    header: CsvRow,
    private readonly ignoreCase = false,
    private readonly option?: string,
  ) {
    this.names = header.values;
    this.line = header.line;
    const m = new Map<string, number>();
    const again = new Map<string, number[]>();
    this.names.forEach((n, i) => {
      const first = m.get(n);
      if (first === undefined) m.set(n, i);
      else again.set(n, [...(again.get(n) ?? [first]), i]);
    });
    this.index = m;
    this.again = again;
  }

  private find(column: string): number | undefined {
    const exact = this.index.get(column);
    const all = this.again.get(column);
    if (all !== undefined) {
      throw new TraceFormatError(`the header names column '${column}' ${times(all.length)} (columns ${listed(all.map((i) => String(i + 1)))}), so which one is meant is unknown: ${renameAllButOne(all.length)}`, {
        file: this.file,
        line: this.line,
        field: column,
      });
    }
    if (exact !== undefined || !this.ignoreCase) return exact;
    const want = column.toLowerCase();
    const hits = this.names.flatMap((n, i) => (n.toLowerCase() === want ? [i] : []));
    if (hits.length > 1) {
      throw new TraceFormatError(
        `columns ${listed(hits.map((i) => `'${this.names[i]}'`))} ${hits.length === 2 ? 'both' : 'all'} read as '${column}' (header names are matched ignoring case): ${renameAllButOne(hits.length)}`,
        { file: this.file, line: this.line, field: column },
      );
    }
    return hits[0];
  }

  has(column: string): boolean {
    return this.find(column) !== undefined;
  }

  /** Index of `column`; throws a TraceFormatError naming what it was needed for. */
  require(column: string, forField?: string): number {
    const i = this.find(column);
    if (i === undefined && this.option !== undefined) {
      const field = forField === undefined ? this.option : /^(where|exclude)\./.test(forField) ? forField : `columns.${forField}`;
      throw new UserError(`no column '${column}' among those named in '${this.option}' (${this.names.join(', ')})`, { field });
    }
    if (i === undefined) {
      const what = forField === undefined || forField === column ? '' : ` (mapped to '${forField}')`;
      throw new TraceFormatError(`missing column '${column}'${what}; header has: ${this.names.join(', ')}`, { file: this.file, line: this.line, field: column });
    }
    return i;
  }

  optional(column: string): number | undefined {
    return this.find(column);
  }
}

/** "twice", "3 times". */
function times(n: number): string {
  return n === 2 ? 'twice' : `${n} times`;
}

/** "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
}

function renameAllButOne(n: number): string {
  return n === 2 ? 'rename one' : 'rename all but one';
}

/** Where a value came from, for error messages. */
export interface Cell {
  readonly file: string;
  readonly line: number;
  readonly field: string;
}

export function cellValue(row: CsvRow, index: number): string {
  return row.values[index] ?? '';
}

export function bad(cell: Cell, msg: string): TraceFormatError {
  return new TraceFormatError(msg, { file: cell.file, line: cell.line, field: cell.field });
}

/**
 * Request ids read so far, with their lines: a second request with an id already read is refused
 * naming both lines (the simulator keys allocations and events by id, so two requests with one id
 * would collide mid-run, far from the file).
 */
export class UniqueIds {
  private readonly seen = new Map<string, number>();

  check(id: string, cell: Cell): void {
    const first = this.seen.get(id);
    if (first !== undefined) throw bad(cell, `duplicate id '${id}' (also on line ${first}): each request needs its own id`);
    this.seen.set(id, cell.line);
  }
}

/**
 * A finite plain decimal number (`12`, `-0.5`, `1e3`); empty or non-numeric is an error, and so
 * is what `Number` alone would take: `0x10` (16), `0b11`, `Infinity`, as the SWF reader refuses them.
 */
export function parseNumberCell(raw: string, cell: Cell): number {
  const v = DECIMAL.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(v)) throw bad(cell, raw === '' ? 'empty value, expected a number' : `'${raw}' is not a number${SEPARATED.test(raw) ? ` (${SEPARATOR_HINT})` : ''}`);
  return v;
}

/** Digits grouped by a separator or with a decimal comma, as spreadsheets export them: `1,200`, `1 200`, `1'200`, `1_200`, `1,5`. */
const SEPARATED = /^[-+]?\d+([,' _]\d+)+(\.\d+)?$/;
const SEPARATOR_HINT = "a thousands separator or a decimal comma? write digits only, with '.' as the decimal point (1200, 1.5)";

/** A finite number ≥ 0. */
export function parseNonNegativeCell(raw: string, cell: Cell): number {
  const v = parseNumberCell(raw, cell);
  if (v < 0) throw bad(cell, `${v} is negative, expected ≥ 0`);
  return v;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'n', 'f', '']);

/** true/false, yes/no, 1/0 (case-insensitive); empty = false. */
export function parseBooleanCell(raw: string, cell: Cell): boolean {
  const s = raw.toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  throw bad(cell, `'${raw}' is not a boolean (use true/false, yes/no or 1/0)`);
}

// ---------------------------------------------------------------------------------------------
// Timestamps

export type TimestampFormat = 'number' | 'iso' | 'auto';

/**
 * A timestamp in seconds, multiplied by `scale` whatever the format.
 * - `number`: a plain number (`scale` 0.001 for milliseconds).
 * - `iso`: `YYYY-MM-DD[ T]HH:MM[:SS[.fraction]][Z|±HH[:MM]]`, any number of fraction digits
 *   (the Azure trace has seven); a date without a zone is taken as UTC. Gives Unix seconds
 *   (× `scale`: 0.05 replays a dated trace 20 times faster; it was ignored for dates, silently).
 * - `auto`: a number if it parses as one, else an ISO date.
 * Returns undefined when the text is not a timestamp of that format.
 */
export function parseTimestamp(raw: string, format: TimestampFormat = 'auto', scale = 1): number | undefined {
  const t = readTimestamp(raw, format, scale);
  return typeof t === 'number' ? t : undefined;
}

function readTimestamp(raw: string, format: TimestampFormat, scale: number): number | { readonly error: string } | undefined {
  const s = raw.trim();
  if (s === '') return undefined;
  if (format !== 'iso' && DECIMAL.test(s)) {
    // `1e400`, or `1e300` at scale 1e10, is Infinity: a first record there made every arrival NaN (∞ − ∞).
    const t = Number(s) * scale;
    return Number.isFinite(t) ? t : { error: `'${s}'${scale === 1 ? '' : ` × scale ${scale}`} is ${TOO_LARGE}` };
  }
  if (format === 'number') return undefined;
  const t = readDateTime(s);
  return typeof t === 'number' ? t * scale : t;
}

/** The end of the error for a number past the largest double (about 1.8e308): it reads as Infinity. */
export const TOO_LARGE = `too large a number (beyond ${Number.MAX_VALUE}): a wrong unit or scale, or a damaged value?`;

export function parseTimestampCell(raw: string, cell: Cell, format: TimestampFormat = 'auto', scale = 1): number {
  const t = readTimestamp(raw, format, scale);
  if (typeof t === 'number') return t;
  if (t !== undefined) throw bad(cell, t.error);
  const want = format === 'number' ? 'a number' : format === 'iso' ? 'an ISO date (YYYY-MM-DD HH:MM:SS[.fff][Z|±HH:MM])' : 'a number or an ISO date';
  throw bad(cell, raw === '' ? `empty value, expected ${want}` : `'${raw}' is not ${want}`);
}

/**
 * The longest time a trace may give, in seconds (the SWF reader's bound, SWF_MAX_SECONDS): over
 * 300 years. A longer one is a wrong unit or scale or a damaged value, and past it the run's sums
 * lose whole seconds or overflow (a duration of 1e308 s printed util NaN% and cost ∞; an arrival
 * 1e300 s after the start swallowed its request's 20 s of run time).
 */
export const MAX_TRACE_SECONDS = 1e10;

const TOO_LONG = `more than 1e10 s (over 300 years): a wrong unit or scale, or a damaged value?`;

/** `seconds` (a duration, `what`: 'duration', 'SLO wait', ...) if at most MAX_TRACE_SECONDS, else an error at the cell. */
export function boundedSeconds(seconds: number, cell: Cell, what: string): number {
  if (seconds > MAX_TRACE_SECONDS) throw bad(cell, `${what} ${seconds} s is ${TOO_LONG}`);
  return seconds;
}

/** An arrival `r` seconds after the trace's start `origin` (shown as `shown`): the error when it is past MAX_TRACE_SECONDS. */
export function arrivalTooLate(shown: string, r: number, origin: number): string | undefined {
  return r > MAX_TRACE_SECONDS ? `arrival ${shown} is ${r} s after the trace's start (${origin}), ${TOO_LONG}` : undefined;
}

/**
 * The first arrival of a trace, as a plain number of seconds (after the column's scale) at or past
 * 10¹¹, is after the year 5000: an epoch clock in milliseconds (or finer) read as seconds, which
 * replays the trace 1,000 times too slowly, as arrivals are relative to the first. What to say, or
 * undefined (dates, and the SWF reader's bounded submit times, are never such a number).
 */
export function epochUnitProblem(t: number, text: string | undefined): string | undefined {
  if (text === undefined || !DECIMAL.test(text.trim()) || Math.abs(t) < 1e11) return undefined;
  return `arrival ${text.trim()} read as seconds is after the year 5000: epoch milliseconds? set the arrival column's scale to its unit (0.001 for milliseconds, 0.000001 for microseconds), or write seconds or ISO dates`;
}

/**
 * Makes arrivals relative: the first record's time becomes 0 (or a fixed `origin`, in the trace's
 * own clock after scaling). A record earlier than the one before it is an error (the file is not
 * sorted by arrival: `unsortedHint` names the reader's option to sort it, arrival-order.ts), and
 * so is one earlier than a fixed origin.
 */
export class ArrivalClock {
  private origin: number | undefined;
  private last: { readonly t: number; readonly line: number; readonly shown: string } | undefined;
  private readonly fixed: boolean;

  /**
   * `origin`: a fixed time 0; `settable`: the trace kind has an `origin` option (named in the
   * error); `unsortedHint`: how the kind replays an unsorted file (its option), said in the error.
   */
  constructor(
    origin?: number,
    private readonly settable = false,
    private readonly unsortedHint?: string,
  ) {
    this.origin = origin;
    this.fixed = origin !== undefined;
  }

  /**
   * `text`: the cell as written. A date is shown as written in errors ('2023-11-16 18:15:55.14'
   * tells whoever sorts the file more than 1700158555.14); a plain number as its seconds.
   */
  relative(t: number, cell: Cell, text?: string): number {
    const shown = text === undefined || DECIMAL.test(text.trim()) ? String(t) : `'${text.trim()}'`;
    const unit = this.last === undefined ? epochUnitProblem(t, text) : undefined;
    if (unit !== undefined) throw bad(cell, unit);
    this.origin ??= t;
    // The simulator replays in arrival order: a record earlier than the one before is refused here, with its line.
    // (Without a fixed origin, this is also what a record before the first one is: the file is not sorted.)
    if (this.last !== undefined && t < this.last.t) {
      const fix = this.unsortedHint === undefined ? 'sort the file by arrival' : `sort the file by arrival, or ${this.unsortedHint}`;
      throw bad(cell, `arrival ${shown} is earlier than the record on line ${this.last.line} (${this.last.shown}): ${fix}`);
    }
    const r = t - this.origin;
    if (r < 0) {
      const settable = this.settable ? "; set 'origin' to the earliest time, or leave it out to start at the first record" : '';
      throw bad(cell, `arrival ${shown} is before the origin ${this.origin}${this.fixed ? " set by 'origin'" : ''}${settable}`);
    }
    const late = arrivalTooLate(shown, r, this.origin);
    if (late !== undefined) throw bad(cell, late);
    this.last = { t, line: cell.line, shown };
    return r;
  }
}

// ---------------------------------------------------------------------------------------------
// Weighted classes (tenants, priorities) used by readers that must invent them and by the
// synthetic generator.

export interface TenantShare {
  readonly name: string;
  readonly weight: number;
}

export interface PriorityShare {
  readonly priority: Priority;
  readonly weight: number;
  /** SLO wait for requests of this class, seconds. */
  readonly sloWait?: number;
  /** Share of this class's requests that are preemptible, 0..1 (overrides the global share). */
  readonly preemptibleShare?: number;
}

export function checkShares(what: string, shares: readonly { weight: number }[]): void {
  if (shares.length === 0) throw new UserError(`${what}: needs at least one entry`, { field: what });
  let total = 0;
  shares.forEach((s, i) => {
    if (!(s.weight >= 0) || !Number.isFinite(s.weight)) throw new UserError(`weight must be a finite number ≥ 0, got ${s.weight}`, { field: `${what}[${i}].weight` });
    total += s.weight;
  });
  if (!(total > 0)) throw new UserError(`weights must not all be 0`, { field: what });
  // Two weights of 1e308 add up to Infinity, and every draw then fell to the last entry.
  if (!Number.isFinite(total)) throw new UserError(`weights add up to more than ${Number.MAX_VALUE}; they are relative, so scale them down (e.g. 5, 3, 2)`, { field: what });
}

/** Draw index ∝ weights (thin wrapper so a single class costs no random draw). */
export function drawIndex(rng: Rng, weights: readonly number[]): number {
  return weights.length === 1 ? 0 : rng.weighted(weights);
}

/** A demand record (dimension name → amount) as a vector of `space`; unknown names are a UserError. */
export function demandVector(space: ResourceSpace, record: Readonly<Record<string, number>>, field: string): number[] {
  for (const k of Object.keys(record)) {
    if (!space.has(k)) throw new UserError(`unknown resource dimension '${k}' (the scenario has: ${space.names.join(', ')})`, { field: `${field}.${k}` });
  }
  return space.vector(record);
}

/**
 * The most requests a generated workload (synthetic, demand-series) may be expected to draw. A run generates every request
 * and keeps each in its event log for the metrics (about 80 bytes apiece, columnar; more with
 * dependencies or odd ids), so 10⁸ requests are already ~10 GB: beyond, a run cannot finish on
 * any machine.
 */
export const MAX_EXPECTED_REQUESTS = 1e8;
