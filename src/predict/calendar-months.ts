/**
 * Calendar-month series: monthly (and quarterly, yearly) business data is stamped once per
 * calendar month, so its spacing is 28, 29, 30 or 31 days and no fixed step in seconds fits it.
 * series.ts hands such rows here when the most common spacing is 28–31 days (k = 1 month),
 * 89–92 days (k = 3) or 365–366 days (k = 12). Rule: every timestamp falls on the same day of the
 * month at the same UTC time of day (day 29-31 becomes the last day of a shorter month: Jan 30,
 * Feb 29, Mar 30), or every one on the last day of its month at the same time (2024-01-31,
 * 2024-02-29, 2024-03-31, 2024-04-30, …). The position of a row is its month number m = 12·year + month;
 * consecutive rows must be a whole multiple of k months apart; j·k months apart (j > 1) is a gap
 * of j − 1 points, filled like any gap (up to maxGap, by linear interpolation).
 *
 * Timestamps written with a UTC offset (pandas' `2024-04-01 00:00:00+02:00`) are placed by their
 * local date and time, so a daylight-saving offset change between months does not move a row.
 *
 * The series' `step` is then k mean Gregorian months (k · 2,629,746 s = k · 365.2425 d / 12):
 * twelve of them are exactly one mean year, which is why season detection snaps a peak near 12
 * monthly steps (4 quarterly) to one year. Season 12 on a monthly series means "same month last
 * year". `calendarMonths` on the series says the step is calendar months, not seconds.
 */
import { TraceFormatError } from '../core/errors.js';
import type { RawRows } from './repair.js';

const DAY = 86_400;
/** Mean Gregorian month in seconds (365.2425 days / 12). */
export const MEAN_MONTH = 2_629_746;

/** Months per step when the most common spacing (seconds) is a month, a quarter or a year; else undefined. */
export function calendarMonthsFor(spacing: number): number | undefined {
  const days = spacing / DAY;
  if (days >= 28 && days <= 31) return 1;
  if (days >= 89 && days <= 92) return 3;
  if (days >= 365 && days <= 366) return 12;
  return undefined;
}

function monthOf(t: number): { month: number; day: number; lastDay: boolean; timeOfDay: number } {
  const d = new Date(t * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  const daysIn = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return { month: y * 12 + m, day, lastDay: day === daysIn, timeOfDay: ((t % DAY) + DAY) % DAY };
}

const UNIT: Record<number, string> = { 1: 'month', 3: 'quarter (3 months)', 12: 'year (12 months)' };

/**
 * Positions (in steps of k months from the first row) of calendar-month rows, or a
 * TraceFormatError naming the first row that breaks the rule.
 */
export function calendarPositions(rows: RawRows, k: number, file: string, field: string, offsets: ReadonlyMap<number, number> = new Map()): number[] {
  // The calendar is the one the timestamps were written in: a row stamped with an offset is read
  // at its local wall-clock time (2024-04-01T00:00+02:00 is April 1, not March 31 22:00 UTC).
  const local = rows.times.map((t, i) => t + (offsets.get(rows.lines[i] as number) ?? 0));
  const first = monthOf(local[0] as number);
  const endOfMonth = first.lastDay && first.day !== 1 && local.slice(1, 4).every((t) => monthOf(t).lastDay);
  const anchor = endOfMonth ? 'the last day of its month' : `day ${first.day} of its month${first.day >= 29 ? ' (or the last day of a shorter month)' : ''}`;
  const positions: number[] = [];
  for (let i = 0; i < local.length; i++) {
    const c = monthOf(local[i] as number);
    const line = rows.lines[i];
    // Day 29-31 falls on the last day of a shorter month (Jan 30, Feb 29, Mar 30), as date libraries clip it.
    const onAnchor = endOfMonth ? c.lastDay : c.day === first.day || (c.lastDay && c.day < first.day);
    if (!onAnchor || c.timeOfDay !== first.timeOfDay) {
      throw new TraceFormatError(
        `irregular sampling: the rows are about one ${UNIT[k]} apart, so they are read as a calendar-month series, which needs every timestamp on ${anchor} at the time of line ${rows.lines[0]}; this one is on day ${c.day} at ${clock(c.timeOfDay)}${offsets.size > 0 ? ' local time' : ' UTC'} (stamp every row on one day of its month, e.g. the 1st, or aggregate the rows by calendar month with --resample month)`,
        { file, line, field },
      );
    }
    const months = c.month - first.month;
    if (months % k !== 0) {
      throw new TraceFormatError(`irregular sampling: ${months} months after line ${rows.lines[0]}, expected a whole number of ${UNIT[k]}s`, { file, line, field });
    }
    positions.push(months / k);
  }
  return positions;
}

function clock(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

/**
 * `--resample month|quarter|year`: the bin of each row is its calendar month (quarter: Jan–Mar,
 * Apr–Jun, …; year: Jan–Dec) by its local date where the stamp carries a UTC offset, else UTC;
 * bin b covers months b·k … b·k + k − 1 (month number 12·year + month). `startOf(b)` is the
 * first instant of bin b, midnight UTC on the 1st of its first month.
 */
export function calendarBins(rows: RawRows, k: number, offsets: ReadonlyMap<number, number> = new Map()): { bins: number[]; startOf: (bin: number) => number } {
  const bins = rows.times.map((t, i) => Math.floor(monthOf(t + (offsets.get(rows.lines[i] as number) ?? 0)).month / k));
  return { bins, startOf: (bin) => Date.UTC(Math.floor((bin * k) / 12), (bin * k) % 12, 1) / 1000 };
}
