import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { readLlmLogRequests } from '../../src/traces/llm-log.js';
import { parseTimestamp } from '../../src/traces/reading.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * Cells that are plain decimals but overflow a double once read or scaled (`1e400` is Infinity,
 * `1e300` × scale 1e10 too). A first record at an infinite arrival made every arrival NaN
 * (Infinity − Infinity) and `drs run` stopped with "request 'a' arrives at NaNs, after one at
 * -Infinitys", naming no file; `drs validate --full` said ok.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const columns: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } };

describe('time cells that overflow to Infinity', () => {
  it('are not timestamps', () => {
    expect(parseTimestamp('1e400')).toBeUndefined();
    expect(parseTimestamp('1e300', 'number', 1e10)).toBeUndefined();
    expect(parseTimestamp('1e300', 'number', 1)).toBe(1e300);
  });

  for (const unsorted of [undefined, 'sort', { window: 10 }] as const) {
    it(`a first csv record at '1e400' is an error at its line and column (unsorted: ${JSON.stringify(unsorted)}), not NaN arrivals`, async () => {
      const f = fixture(`inf-first-${JSON.stringify(unsorted ?? 'error').replace(/\W/g, '')}.csv`, 'id,t,d,c\na,1e400,10,1\nb,1e400,10,1\n');
      const e = await rejection(collect(readCsvRequests(f, { space, columns, ...(unsorted !== undefined ? { unsorted } : {}) })));
      expect(e).toBeInstanceOf(TraceFormatError);
      expect(e.message).toMatch(/:2, field 't': '1e400' is too large a number/);
    });
  }

  it('an arrival that overflows only once scaled names the scale', async () => {
    const f = fixture('inf-scaled.csv', 'id,t,d,c\na,1e300,10,1\n');
    const e = await rejection(collect(readCsvRequests(f, { space, columns: { ...columns, arrival: { column: 't', scale: 1e10 } } })));
    expect(e.message).toMatch(/:2, field 't': '1e300' × scale 10000000000 is too large a number/);
  });

  it('an llm log (CSV and JSON Lines) refuses it too', async () => {
    const llmColumns = { arrival: 'ts', context: 'in', generated: 'out' };
    const csv = fixture('inf-llm.csv', 'ts,in,out\n1e400,1,1\n');
    expect((await rejection(collect(readLlmLogRequests(csv, { space, columns: llmColumns })))).message).toMatch(/inf-llm\.csv:2, field 'ts': '1e400' is too large a number/);
    const jsonl = fixture('inf-llm.jsonl', '{"ts":"1e400","in":1,"out":1}\n');
    expect((await rejection(collect(readLlmLogRequests(jsonl, { space, columns: llmColumns })))).message).toMatch(/inf-llm\.jsonl:1, field 'ts': '1e400' is too large a number/);
  });
});

describe('demand cells that overflow once scaled', () => {
  it('are an error at the cell, not an infinite demand', async () => {
    const f = fixture('inf-demand.csv', 'id,t,d,c\na,0,10,1e300\n');
    const e = await rejection(collect(readCsvRequests(f, { space, columns: { ...columns, demand: { cpu: { column: 'c', scale: 1e10 } } } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/:2, field 'c': demand '1e300' × scale 10000000000 for 'cpu' is too large a number/);
  });

  it('a finite product is kept exactly', async () => {
    const f = fixture('fin-demand.csv', 'id,t,d,c\na,0,10,1e300\n');
    const [r] = await collect(readCsvRequests(f, { space, columns: { ...columns, demand: { cpu: { column: 'c', scale: 1e-300 } } } }));
    expect(r?.demand[0]).toBeCloseTo(1, 12);
  });
});
