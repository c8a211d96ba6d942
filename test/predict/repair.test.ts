import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { readSeriesCsv } from '../../src/predict/series.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-repair-'));
function file(name: string, rows: string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, ['timestamp,value', ...rows].join('\n') + '\n');
  return p;
}

describe('duplicate timestamps', () => {
  // 0:1, 60:2, 60:4, 60:9, 120:5 — a run of three rows at t = 60.
  const f = file('dup.csv', ['0,1', '60,2', '60,4', '60,9', '120,5']);

  it('are an error by default, naming both lines and the repair', async () => {
    const e = await readSeriesCsv(f).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(String((e as Error).message)).toMatch(/dup\.csv:4.*duplicate timestamp: same time as line 3.*--duplicates/);
  });

  it('mean, first and last merge the run into one point', async () => {
    expect((await readSeriesCsv(f, { duplicates: 'mean' })).values).toEqual([1, 5, 5]);
    expect((await readSeriesCsv(f, { duplicates: 'first' })).values).toEqual([1, 2, 5]);
    const last = await readSeriesCsv(f, { duplicates: 'last' });
    expect(last.values).toEqual([1, 9, 5]);
    expect(last.repairs).toEqual({ filledPoints: 0, gaps: 0, mergedRows: 2 });
  });

  it('a clock that stood still: the merged run leaves a gap that is interpolated', async () => {
    // Rows at 0, 60, then three rows stamped 120 (should have been 120, 180, 240), then 300.
    const g = file('stuck.csv', ['0,10', '60,20', '120,30', '120,40', '120,50', '300,60']);
    const s = await readSeriesCsv(g, { duplicates: 'first' });
    expect(s.values).toEqual([10, 20, 30, 40, 50, 60]);
    expect(s.repairs).toEqual({ filledPoints: 2, gaps: 1, mergedRows: 2, filledSpans: [[3, 2]] });
  });

  it('out-of-order rows stay an error even with a duplicates repair', async () => {
    const g = file('order.csv', ['0,1', '120,2', '60,3']);
    await expect(readSeriesCsv(g, { duplicates: 'mean' })).rejects.toThrow(/out of order/);
  });
});

