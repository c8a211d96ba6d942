import { describe, expect, it } from 'vitest';
import { readDateTime } from '../../src/core/timestamp.js';
import { parseTimestamp } from '../../src/traces/reading.js';
import { parseTimestamp as seriesTimestamp } from '../../src/predict/series.js';

describe('readDateTime: one date-time reader for traces and forecast series', () => {
  it('reads the forms it documents, UTC unless a zone is given', () => {
    const t = Date.UTC(2024, 1, 29, 12, 30, 15) / 1000;
    expect(readDateTime('2024-02-29 12:30:15')).toBe(t);
    expect(readDateTime('2024-02-29T12:30:15Z')).toBe(t);
    expect(readDateTime('2024-02-29T18:00:15+05:30')).toBe(t);
    expect(readDateTime('2024-02-29T07:30:15-0500')).toBe(t);
    expect(readDateTime('2024-02-29 12:30')).toBe(t - 15);
    expect(readDateTime('2024-02-29')).toBe(Date.UTC(2024, 1, 29) / 1000);
    expect(readDateTime('2023-11-16 18:15:46.6805300')).toBeCloseTo(Date.UTC(2023, 10, 16, 18, 15, 46) / 1000 + 0.68053, 6);
  });

  it('years 0000-0099 are those years, not 1900-1999 (Date.UTC reads 0024 as 1924)', () => {
    expect(new Date((readDateTime('0024-01-01') as number) * 1000).toISOString()).toBe('0024-01-01T00:00:00.000Z');
  });

  it('names the part out of range instead of rolling over to another instant', () => {
    expect(readDateTime('2023-02-29 00:00')).toEqual({ error: "'2023-02-29 00:00' is not a real date and time: days in 2023-02 run from 01 to 28" });
    expect(readDateTime('2024-13-01')).toEqual({ error: "'2024-13-01' is not a real date and time: months run from 01 to 12" });
    expect(readDateTime('2024-01-01 24:00')).toEqual({ error: "'2024-01-01 24:00' is not a real date and time: hours run from 00 to 23 (write 24:00 as 00:00 of the next day)" });
    expect(readDateTime('2024-01-01 10:60')).toEqual({ error: "'2024-01-01 10:60' is not a real date and time: minutes run from 00 to 59" });
    expect(readDateTime('2024-01-01 10:00:60')).toEqual({ error: "'2024-01-01 10:00:60' is not a real date and time: seconds run from 00 to 59" });
    expect(readDateTime('2024-01-01 10:00+25:00')).toEqual({ error: "'2024-01-01 10:00+25:00' has no real UTC offset: +25:00 (expected ±HH:MM, hours up to 23, minutes up to 59)" });
    expect(readDateTime('2024-01-01 10:00+05:99')).toMatchObject({ error: expect.stringContaining('has no real UTC offset') });
    expect(readDateTime('March 7, 2026')).toBeUndefined();
  });

  it('both readers use it, and numbers must be plain decimals', () => {
    expect(parseTimestamp('2024-02-30 00:00')).toBeUndefined();
    expect(seriesTimestamp('2024-02-30 00:00')).toBeUndefined();
    expect(parseTimestamp('0024-01-01')).toBe(seriesTimestamp('0024-01-01 00:00'));
    expect(parseTimestamp('0x10')).toBeUndefined(); // Number('0x10') is 16
    expect(parseTimestamp('1.5e3')).toBe(1500);
    expect(parseTimestamp('1500', 'number', 0.001)).toBe(1.5);
  });
});
