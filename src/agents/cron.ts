import { Cron } from 'croner';
import { ConfigError, type ErrorLocation } from '../core/errors.js';

/**
 * Cron expressions through croner (5 fields, or 6 with seconds first), evaluated in an IANA time
 * zone. Daylight-saving changes follow croner: a local time skipped by the spring change fires
 * once, at the first valid instant after it (02:30 on a 02:00→03:00 night fires at 03:00); a
 * local time that occurs twice in the autumn fires once, at its first occurrence; an hourly
 * schedule keeps firing every real hour (23 times on the spring day, 25 on the autumn day).
 */
export class CronSchedule {
  private readonly cron: Cron;

  /** Throws ConfigError naming `where.field` (and the time-zone field) for a bad expression or zone. */
  constructor(
    readonly expression: string,
    readonly timezone: string,
    where: ErrorLocation = {},
  ) {
    // croner also takes a 7th field (a year) and reads a 4-field line its own way; the schema promises 5 or 6.
    const fields = expression.trim().split(/\s+/).length;
    if (!expression.trim().startsWith('@') && fields !== 5 && fields !== 6) {
      throw new ConfigError(`invalid cron expression ${JSON.stringify(expression)}: expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields}`, where);
    }
    const range = outOfRange(expression.trim().split(/\s+/));
    if (range !== undefined) throw new ConfigError(`invalid cron expression ${JSON.stringify(expression)}: ${range}`, where);
    try {
      this.cron = new Cron(expression, { timezone, paused: true });
    } catch (e) {
      throw new ConfigError(`invalid cron expression ${JSON.stringify(expression)}: ${cronMessage(e)}`, where);
    }
    let first: Date | null;
    try {
      first = this.cron.nextRun(new Date(0));
    } catch {
      const field = where.field === undefined ? 'timezone' : where.field.replace(/\.cron$/, '.timezone');
      throw new ConfigError(`invalid time zone ${JSON.stringify(timezone)} (expected an IANA name such as Europe/Berlin)`, { ...where, field });
    }
    // `0 0 30 2 *` is valid syntax but no date matches it: the agent would silently never run.
    if (first === null) throw new ConfigError(`cron expression ${JSON.stringify(expression)} never fires: no date matches it`, where);
  }

  /** The first firing strictly after `afterMs` (epoch ms), or undefined if there is none. */
  next(afterMs: number): number | undefined {
    const d = this.cron.nextRun(new Date(afterMs));
    return d === null ? undefined : d.getTime();
  }

  /** Every firing in (fromMs, toMs]. */
  between(fromMs: number, toMs: number): number[] {
    const out: number[] = [];
    for (let t = this.next(fromMs); t !== undefined && t <= toMs; t = this.next(t)) out.push(t);
    return out;
  }
}

/** Each field's name and the values it takes (weekday 7 is Sunday, as 0); a 6-field line has seconds first. */
const FIELDS = [
  ['minute', 0, 59, ''],
  ['hour', 0, 23, ''],
  ['day of month', 1, 31, ''],
  ['month', 1, 12, ''],
  ['weekday', 0, 7, ', 0 and 7 = Sunday'],
] as const;
const SECONDS = ['second', 0, 59, ''] as const;

/**
 * A number written out of its field's range, named as written. croner keeps days and months
 * 0-based and its own message said so ("Invalid value for day: 31" for a day written 32). Only
 * plain numbers are checked here (in lists and ranges; a step `/n` is not a value); names, `L`,
 * `W` and `#` are croner's to judge.
 */
function outOfRange(parts: readonly string[]): string | undefined {
  if (parts[0]?.startsWith('@') === true) return undefined;
  const fields = parts.length === 6 ? [SECONDS, ...FIELDS] : FIELDS;
  const seconds = parts.length === 6 ? '; a 6-field line has seconds first' : '';
  for (const [k, part] of parts.entries()) {
    const f = fields[k];
    if (f === undefined) return undefined;
    const [name, min, max, note] = f;
    for (const item of part.split(',')) {
      for (const v of (item.split('/')[0] as string).split('-')) {
        if (/^\d+$/.test(v) && (Number(v) < min || Number(v) > max)) return `${name} ${v} is out of range (expected ${min}-${max}${note}${seconds})`;
      }
    }
  }
  return undefined;
}

function cronMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^CronPattern:\s*/, '');
}