describe('daylight-saving repeats (dst: shift)', () => {
  // Local wall-clock at a 30-minute step: 00:00, 00:30, 01:00, 01:30, then the clock falls back
  // to 01:00 and 01:30 again (the repeated hour), then 02:00.
  const t = (h: number, m: number): string => `2024-11-03 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
  const fallBack = file('fall.csv', [`${t(0, 0)},1`, `${t(0, 30)},2`, `${t(1, 0)},3`, `${t(1, 30)},4`, `${t(1, 0)},5`, `${t(1, 30)},6`, `${t(2, 0)},7`]);

  it('a repeated hour is an error by default, with a hint', async () => {
    await expect(readSeriesCsv(fallBack)).rejects.toThrow(/fall\.csv:6.*out of order.*an hour back.*--dst shift/);
  });

  it('two rows swapped are not called a daylight-saving change: the hint is to sort (--dst shift would not help)', async () => {
    const swapped = file('swapped.csv', ['2024-03-01 00:00:00,1', '2024-03-01 00:10:00,3', '2024-03-01 00:05:00,2', '2024-03-01 00:15:00,4', '2024-03-01 00:20:00,5']);
    for (const opts of [{}, { dst: 'shift' as const }]) {
      const e = (await readSeriesCsv(swapped, opts).then(() => new Error('expected an error'), (x: unknown) => x)) as Error;
      expect(e.message).toMatch(/swapped\.csv:4.*out of order.*sort the rows by time, or give --resample STEP/);
      expect(e.message).not.toContain('--dst shift');
    }
  });

  it('shift moves the repeated hour and everything after it one hour later', async () => {
    const s = await readSeriesCsv(fallBack, { dst: 'shift' });
    expect(s.values).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(s.step).toBe(1800);
    expect(s.repairs).toEqual({ filledPoints: 0, gaps: 0, dstShifts: 1 });
  });

  it('shift closes the skipped hour of spring-forward instead of interpolating it', async () => {
    const spring = file('spring.csv', [`2024-03-10 00:30:00,1`, `2024-03-10 01:00:00,2`, `2024-03-10 01:30:00,3`, `2024-03-10 03:00:00,4`, `2024-03-10 03:30:00,5`]);
    const plain = await readSeriesCsv(spring);
    expect(plain.values).toEqual([1, 2, 3, 3 + 1 / 3, 3 + 2 / 3, 4, 5]);
    const shifted = await readSeriesCsv(spring, { dst: 'shift' });
    expect(shifted.values).toEqual([1, 2, 3, 4, 5]);
    expect(shifted.repairs.dstShifts).toBe(1);
  });
});

describe('daylight-saving changes in an hourly series', () => {
  // At a 1-hour step the repeated hour of fall-back is one stamp twice (01:00, 01:00), and
  // spring-forward skips one stamp (01:00 -> 03:00).
  const fall = file('fall-hourly.csv', ['2024-11-03 00:00:00,1', '2024-11-03 01:00:00,2', '2024-11-03 01:00:00,3', '2024-11-03 02:00:00,4', '2024-11-03 03:00:00,5']);

  it('the repeated hour is a duplicate whose error also names --dst shift', async () => {
    await expect(readSeriesCsv(fall)).rejects.toThrow(/fall-hourly\.csv:4.*duplicate timestamp: same time as line 3.*--duplicates mean\|first\|last; or, if the timestamps are local time and this is the hour repeated when the clocks went back, with --dst shift\)/);
  });

  it('a duplicate at a 30-minute step is not called a daylight-saving change', async () => {
    const dup = file('dup-30.csv', ['2024-11-03 00:00:00,1', '2024-11-03 00:30:00,2', '2024-11-03 00:30:00,3', '2024-11-03 01:00:00,4', '2024-11-03 01:30:00,5']);
    const e = (await readSeriesCsv(dup).then(() => new Error('expected an error'), (x: unknown) => x)) as Error;
    expect(e.message).toMatch(/duplicate timestamp.*\(repair with --duplicates mean\|first\|last\)/);
    expect(e.message).not.toContain('--dst shift');
  });

  it('shift keeps both hours as consecutive points', async () => {
    const s = await readSeriesCsv(fall, { dst: 'shift' });
    expect(s.values).toEqual([1, 2, 3, 4, 5]);
    expect(s.step).toBe(3600);
    expect(s.repairs).toEqual({ filledPoints: 0, gaps: 0, dstShifts: 1 });
  });

  it('spring-forward: the skipped hour is interpolated without --dst shift, closed with it', async () => {
    const spring = file('spring-hourly.csv', ['2024-03-10 00:00:00,1', '2024-03-10 01:00:00,2', '2024-03-10 03:00:00,4', '2024-03-10 04:00:00,5', '2024-03-10 05:00:00,6']);
    const plain = await readSeriesCsv(spring);
    expect(plain.values).toEqual([1, 2, 3, 4, 5, 6]);
    expect(plain.repairs).toEqual({ filledPoints: 1, gaps: 1, filledSpans: [[2, 1]] });
    const shifted = await readSeriesCsv(spring, { dst: 'shift' });
    expect(shifted.values).toEqual([1, 2, 4, 5, 6]);
    expect(shifted.repairs.dstShifts).toBe(1);
  });
});

describe('spring-forward in a 1-minute series: a gap longer than --max-gap', () => {
  // 01:58, 01:59, then 03:00: 60 missing minutes, more than the default 12 interpolated.
  const rows = ['2024-03-10 01:57:00,1', '2024-03-10 01:58:00,2', '2024-03-10 01:59:00,3', '2024-03-10 03:00:00,4', '2024-03-10 03:01:00,5', '2024-03-10 03:02:00,6'];
  const f = file('spring-minutes.csv', rows);

  it('is an error that names the hour and --dst shift', async () => {
    await expect(readSeriesCsv(f)).rejects.toThrow(/spring-minutes\.csv:5.*gap of 60 missing point\(s\) \(step 60 s\) after line 4; at most 12 are interpolated \(raise --max-gap to fill it\); exactly one hour is missing: .*--dst shift closes it/);
  });

  it('a gap of another length does not mention daylight saving', async () => {
    const g = file('gap-minutes.csv', ['2024-03-10 01:57:00,1', '2024-03-10 01:58:00,2', '2024-03-10 01:59:00,3', '2024-03-10 02:30:00,4', '2024-03-10 02:31:00,5']);
    const e = (await readSeriesCsv(g).then(() => new Error('expected an error'), (x: unknown) => x)) as Error;
    expect(e.message).toMatch(/gap of 30 missing point\(s\)/);
    expect(e.message).not.toContain('--dst');
  });

  it('--dst shift closes it', async () => {
    const s = await readSeriesCsv(f, { dst: 'shift' });
    expect(s.values).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.repairs.dstShifts).toBe(1);
  });
});

describe('irregular spacing (resample)', () => {
  // Samples at irregular times; 60-second bins [0,60) [60,120) [120,180) [180,240) [240,300).
  const f = file('irregular.csv', ['5,2', '50,4', '70,10', '130,1', '131,3', '140,8', '250,6']);

  it('is an error by default', async () => {
    await expect(readSeriesCsv(f)).rejects.toThrow(TraceFormatError);
  });

  it('aggregates each bin by the chosen rule; empty bins are interpolated gaps', async () => {
    const mean = await readSeriesCsv(f, { resample: { step: 60, how: 'mean' } });
    expect(mean.step).toBe(60);
    expect(mean.start).toBe(0);
    expect(mean.values).toEqual([3, 10, 4, 5, 6]);
    expect(mean.repairs).toEqual({ filledPoints: 1, gaps: 1, resampledRows: 7, filledSpans: [[3, 1]] });
    expect((await readSeriesCsv(f, { resample: { step: 60, how: 'sum' } })).values).toEqual([6, 10, 12, 9, 6]);
    expect((await readSeriesCsv(f, { resample: { step: 60, how: 'max' } })).values).toEqual([4, 10, 8, 7, 6]);
    expect((await readSeriesCsv(f, { resample: { step: 60, how: 'min' } })).values).toEqual([2, 10, 1, 3.5, 6]);
    expect((await readSeriesCsv(f, { resample: { step: 60, how: 'last' } })).values).toEqual([4, 10, 8, 7, 6]);
  });

  it('a run of empty bins longer than maxGap is an error naming the line', async () => {
    await expect(readSeriesCsv(f, { resample: { step: 10, how: 'mean' }, maxGap: 3 })).rejects.toThrow(/irregular\.csv:\d+.*gap of \d+ empty bin/);
  });
});

describe('resampling into calendar months, quarters and years', () => {
  // Daily-ish sales, irregular: January 2024 (31 days) 1+2, February (leap) 4, no March, April 8+8+2,
  // then 2025-01-01 (the next year). A stamp with an offset is placed by its local date: 2024-05-01
  // 00:30+02:00 is April 30 22:30 UTC but falls in May.
  const sales = file('sales.csv', ['2024-01-03,1', '2024-01-31T23:59:59Z,2', '2024-02-29,4', '2024-04-01,8', '2024-04-15,8', '2024-04-30,2', '2024-05-01T00:30:00+02:00,5']);
  const utc = (y: number, m: number) => Date.UTC(y, m - 1, 1) / 1000;

  it('month: one value per calendar month from the first one, an empty month filled like any gap', async () => {
    const s = await readSeriesCsv(sales, { resample: { months: 1, how: 'sum' } });
    expect(s.calendarMonths).toBe(1);
    expect(s.step).toBe(2_629_746);
    expect(s.start).toBe(utc(2024, 1));
    // Jan 3, Feb 4, Mar (empty: halfway between 4 and 18) 11, Apr 18, May 5.
    expect(s.values).toEqual([3, 4, 11, 18, 5]);
    expect(s.repairs).toEqual({ filledPoints: 1, gaps: 1, resampledRows: 7, filledSpans: [[2, 1]] });
    expect((await readSeriesCsv(sales, { resample: { months: 1, how: 'mean' } })).values).toEqual([1.5, 4, 5, 6, 5]);
  });

  it('quarter and year bins start on calendar quarters and years', async () => {
    const q = await readSeriesCsv(sales, { resample: { months: 3, how: 'sum' } });
    expect([q.start, q.calendarMonths, q.values]).toEqual([utc(2024, 1), 3, [7, 23]]);
    const later = file('later.csv', ['2024-05-20,1', '2024-08-02,2', '2025-12-31,4', '2026-01-01,8']);
    const q2 = await readSeriesCsv(later, { resample: { months: 3, how: 'sum' }, maxGap: 12 });
    expect(q2.start).toBe(utc(2024, 4));
    // Q2 2024 1, Q3 2, then Q4 2024 … Q3 2025 empty (4 quarters filled), Q4 2025 4, Q1 2026 8.
    expect(q2.values).toEqual([1, 2, 2.4, 2.8, 3.2, 3.6, 4, 8]);
    const y = await readSeriesCsv(later, { resample: { months: 12, how: 'max' } });
    expect([y.start, y.step, y.values]).toEqual([utc(2024, 1), 12 * 2_629_746, [2, 4, 8]]);
  });

  it('an empty stretch longer than maxGap is an error naming the line, in months', async () => {
    const gappy = file('gappy.csv', ['2024-01-10,1', '2024-06-10,2']);
    await expect(readSeriesCsv(gappy, { resample: { months: 1, how: 'sum' }, maxGap: 3 })).rejects.toThrow(/gappy\.csv:3.*gap of 4 empty month\(s\) after line 2; at most 3 are interpolated/);
  });
});
