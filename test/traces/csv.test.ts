import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TraceFormatError, UserError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { parseTimestamp } from '../../src/traces/reading.js';
import { collect, fixture, fixtureBytes, rejection } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

const JOBS = [
  'job,user,submit_ms,run_ms,cpu_milli,mem_mib,gpus,qos,spot,model',
  'j1,alice,1000,60000,500,2048,0,LS,no,',
  'j2,bob,2500,1500,2000,1024,1,BE,yes,A100',
  '"j3",alice,4000,0,250,512,0.5,LS,0,T4',
].join('\n');

const mapping: CsvTraceOptions['columns'] = {
  id: 'job',
  tenant: 'user',
  arrival: { column: 'submit_ms', format: 'number', scale: 0.001 },
  duration: { column: 'run_ms', scale: 0.001 },
  priority: { column: 'qos', values: { LS: 'high', BE: 'low' } },
  preemptible: 'spot',
  demand: { cpu: { column: 'cpu_milli', scale: 0.001 }, memory: { column: 'mem_mib', scale: 1 / 1024 }, gpu: 'gpus' },
  labels: { gpuModel: 'model' },
};

describe('readCsvRequests: mapping', () => {
  it('maps columns with scale factors and makes arrivals relative to the first record', async () => {
    const f = fixture('jobs.csv', JOBS);
    const reqs = await collect(readCsvRequests(f, { space, columns: mapping }));
    expect(reqs).toHaveLength(3);
    expect(reqs[0]).toEqual({ id: 'j1', tenant: 'alice', arrival: 0, demand: [0.5, 2, 0], duration: 60, priority: 'high', preemptible: false });
    expect(reqs[1]).toEqual({
      id: 'j2',
      tenant: 'bob',
      arrival: 1.5,
      demand: [2, 1, 1],
      duration: 1.5,
      priority: 'low',
      preemptible: true,
      constraints: { labels: { gpuModel: 'A100' } },
    });
    expect(reqs[2]?.arrival).toBe(3);
    expect(reqs[2]?.demand).toEqual([0.25, 0.5, 0.5]);
    expect(reqs[2]?.duration).toBe(0);
  });

  it('reads the same file gzipped, honours limit, and counts what it read', async () => {
    const f = fixture('jobs.csv.gz', JOBS);
    const stream = readCsvRequests(f, { space, columns: mapping, limit: 2 });
    const reqs = await collect(stream);
    expect(reqs.map((r) => r.id)).toEqual(['j1', 'j2']);
    expect(stream.stats.emitted).toBe(2);
  });

  it('takes durations from an end column and ISO dates with zones, defaults for unmapped fields', async () => {
    const f = fixture(
      'iso.csv',
      ['start;stop;cores', '2024-03-01T10:00:00Z;2024-03-01T10:30:00Z;4', '2024-03-01 12:00:01.5+02:00;2024-03-01T10:10:00Z;2'].join('\n'),
    );
    const reqs = await collect(
      readCsvRequests(f, {
        space,
        delimiter: ';',
        columns: { arrival: { column: 'start', format: 'iso' }, end: { column: 'stop', format: 'iso' }, demand: { cpu: 'cores' } },
        defaults: { tenant: 't', priority: 'background', sloWait: 30 },
      }),
    );
    expect(reqs[0]).toEqual({ id: 'csv-0', tenant: 't', arrival: 0, demand: [4, 0, 0], duration: 1800, priority: 'background', preemptible: false, sloWait: 30 });
    // 12:00:01.5 at +02:00 is 10:00:01.5 UTC.
    expect(reqs[1]?.arrival).toBeCloseTo(1.5, 9);
    expect(reqs[1]?.duration).toBeCloseTo(598.5, 9);
    expect(reqs[1]?.id).toBe('csv-1');
  });

  it('accepts priority names and ranks without a value map', async () => {
    const f = fixture('prio.csv', 'a,d,c,p\n0,1,1,critical\n1,1,1,3\n2,1,1,Medium\n');
    const reqs = await collect(readCsvRequests(f, { space, columns: { arrival: 'a', duration: 'd', demand: { cpu: 'c' }, priority: 'p' } }));
    expect(reqs.map((r) => r.priority)).toEqual(['critical', 'low', 'medium']);
  });
});

