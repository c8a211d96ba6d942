import { describe, expect, it } from 'vitest';
import { TraceFormatError, UserError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { openTrace } from '../../src/traces/registry.js';
import { collect, fixture } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

/* A cluster's instance table: i1 began before the trace (no creation time), i3 still ran when it was cut (no deletion time). */
const TABLE = ['instance,creation_time,deletion_time,cpu', 'i0,100,160,1', 'i1,,130,2', 'i2,110,150,1', 'i3,120,,4', 'i4,125,200,1'].join('\n');

const byEnd: CsvTraceOptions['columns'] = { arrival: { column: 'creation_time', format: 'number' }, end: { column: 'deletion_time', format: 'number' }, demand: { cpu: 'cpu' } };

async function read(empty: CsvTraceOptions['empty'], columns = byEnd, text = TABLE, more: Partial<CsvTraceOptions> = {}) {
  const stream = readCsvRequests(fixture('instances.csv', text), { space, columns, ...(empty === undefined ? {} : { empty }), ...more });
  return { reqs: await collect(stream), stats: stream.stats };
}

describe('csv: empty time cells (option empty)', () => {
  it('refuses an empty arrival or end by default, at its line, naming the option', async () => {
    await expect(read(undefined)).rejects.toThrow(TraceFormatError);
    await expect(read(undefined)).rejects.toThrow(/instances\.csv:3, field 'creation_time': empty arrival: set 'empty\.arrival: skip'/);
    await expect(read({ arrival: 'skip' })).rejects.toThrow(/instances\.csv:5, field 'deletion_time': empty end: set 'empty\.end' to skip \(counted\) or to a run time in seconds/);
  });

  it('skips the records it is told to and counts each under its reason; generated ids stay the record index', async () => {
    const { reqs, stats } = await read({ arrival: 'skip', end: 'skip' });
    expect(reqs.map((r) => [r.id, r.arrival, r.duration])).toEqual([
      ['csv-0', 0, 60],
      ['csv-2', 10, 40],
      ['csv-4', 25, 75],
    ]);
    expect(stats).toMatchObject({ records: 5, emitted: 3, skipped: { 'empty-arrival': 1, 'empty-end': 1 } });
  });

  it('runs a record with an empty end for the given seconds, counted as adjusted', async () => {
    const { reqs, stats } = await read({ arrival: 'skip', end: 3600 });
    expect(reqs.find((r) => r.id === 'csv-3')).toMatchObject({ arrival: 20, duration: 3600, demand: [4, 0, 0] });
    expect(stats.adjusted).toEqual({ 'empty-end': 1 });
    expect(stats.skipped).toEqual({ 'empty-arrival': 1 });
  });

  it("origin: a record with no arrival (began before the trace) starts at the trace's origin, until its end, counted as adjusted", async () => {
    // Origin 90 in the file's clock: i1 (no creation, deleted at 130) runs 0..40; i0 arrives 10 s in. i1 comes back in time: sorted.
    const { reqs, stats } = await read({ arrival: 'origin', end: 3600 }, byEnd, TABLE, { origin: 90, unsorted: 'sort' });
    expect(reqs.map((r) => [r.id, r.arrival, r.duration])).toEqual([
      ['csv-1', 0, 40],
      ['csv-0', 10, 60],
      ['csv-2', 20, 40],
      ['csv-3', 30, 3600],
      ['csv-4', 35, 75],
    ]);
    expect(stats).toMatchObject({ records: 5, emitted: 5, skipped: {}, adjusted: { 'empty-arrival': 1, 'empty-end': 1, 'reordered-by-arrival': 1 } });
    // With a duration column the run time is the cell's.
    const text = ['t,run,cpu', ',5,1', '1,7,1'].join('\n');
    const columns: CsvTraceOptions['columns'] = { arrival: 't', duration: 'run', demand: { cpu: 'cpu' } };
    expect((await read({ arrival: 'origin' }, columns, text, { origin: 0 })).reqs.map((r) => [r.arrival, r.duration])).toEqual([[0, 5], [1, 7]]);
  });

  it("origin needs the trace's origin set: the first arrival read may come after a record that has none", async () => {
    await expect(read({ arrival: 'origin', end: 3600 })).rejects.toThrow(UserError);
    await expect(read({ arrival: 'origin', end: 3600 })).rejects.toThrow(/field 'empty\.arrival': 'origin' starts a record with no arrival at the trace's start, so set the trace's origin too/);
    await expect(read(undefined)).rejects.toThrow(/set 'empty\.arrival: skip' to leave such records out \(counted\), or 'origin' to start them at the trace's start/);
  });

  it('applies the duration rule when the mapping has a duration column', async () => {
    const text = ['t,run,cpu', '0,5,1', '1,,1', '2,7,1'].join('\n');
    const columns: CsvTraceOptions['columns'] = { arrival: 't', duration: 'run', demand: { cpu: 'cpu' } };
    expect((await read({ duration: 'skip' }, columns, text)).reqs.map((r) => r.duration)).toEqual([5, 7]);
    expect((await read({ duration: 30 }, columns, text)).reqs.map((r) => r.duration)).toEqual([5, 30, 7]);
    await expect(read(undefined, columns, text)).rejects.toThrow(/instances\.csv:3, field 'run': empty duration/);
  });

  it('refuses a rule for a column the mapping does not have, and a bad value', async () => {
    const columns: CsvTraceOptions['columns'] = { arrival: 't', duration: 'run', demand: { cpu: 'cpu' } };
    await expect(read({ end: 'skip' }, columns, 't,run,cpu\n0,5,1')).rejects.toThrow(UserError);
    await expect(read({ end: 'skip' }, columns, 't,run,cpu\n0,5,1')).rejects.toThrow(/no columns\.end .*use empty\.duration/);
    await expect(read({ end: -5 }, byEnd)).rejects.toThrow(/must be 'error', 'skip' or seconds > 0/);
  });

  it('is an option of the csv kind in scenarios (units accepted, unknown keys refused)', async () => {
    const file = fixture('instances.csv', TABLE);
    const spec = { kind: 'csv', file, columns: byEnd, empty: { arrival: 'skip', end: '1h' } };
    const stream = openTrace(spec, { space, dataRoot: '.' });
    const reqs = await collect(stream);
    expect(reqs.find((r) => r.id === 'csv-3')?.duration).toBe(3600);
    expect(() => openTrace({ ...spec, empty: { arival: 'skip' } }, { space, dataRoot: '.' })).toThrow(/arival/);
    const fromOrigin = openTrace({ ...spec, origin: 90, unsorted: 'sort', empty: { arrival: 'origin', end: '1h' } }, { space, dataRoot: '.' });
    expect((await collect(fromOrigin)).map((r) => r.id)).toEqual(['csv-1', 'csv-0', 'csv-2', 'csv-3', 'csv-4']);
    const only = openTrace({ ...spec, where: { instance: ['i0', 'i4'] } }, { space, dataRoot: '.' });
    expect((await collect(only)).map((r) => r.id)).toEqual(['csv-0', 'csv-4']);
    expect(only.stats.skipped).toEqual({ where: 3 });
  });
});

describe('csv: where (replay only matching rows)', () => {
  const JOBS = ['job,state,t,run,cpu', 'a,COMPLETED,0,5,1', 'b,CANCELLED,1,6,1', 'c,FAILED,2,7,1', 'd,COMPLETED,3,8,1'].join('\n');
  const columns: CsvTraceOptions['columns'] = { id: 'job', arrival: 't', duration: 'run', demand: { cpu: 'cpu' } };
  const run = async (where: CsvTraceOptions['where']) => {
    const stream = readCsvRequests(fixture('jobs.csv', JOBS), { space, columns, ...(where === undefined ? {} : { where }) });
    return { reqs: await collect(stream), stats: stream.stats };
  };

  it('keeps the rows whose cells equal the value, or one of the values, and counts the others', async () => {
    const one = await run({ state: 'COMPLETED' });
    expect(one.reqs.map((r) => [r.id, r.arrival])).toEqual([
      ['a', 0],
      ['d', 3],
    ]);
    expect(one.stats).toMatchObject({ records: 4, emitted: 2, skipped: { where: 2 } });
    expect((await run({ state: ['COMPLETED', 'FAILED'] })).reqs.map((r) => r.id)).toEqual(['a', 'c', 'd']);
  });

  it('refuses a where that no row matches, showing values it saw, and a column the header lacks', async () => {
    await expect(run({ state: 'completed' })).rejects.toThrow(/jobs\.csv: no row matches 'where' \(state = 'completed'\) among 4 record\(s\); values seen in those columns include 'COMPLETED', 'CANCELLED', 'FAILED'/);
    await expect(run({ status: 'COMPLETED' })).rejects.toThrow(/status/);
  });
});

describe('csv: defaults.demand (dimensions no column gives)', () => {
  const LOG = ['t,run,images', '0,30,1', '5,40,8'].join('\n');
  const columns: CsvTraceOptions['columns'] = { arrival: 't', duration: 'run', demand: { cpu: 'images' } };

  it('gives every request the fixed demand beside the mapped columns', async () => {
    const reqs = await collect(readCsvRequests(fixture('log.csv', LOG), { space, columns, defaults: { demand: { gpu: 1, memory: 16 } } }));
    expect(reqs.map((r) => r.demand)).toEqual([
      [1, 16, 1],
      [8, 16, 1],
    ]);
  });

  it('refuses a dimension given both ways, an unknown one, and a negative amount', () => {
    expect(() => readCsvRequests('x.csv', { space, columns, defaults: { demand: { cpu: 2 } } })).toThrow(/'cpu' is also mapped to a column \(columns\.demand\.cpu\): give it one way/);
    expect(() => readCsvRequests('x.csv', { space, columns, defaults: { demand: { tpu: 2 } } })).toThrow(/unknown resource dimension 'tpu'/);
    expect(() => readCsvRequests('x.csv', { space, columns, defaults: { demand: { gpu: -1 } } })).toThrow(UserError);
  });

  it('takes quantities in scenarios (16Gi), with no demand column at all', async () => {
    const spec = { kind: 'csv', file: fixture('log.csv', LOG), columns: { arrival: 't', duration: 'run', demand: {} }, defaults: { demand: { gpu: 0.5, memory: '16Gi' } } };
    expect((await collect(openTrace(spec, { space, dataRoot: '.' }))).map((r) => r.demand)).toEqual([
      [0, 16, 0.5],
      [0, 16, 0.5],
    ]);
  });
});
