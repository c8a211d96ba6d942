/**
 * One cell of a series CSV: a timestamp (epoch seconds, `YYYY-MM-DD HH:MM[:SS]` as UTC or ISO 8601
 * with an offset) or a value (a plain decimal). Anything else is a TraceFormatError naming the
 * file, line and column and saying what is wrong; an impossible date or time (2024-02-30, 24:00)
 * is refused, never rolled over to another day.
 */
import { TraceFormatError } from '../core/errors.js';

const EPOCH_SECONDS = /^-?\d+(\.\d+)?$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Why a date and time that has the right shape names no instant, or undefined when it does.
 * Date.parse alone rolls 2024-02-30 over to 1 March and 24:00 to the next day.
 */
function calendarError(date: string, time: string): string | undefined {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, sec = 0] = time.split(':').map(Number) as [number, number, number?];
  if (mo < 1 || mo > 12) return 'months run from 01 to 12';
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] as number);
  if (d < 1 || d > days) return `days in ${date.slice(0, 7)} run from 01 to ${days}`;
  if (h > 23) return `hours run from 00 to 23${h === 24 ? ' (write 24:00 as 00:00 of the next day)' : ''}`;
  if (mi > 59) return 'minutes run from 00 to 59';
  if (sec >= 60) return 'seconds run from 00 to 59';
  return undefined;
}

/** Epoch seconds, or what is wrong with the text. */
function readTimestamp(text: string): number | { error: string } {
  if (EPOCH_SECONDS.test(text)) return Number(text);
  const m = DATE_TIME.exec(text);
  if (m !== null) {
    const impossible = calendarError(m[1] as string, m[2] as string);
    if (impossible !== undefined) return { error: `'${text}' is not a real date and time: ${impossible}` };
    const ms = Date.parse(`${m[1]}T${m[2]}${m[5] ?? 'Z'}`);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  return { error: `'${text}' is not a timestamp (expected YYYY-MM-DD HH:MM[:SS] as UTC, ISO 8601 or epoch seconds)` };
}

/** Epoch seconds, or undefined when the text is not a timestamp (or an impossible date such as 2024-02-30). */
export function parseTimestamp(text: string): number | undefined {
  const t = readTimestamp(text);
  return typeof t === 'number' ? t : undefined;
}

/** A plain decimal number (`Number` alone would also take `0x10`, `0b111` or ` `). */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function parseValue(text: string, file: string, line: number, field: string): number {
  const v = DECIMAL.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(v)) throw new TraceFormatError(`value '${text}' is not a finite number`, { file, line, field });
  return v;
}

/**
 * Epoch seconds above 10¹¹ are after the year 5000: such a column is almost surely epoch
 * milliseconds, read as seconds it would make every step 1,000 times too long. Refused, not guessed.
 */
function checkEpochSeconds(t: number, text: string, file: string, line: number, field: string): number {
  if (EPOCH_SECONDS.test(text) && Math.abs(t) >= 1e11) {
    throw new TraceFormatError(`timestamp ${text} read as epoch seconds is after the year 5000: it looks like epoch milliseconds; write seconds (divide by 1000) or an ISO date-time`, { file, line, field });
  }
  return t;
}

/** A timestamp cell in epoch seconds; a TraceFormatError saying what is wrong with it otherwise. */
export function timestampCell(text: string, file: string, line: number, field: string): number {
  const t = readTimestamp(text);
  if (typeof t !== 'number') throw new TraceFormatError(t.error, { file, line, field });
  return checkEpochSeconds(t, text, file, line, field);
}
