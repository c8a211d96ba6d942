/**
 * One cell of a series CSV: a timestamp (epoch seconds, `YYYY-MM-DD HH:MM[:SS]` as UTC or ISO 8601
 * with an offset; core/timestamp.ts) or a value (a plain decimal). Anything else is a
 * TraceFormatError naming the file, line and column and saying what is wrong; an impossible date
 * or time (2024-02-30, 24:00) is refused, never rolled over to another day.
 */
import { BINARY_CSV, isBinaryText } from '../core/csv-text.js';
import { TraceFormatError } from '../core/errors.js';
import { DECIMAL, epochMillisecondsProblem, readDateTime } from '../core/timestamp.js';

const EPOCH_SECONDS = /^-?\d+(\.\d+)?$/;

/** Epoch seconds, or what is wrong with the text. */
function readTimestamp(text: string): number | { error: string } {
  if (EPOCH_SECONDS.test(text)) return Number(text);
  return readDateTime(text) ?? { error: `'${text}' is not a timestamp (expected YYYY-MM-DD HH:MM[:SS] as UTC, ISO 8601 or epoch seconds)` };
}

/** Epoch seconds, or undefined when the text is not a timestamp (or an impossible date such as 2024-02-30). */
export function parseTimestamp(text: string): number | undefined {
  const t = readTimestamp(text);
  return typeof t === 'number' ? t : undefined;
}

/**
 * The largest magnitude of a series value: a demand of 10¹⁵ (requests, GPUs, bytes per second) is
 * already absurd, and below it the forecasters' squares and sums over a whole series stay finite.
 * A value of 1e308 used to overflow them into a misleading "no seasonal period detected".
 */
export const MAX_SERIES_VALUE = 1e15;

/** How exports write a missing measurement (an empty cell, NaN, null, NA, None, N/A, a dash). */
const MISSING = /^(|nan|null|na|n\/a|none|-)$/i;

/**
 * A cell with control characters or bytes that are not UTF-8 (the reader checks the first row; a
 * damaged file can hold them further down) is named as binary data, never quoted: the quote sent
 * NUL bytes to the user's terminal.
 */
function refuseBinary(text: string, file: string, line: number, field: string, what: string): void {
  if (isBinaryText(text)) throw new TraceFormatError(`${BINARY_CSV}: the ${what} cell holds control characters or bytes that are not UTF-8 (a damaged file?)`, { file, line, field });
}

export function parseValue(text: string, file: string, line: number, field: string): number {
  if (MISSING.test(text.trim())) {
    throw new TraceFormatError(`value '${text}' is a missing measurement, not a number: rows are never skipped; delete the row, and the gap it leaves is filled by interpolation (up to --max-gap points)`, { file, line, field });
  }
  const v = DECIMAL.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(v)) refuseBinary(text, file, line, field, 'value');
  if (!Number.isFinite(v)) throw new TraceFormatError(`value '${text}' is not a finite number`, { file, line, field });
  if (Math.abs(v) > MAX_SERIES_VALUE) throw new TraceFormatError(`value '${text}' is out of range: expected a number between -1e15 and 1e15`, { file, line, field });
  return v;
}

/** Epoch seconds past the year 5000 are epoch milliseconds (core/timestamp.ts): refused, not guessed. */
function checkEpochSeconds(t: number, text: string, file: string, line: number, field: string): number {
  const problem = epochMillisecondsProblem(text, t);
  if (problem !== undefined) throw new TraceFormatError(problem, { file, line, field });
  return t;
}

/** A timestamp cell in epoch seconds; a TraceFormatError saying what is wrong with it otherwise. */
export function timestampCell(text: string, file: string, line: number, field: string, emptyHint?: string): number {
  const t = readTimestamp(text);
  // An empty cell may have a repair the caller can name (`drs forecast --step … --skip-empty`).
  if (typeof t !== 'number') refuseBinary(text, file, line, field, 'timestamp');
  if (typeof t !== 'number') throw new TraceFormatError(emptyHint !== undefined && text.trim() === '' ? `${t.error}; ${emptyHint}` : t.error, { file, line, field });
  return checkEpochSeconds(t, text, file, line, field);
}
