/*
 * Wall-clock times in fleet files, read the same on every host: never through the host's time
 * zone (Date.parse reads "2026-06-01T08:00:00" in local time, and takes "March 7, 2026" too).
 *
 * Accepted: ISO 8601 extended date and time, `YYYY-MM-DDTHH:MM[:SS[.sss]]`, with a UTC offset
 * (`Z`, `+01:00`, `-05:00`) or without one; then it is a wall-clock time in the fleet's
 * `timezone` (default UTC), the zone its cron schedules fire in. A local time skipped by a
 * daylight-saving change, or one that occurs twice, is refused: the offset says which is meant.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** What the error says is expected (the offset-less form is read in the fleet's timezone). */
export const ISO_TIME_EXPECTED = 'expected an ISO 8601 time such as 2026-03-29T00:00:00Z, 2026-03-29T00:00:00+01:00, or 2026-03-29T00:00:00 (read in the fleet\'s timezone)';

interface WallTime {
  /** The wall-clock fields as if they were UTC, epoch ms. */
  readonly wall: number;
  /** Minutes east of UTC, when the text gives an offset. */
  readonly offsetMin?: number;
}

/** The fields of a strict ISO 8601 time, or the reason it is not one. */
export function readIsoTime(text: string): WallTime | string {
  const m = ISO.exec(text);
  if (m === null) return `${ISO_TIME_EXPECTED}, got ${JSON.stringify(text)}`;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number];
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  const back = new Date(utc(y, mo, d, h, mi, s, ms));
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) {
    return `no such date and time: ${JSON.stringify(text)}`;
  }
  const wall = back.getTime();
  const off = m[8];
  if (off === undefined) return { wall };
  if (off === 'Z') return { wall, offsetMin: 0 };
  const oh = Number(off.slice(1, 3));
  const om = Number(off.slice(4, 6));
  if (oh > 23 || om > 59) return `no such UTC offset: ${JSON.stringify(off)} in ${JSON.stringify(text)}`;
  return { wall, offsetMin: (off[0] === '-' ? -1 : 1) * (oh * 60 + om) };
}

/** Is `zone` an IANA time-zone name this runtime knows? */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Epoch ms of a strict ISO 8601 time; one without an offset is a wall-clock time in `zone`.
 * Returns the reason when it is not a time, does not exist in `zone` or occurs twice there.
 */
export function parseIsoTime(text: string, zone: string): number | string {
  const t = readIsoTime(text);
  if (typeof t === 'string') return t;
  if (t.offsetMin !== undefined) return t.wall - t.offsetMin * 60_000;
  // Every instant whose wall clock in `zone` reads `wall`: try the offsets in force around it.
  const offsets = new Set([-36, 0, 36].map((h) => offsetAt(t.wall + h * 3_600_000, zone)));
  const hits = [...offsets].map((o) => t.wall - o).filter((at) => t.wall - offsetAt(at, zone) === at);
  const found = [...new Set(hits)].sort((a, b) => a - b);
  if (found.length === 1) return found[0] as number;
  if (found.length === 0) return `${text} does not exist in ${zone} (a daylight-saving change skips it); give the UTC offset meant, e.g. ${text}Z`;
  const spelled = found.map((at) => `${text}${offsetText(offsetAt(at, zone))}`);
  return `${text} occurs twice in ${zone} (a daylight-saving change repeats it); give the UTC offset meant: ${spelled.join(' or ')}`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Offset of `zone` from UTC at instant `ms`, in ms (wall clock − UTC). */
function offsetAt(ms: number, zone: string): number {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  const whole = Math.floor(ms / 1000) * 1000;
  return utc(p.year as number, p.month as number, p.day as number, p.hour as number, p.minute as number, p.second as number, 0) - whole;
}

/** Epoch ms of UTC fields (month 1-12); unlike Date.UTC, years 0-99 are not read as 1900-1999. */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, ms);
  return t.getTime();
}

function offsetText(ms: number): string {
  const min = Math.round(ms / 60_000);
  const a = Math.abs(min);
  return `${min < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
