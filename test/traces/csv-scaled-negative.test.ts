import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * A requested duration or SLO wait read through a column's scale and offset that comes out
 * negative (a mis-signed offset or scale) was replayed as it was: an SLO wait of -5 s that no
 * request can meet (SLA 0 %, exit 0), a requested duration of -30 s for the backfilling queues.
 * As for demand and duration, a negative value after scale/offset is an error at its cell.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const TEXT = ['id,t,dur,est,slo,cpu', 'a,0,50,30,5,1', 'b,1,50,90,5,1'].join('\n');
const base: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'dur', demand: { cpu: 'cpu' } };

async function read(columns: Partial<CsvTraceOptions['columns']>) {
  return collect(readCsvRequests(fixture('scaled.csv', TEXT), { space, columns: { ...base, ...columns } }));
}

describe('csv: requested duration and SLO wait after scale and offset', () => {
  it('a requested duration made negative by its offset is an error at its cell', async () => {
    const e = await rejection(read({ requestedDuration: { column: 'est', offset: -60 } }));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/scaled\.csv:2, field 'est': requested duration -30 s is negative after scale\/offset \(30 × 1 \+ -60\)/);
  });

  it('an SLO wait made negative by its scale is an error at its cell', async () => {
    const e = await rejection(read({ sloWait: { column: 'slo', scale: -1 } }));
    expect(e.message).toMatch(/scaled\.csv:2, field 'slo': SLO wait -5 s is negative after scale\/offset \(5 × -1 \+ 0\)/);
  });

  it('values that stay ≥ 0 are read as before', async () => {
    const reqs = await read({ requestedDuration: { column: 'est', scale: 2, offset: -60 }, sloWait: { column: 'slo', scale: 60 } });
    expect(reqs.map((r) => [r.id, r.requestedDuration, r.sloWait])).toEqual([
      ['a', 0, 300],
      ['b', 120, 300],
    ]);
  });
});
