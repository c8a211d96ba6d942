import { describe, expect, it } from 'vitest';
import { ConfigError, TraceFormatError, UserError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { openTrace } from '../../src/traces/registry.js';
import { collect, fixture, rejection } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

/*
 * Files without a header row, named by the `header` option: the shape of alibaba/clusterdata's
 * cluster-trace-gpu-v2020 task table (the names ship in pai_task_table.header; percent of a core
 * and of a GPU, GB, seconds with '.0', an empty end for a task still running). Rows written by hand.
 */
const PAI_HEADER = ['job_name', 'task_name', 'inst_num', 'status', 'start_time', 'end_time', 'plan_cpu', 'plan_mem', 'plan_gpu', 'gpu_type'];
const PAI_ROWS = [
  'a1,tensorflow,1.0,Terminated,1000.0,1600.0,600.0,29.296875,50.0,MISC',
  'a2,worker,2.0,Failed,1010.0,1030.0,400.0,8.0,100.0,V100',
  'a3,PyTorchWorker,1.0,Terminated,1020.0,1120.0,1200.0,60.0,800.0,V100M32',
  'a4,worker,1.0,Running,1030.0,,400.0,8.0,25.0,T4',
  'a5,ps,1.0,Terminated,1040.0,1100.0,200.0,4.0,0.0,MISC',
].join('\n');

const PAI_COLUMNS: CsvTraceOptions['columns'] = {
  arrival: { column: 'start_time', format: 'number' },
  end: { column: 'end_time', format: 'number' },
  demand: { cpu: { column: 'plan_cpu', scale: 0.01 }, memory: 'plan_mem', gpu: { column: 'plan_gpu', scale: 0.01 } },
  labels: { gpuModel: 'gpu_type' },
};

async function read(text: string, more: Partial<CsvTraceOptions> = {}, name = 'pai_task_table.csv') {
  const stream = readCsvRequests(fixture(name, text), { space, header: PAI_HEADER, columns: PAI_COLUMNS, ...more });
  return { reqs: await collect(stream), stats: stream.stats };
}

describe('csv: a file without a header row (option header)', () => {
  it('reads line 1 as a record, maps the named columns, and converts percent to cores and GPUs', async () => {
    const { reqs, stats } = await read(PAI_ROWS, { where: { status: 'Terminated' } });
    // Terminated rows only: a1 (line 1), a3 (line 3), a5 (line 5); arrivals from 1000 s.
    expect(reqs.map((r) => [r.id, r.arrival, r.duration, r.demand, r.constraints?.labels?.gpuModel])).toEqual([
      ['csv-0', 0, 600, [6, 29.296875, 0.5], 'MISC'],
      ['csv-2', 20, 100, [12, 60, 8], 'V100M32'],
      ['csv-4', 40, 60, [2, 4, 0], 'MISC'],
    ]);
    expect(stats).toMatchObject({ records: 5, emitted: 3, skipped: { where: 2 }, adjusted: {} });
  });

  it('exclude leaves out rows of the named values (running or waiting tasks), counted; a column not named is an option error', async () => {
    const { reqs, stats } = await read(PAI_ROWS, { exclude: { status: ['Running', 'Waiting'] } });
    expect(reqs.map((r) => r.id)).toEqual(['csv-0', 'csv-1', 'csv-2', 'csv-4']);
    expect(stats).toMatchObject({ records: 5, emitted: 4, skipped: { exclude: 1 } });
    await expect(read(PAI_ROWS, { exclude: { status: ['Running', 'Terminated', 'Failed', 'Waiting'] } })).rejects.toThrow(/'exclude' \(status = .*\) leaves out every row: all 5 of 5 record\(s\)/);
    expect(() => readCsvRequests(fixture('x.csv', PAI_ROWS), { space, header: PAI_HEADER, columns: PAI_COLUMNS, exclude: { state: 'Running' } })).toThrow(/field 'exclude\.state': no column 'state'/);
    // With a header row, a missing exclude column is named at line 1.
    const withHeader = readCsvRequests(fixture('h.csv', `${PAI_HEADER.join(',')}\n${PAI_ROWS}`), { space, columns: PAI_COLUMNS, exclude: { state: 'Running' } });
    await expect(collect(withHeader)).rejects.toThrow(/h\.csv:1, field 'state': missing column 'state' \(mapped to 'exclude\.state'\)/);
  });

  it('keeps the empty-cell rules: a running task (no end) is an error at its line, or skipped/run for a time', async () => {
    await expect(read(PAI_ROWS)).rejects.toThrow(/pai_task_table\.csv:4, field 'end_time': empty end: set 'empty\.end'/);
    const { reqs, stats } = await read(PAI_ROWS, { empty: { end: 3600 } });
    expect(reqs.map((r) => r.duration)).toEqual([600, 20, 100, 3600, 60]);
    expect(stats.adjusted).toEqual({ 'empty-end': 1 });
  });

  it('an empty plan_gpu (a CPU-only task) is an error naming empty.demand, or zero / skip by the rule, counted', async () => {
    const text = [PAI_ROWS.split('\n')[0], 'a6,ps,1.0,Terminated,1050.0,1090.0,800.0,16.0,,'].join('\n');
    await expect(read(text)).rejects.toThrow(/pai_task_table\.csv:2, field 'plan_gpu': empty demand for 'gpu': set 'empty\.demand' to zero/);
    const zero = await read(text, { empty: { demand: 'zero' } });
    expect(zero.reqs.map((r) => [r.id, r.demand, r.constraints])).toEqual([
      ['csv-0', [6, 29.296875, 0.5], { labels: { gpuModel: 'MISC' } }],
      ['csv-1', [8, 16, 0], undefined],
    ]);
    expect(zero.stats.adjusted).toEqual({ 'empty-demand': 1 });
    const skip = await read(text, { empty: { demand: 'skip' } });
    expect(skip.reqs.map((r) => r.id)).toEqual(['csv-0']);
    expect(skip.stats.skipped).toEqual({ 'empty-demand': 1 });
  });

  it('a bad value names file:line (line 1 is a record) and the column', async () => {
    const text = ['a1,tensorflow,1.0,Terminated,1000.0,1600.0,six,29.3,50.0,MISC'].join('\n');
    const e = await rejection(read(text));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/pai_task_table\.csv:1, field 'plan_cpu': 'six' is not a number/);
  });

  it("a row with another number of cells than 'header' names is an error at its line", async () => {
    const text = [PAI_ROWS.split('\n')[0], 'a2,worker,2.0,Failed,1010.0,1030.0,400.0,8.0,100.0'].join('\n');
    await expect(read(text)).rejects.toThrow(/pai_task_table\.csv:2: 9 cells, but 'header' names 10 columns \(no gpu_type: a missing ',' or a cut-off row\?\)/);
  });

  it('a file whose line 1 is the named header is refused (leave header out), as is an empty file', async () => {
    await expect(read(`${PAI_HEADER.join(',')}\n${PAI_ROWS}`)).rejects.toThrow(/pai_task_table\.csv:1: line 1 holds the column names given in 'header': the file has a header row, so leave 'header' out/);
    await expect(read(`\n\n${PAI_HEADER.join(',')}\n${PAI_ROWS}`)).rejects.toThrow(/pai_task_table\.csv:3: line 3 holds the column names given in 'header'/);
    await expect(read('\n')).rejects.toThrow(/pai_task_table\.csv:1: empty file: expected records of the 10 columns named in 'header'/);
  });

  it('a mapped column missing from header is an option error naming the mapped field, before reading', () => {
    const columns = { ...PAI_COLUMNS, demand: { gpu: 'gpu_request' } };
    expect(() => readCsvRequests(fixture('x.csv', PAI_ROWS), { space, header: PAI_HEADER, columns })).toThrow(UserError);
    expect(() => readCsvRequests(fixture('x.csv', PAI_ROWS), { space, header: PAI_HEADER, columns })).toThrow(/field 'columns\.demand\.gpu': no column 'gpu_request' among those named in 'header' \(job_name, task_name/);
    expect(() => readCsvRequests(fixture('x.csv', PAI_ROWS), { space, header: PAI_HEADER, columns: PAI_COLUMNS, where: { state: 'Terminated' } })).toThrow(/field 'where\.state': no column 'state'/);
    expect(() => readCsvRequests(fixture('x.csv', PAI_ROWS), { space, header: ['a', 'b', 'a'], columns: PAI_COLUMNS })).toThrow(/field 'header\[2\]': 'a' is named twice \(also header\[0\]\)/);
  });

  it('from a scenario: header is a list of names; errors are under trace.', async () => {
    const ctx = { space, dataRoot: '/' };
    const file = fixture('pai.csv', PAI_ROWS);
    const spec = { kind: 'csv', file, header: PAI_HEADER, columns: PAI_COLUMNS, where: { status: 'Terminated' }, unsorted: 'sort' };
    expect((await collect(openTrace(spec, ctx))).length).toBe(3);
    const bad = rejectionSync(() => openTrace({ ...spec, columns: { ...PAI_COLUMNS, tenant: 'user' } }, ctx));
    expect(bad).toBeInstanceOf(ConfigError);
    expect(bad.message).toMatch(/trace\.columns\.tenant.*no column 'user' among those named in 'header'/);
    expect(() => openTrace({ ...spec, header: [] }, ctx)).toThrow(/trace\.header/);
  });

  it('without header, the first row is still the header (unchanged)', async () => {
    const stream = readCsvRequests(fixture('with-header.csv', `${PAI_HEADER.join(',')}\n${PAI_ROWS}`), { space, columns: PAI_COLUMNS, empty: { end: 'skip' } });
    expect((await collect(stream)).map((r) => r.id)).toEqual(['csv-0', 'csv-1', 'csv-2', 'csv-4']);
  });
});

function rejectionSync(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('a header row that names a mapped column twice', () => {
  it('is an error naming both places, not a silent read of the first (the second column was ignored)', async () => {
    // Two `d` columns (a join that kept both tables' field): 10 or 99 seconds, the file cannot say.
    const f = fixture('dup-col.csv', 'id,t,d,c,d\n1,0,10,2,99\n');
    const e = await rejection(collect(readCsvRequests(f, { space, columns: { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:1, field 'd': the header names column 'd' twice (columns 3 and 5), so which one is meant is unknown: rename one`);
  });
  it('says how many times a column is named, and the line the header is on (was: "twice", line 1)', async () => {
    const cols = { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } };
    const thrice = fixture('dup-col3.csv', 'id,t,d,c,d,d\n1,0,10,2,99,7\n');
    expect((await rejection(collect(readCsvRequests(thrice, { space, columns: cols })))).message).toBe(
      `${thrice}:1, field 'd': the header names column 'd' 3 times (columns 3, 5 and 6), so which one is meant is unknown: rename all but one`,
    );
    // Blank lines before the header are skipped: the header is then on line 3, and so are its errors.
    const late = fixture('dup-col-late.csv', '\n\nid,t,d,c,d\n1,0,10,2,99\n');
    expect((await rejection(collect(readCsvRequests(late, { space, columns: cols })))).message).toBe(
      `${late}:3, field 'd': the header names column 'd' twice (columns 3 and 5), so which one is meant is unknown: rename one`,
    );
    const missing = fixture('missing-col-late.csv', '\n\nid,t,c\n1,0,2\n');
    expect((await rejection(collect(readCsvRequests(missing, { space, columns: cols })))).message).toMatch(new RegExp(`^${missing}:3, field 'd': missing column 'd'`));
  });
  it('a repeated column no one maps is left alone', async () => {
    const f = fixture('dup-unused.csv', 'id,t,d,c,x,x\n1,0,10,2,a,b\n');
    const reqs = await collect(readCsvRequests(f, { space, columns: { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } } }));
    expect(reqs.map((r) => [r.id, r.duration, r.demand[0]])).toEqual([['1', 10, 2]]);
  });
});
