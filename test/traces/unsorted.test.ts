import { describe, expect, it } from 'vitest';
import { ConfigError, TraceFormatError } from '../../src/core/errors.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import path from 'node:path';
import { readAlibabaPodRequests } from '../../src/traces/alibaba-gpu.js';
import { readAzureLlmRequests } from '../../src/traces/azure-llm.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { openTrace, parseTraceSpec } from '../../src/traces/registry.js';
import { readSwfRequests } from '../../src/traces/swf-requests.js';
import { collect, DATA_ROOT, fixture, haveData, rejection } from './helpers.js';

/*
 * `unsorted: sort`: a trace whose records are not in arrival order is read whole and replayed
 * sorted by arrival (stable), relative to the earliest arrival, each record that arrives before
 * one above it counted in stats.adjusted. Hand-written files; expected values worked out by hand.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const dataRoot = '/nonexistent-data-root';

// Lines 2..6: a@100, b@40, c@100, d@40, e@70. Sorted (ties in file order): b d e a c, from 40.
// Each of b, d, e arrives before a record above it (latest above: 100): 3 reordered; c ties a.
const JOBS = 'id,t,d,c\na,100,1,1\nb,40,2,1\nc,100,3,1\nd,40,4,1\ne,70,5,1\n';
const cols: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } };
const ids = (rs: readonly Request[]) => rs.map((r) => r.id);
const arrivals = (rs: readonly Request[]) => rs.map((r) => r.arrival);

describe('csv, unsorted: sort', () => {
  it('replays sorted by arrival, ties in file order, from the earliest arrival, counting the records that came back', async () => {
    const s = readCsvRequests(fixture('unsorted-jobs.csv', JOBS), { space, columns: cols, unsorted: 'sort' });
    const reqs = await collect(s);
    expect(ids(reqs)).toEqual(['b', 'd', 'e', 'a', 'c']);
    expect(arrivals(reqs)).toEqual([0, 0, 30, 60, 60]);
    expect(reqs.map((r) => r.duration)).toEqual([2, 4, 5, 1, 3]);
    expect(s.stats).toEqual({ records: 5, emitted: 5, skipped: {}, adjusted: { 'reordered-by-arrival': 3 } });
    // Iterated again: the same requests, and stats describing that pass only.
    expect(await collect(s)).toEqual(reqs);
    expect(s.stats).toEqual({ records: 5, emitted: 5, skipped: {}, adjusted: { 'reordered-by-arrival': 3 } });
  });

  it('gzip, generated ids (the index in the file), limit (the earliest) and a fixed origin', async () => {
    const { id: _id, ...noId } = cols;
    const gz = fixture('unsorted-jobs.csv.gz', JOBS);
    const reqs = await collect(readCsvRequests(gz, { space, columns: noId, unsorted: 'sort' }));
    expect(ids(reqs)).toEqual(['csv-1', 'csv-3', 'csv-4', 'csv-0', 'csv-2']);
    const two = readCsvRequests(gz, { space, columns: cols, unsorted: 'sort', limit: 2 });
    expect(ids(await collect(two))).toEqual(['b', 'd']);
    // The whole file was read to find them; the other 3 were held, never replayed (stats.held).
    expect(two.stats).toEqual({ records: 5, emitted: 2, skipped: {}, adjusted: { 'reordered-by-arrival': 3 }, held: 3 });
    expect(arrivals(await collect(readCsvRequests(gz, { space, columns: cols, unsorted: 'sort', origin: 30 })))).toEqual([10, 10, 40, 70, 70]);
    expect(arrivals(await collect(readCsvRequests(gz, { space, columns: cols, unsorted: 'sort', origin: 40 })))).toEqual([0, 0, 30, 60, 60]);
    // An origin after the earliest arrival: an error at that record's line (b, line 3), not the first one below the origin in the file.
    const e = await rejection(collect(readCsvRequests(gz, { space, columns: cols, unsorted: 'sort', origin: 50 })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${gz}:3, field 't': arrival 40 is before the origin 50 set by 'origin' (it is the earliest arrival in the file): set 'origin' to at most 40, or leave it out to start at the earliest arrival`);
  });

  it('a sorted file replays as in the default mode, with nothing counted', async () => {
    const f = fixture('sorted-jobs.csv', 'id,t,d,c\nb,40,2,1\nd,40,4,1\ne,70,5,1\na,100,1,1\nc,100,3,1\n');
    const streamed = readCsvRequests(f, { space, columns: cols });
    const sorted = readCsvRequests(f, { space, columns: cols, unsorted: 'sort' });
    expect(await collect(sorted)).toEqual(await collect(streamed));
    expect(sorted.stats).toEqual(streamed.stats);
    expect(sorted.stats.adjusted).toEqual({});
  });

  it('errors still name the line in the file: a bad value, a duplicate id, and the default refusal', async () => {
    const bad = fixture('unsorted-bad.csv', 'id,t,d,c\na,100,1,1\nb,40,2,lots\n');
    expect((await rejection(collect(readCsvRequests(bad, { space, columns: cols, unsorted: 'sort' })))).message).toBe(`${bad}:3, field 'c': 'lots' is not a number`);
    const dup = fixture('unsorted-dup.csv', `${JOBS}b,10,1,1\n`);
    const e = await rejection(collect(readCsvRequests(dup, { space, columns: cols, unsorted: 'sort' })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${dup}:7, field 'id': duplicate id 'b' (also on line 3): each request needs its own id`);
    const f = fixture('unsorted-default.csv', JOBS);
    expect((await rejection(collect(readCsvRequests(f, { space, columns: cols })))).message).toBe(
      `${f}:3, field 't': arrival 40 is earlier than the record on line 2 (100): sort the file by arrival, or set 'unsorted: sort' to replay it sorted by arrival (the file is then read whole into memory), or 'unsorted: { window: SECONDS }' to reorder records that come back at most that far while streaming`,
    );
    expect((await rejection(collect(readCsvRequests(f, { space, columns: cols, unsorted: 'error' })))).message).toContain(`${f}:3, field 't'`);
  });

  it('scenario option: trace.unsorted is error or sort; drs run reports the count (stats.adjusted)', async () => {
    const f = fixture('unsorted-scen.csv', JOBS);
    const s = openTrace({ kind: 'csv', file: f, columns: cols, unsorted: 'sort' }, { space, dataRoot });
    expect(ids(await collect(s))).toEqual(['b', 'd', 'e', 'a', 'c']);
    expect(s.stats.adjusted).toEqual({ 'reordered-by-arrival': 3 });
    expect(() => parseTraceSpec({ kind: 'csv', file: f, columns: cols, unsorted: 'yes' }, '/s.yaml')).toThrow(ConfigError);
    expect(() => parseTraceSpec({ kind: 'csv', file: f, columns: cols, unsorted: 'yes' }, '/s.yaml')).toThrow("field 'trace.unsorted'");
  });
});

// Job 3 has run time 0 (skipped under jobs: valid, so neither the origin nor counted); jobs 2 and
// 5 come back from 100 to 40. Replayed: 2 5 1 4 (ties 2/5 and 1/4 in file order), from 40.
const SWF = [
  '; MaxProcs: 8',
  '1 100 5 60 4 -1 -1 4 120 -1 1 7 1 -1 1 -1 -1 -1',
  '2 40 0 30 2 -1 -1 2 60 -1 1 8 1 -1 1 -1 -1 -1',
  '3 20 0 0 2 -1 -1 2 60 -1 5 8 1 -1 1 -1 -1 -1',
  '4 100 0 10 1 -1 -1 1 60 -1 1 7 1 -1 1 -1 -1 -1',
  '5 40 0 20 1 -1 -1 1 60 -1 1 7 1 -1 1 -1 -1 -1',
].join('\n');

describe('swf, options.unsorted: sort', () => {
  it('replays sorted by submit time, ties in file order, skipped records neither origin nor counted', async () => {
    const p = fixture('unsorted.swf', `${SWF}\n`);
    const adjusted: string[] = [];
    const reqs = await collect(readSwfRequests(p, { space, unsorted: 'sort', onAdjust: (r, why) => adjusted.push(`${r.jobNumber}: ${why}`) }));
    expect(reqs.map((r) => [r.id, r.arrival, r.duration])).toEqual([
      ['2', 0, 30],
      ['5', 0, 20],
      ['1', 60, 60],
      ['4', 60, 10],
    ]);
    expect(adjusted).toEqual(['2: reordered-by-submit-time', '5: reordered-by-submit-time']);
  });

  it('through the registry: stats, limit (the earliest; every record still counted), gzip, iterating twice', async () => {
    const p = fixture('unsorted.swf.gz', `${SWF}\n`);
    const s = openTrace({ kind: 'swf', file: p, options: { unsorted: 'sort' } }, { space, dataRoot });
    const reqs = await collect(s);
    expect(ids(reqs)).toEqual(['2', '5', '1', '4']);
    const stats = { records: 5, emitted: 4, skipped: { 'run time not positive (cancelled, or unknown)': 1 }, adjusted: { 'reordered-by-submit-time': 2 } };
    expect(s.stats).toEqual(stats);
    expect(await collect(s)).toEqual(reqs);
    expect(s.stats).toEqual(stats);
    const one = openTrace({ kind: 'swf', file: p, limit: 1, options: { unsorted: 'sort' } }, { space, dataRoot });
    expect(ids(await collect(one))).toEqual(['2']);
    expect(one.stats).toEqual({ ...stats, emitted: 1, held: 3 }); // the limit stops the replay: the other 3 were held, not replayed
    expect(() => parseTraceSpec({ kind: 'swf', file: p, options: { unsorted: 'sorted' } }, '/s.yaml')).toThrow("field 'trace.options.unsorted'");
  });

  it('the default refusal cites the SWF definition and names the option; a duplicate job number is still caught', async () => {
    const p = fixture('unsorted-default.swf', `${SWF}\n`);
    const e = await rejection(collect(readSwfRequests(p, { space })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(
      `${p}:3, field 'submitTime': job 2 is submitted at 40 s, before job 1 on line 2 (100 s): the log must be in submit-time order, as the SWF definition requires (sort the job lines by their second field, keeping the header lines first), or set the option unsorted: sort (trace.options.unsorted in a scenario) to replay it sorted by submit time (the log is then read whole into memory), or unsorted: { window: SECONDS } to reorder jobs that go back at most that far while streaming`,
    );
    const dup = fixture('unsorted-dup.swf', `${SWF}\n2 10 0 30 2 -1 -1 2 60 -1 1 8 1 -1 1 -1 -1 -1\n`);
    expect((await rejection(collect(readSwfRequests(dup, { space, unsorted: 'sort' })))).message).toBe(`${dup}:7, field 'jobNumber': duplicate id '2' (also on line 3): each request needs its own id`);
  });
});

describe('azure-llm, unsorted: sort', () => {
  const HEAD = 'TIMESTAMP,ContextTokens,GeneratedTokens\n';
  const rows = ['2023-11-16 18:15:50.5,100,10', '2023-11-16 18:15:46.5,200,20', '2023-11-16 18:15:48.5,300,30', '2023-11-16 18:15:46.5,400,40'];
  const opts = { space, seed: 3, tenants: [{ name: 'x', weight: 1 }, { name: 'y', weight: 1 }], priorities: [{ priority: 'high' as const, weight: 1 }, { priority: 'low' as const, weight: 2 }] };

  it('replays as the file sorted by hand (classes drawn in replay order), ids keeping the row index', async () => {
    const s = readAzureLlmRequests(fixture('az-unsorted.csv', HEAD + rows.join('\n')), { ...opts, unsorted: 'sort' });
    const reqs = await collect(s);
    expect(ids(reqs)).toEqual(['az-1', 'az-3', 'az-2', 'az-0']);
    expect(arrivals(reqs)).toEqual([0, 0, 2, 4]);
    expect(s.stats.adjusted).toEqual({ 'reordered-by-arrival': 3 });
    const byHand = await collect(readAzureLlmRequests(fixture('az-sorted.csv', HEAD + [rows[1], rows[3], rows[2], rows[0]].join('\n')), opts));
    expect(reqs.map(({ id: _id, ...r }) => r)).toEqual(byHand.map(({ id: _id, ...r }) => r));
    expect(await collect(s)).toEqual(reqs);
  });
});

const CPU050 = 'gpu-cluster/openb_pod_list_cpu050.csv.gz';

describe.skipIf(!haveData(CPU050))('csv, unsorted: sort on the real data', () => {
  it('an openb pod list through the generic csv kind replays as the openb reader replays it (which always sorts)', async () => {
    // cpu050 is out of creation order (refused at line 3 without the option). The openb reader
    // skips its one zero-length pod (the csv kind replays it, 0 s long) and counts 7,260 pods
    // created before one above them; the csv kind counts 7,261, that pod among them.
    const file = path.join(DATA_ROOT, CPU050);
    const csv = readCsvRequests(file, { space, unsorted: 'sort', columns: { id: 'name', arrival: 'creation_time', end: 'deletion_time', demand: { cpu: { column: 'cpu_milli', scale: 0.001 } } } });
    const viaCsv = (await collect(csv)).filter((r) => r.duration > 0);
    const openb = await collect(readAlibabaPodRequests(file, { space }));
    expect(csv.stats).toEqual({ records: 7439, emitted: 7439, skipped: {}, adjusted: { 'reordered-by-arrival': 7261 } });
    expect(viaCsv.map((r) => [r.id, r.arrival])).toEqual(openb.map((r) => [r.id, r.arrival]));
    expect(openb).toHaveLength(7438);
  });
});
