import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { aggregateEventsCsv } from '../../src/predict/event-log.js';
import { binEvents, parseTimestamp, readSeriesCsv, requireSeasons } from '../../src/predict/series.js';
import { TraceFormatError, UserError } from '../../src/core/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drs-series-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}
const csv = (rows: string[]): string => ['timestamp,value', ...rows].join('\n') + '\n';

describe('readSeriesCsv', () => {
  it('reads a regular series and infers the step', async () => {
    const s = await readSeriesCsv(file('ok.csv', csv(['2014-01-01 00:00:00,1', '2014-01-01 00:05:00,2.5', '2014-01-01 00:10:00,3'])));
    expect(s.values).toEqual([1, 2.5, 3]);
    expect(s.step).toBe(300);
    expect(s.start).toBe(Date.UTC(2014, 0, 1) / 1000);
    expect(s.name).toBe('ok');
    expect(s.repairs).toEqual({ filledPoints: 0, gaps: 0 });
  });

  it('repairs short gaps by linear interpolation and counts them', async () => {
    const s = await readSeriesCsv(file('gap.csv', csv(['0,1', '60,2', '240,8', '300,9', '360,10'])));
    expect(s.values).toEqual([1, 2, 4, 6, 8, 9, 10]);
    expect(s.repairs).toEqual({ filledPoints: 2, gaps: 1, filledSpans: [[2, 2]] });
  });

  it('refuses gaps when asked to, and gaps longer than maxGap, naming the line', async () => {
    const f = file('gap2.csv', csv(['0,1', '60,2', '240,8', '300,9', '360,10']));
    await expect(readSeriesCsv(f, { gaps: 'error' })).rejects.toThrow(/gap\.?2?\.csv:4.*gap of 2 missing point/);
    await expect(readSeriesCsv(f, { maxGap: 1 })).rejects.toThrow(/at most 1 are interpolated/);
  });

  it('duplicate timestamps are an error with both lines', async () => {
    const f = file('dup.csv', csv(['0,1', '60,2', '60,3']));
    await expect(readSeriesCsv(f)).rejects.toThrow(TraceFormatError);
    await expect(readSeriesCsv(f)).rejects.toThrow(/dup\.csv:4, field 'timestamp': duplicate timestamp.*line 3/);
  });

  it('unsorted timestamps are an error', async () => {
    await expect(readSeriesCsv(file('unsorted.csv', csv(['0,1', '120,2', '60,3'])))).rejects.toThrow(/unsorted\.csv:4.*out of order/);
  });

  it('non-numeric and empty values are errors naming line and field', async () => {
    await expect(readSeriesCsv(file('nan.csv', csv(['0,1', '60,abc'])))).rejects.toThrow(/nan\.csv:3, field 'value': value 'abc' is not a finite number/);
    await expect(readSeriesCsv(file('hex.csv', csv(['0,1', '60,0x10'])))).rejects.toThrow(/hex\.csv:3, field 'value': value '0x10' is not a finite number/);
    // A missing measurement was "value '' is not a finite number", with no word on what to do.
    for (const [name, cell] of [['empty', ''], ['null', 'null'], ['nan', 'NaN'], ['na', 'NA']] as const) {
      await expect(readSeriesCsv(file(`missing-${name}.csv`, csv(['0,1', `60,${cell}`, '120,3'])))).rejects.toThrow(
        `missing-${name}.csv:3, field 'value': value '${cell}' is a missing measurement, not a number: rows are never skipped; delete the row, and the gap it leaves is filled by interpolation (up to --max-gap points)`,
      );
    }
    await expect(readSeriesCsv(file('ms.csv', csv(['1700000000000,1', '1700000060000,2'])))).rejects.toThrow(/ms\.csv:2, field 'timestamp': timestamp 1700000000000 .* looks like epoch milliseconds/);
    await expect(readSeriesCsv(file('empty.csv', csv(['0,1', '60,', '120,3'])))).rejects.toThrow(/empty\.csv:3/);
    // Mixed line ends (an LF line in a CRLF file): the bad value is named on its own line, not
    // glued to the next line as one record of three cells.
    await expect(readSeriesCsv(file('mixed.csv', 'timestamp,value\r\n0,1\r\n60,abc\n120,3\r\n'))).rejects.toThrow(/mixed\.csv:3, field 'value': value 'abc' is not a finite number/);
    expect((await readSeriesCsv(file('mixed-ok.csv', 'timestamp,value\r\n0,1\r\n60,2\n120,3\r\n'))).values).toEqual([1, 2, 3]);
    // A quoted cell over two CRLF lines: csv-parse counted its CRLF twice, naming line 5 here.
    await expect(readSeriesCsv(file('quoted.csv', 'timestamp,value,note\r\n0,1,"a\r\nb"\r\n60,abc,c\r\n'))).rejects.toThrow(/quoted\.csv:4, field 'value': value 'abc' is not a finite number/);
  });

  it('a value beyond ±1e15 is refused at its line; the bound itself is read', async () => {
    await expect(readSeriesCsv(file('huge.csv', csv(['0,1', '60,1e308', '120,3'])))).rejects.toThrow(/huge\.csv:3, field 'value': value '1e308' is out of range: expected a number between -1e15 and 1e15/);
    await expect(readSeriesCsv(file('neg.csv', csv(['0,1', '60,2', '120,-1000000000000001'])))).rejects.toThrow(/neg\.csv:4, field 'value'/);
    await expect(aggregateEventsCsv(file('ev-huge.csv', 'time,value\n0,1\n30,2e15\n'), { step: 60 })).rejects.toThrow(/ev-huge\.csv:3, field 'value'/);
    expect((await readSeriesCsv(file('edge.csv', csv(['0,1e15', '60,-1e15'])))).values).toEqual([1e15, -1e15]);
  });

  it("an event log's rows can be filtered (where) and rows without a time left out (skipEmpty), each counted", async () => {
    // A cluster's instance table: creation time, role; i2 began before the table (no creation time).
    const table = file('inst.csv', 'id,creation_time,role\ni0,0,HN\ni1,10,CN\ni2,,HN\ni3,70,HN\ni4,75,CN\ni5,130,HN\n');
    const opts = { step: 60, how: 'count' as const, timeColumn: 'creation_time' };
    await expect(aggregateEventsCsv(table, opts)).rejects.toThrow(/inst\.csv:4, field 'creation_time': '' is not a timestamp .*; --skip-empty leaves rows with an empty time out \(counted\)/);
    const all = await aggregateEventsCsv(table, { ...opts, skipEmpty: true });
    expect([all.values, all.repairs.skippedRows]).toEqual([[2, 2, 1], { emptyTime: 1 }]);
    const hn = await aggregateEventsCsv(table, { ...opts, skipEmpty: true, where: { role: ['HN'] } });
    // HN rows at 0, 70, 130 (i2 has no time): one per minute; the two CN rows and i2 counted apart.
    expect([hn.values, hn.repairs.skippedRows]).toEqual([[1, 1, 1], { where: 2, emptyTime: 1 }]);
    await expect(aggregateEventsCsv(table, { ...opts, skipEmpty: true, where: { role: ['hn'] } })).rejects.toThrow("no row matches --where role = 'hn' among 6 row(s); values seen there include 'HN', 'CN' (matching is exact, case included)");
    await expect(aggregateEventsCsv(table, { ...opts, where: { rol: ['HN'] } })).rejects.toThrow(/rol/);
    await expect(aggregateEventsCsv(file('none.csv', 'id,creation_time\na,\nb,\n'), { ...opts, skipEmpty: true })).rejects.toThrow('no events with a time: all 2 row(s) have an empty time cell');
  });

  it('binary bytes in a later row are named as such at their line, not echoed to the terminal', async () => {
    // The first row is checked by the reader; a later row's cells reached the timestamp and value
    // messages whole: "'\u0000\u0001garbage\ufffd' is not a timestamp", NUL bytes and all.
    const head = 'timestamp,value\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n';
    const cases = [
      [file('bin-time.csv', `${head}\u0000\u0001garbage\ufffd,3\n`), 4, 'timestamp'],
      [file('bin-value.csv', `${head}2024-01-01 02:00,\u0000\u0001\u0002\n`), 4, 'value'],
    ] as const;
    for (const [p, line, field] of cases) {
      for (const read of [(): Promise<unknown> => readSeriesCsv(p), (): Promise<unknown> => aggregateEventsCsv(p, { step: 3600, how: 'mean' })]) {
        const e = (await read().catch((x: unknown) => x)) as TraceFormatError;
        expect(e).toBeInstanceOf(TraceFormatError);
        expect(e.location).toMatchObject({ file: p, line, field });
        expect(e.message).toContain(`binary data, not CSV text: the ${field} cell holds control characters or bytes that are not UTF-8 (a damaged file?)`);
        expect([...e.message].some((c) => c < ' ' || c === '\ufffd')).toBe(false);
      }
    }
  });

  it('a binary file or a gzip file without a .gz name is a located error, not a dump of its bytes', async () => {
    const bytes = Buffer.from([0x18, 0x21, 0x00, 0x85, 0x58, 0x22, 0x15, 0x59, 0x0a, 0x13, 0x6f, 0x22, 0x26, 0x0a, 0x01, 0x02]);
    const noise = async (p: string): Promise<TraceFormatError> => (await readSeriesCsv(p).catch((e: unknown) => e)) as TraceFormatError;
    for (const p of [file('bin.csv', bytes.toString('latin1')), file('gz.csv', gzipSync(csv(['0,1', '60,2'])).toString('latin1'))]) {
      const e = await noise(p);
      expect(e).toBeInstanceOf(TraceFormatError);
      expect(e.message).toContain('binary data, not CSV text (a gzip-compressed file needs a name ending in .gz)');
      expect(e.message).not.toContain('value is');
      expect(e.location.line).toBeGreaterThan(0);
    }
    // Real gzip bytes without a .gz name, and a zip, were "Invalid Record Length ... on line 2".
    const rows = csv(['0,1', '60,2', '120,3']);
    for (const [name, bytes, message] of [
      ['real-gz.csv', gzipSync(rows), 'the file is gzip-compressed (a gzip-compressed file needs a name ending in .gz)'],
      ['series.csv.zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), Buffer.from(rows)]), 'the file is compressed with zip: unzip it first (the CSV readers read plain text, or gzip with a name ending in .gz)'],
      // UTF-16 (Excel's "Unicode text") was "binary data, not CSV text (a gzip-compressed file needs a name ending in .gz)".
      ['utf16le.csv', Buffer.from(`\ufeff${rows}`, 'utf16le'), 'the file is UTF-16 text (little-endian), the CSV readers read UTF-8: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 converts it)'],
      ['utf16be.csv', Buffer.from(Buffer.from(rows, 'utf16le')).swap16(), 'the file is UTF-16 text (big-endian), the CSV readers read UTF-8: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 converts it)'],
    ] as const) {
      const p = path.join(dir, name);
      writeFileSync(p, bytes);
      const e = await noise(p);
      expect(e).toBeInstanceOf(TraceFormatError);
      expect(e.message).toBe(`${p}:1: not a readable CSV: ${message}`);
      await expect(aggregateEventsCsv(p, { step: 60 })).rejects.toThrow(`${p}:1: not a readable CSV: ${message}`);
    }
    const gz = path.join(dir, 'real.csv.gz');
    writeFileSync(gz, gzipSync(rows));
    expect((await readSeriesCsv(gz)).values).toEqual([1, 2, 3]);
    // A stray quote in a text file keeps the parser's reason, without its quote of the field.
    const stray = await noise(file('stray.csv', 'timestamp,value\n0,1\n60,12 "x"\n'));
    expect(stray.message).toMatch(/^.*not a readable CSV: Invalid Opening Quote: a quote is found in cell 2$/);
    // After a quoted cell over CRLF lines (counted twice by the parser, which reads ahead of the rows taken), at its own line.
    const afterQuoted = file('quoted-crlf.csv', 'timestamp,value\r\n0,"1\r\n"\r\n60,2\r\n120,3"x\r\n');
    expect((await noise(afterQuoted)).message).toBe(`${afterQuoted}:5: not a readable CSV: Invalid Opening Quote: a quote is found in cell 2`);
  });

  it('bad timestamps, irregular sampling and missing columns are errors', async () => {
    await expect(readSeriesCsv(file('ts.csv', csv(['0,1', 'yesterday,2'])))).rejects.toThrow(/ts\.csv:3, field 'timestamp'/);
    // Says the way out, as the gap error names --max-gap.
    await expect(readSeriesCsv(file('irr.csv', csv(['0,1', '60,2', '120,3', '150,4'])))).rejects.toThrow(/irr\.csv:5, field 'timestamp': irregular sampling: 30 s after line 4, expected a multiple of the step 60 s \(an irregular series can be aggregated into regular bins with --resample STEP\)$/);
    await expect(readSeriesCsv(file('cols.csv', 'time,val\n0,1\n60,2\n'))).rejects.toThrow(/cols\.csv:1: header has no timestamp column \(looked for 'timestamp'; found 'time', 'val'\): give --time-column to name the timestamp column$/);
    // A spreadsheet's 'Timestamp,Value' is read (one column matches ignoring case); two that differ
    // only in case are an error naming the flag that picks one.
    expect((await readSeriesCsv(file('caps.csv', 'Timestamp,Value\n0,1\n60,2\n'))).values).toEqual([1, 2]);
    await expect(readSeriesCsv(file('caps2.csv', 'Timestamp,TIMESTAMP,value\n0,0,1\n60,60,2\n'))).rejects.toThrow(
      "caps2.csv:1: header has no timestamp column (looked for 'timestamp'; found 'Timestamp', 'TIMESTAMP', 'value'); 'Timestamp' and 'TIMESTAMP' differ only in case: give --time-column with the one to use",
    );
    await expect(readSeriesCsv(path.join(dir, 'missing.csv'))).rejects.toThrow(UserError);
  });

  it('parses the timestamp formats it documents', () => {
    expect(parseTimestamp('2014-05-14 01:14:00')).toBe(Date.UTC(2014, 4, 14, 1, 14) / 1000);
    expect(parseTimestamp('2014-05-14T01:14:00+01:00')).toBe(Date.UTC(2014, 4, 14, 0, 14) / 1000);
    expect(parseTimestamp('1662859176.0')).toBe(1662859176);
    expect(parseTimestamp('soon')).toBeUndefined();
  });

  it('refuses impossible dates and times instead of rolling them over to another day', async () => {
    expect(parseTimestamp('2024-02-29 00:00')).toBe(Date.UTC(2024, 1, 29) / 1000);
    expect(parseTimestamp('2000-02-29 00:00')).toBe(Date.UTC(2000, 1, 29) / 1000);
    expect(parseTimestamp('2024-12-31 23:59:59')).toBe(Date.UTC(2024, 11, 31, 23, 59, 59) / 1000);
    for (const bad of ['2024-02-30 00:00', '2023-02-29 00:00', '1900-02-29 00:00', '2024-04-31T00:00Z', '2024-01-01 24:00', '2024-13-01 00:00', '2024-01-00 00:00', '2024-01-01 12:60', '2024-01-01 12:00:60']) {
      expect(parseTimestamp(bad), bad).toBeUndefined();
    }
    const feb = file('feb30.csv', csv(['2024-02-28 00:00,2', '2024-02-29 00:00,3', '2024-02-30 00:00,4']));
    const e = await readSeriesCsv(feb).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as Error).message).toBe(`${feb}:4, field 'timestamp': '2024-02-30 00:00' is not a real date and time: days in 2024-02 run from 01 to 29`);
    await expect(readSeriesCsv(file('h24.csv', csv(['2024-01-01 23:00,1', '2024-01-01 24:00,2'])))).rejects.toThrow(
      /h24\.csv:3, field 'timestamp': '2024-01-01 24:00' is not a real date and time: hours run from 00 to 23 \(write 24:00 as 00:00 of the next day\)$/,
    );
    await expect(aggregateEventsCsv(file('ev24.csv', 'time,value\n2024-01-01 23:00,1\n2024-01-01 24:00:00,2\n'), { step: 60 })).rejects.toThrow(/ev24\.csv:3, field 'time': '2024-01-01 24:00:00' is not a real date and time: hours run/);
  });
});

