import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { readLlmLogRequests } from '../../src/traces/llm-log.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * An arrival column of epoch milliseconds read as seconds (no `scale: 0.001`): every arrival was
 * relative to the first, so the trace replayed 1,000 times too slowly, without a word (two records
 * 5 s apart arrived 5000 s apart). The demand-series reader and `drs forecast` already refuse such
 * a clock ("after the year 5000"); the request readers now do too, at the first record.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const columns: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } };
const MS = 'id,t,d,c\na,1700000000000,10,1\nb,1700000005000,10,1\n';

describe('arrivals that read as after the year 5000', () => {
  it('a csv arrival column in epoch milliseconds without a scale is an error at the first record', async () => {
    const e = await rejection(collect(readCsvRequests(fixture('ms.csv', MS), { space, columns })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/ms\.csv:2, field 't': arrival 1700000000000 read as seconds is after the year 5000: epoch milliseconds\? set the arrival column's scale/);
  });

  it('with scale 0.001 the same file replays 5 s apart', async () => {
    const reqs = await collect(readCsvRequests(fixture('ms-scaled.csv', MS), { space, columns: { ...columns, arrival: { column: 't', scale: 0.001 } } }));
    expect(reqs.map((r) => r.arrival)).toEqual([0, 5]);
  });

  it('under unsorted: sort and a window, the earliest record is the one named', async () => {
    const text = 'id,t,d,c\nb,1700000005000,10,1\na,1700000000000,10,1\n';
    for (const unsorted of ['sort', { window: 10000 }] as const) {
      const e = await rejection(collect(readCsvRequests(fixture(`ms-unsorted-${typeof unsorted}.csv`, text), { space, columns, unsorted })));
      expect(e.message).toMatch(/:3, field 't': arrival 1700000000000 read as seconds is after the year 5000/);
    }
  });

  it('an llm log (Mooncake-style JSON Lines with epoch ms) is refused the same way', async () => {
    const f = fixture('ms.jsonl', '{"timestamp":1700000000000,"input_length":1,"output_length":1}\n');
    const e = await rejection(collect(readLlmLogRequests(f, { space, columns: { arrival: 'timestamp', context: 'input_length', generated: 'output_length' } })));
    expect(e.message).toMatch(/ms\.jsonl:1, field 'timestamp': arrival 1700000000000 read as seconds is after the year 5000/);
  });

  it('epoch seconds, dates and seconds since the start are read as before', async () => {
    const secs = await collect(readCsvRequests(fixture('s.csv', 'id,t,d,c\na,1700000000,10,1\nb,1700000005.5,10,1\n'), { space, columns }));
    expect(secs.map((r) => r.arrival)).toEqual([0, 5.5]);
    const iso = await collect(readCsvRequests(fixture('iso.csv', 'id,t,d,c\na,2023-11-16 18:15:46,10,1\nb,2023-11-16 18:15:50,10,1\n'), { space, columns }));
    expect(iso.map((r) => r.arrival)).toEqual([0, 4]);
    const rel = await collect(readCsvRequests(fixture('rel.csv', 'id,t,d,c\na,99999999999,10,1\n'), { space, columns }));
    expect(rel.map((r) => r.arrival)).toEqual([0]);
  });
});
