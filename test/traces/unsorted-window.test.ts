import { describe, expect, it } from 'vitest';
import { TraceFormatError, UserError } from '../../src/core/errors.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { ArrivalSort } from '../../src/traces/arrival-order.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { openTrace, parseTraceSpec } from '../../src/traces/registry.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * `unsorted: { window: W }`: the file is streamed; records that come back at most W (in effect:
 * that can still be placed before anything already given back) are replayed in arrival order,
 * with memory bounded by the records inside the window. Expected values worked out by hand.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const dataRoot = '/nonexistent-data-root';
const cols: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' } };
const ids = (rs: readonly Request[]) => rs.map((r) => r.id);

// a@100, b@40, c@100, d@40, e@70: sorted (ties in file order) b d e a c, from 40; 3 come back.
const JOBS = 'id,t,d,c\na,100,1,1\nb,40,2,1\nc,100,3,1\nd,40,4,1\ne,70,5,1\n';

describe('unsorted: { window }', () => {
  it('replays what sort replays when every record comes back at most the window, counting the same records', async () => {
    const s = readCsvRequests(fixture('w-jobs.csv', JOBS), { space, columns: cols, unsorted: { window: 60 } });
    const reqs = await collect(s);
    expect(ids(reqs)).toEqual(['b', 'd', 'e', 'a', 'c']);
    expect(reqs.map((r) => r.arrival)).toEqual([0, 0, 30, 60, 60]);
    expect(s.stats).toEqual({ records: 5, emitted: 5, skipped: {}, adjusted: { 'reordered-by-arrival': 3 } });
    expect(await collect(readCsvRequests(fixture('w-jobs.csv', JOBS), { space, columns: cols, unsorted: 'sort' }))).toEqual(reqs);
  });

  it('refuses a record that would go before one already replayed, at its line, with the window that takes it', async () => {
    // a@100; b@10 is given back once a is read (10 ≤ 100 − 60), then c@20; d@5 can no longer go first.
    const text = 'id,t,d,c\na,100,1,1\nb,10,1,1\nc,20,1,1\nd,5,1,1\n';
    const f = fixture('w-far.csv', text);
    const e = await rejection(collect(readCsvRequests(f, { space, columns: cols, unsorted: { window: 60 } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:5, field 't': arrival 5 is 95 s before the latest arrival read so far (line 2, 100), further back than the reorder window of 60 s: set 'unsorted: { window: 95 }' or more, or 'unsorted: sort'`);
    expect(ids(await collect(readCsvRequests(f, { space, columns: cols, unsorted: { window: 95 } })))).toEqual(['d', 'b', 'c', 'a']);
  });

  it('holds only the records inside the window (bounded memory), and gives them back in arrival order', () => {
    // 20,000 arrivals i + jitter in [0, 5): with a 10-s window at most ~16 are held at once.
    const sort = new ArrivalSort<number>(10);
    let seed = 7;
    const jitter = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (5 * seed) / 2147483648;
    };
    const out: number[] = [];
    let added = 0;
    let mostHeld = 0;
    for (let i = 0; i < 20_000; i++) {
      const t = i + jitter();
      sort.add(t, t, { file: 'f', line: i + 2, field: 't' });
      added++;
      for (const { arrival } of sort.release()) out.push(arrival);
      mostHeld = Math.max(mostHeld, added - out.length);
    }
    for (const { arrival } of sort.sorted()) out.push(arrival);
    expect(out).toHaveLength(20_000);
    expect(out.every((a, i) => i === 0 || a >= (out[i - 1] as number))).toBe(true);
    expect(mostHeld).toBeLessThanOrEqual(16);
  });

  it('is an option of csv, azure-llm and swf in scenarios: a duration, nothing else', async () => {
    const f = fixture('w-jobs.csv', JOBS);
    expect(ids(await collect(openTrace({ kind: 'csv', file: f, columns: cols, unsorted: { window: '1m' } }, { space, dataRoot })))).toEqual(['b', 'd', 'e', 'a', 'c']);
    expect(() => parseTraceSpec({ kind: 'csv', file: f, columns: cols, unsorted: { window: 0 } }, '/s.yaml')).toThrow("field 'trace.unsorted");
    expect(() => parseTraceSpec({ kind: 'csv', file: f, columns: cols, unsorted: { windw: 60 } }, '/s.yaml')).toThrow(/windw/);
    const az = fixture('w-az.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:10,10,5\n2023-11-16 18:00:05,20,5\n2023-11-16 18:00:30,30,5\n');
    const azReqs = await collect(openTrace({ kind: 'azure-llm', file: az, unsorted: { window: 10 } }, { space, dataRoot }));
    expect(azReqs.map((r) => [r.id, r.arrival])).toEqual([
      ['az-1', 0],
      ['az-0', 5],
      ['az-2', 25],
    ]);
    const swf = fixture('w.swf', ['; MaxProcs: 8', '1 100 5 60 4 -1 -1 4 120 -1 1 7 1 -1 1 -1 -1 -1', '2 95 0 30 2 -1 -1 2 60 -1 1 8 1 -1 1 -1 -1 -1', '3 200 0 10 1 -1 -1 1 60 -1 1 7 1 -1 1 -1 -1 -1', ''].join('\n'));
    const s = openTrace({ kind: 'swf', file: swf, options: { unsorted: { window: '5s' } } }, { space, dataRoot });
    expect((await collect(s)).map((r) => [r.id, r.arrival])).toEqual([
      ['2', 0],
      ['1', 5],
      ['3', 105],
    ]);
    expect(s.stats.adjusted).toEqual({ 'reordered-by-submit-time': 1 });
  });

  it('a bad rule given to the library is a UserError naming the option', () => {
    expect(() => readCsvRequests('x.csv', { space, columns: cols, unsorted: { window: -1 } })).toThrow(UserError);
    expect(() => readCsvRequests('x.csv', { space, columns: cols, unsorted: { window: -1 } })).toThrow(/must be 'error', 'sort' or \{ window: SECONDS \}/);
  });
});
