import { describe, expect, it } from 'vitest';
import { parseFleet } from '../../src/agents/config.js';
import { CronSchedule } from '../../src/agents/cron.js';
import { ConfigError } from '../../src/core/errors.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('cron schedules (croner) with time zones', () => {
  it('an expression no date matches (30 February) is refused, naming the field: the agent would never run', () => {
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1, schedule: [{ event: 'x' }, { cron: '0 0 30 2 *' }] }] })).toThrow(
      new ConfigError('cron expression "0 0 30 2 *" never fires: no date matches it', { field: 'agents[0].schedule[1].cron' }),
    );
    expect(new CronSchedule('0 0 29 2 *', 'UTC').next(Date.parse('2026-01-01T00:00:00Z'))).toBe(Date.parse('2028-02-29T00:00:00Z'));
  });

  it('a 7-field expression (croner reads the last field as a year) is refused: the docs and the schema promise 5 or 6 fields', () => {
    expect(() => parseFleet({ agents: [{ id: 'a', cpu: 1, schedule: { cron: '0 0 * * * * 2027' } }] })).toThrow(
      new ConfigError('invalid cron expression "0 0 * * * * 2027": expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 7', { field: 'agents[0].schedule.cron' }),
    );
    expect(() => new CronSchedule('* * * *', 'UTC')).toThrow(/expected 5 fields .* got 4/);
    expect(new CronSchedule('  0  *  * * *  ', 'UTC').next(Date.parse('2026-01-01T00:10:00Z'))).toBe(Date.parse('2026-01-01T01:00:00Z'));
    expect(new CronSchedule('@hourly', 'UTC').next(Date.parse('2026-01-01T00:10:00Z'))).toBe(Date.parse('2026-01-01T01:00:00Z'));
  });

  /*
   * croner keeps days and months 0-based and reported them so: "0 0 32 * *" was refused with
   * "Invalid value for day: 31" (31 is a valid day) and month 13 with "month: 12". The error
   * names the value written, its field and the range the field takes.
   */
  it('a value out of its field\'s range is named as written, with the range expected', () => {
    const msg = (e: string): string => {
      try {
        new CronSchedule(e, 'UTC');
      } catch (x) {
        return (x as Error).message;
      }
      return 'accepted';
    };
    expect(msg('0 0 32 * *')).toBe('invalid cron expression "0 0 32 * *": day of month 32 is out of range (expected 1-31)');
    expect(msg('0 0 0 * *')).toBe('invalid cron expression "0 0 0 * *": day of month 0 is out of range (expected 1-31)');
    expect(msg('0 0 * 13 *')).toBe('invalid cron expression "0 0 * 13 *": month 13 is out of range (expected 1-12)');
    expect(msg('0 0 1-32/2 * *')).toBe('invalid cron expression "0 0 1-32/2 * *": day of month 32 is out of range (expected 1-31)');
    expect(msg('0 0 * 1,0 *')).toBe('invalid cron expression "0 0 * 1,0 *": month 0 is out of range (expected 1-12)');
    expect(msg('61 * * * *')).toBe('invalid cron expression "61 * * * *": minute 61 is out of range (expected 0-59)');
    expect(msg('0 24 * * *')).toBe('invalid cron expression "0 24 * * *": hour 24 is out of range (expected 0-23)');
    expect(msg('0 0 * * 8')).toBe('invalid cron expression "0 0 * * 8": weekday 8 is out of range (expected 0-7, 0 and 7 = Sunday)');
    expect(msg('60 0 0 * * *')).toBe('invalid cron expression "60 0 0 * * *": second 60 is out of range (expected 0-59; a 6-field line has seconds first)');
    expect(msg('0 0 1 1 * 2026')).toBe('invalid cron expression "0 0 1 1 * 2026": weekday 2026 is out of range (expected 0-7, 0 and 7 = Sunday; a 6-field line has seconds first)');
    // The field's bounds themselves, steps, names and croner's L/W/# forms are accepted.
    for (const ok of ['59 23 31 12 7', '0 0 1 1 0', '*/59 0 1-31/2 1-12 0-7', '0 0 L * *', '0 0 * JAN-DEC MON-FRI', '0 0 * * 5#2', '0 0 15W * *', '59 59 23 31 12 *']) expect(msg(ok)).toBe('accepted');
    expect(new CronSchedule('0 0 31 12 *', 'UTC').next(Date.parse('2026-12-01T00:00:00Z'))).toBe(Date.parse('2026-12-31T00:00:00Z'));
  });

  it('every minute fires 60 times an hour, on the minute', () => {
    const c = new CronSchedule('* * * * *', 'UTC');
    const from = Date.parse('2026-01-01T00:00:00Z');
    const fires = c.between(from - 1, from + 3_600_000 - 1);
    expect(fires).toHaveLength(60);
    expect(fires.every((t, i) => t === from + i * 60_000)).toBe(true);
  });

  it('hourly in Europe/Berlin: 23 firings on the spring-forward day, 25 on the fall-back day', () => {
    const c = new CronSchedule('0 * * * *', 'Europe/Berlin');
    // Local midnight to local midnight: 2026-03-29 00:00 CET = 03-28T23:00Z … 03-30 00:00 CEST = 03-29T22:00Z.
    expect(c.between(Date.parse('2026-03-28T23:00:00Z') - 1, Date.parse('2026-03-29T22:00:00Z') - 1)).toHaveLength(23);
    // 2026-10-25 00:00 CEST = 10-24T22:00Z … 10-26 00:00 CET = 10-25T23:00Z.
    expect(c.between(Date.parse('2026-10-24T22:00:00Z') - 1, Date.parse('2026-10-25T23:00:00Z') - 1)).toHaveLength(25);
  });

  it('a daily 02:30 job runs once on both change days: at 03:00 CEST when 02:30 is skipped, at the first 02:30 when it repeats', () => {
    const c = new CronSchedule('30 2 * * *', 'Europe/Berlin');
    expect(c.between(Date.parse('2026-03-28T23:00:00Z'), Date.parse('2026-03-29T22:00:00Z')).map(iso)).toEqual(['2026-03-29T01:00:00.000Z']);
    expect(c.between(Date.parse('2026-10-24T22:00:00Z'), Date.parse('2026-10-25T23:00:00Z')).map(iso)).toEqual(['2026-10-25T00:30:00.000Z']);
    // The ordinary day before: 02:30 CET = 01:30Z.
    expect(c.next(Date.parse('2026-03-27T23:00:00Z'))).toBe(Date.parse('2026-03-28T01:30:00Z'));
  });

  it('the same local time is a different UTC instant in another zone', () => {
    expect(iso(new CronSchedule('0 9 * * *', 'America/New_York').next(Date.parse('2026-07-01T00:00:00Z')) as number)).toBe('2026-07-01T13:00:00.000Z');
  });

  it('an invalid expression or time zone is a ConfigError naming the field', () => {
    const fleet = (schedule: unknown) => ({ agents: [{ id: 'a', cpu: 1 }, { id: 'b', cpu: 1, schedule }] });
    expect(() => parseFleet(fleet({ cron: '61 * * * *' }), { file: 'fleet.yaml' })).toThrow(ConfigError);
    expect(() => parseFleet(fleet({ cron: '61 * * * *' }), { file: 'fleet.yaml' })).toThrow(/fleet\.yaml.*field 'agents\[1\]\.schedule\.cron'.*invalid cron expression "61 \* \* \* \*".*minute/);
    expect(() => parseFleet(fleet([{ kind: 'on-demand' }, { cron: '* * *' }]))).toThrow(/agents\[1\]\.schedule\[1\]\.cron/);
    expect(() => parseFleet(fleet({ cron: '0 * * * *', timezone: 'Mars/Olympus' }))).toThrow(/agents\[1\]\.schedule\.timezone.*invalid time zone "Mars\/Olympus"/);
  });
});