describe('event aggregation', () => {
  it('sums, counts and averages into epoch-aligned bins; empty sum/count bins are 0', () => {
    const ev = [{ time: 5, value: 1 }, { time: 59, value: 2 }, { time: 130, value: 4 }];
    expect(binEvents(ev, 60, 'sum').values).toEqual([3, 0, 4]);
    expect(binEvents(ev, 60, 'count').values).toEqual([2, 0, 1]);
    const mean = binEvents(ev, 60, 'mean');
    expect(mean.values).toEqual([1.5, 2.75, 4]);
    expect(mean.repairs).toEqual({ filledPoints: 1, gaps: 1, filledSpans: [[1, 1]] });
  });

  it('streams a gzip CSV event log (unsorted is fine) into a series', async () => {
    const p = path.join(dir, 'events.csv.gz');
    writeFileSync(p, gzipSync('timestamp_anon,value,kind\n120,1,a\n0,0.5,b\n30,0.25,a\n'));
    const s = await aggregateEventsCsv(p, { step: 60 });
    expect(s.values).toEqual([0.75, 0, 1]);
    expect(s.start).toBe(0);
    expect(s.name).toBe('events');
  });

  it("finds the Azure LLM trace's TIMESTAMP column without --time-column (names matched ignoring case when only one fits)", async () => {
    // Refused before: "header has no time column (looked for 'timestamp' ...; found 'TIMESTAMP', ...)".
    const p = file('azure.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\r\n2024-05-10 00:00:00.009930+00:00,374,44\r\n2024-05-10 00:00:30.5+00:00,10,6\r\n2024-05-10 00:01:59.999999+00:00,1,0\r\n');
    expect((await aggregateEventsCsv(p, { step: 60, how: 'count' })).values).toEqual([2, 1]);
    expect((await aggregateEventsCsv(p, { step: 60, valueColumn: 'generatedtokens' })).values).toEqual([50, 0]);
    await expect(aggregateEventsCsv(file('two.csv', 'Time,TIME,value\n0,0,1\n'), { step: 60 })).rejects.toThrow("header has no time column (looked for 'timestamp' or 'timestamp_anon' or 'time' or 'arrival'; found 'Time', 'TIME', 'value')");
  });

  it('bad event rows are errors with the line', async () => {
    await expect(aggregateEventsCsv(file('ev.csv', 'time,value\n0,1\nx,2\n'), { step: 60 })).rejects.toThrow(/ev\.csv:3/);
    await expect(aggregateEventsCsv(file('ev2.csv', 'time,value\n0,1\n5,two\n'), { step: 60 })).rejects.toThrow(/ev2\.csv:3, field 'value'/);
  });
});

