/**
 * Date-time text shared by the trace readers and the forecast series readers:
 *
 *   YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z | ±HH[[:]MM]]      no zone = UTC
 *
 * An impossible date or time (2024-02-30, 24:00, second 60, offset +25:00) is an error saying
 * which part is out of range, never rolled over to another instant as Date.parse and Date.UTC do;
 * years 0000-0099 are those years (Date.UTC reads 0024 as 1924).
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A plain decimal number (`Number` alone would also take `0x10`, `0b111`, `Infinity` or ` `). */
export const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * A plain number read as epoch seconds at or past 10¹¹ is after the year 5000: such a column is
 * almost surely epoch milliseconds, and read as seconds it makes every step 1,000 times too long.
 * What to say about the cell, or undefined when it is not such a number.
 */
export function epochMillisecondsProblem(text: string, seconds: number): string | undefined {
  if (!DECIMAL.test(text.trim()) || Math.abs(seconds) < 1e11) return undefined;
  return `timestamp ${text.trim()} read as epoch seconds is after the year 5000: it looks like epoch milliseconds; write seconds (divide by 1000) or an ISO date-time`;
}

/** Why the parts name no instant, or undefined when they do. */
function outOfRange(text: string, y: number, mo: number, d: number, h: number, mi: number, s: number): string | undefined {
  if (mo < 1 || mo > 12) return 'months run from 01 to 12';
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] as number);
  if (d < 1 || d > days) return `days in ${text.slice(0, 7)} run from 01 to ${days}`;
  if (h > 23) return `hours run from 00 to 23${h === 24 ? ' (write 24:00 as 00:00 of the next day)' : ''}`;
  if (mi > 59) return 'minutes run from 00 to 59';
  if (s >= 60) return 'seconds run from 00 to 59';
  return undefined;
}

/**
 * Epoch seconds of a date-time text; `{ error }` when it has the shape but names no instant;
 * undefined when it is not a date-time at all (the caller says what it expected).
 */
export function readDateTime(text: string): number | { readonly error: string } | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const bad = outOfRange(text.trim(), y, mo, d, h, mi, s);
  if (bad !== undefined) return { error: `'${text}' is not a real date and time: ${bad}` };
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) as RegExpExecArray;
    const [zh, zm] = [Number(z[2]), Number(z[3] ?? 0)];
    if (zh > 23 || zm > 59) return { error: `'${text}' has no real UTC offset: ${zone} (expected ±HH:MM, hours up to 23, minutes up to 59)` };
    offset = (z[1] === '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime() / 1000 + (m[7] !== undefined ? Number(`0${m[7]}`) : 0) - offset;
}
