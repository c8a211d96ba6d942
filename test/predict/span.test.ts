import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { aggregateEventsCsv } from '../../src/predict/event-log.js';
import { binEvents, readSeriesCsv } from '../../src/predict/series.js';
import { MAX_SERIES_POINTS, checkSeriesSpan } from '../../src/predict/span.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-span-'));
function file(name: string, rows: string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, ['timestamp,value', ...rows].join('\n') + '\n');
  return p;
}

/** The error a promise rejects with (it must reject). */
async function failure(p: Promise<unknown>): Promise<TraceFormatError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TraceFormatError);
  return e as TraceFormatError;
}

// Three rows a second apart, then one ~3,100 years later: 98.3 billion one-second points.
const far = ['1700000000,1', '1700000001,2', '1700000002,3', '99999999999,4'];
const farMessage = (remedy: string): string =>
  'the series would need 98,300,000,000 points, one every 1 s, between line 2 and line 5; at most 10,000,000 are allowed. ' +
  `Is the timestamp on line 5 right? It is 98,299,999,997 steps after the nearest other, on line 4. Otherwise ${remedy}`;

describe('a far-off timestamp is refused before a point is allocated for every step up to it', () => {
  it('event log (--step): names the file, the line of the far timestamp and the remedy', async () => {
    const f = file('far-events.csv', far);
    const e = await failure(aggregateEventsCsv(f, { step: 1 }));
    expect(e.message).toBe(`${f}:5, field 'timestamp': ${farMessage('give a larger --step')}`);
    await failure(aggregateEventsCsv(f, { step: 1, how: 'mean', maxGap: 1e12 }));
  });

  it('an early stray timestamp in an unsorted log is the suspect, not the latest one', async () => {
    const f = file('zero.csv', ['1700000000,1', '0,9', '1700000060,2', '1700000120,3']);
    const e = await failure(aggregateEventsCsv(f, { step: 1 }));
    expect(e.location).toEqual({ file: f, line: 3, field: 'timestamp' });
    expect(e.detail).toMatch(/^the series would need 1,700,000,121 points, one every 1 s, between line 3 and line 5; .* Is the timestamp on line 3 right\? It is 1,700,000,000 steps before the nearest other, on line 2\./);
  });

  it('resample and a regular series with a huge --max-gap are refused the same way', async () => {
    const f = file('far-series.csv', far);
    const e = await failure(readSeriesCsv(f, { resample: { step: 1, how: 'mean' } }));
    expect(e.message).toBe(`${f}:5, field 'timestamp': ${farMessage('give a larger --resample step')}`);
    const r = await failure(readSeriesCsv(f, { maxGap: 1e12 }));
    expect(r.message).toBe(`${f}:5, field 'timestamp': ${farMessage('aggregate into larger steps with --resample STEP')}`);
  });

  it('in-memory events have no lines: the message gives the times', () => {
    expect(() => binEvents([{ time: 0 }, { time: 5 }, { time: 1e9 }], 1)).toThrow(/between t = 0 s and t = 1000000000 s; .* Is the timestamp on t = 1000000000 s right\?/);
  });

  it('the cap is 10 million points: exactly that many pass', () => {
    const stamps = (): { bin: number; line: number }[] => [
      { bin: 0, line: 2 },
      { bin: MAX_SERIES_POINTS, line: 3 },
    ];
    expect(MAX_SERIES_POINTS).toBe(10_000_000);
    expect(() => checkSeriesSpan(0, MAX_SERIES_POINTS - 1, 60, stamps, { remedy: 'r' })).not.toThrow();
    expect(() => checkSeriesSpan(0, MAX_SERIES_POINTS, 60, stamps, { file: 'x.csv', remedy: 'r' })).toThrow(/^x\.csv:3: the series would need 10,000,001 points, one every 60 s/);
  });
});