describe('event aggregation: gaps of mean bins', () => {
  it('a gap longer than maxGap names the file, the time column and the lines on either side', async () => {
    // Unsorted on purpose: bin [0, 60) holds lines 2 and 4, bin [180, 240) line 3.
    const f = file('evgap.csv', 'time,value\n0,1\n200,3\n30,2\n');
    const e = await aggregateEventsCsv(f, { step: 60, how: 'mean', maxGap: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraceFormatError);
    expect((e as Error).message).toBe(
      `${f}:3, field 'time': no events for 2 consecutive bins of 60 s before 1970-01-01T00:03:00.000Z (after line 4, before line 3); at most 1 are interpolated for 'mean' (raise --max-gap to fill it)`,
    );
    expect((await aggregateEventsCsv(f, { step: 60, how: 'mean', maxGap: 2 })).values).toEqual([1.5, 2, 2.5, 3]);
    // In-memory events have no file: the message keeps the time.
    expect(() => binEvents([{ time: 0 }, { time: 200 }], 60, 'mean', 1)).toThrow(/^no events for 2 consecutive bins of 60 s before 1970-01-01T00:03:00\.000Z; at most 1 are interpolated/);
  });
});

describe('requireSeasons', () => {
  it('rejects a series shorter than two seasons', () => {
    expect(() => requireSeasons(47, 24, { file: 'x.csv' })).toThrow(/x\.csv.*47 points, fewer than two seasons of 24 steps/);
    expect(() => requireSeasons(48, 24)).not.toThrow();
  });

  it('with no season (1) asks for more points, not for a smaller --season, which does not exist', () => {
    // Was "fewer than two seasons of 1 steps (2); give a smaller --season or a longer series".
    expect(() => requireSeasons(1, 1, { what: 'the training part (80%) of s' })).toThrow(/^field 'season': the training part \(80%\) of s has 1 point, fewer than the 2 a forecast needs; give a longer series$/);
    expect(() => requireSeasons(2, 1)).not.toThrow();
  });
});
