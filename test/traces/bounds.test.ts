import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAlibabaNodePools, readAlibabaPodRequests } from '../../src/traces/alibaba-gpu.js';
import { readAzureLlmRequests } from '../../src/traces/azure-llm.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { readLlmLogRequests } from '../../src/traces/llm-log.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * Values a reader must refuse at their line rather than replay: numbers that float arithmetic
 * cannot carry (a count past 2^53 is rounded; 1e300 tokens or seconds make the run's sums
 * overflow), as the SWF reader refuses them (swf.ts SWF_MAX_ABS).
 */
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

describe('token counts past 2^53', () => {
  it('azure-llm: 9007199254740993 tokens is an error at its line, not a count rounded to …992', async () => {
    const f = fixture('azure-huge.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,10,1\n2023-11-16 18:15:47.68,9007199254740993,1\n');
    const e = await rejection(collect(readAzureLlmRequests(f, { space })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:3, field 'ContextTokens': '9007199254740993' is not a whole number of tokens of at most 9007199254740991 (beyond, it would be rounded)`);
  });
  it('llm (JSON Lines): 1e300 tokens is an error, not a request of 2e296 s', async () => {
    const f = fixture('huge-tokens.jsonl', '{"t": 0, "in": 100, "out": 5}\n{"t": 1, "in": 1e300, "out": 5}\n');
    const e = await rejection(collect(readLlmLogRequests(f, { space, columns: { arrival: 't', context: 'in', generated: 'out' } })));
    expect(e.message).toBe(`${f}:2, field 'in': '1e+300' is not a whole number of tokens of at most 9007199254740991 (beyond, it would be rounded)`);
  });
  it('the largest exact count is read (at a decode rate that keeps its run under the 1e10 s bound)', async () => {
    const f = fixture('azure-max.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,0,9007199254740991\n');
    const [r] = await collect(readAzureLlmRequests(f, { space, model: { memoryPerKToken: 0, decodeTokensPerSecond: 2 ** 20 } }));
    // 2^53 − 1 over 2^20 is exact (2^33 − 2^−20): a count rounded to 2^53 would give 2^33 + 0.1.
    expect(r?.duration).toBe(9007199254740991 / 2 ** 20 + 0.1);
  });
});

describe('times past 1e10 s (over 300 years), as the SWF reader bounds them', () => {
  const columns: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'd', demand: { cpu: 'c' }, requestedDuration: 'r', sloWait: 's' };
  const csv = (name: string, rows: string[]): string => fixture(name, ['id,t,d,c,r,s', ...rows].join('\n') + '\n');
  it('a duration of 1e308 s is an error at its line (it ran, and the run printed util NaN% and cost ∞)', async () => {
    const f = csv('dur-huge.csv', ['1,0,10,2,,', '2,5,1e308,4,,']);
    const e = await rejection(collect(readCsvRequests(f, { space, columns })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:3, field 'd': duration 1e+308 s is more than 1e10 s (over 300 years): a wrong unit or scale, or a damaged value?`);
  });
  it('an arrival 1e300 s after the first is an error (the 20 s of its run vanished in the sum)', async () => {
    const f = csv('arr-huge.csv', ['1,0,10,2,,', '2,1e300,20,4,,']);
    const e = await rejection(collect(readCsvRequests(f, { space, columns })));
    expect(e.message).toBe(`${f}:3, field 't': arrival 1e+300 is 1e+300 s after the trace's start (0), more than 1e10 s (over 300 years): a wrong unit or scale, or a damaged value?`);
  });
  it('the same under unsorted: sort, and for end − arrival, requested duration and SLO wait', async () => {
    const sorted = csv('arr-huge-sort.csv', ['1,1e300,10,2,,', '2,0,20,4,,']);
    expect((await rejection(collect(readCsvRequests(sorted, { space, columns, unsorted: 'sort' })))).message).toBe(
      `${sorted}:2, field 't': arrival 1e+300 is 1e+300 s after the trace's start (0), more than 1e10 s (over 300 years): a wrong unit or scale, or a damaged value?`,
    );
    const end = fixture('end-huge.csv', 'id,t,e,c\n1,0,1e11,2\n');
    expect((await rejection(collect(readCsvRequests(end, { space, columns: { id: 'id', arrival: 't', end: 'e', demand: { cpu: 'c' } } })))).message).toBe(
      `${end}:2, field 'e': duration 100000000000 s is more than 1e10 s (over 300 years): a wrong unit or scale, or a damaged value?`,
    );
    const req = csv('req-huge.csv', ['1,0,10,2,2e10,']);
    expect((await rejection(collect(readCsvRequests(req, { space, columns })))).message).toContain(`${req}:2, field 'r': requested duration 20000000000 s is more than 1e10 s`);
    const slo = csv('slo-huge.csv', ['1,0,10,2,,1e12']);
    expect((await rejection(collect(readCsvRequests(slo, { space, columns })))).message).toContain(`${slo}:2, field 's': SLO wait 1000000000000 s is more than 1e10 s`);
  });
  it('1e10 s itself is read', async () => {
    const f = csv('max.csv', ['1,0,1e10,2,1e10,1e10', '2,1e10,1,1,,']);
    const reqs = await collect(readCsvRequests(f, { space, columns }));
    expect(reqs.map((r) => [r.arrival, r.duration, r.requestedDuration, r.sloWait])).toEqual([
      [0, 1e10, 1e10, 1e10],
      [1e10, 1, undefined, undefined],
    ]);
  });
  it('a second past 1e10 s is refused (the bound is 1e10, not some larger round figure)', async () => {
    const arr = csv('arr-over.csv', ['1,0,10,2,,', '2,10000000001,1,1,,']);
    expect((await rejection(collect(readCsvRequests(arr, { space, columns })))).message).toContain(`${arr}:3, field 't': arrival 10000000001 is 10000000001 s after the trace's start (0), more than 1e10 s`);
    const dur = csv('dur-over.csv', ['1,0,10000000001,2,,']);
    expect((await rejection(collect(readCsvRequests(dur, { space, columns })))).message).toContain(`${dur}:2, field 'd': duration 10000000001 s is more than 1e10 s`);
  });
});

describe('openb pod lists: times past 1e10 s', () => {
  const H = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';
  const pods = (name: string, rows: string[]): string => fixture(name, [H, ...rows].join('\n') + '\n');
  it('a pod deleted 1e308 s after its creation is an error at its line (it ran, exit 0)', async () => {
    const f = pods('pod-dur.csv', ['p0,1000,1024,1,1000,,LS,Running,0,1e308,0']);
    const e = await rejection(collect(readAlibabaPodRequests(f, { space })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:2, field 'deletion_time': duration 1e+308 s is more than 1e10 s (over 300 years): a wrong unit or scale, or a damaged value?`);
  });
  it('a pod created 1e15 s after the earliest is an error at its line, though the list is sorted first', async () => {
    const f = pods('pod-arr.csv', ['p0,1000,1024,0,0,,BE,Running,1e15,1000000000000100,0', 'p1,1000,1024,0,0,,BE,Running,0,50,0']);
    const e = await rejection(collect(readAlibabaPodRequests(f, { space })));
    expect(e.message).toBe(`${f}:2, field 'creation_time': arrival 1000000000000000 is 1000000000000000 s after the trace's start (0), more than 1e10 s (over 300 years): a wrong unit or scale, or a damaged value?`);
  });
  it('1e10 s after the earliest, running 1e10 s, is read', async () => {
    const f = pods('pod-max.csv', ['p0,1000,1024,0,0,,BE,Running,0,1,0', 'p1,1000,1024,0,0,,BE,Running,1e10,2e10,0']);
    expect((await collect(readAlibabaPodRequests(f, { space }))).map((r) => [r.arrival, r.duration])).toEqual([
      [0, 1],
      [1e10, 1e10],
    ]);
  });
});

describe('openb node lists: capacities past 1e15 per node, as a scenario refuses them', () => {
  const H = 'sn,cpu_milli,memory_mib,gpu,model';
  it('cpu_milli 1e308 is an error at its line (it gave a pool of 1e305 cores, cost ∞ and cost share NaN%, exit 0)', async () => {
    const f = fixture('nodes-cpu.csv', `${H}\nn1,96000,1024,1,V100\nn2,1e308,1024,1,V100\n`);
    const e = await rejection(readAlibabaNodePools(f, { space }));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`${f}:3, field 'cpu_milli': 1e+305 cores on one node; at most 1e15 (a larger capacity overflows the pool's totals)`);
  });
  it('memory_mib likewise; 1e15 cores and GiB are read', async () => {
    const f = fixture('nodes-mem.csv', `${H}\nn1,96000,2e18,0,\n`);
    expect((await rejection(readAlibabaNodePools(f, { space }))).message).toBe(`${f}:2, field 'memory_mib': 1953125000000000 GiB on one node; at most 1e15 (a larger capacity overflows the pool's totals)`);
    const ok = fixture('nodes-max.csv', `${H}\nn1,1e18,1024000000000000000,0,\n`);
    expect((await readAlibabaNodePools(ok, { space }))[0]?.capacity).toEqual([1e15, 1e15, 0]);
  });
});