describe('readCsvRequests: bad input', () => {
  it('a compressed file the name does not announce is said to be one, at line 1, before the parser reads its bytes', async () => {
    const text = `${JOBS}\n`;
    const cases: [string, Buffer, string][] = [
      // Real gzip data without a .gz name: the parser met a quote or a short record somewhere in it.
      ['plain-name.csv', gzipSync(text), 'the file is gzip-compressed (a gzip-compressed file needs a name ending in .gz)'],
      ['jobs.csv.zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(text)]), 'the file is compressed with zip: unzip it first (the CSV readers read plain text, or gzip with a name ending in .gz)'],
      ['jobs.csv.zst', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from(text)]), 'the file is compressed with zstd: decompress it first (the CSV readers read plain text, or gzip with a name ending in .gz)'],
      // A .gz name on plain text was "corrupt or truncated gzip data after line 0".
      ['plain.csv.gz', Buffer.from(text), 'the name ends in .gz but the file is not gzip-compressed: rename it without .gz (or gzip it)'],
    ];
    for (const [name, bytes, message] of cases) {
      const f = fixtureBytes(name, bytes);
      const e = await rejection(collect(readCsvRequests(f, { space, columns: mapping })));
      expect(e).toBeInstanceOf(TraceFormatError);
      expect(e.message).toBe(`${f}:1: ${message}`);
    }
    // The same rows gzipped under a .gz name read as before.
    expect((await collect(readCsvRequests(fixtureBytes('jobs.csv.gz', gzipSync(text)), { space, columns: mapping }))).map((r) => r.id)).toEqual(['j1', 'j2', 'j3']);
  });

  it('a missing mapped column names the file, the column and the header found', async () => {
    const f = fixture('nocol.csv', 'job,user,submit_ms,run_ms,cpu_milli,mem_mib,qos,spot,model\nj1,a,0,1,1,1,LS,no,\n');
    const e = await rejection(collect(readCsvRequests(f, { space, columns: mapping })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toContain(f);
    expect(e.message).toContain("missing column 'gpus'");
    expect(e.message).toContain('demand.gpu');
    expect(e.message).toContain('header has: job, user, submit_ms, run_ms, cpu_milli, mem_mib, qos, spot, model');
  });

  it('a non-numeric value names file:line and the field', async () => {
    const f = fixture('nan.csv', 'job,user,submit_ms,run_ms,cpu_milli,mem_mib,gpus,qos,spot,model\nj1,a,0,1,1,1,0,LS,no,\nj2,a,5,1,lots,1,0,LS,no,\n');
    const e = await rejection(collect(readCsvRequests(f, { space, columns: mapping })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:3, field 'cpu_milli': 'lots' is not a number`);
    expect((e as TraceFormatError).location).toEqual({ file: f, line: 3, field: 'cpu_milli' });
  });

  it('a quoted cell over several CRLF lines: the lines after it keep their numbers', async () => {
    // csv-parse counts a CRLF inside quotes as two lines, so every error after such a cell named a
    // line too far down (one per CRLF in the quotes); an LF file was right.
    const header = 'job,user,submit_ms,run_ms,cpu_milli,mem_mib,gpus,qos,spot,model';
    for (const eol of ['\r\n', '\n']) {
      const f = fixture('quoted-eol.csv', [header, 'j1,"a', 'b', 'c",0,1,1,1,0,LS,no,', 'j2,a,5,1,lots,1,0,LS,no,', ''].join(eol));
      const e = await rejection(collect(readCsvRequests(f, { space, columns: mapping })));
      expect(e.message, JSON.stringify(eol)).toBe(`${f}:5, field 'cpu_milli': 'lots' is not a number`);
    }
  });

  it("a malformed quote after a quoted cell over CRLF lines is named at its own line, in the parser's message too", async () => {
    // The parser reads (and fails) ahead of the rows taken from it, so the correction for its
    // double-counted CRLFs has to be made as it parses: the error named line 6 (twice) for line 5.
    const header = 'job,user,submit_ms,run_ms,cpu_milli,mem_mib,gpus,qos,spot,model';
    for (const eol of ['\r\n', '\n']) {
      const f = fixture('quoted-then-bad.csv', [header, 'j1,"a', 'b",0,1,1,1,0,LS,no,', 'j2,a,5,1,1,1,0,LS,no,', 'j3,a,7,1"0,1,1,0,LS,no,', ''].join(eol));
      const e = await rejection(collect(readCsvRequests(f, { space, columns: mapping })));
      expect(e.message, JSON.stringify(eol)).toBe(`${f}:5: malformed CSV: Invalid Opening Quote: a quote is found in cell 4`);
    }
  });

  it('bad timestamps, priorities, booleans and negative demand are located', async () => {
    const head = 'job,user,submit_ms,run_ms,cpu_milli,mem_mib,gpus,qos,spot,model\n';
    const cases: [string, string, string][] = [
      ['j,a,yesterday,1,1,1,0,LS,no,', 'submit_ms', "'yesterday' is not a number"],
      ['j,a,0,1,1,1,0,XX,no,', 'qos', "'XX' has no priority"],
      ['j,a,0,1,1,1,0,LS,maybe,', 'spot', "'maybe' is not a boolean"],
      ['j,a,0,1,1,-4,0,LS,no,', 'mem_mib', 'is negative'],
      ['j,a,0,,1,1,0,LS,no,', 'run_ms', "empty duration: set 'empty.duration'"],
    ];
    for (const [row, field, msg] of cases) {
      const f = fixture(`bad-${field}.csv`, head + row + '\n');
      const e = await rejection(collect(readCsvRequests(f, { space, columns: mapping })));
      expect(e, row).toBeInstanceOf(TraceFormatError);
      expect(e.message, row).toContain(`${f}:2, field '${field}'`);
      expect(e.message, row).toContain(msg);
    }
  });

  it('a record earlier than the first, or than the one before, is an error naming its line and the option that sorts it', async () => {
    const cols = { arrival: 't', duration: 'd', demand: { cpu: 'c' } };
    const f = fixture('unsorted.csv', 't,d,c\n10,1,1\n5,1,1\n');
    // Before the first record (the implicit origin): the file is not sorted, said as such.
    const e = await rejection(collect(readCsvRequests(f, { space, columns: cols })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:3, field 't': arrival 5 is earlier than the record on line 2 (10): sort the file by arrival, or set 'unsorted: sort' to replay it sorted by arrival (the file is then read whole into memory), or 'unsorted: { window: SECONDS }' to reorder records that come back at most that far while streaming`);
    // With an origin the record is after it, but still earlier than the one before: the simulator
    // replays in arrival order, so it is refused here, with its line (it used to fail in the run).
    const e2 = await rejection(collect(readCsvRequests(f, { space, origin: 5, columns: cols })));
    expect(e2.message).toContain(`${f}:3, field 't': arrival 5 is earlier than the record on line 2 (10): sort the file by arrival, or set 'unsorted: sort'`);
    // Before a fixed origin, in order: the origin is named as set.
    const early = fixture('early.csv', 't,d,c\n3,1,1\n7,1,1\n');
    expect((await rejection(collect(readCsvRequests(early, { space, origin: 5, columns: cols })))).message).toBe(
      `${early}:2, field 't': arrival 3 is before the origin 5 set by 'origin'; set 'origin' to the earliest time, or leave it out to start at the first record`,
    );
    const sorted = fixture('sorted.csv', 't,d,c\n5,1,1\n10,1,1\n10,1,1\n');
    expect((await collect(readCsvRequests(sorted, { space, origin: 4, columns: cols }))).map((r) => r.arrival)).toEqual([1, 6, 6]);
  });

  it('a repeated id and a file with no records are errors naming the line', async () => {
    const cols = { arrival: 't', duration: 'd', demand: { cpu: 'c' }, id: 'job' };
    const dup = fixture('dup.csv', 'job,t,d,c\na,0,1,1\nb,1,1,1\na,2,1,1\n');
    expect((await rejection(collect(readCsvRequests(dup, { space, columns: cols })))).message).toContain(`${dup}:4, field 'job': duplicate id 'a' (also on line 2): each request needs its own id`);
    const wide = fixture('wide.csv', 'job,t,d,c\na,0,1,1\nb,1,1,1,7\n');
    expect((await rejection(collect(readCsvRequests(wide, { space, columns: cols })))).message).toContain(`${wide}:3: 5 cells, but the header has 4 columns (extra '7': a stray ',' or a shifted row?)`);
    // A short row: its missing cells would have been read as empty.
    const short = fixture('short.csv', 'job,t,d,c,tenant\na,0,1,1,x\nb,1,1,1\n');
    const colsT = { ...cols, tenant: 'tenant' };
    expect((await rejection(collect(readCsvRequests(short, { space, columns: colsT })))).message).toContain(`${short}:3: 4 cells, but the header has 5 columns (no tenant: a missing ',' or a cut-off row?)`);
    const header = fixture('header.csv', 'job,t,d,c\n');
    expect((await rejection(collect(readCsvRequests(header, { space, columns: cols })))).message).toContain(`${header}:2: no records after the header: the trace holds no requests`);
  });

  it('a truncated gzip file is a TraceFormatError naming the file', async () => {
    const rows = ['t,d,c'];
    for (let i = 0; i < 20000; i++) rows.push(`${i},${i % 97},${(i * 7919) % 13}`);
    const gz = gzipSync(Buffer.from(rows.join('\n')));
    const f = fixtureBytes('trunc.csv.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const e = await rejection(collect(readCsvRequests(f, { space, columns: { arrival: 't', duration: 'd', demand: { cpu: 'c' } } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/truncated gzip/);
  });

  it('an empty file, a missing file, an unknown dimension and a mapping without duration are user errors', async () => {
    const empty = fixture('empty.csv', '');
    const cols = { arrival: 't', duration: 'd', demand: { cpu: 'c' } };
    expect((await rejection(collect(readCsvRequests(empty, { space, columns: cols })))).message).toContain('empty file');
    const missing = await rejection(collect(readCsvRequests('/nonexistent/x.csv', { space, columns: cols })));
    expect(missing).toBeInstanceOf(UserError);
    expect(missing.message).toContain('/nonexistent/x.csv');
    expect(() => readCsvRequests(empty, { space, columns: { arrival: 't', duration: 'd', demand: { tpu: 'c' } } })).toThrow(/unknown resource dimension 'tpu'/);
    expect(() => readCsvRequests(empty, { space, columns: { arrival: 't', demand: { cpu: 'c' } } })).toThrow(/'duration' or 'end'/);
  });
});

describe('parseTimestamp', () => {
  it('parses numbers, scaled numbers and ISO dates (7 fraction digits, zones; no zone = UTC)', () => {
    expect(parseTimestamp('12.5')).toBe(12.5);
    expect(parseTimestamp('1500', 'number', 0.001)).toBe(1.5);
    expect(parseTimestamp('1970-01-01T00:01:00Z')).toBe(60);
    expect(parseTimestamp('1970-01-01 00:00:01.2500000')).toBeCloseTo(1.25, 9);
    expect(parseTimestamp('1970-01-01T02:00:00+02:00')).toBe(0);
    expect(parseTimestamp('1970-01-01T00:00:00-0130')).toBe(5400);
    expect(parseTimestamp('1970-01-02')).toBe(86400);
  });

  it('scales ISO dates too (it was ignored for them, silently): scale 0.05 replays a dated log 20 times faster', async () => {
    expect(parseTimestamp('1970-01-01T00:01:00Z', 'iso', 0.5)).toBe(30);
    expect(parseTimestamp('1970-01-01 00:02:00', 'auto', 0.25)).toBe(30);
    // Image-generation requests, as alibaba/clusterdata's 2026 lora_request_trace.csv logs them.
    const f = fixture('dated.csv', 'gmt_create,exec_time_seconds,finished\n2024-11-15 16:57:50,32.0,2024-11-15 16:58:22\n2024-11-15 16:59:30,40.0,2024-11-15 17:00:10\n2024-11-15 17:07:50,8.0,2024-11-15 17:07:58\n');
    const fast = await collect(readCsvRequests(f, { space, columns: { arrival: { column: 'gmt_create', scale: 0.05 }, duration: 'exec_time_seconds', demand: {} }, defaults: { demand: { gpu: 1 } } }));
    expect(fast.map((r) => r.arrival)).toEqual([0, 5, 30]); // 100 s and 600 s after the first, / 20
    expect(fast.map((r) => r.duration)).toEqual([32, 40, 8]); // the duration column keeps its own scale
    // An end column in the same clock: durations are compressed with it.
    const ends = await collect(readCsvRequests(f, { space, columns: { arrival: { column: 'gmt_create', format: 'iso', scale: 0.5 }, end: { column: 'finished', scale: 0.5 }, demand: {} }, defaults: { demand: { gpu: 1 } } }));
    expect(ends.map((r) => [r.arrival, r.duration])).toEqual([
      [0, 16],
      [50, 20],
      [300, 4],
    ]);
  });

  it('rejects what is not a timestamp', () => {
    expect(parseTimestamp('2023-02-30 00:00:00')).toBeUndefined();
    expect(parseTimestamp('2023-13-01')).toBeUndefined();
    expect(parseTimestamp('12', 'iso')).toBeUndefined();
    expect(parseTimestamp('2023-01-01', 'number')).toBeUndefined();
    expect(parseTimestamp('')).toBeUndefined();
    expect(parseTimestamp('soon')).toBeUndefined();
  });
});
