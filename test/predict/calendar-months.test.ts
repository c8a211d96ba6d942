import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forecastCommand } from '../../src/cli/forecast.js';
import type { CliIo } from '../../src/cli/command.js';
import { TraceFormatError } from '../../src/core/errors.js';
import { MEAN_MONTH } from '../../src/predict/calendar-months.js';
import { detectSeason } from '../../src/predict/season.js';
import { readSeriesCsv } from '../../src/predict/series.js';
import { Rng } from '../../src/core/rng.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-months-'));
function file(name: string, rows: string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, ['timestamp,value', ...rows].join('\n') + '\n');
  return p;
}
const ym = (i: number, day = '01'): string => `${2019 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-${day}`;

describe('calendar-month series', () => {
  it('monthly rows (28-31 days apart) are one step each, not "irregular sampling"', async () => {
    // Jan..Jun 2024: spacings 31, 29, 31, 30, 31 days.
    const s = await readSeriesCsv(file('m.csv', ['2024-01-01,1', '2024-02-01,2', '2024-03-01,3', '2024-04-01,4', '2024-05-01,5', '2024-06-01,6']));
    expect(s.values).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.calendarMonths).toBe(1);
    expect(s.step).toBe(MEAN_MONTH);
    expect(12 * s.step).toBe(365.2425 * 86_400);
    expect(s.repairs).toEqual({ filledPoints: 0, gaps: 0 });
  });

  it('month-end stamps (Jan 31, Feb 29, Mar 31, Apr 30) are monthly too', async () => {
    const s = await readSeriesCsv(file('end.csv', ['2024-01-31,1', '2024-02-29,2', '2024-03-31,3', '2024-04-30,4', '2024-05-31,5']));
    expect(s.values).toEqual([1, 2, 3, 4, 5]);
    expect(s.calendarMonths).toBe(1);
  });

  it('day 30 of each month is clipped to a shorter month\'s last day (Feb 29), not refused', async () => {
    const s = await readSeriesCsv(file('d30.csv', ['2024-01-30,1', '2024-02-29,2', '2024-03-30,3', '2024-04-30,4', '2024-05-30,5']));
    expect(s.values).toEqual([1, 2, 3, 4, 5]);
    // ...but day 28 of a 29-day February is not its last day.
    await expect(readSeriesCsv(file('d28.csv', ['2024-01-30,1', '2024-02-28,2', '2024-03-30,3', '2024-04-30,4', '2024-05-30,5', '2024-06-30,6']))).rejects.toThrow(/d28\.csv:3.*on day 30 of its month \(or the last day of a shorter month\).*this one is on day 28/);
  });

  it('a missing month is a gap, interpolated and counted like any gap', async () => {
    // March missing: Feb 10 -> Apr 40 gives Mar 25.
    const s = await readSeriesCsv(file('gap.csv', ['2024-01-01,0', '2024-02-01,10', '2024-04-01,40', '2024-05-01,50']));
    expect(s.values).toEqual([0, 10, 25, 40, 50]);
    expect(s.repairs).toEqual({ filledPoints: 1, gaps: 1, filledSpans: [[2, 1]] });
    await expect(readSeriesCsv(file('gap2.csv', ['2024-01-01,0', '2024-02-01,10', '2024-04-01,40', '2024-05-01,50']), { gaps: 'error' })).rejects.toThrow(/gap2\.csv:4.*gap of 1 missing month\(s\) after line 3/);
  });

  it('quarterly rows are 3-month steps; a year is then 4 steps', async () => {
    const s = await readSeriesCsv(file('q.csv', ['2023-01-01,1', '2023-04-01,2', '2023-07-01,3', '2023-10-01,4', '2024-01-01,5']));
    expect(s.values).toEqual([1, 2, 3, 4, 5]);
    expect(s.calendarMonths).toBe(3);
    expect(4 * s.step).toBe(365.2425 * 86_400);
  });

  it('a row on another day of the month is an error naming its line, the day and the rule', async () => {
    // Most spacings are a month (the odd row makes two of 14 and 17 days).
    const f = file('bad.csv', ['2024-01-01,1', '2024-02-01,2', '2024-03-15,3', '2024-04-01,4', '2024-05-01,5', '2024-06-01,6', '2024-07-01,7', '2024-08-01,8']);
    const e = (await readSeriesCsv(f).then(() => new Error('expected an error'), (x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/bad\.csv:4.*calendar-month series, which needs every timestamp on day 1 of its month at the time of line 2; this one is on day 15 at 00:00:00 UTC/);
    const t = file('time.csv', ['2024-01-01 00:00,1', '2024-02-01 00:00,2', '2024-03-01 06:00,3', '2024-04-01 00:00,4', '2024-05-01 00:00,5', '2024-06-01 00:00,6']);
    await expect(readSeriesCsv(t)).rejects.toThrow(/time\.csv:4.*this one is on day 1 at 06:00:00 UTC/);
  });

  it('stamps with a UTC offset are placed by their local date: a DST offset change between months moves nothing', async () => {
    // Local midnight on the 1st in Central Europe: +01:00 in winter, +02:00 from April. In UTC
    // these are Dec 31 23:00, Jan 31 23:00, Feb 29 23:00, Mar 31 22:00, Apr 30 22:00, ...
    const rows = ['2024-01-01', '2024-02-01', '2024-03-01', '2024-04-01', '2024-05-01', '2024-06-01'].map((d, i) => `${d} 00:00:00${i < 3 ? '+01:00' : '+02:00'},${i + 1}`);
    const s = await readSeriesCsv(file('tz.csv', rows));
    expect(s.values).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.calendarMonths).toBe(1);
    expect(s.start).toBe(Date.UTC(2023, 11, 31, 23) / 1000);
    // A local stamp on another day is named in local time.
    const bad = [...rows.slice(0, 4), '2024-05-02 00:00:00+02:00,5', '2024-06-01 00:00:00+02:00,6', '2024-07-01 00:00:00+02:00,7'];
    await expect(readSeriesCsv(file('tz-bad.csv', bad))).rejects.toThrow(/tz-bad\.csv:6.*this one is on day 2 at 00:00:00 local time/);
  });

  it('a given step keeps the old rule (the rows are then irregular)', async () => {
    await expect(readSeriesCsv(file('given.csv', ['2024-01-01,1', '2024-02-01,2', '2024-03-01,3', '2024-04-01,4']), { step: 31 * 86_400 })).rejects.toThrow(/irregular sampling/);
  });

  it('daily rows are untouched by the monthly rule', async () => {
    const s = await readSeriesCsv(file('daily.csv', ['2024-01-30,1', '2024-01-31,2', '2024-02-01,3', '2024-02-02,4']));
    expect(s.step).toBe(86_400);
    expect(s.calendarMonths).toBeUndefined();
  });

  it('season detection snaps a peak next to 12 monthly steps to one year', () => {
    // 30 months of a yearly cycle plus seeded noise (LCG, seed 53): the ACF peaks at 11
    // (r(11) = 0.5206 > r(12) = 0.5191); a year of calendar months is 12 steps. (With spikes
    // clipped first, season.ts step 0, the ACF's own peak is already 12: the raw ACF is pinned.)
    let s = 53;
    const noise = (): number => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648 - 0.5;
    };
    const y = Array.from({ length: 30 }, (_, i) => 100 + 30 * Math.sin((2 * Math.PI * i) / 12) + 20 * noise());
    expect(detectSeason(y, { despike: false })).toBe(11);
    expect(detectSeason(y, { stepSeconds: MEAN_MONTH, despike: false })).toBe(12);
    expect(detectSeason(y, { stepSeconds: MEAN_MONTH })).toBe(12);
  });

  it('the snap compares the ACF with its shrinkage over the lag undone (r(k) · n / (n − k))', () => {
    // 36 months, 100 + 20 sin(2πi/12) + N(0, 8²) (drawn once, two decimals): r(11) = 0.4581,
    // r(12) = 0.4114, a raw ratio of 0.898 (under 0.9) but 0.935 corrected; seasonal naive with
    // S = 11 forecast worse than naive on it.
    const y = [
      90.57, 100.81, 122.68, 101.65, 116.17, 91.95, 108.81, 91.62, 93.53, 75.97, 85.87, 87.71, 94.09, 111.16, 107.26, 117.16, 122.89, 110.46, 96.72, 107.52, 83.14, 75.31, 83.96, 85.82,
      96.92, 107.2, 133.52, 120.18, 118.73, 115.39, 116.14, 88.21, 77.69, 99.8, 71.0, 87.06,
    ];
    expect(detectSeason(y)).toBe(11);
    expect(detectSeason(y, { stepSeconds: MEAN_MONTH })).toBe(12);
  });

  it('drs forecast without a detectable season says how far it searched in calendar months', async () => {
    // 24 months of seeded noise: no ACF peak clears the bounds.
    const rng = new Rng(4);
    file('flat.csv', Array.from({ length: 24 }, (_, i) => `${ym(i)},${(10 + rng.normal()).toFixed(3)}`));
    const io: CliIo = { out: () => undefined, err: () => undefined, interactive: false, cwd: dir, env: {} };
    const e = (await forecastCommand.run(['flat.csv', '--models', 'naive', '--horizon', '3'], io).then(() => new Error('expected an error'), (x: unknown) => x)) as Error;
    expect(e.message).toMatch(/no seasonal period detected in the training part \(19 points; periods up to 9 steps, 9 calendar months, were searched\)/);
  });

  it('drs forecast reads a monthly CSV, detects season 12 and says "calendar months"', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${ym(i)},${(100 + 2 * i + 20 * Math.sin((2 * Math.PI * (i % 12)) / 12) + ((i * 7) % 5)).toFixed(2)}`);
    file('sales.csv', rows);
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), interactive: false, cwd: dir, env: {} };
    expect(await forecastCommand.run(['sales.csv', '--models', 'seasonal-naive', '--no-timings'], io)).toBe(0);
    expect(err.join('')).toContain('sales: detected season 12 steps (12 calendar months)');
    expect(out[0]).toMatch(/^sales: 60 points, step 1 calendar month, season 12, horizon 12, 1 origins/);
  });
});
