import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAlibabaPodRequests } from '../../src/traces/alibaba-gpu.js';
import { readAzureLlmRequests } from '../../src/traces/azure-llm.js';
import { readCsvRequests, type CsvTraceOptions } from '../../src/traces/csv.js';
import { readLlmLogRequests } from '../../src/traces/llm-log.js';
import { collect, fixture, rejection } from './helpers.js';

/*
 * A trace whose skip rules leave out every record it read is a mistake (a mis-typed or empty
 * column, a filter that keeps nothing), not an experiment of no requests: every reader refuses it,
 * as the SWF reader does, naming the file, the records read and why each was left out.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

const columns: CsvTraceOptions['columns'] = { id: 'id', arrival: 't', duration: 'dur', demand: { cpu: 'cpu' } };

describe('csv: skip rules that leave out every record', () => {
  it('all arrivals empty under empty.arrival: skip is an error with the counts, not 0 requests', async () => {
    const file = fixture('no-arrivals.csv', ['id,t,dur,cpu', 'a,,5,1', 'b,,6,1', 'c,,7,1'].join('\n'));
    const stream = readCsvRequests(file, { space, columns, empty: { arrival: 'skip' } });
    const e = await rejection(collect(stream));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/^\S*no-arrivals\.csv: no request to replay: all 3 record\(s\) were left out \(empty-arrival 3\), so the trace would hold no requests/);
    expect(stream.stats).toMatchObject({ records: 3, emitted: 0, skipped: { 'empty-arrival': 3 } });
  });

  it('names every reason when several rules together leave out all records (where, then empty cells)', async () => {
    const file = fixture('mixed.csv', ['id,t,dur,cpu,state', 'a,1,5,1,FAILED', 'b,2,,1,DONE', 'c,3,7,1,FAILED'].join('\n'));
    const e = await rejection(collect(readCsvRequests(file, { space, columns, where: { state: 'DONE' }, empty: { duration: 'skip' } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/mixed\.csv: no request to replay: all 3 record\(s\) were left out \(where 2, empty-duration 1\)/);
  });

  it('says so under unsorted: sort too (nothing held to give back)', async () => {
    const file = fixture('no-demand.csv', ['id,t,dur,cpu', 'a,2,5,', 'b,1,6,'].join('\n'));
    const e = await rejection(collect(readCsvRequests(file, { space, columns, unsorted: 'sort', empty: { demand: 'skip' } })));
    expect(e.message).toMatch(/no-demand\.csv: no request to replay: all 2 record\(s\) were left out \(empty-demand 2\)/);
  });

  it('a trace that keeps one record still replays it (the check is for none at all)', async () => {
    const file = fixture('one-kept.csv', ['id,t,dur,cpu', 'a,,5,1', 'b,4,6,1'].join('\n'));
    const stream = readCsvRequests(file, { space, columns, empty: { arrival: 'skip' } });
    expect((await collect(stream)).map((r) => r.id)).toEqual(['b']);
    expect(stream.stats).toMatchObject({ records: 2, emitted: 1, skipped: { 'empty-arrival': 1 } });
  });

  it('a limit of 0 reads nothing and is no error', async () => {
    const file = fixture('no-arrivals-limit.csv', ['id,t,dur,cpu', 'a,,5,1'].join('\n'));
    expect(await collect(readCsvRequests(file, { space, columns, empty: { arrival: 'skip' }, limit: 0 }))).toEqual([]);
  });
});

const POD_HEADER = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';

describe('alibaba-gpu (openb): skip rules that leave out every pod', () => {
  it('a phases filter no pod passes is an error with the counts', async () => {
    const file = fixture('pods-phase.csv', [POD_HEADER, 'p0,1000,1024,1,500,,LS,Running,0,100,0', 'p1,1000,1024,0,0,,BE,Failed,5,50,5'].join('\n'));
    const stream = readAlibabaPodRequests(file, { space, phases: ['Pending'] });
    const e = await rejection(collect(stream));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/pods-phase\.csv: no request to replay: all 2 record\(s\) were left out \(phase:Running 1, phase:Failed 1\), so the trace would hold no requests/);
    expect(e.message).toMatch(/phases/);
  });

  it('pods with no deletion_time or a non-positive duration, all of them, under the default skip rules', async () => {
    const file = fixture('pods-times.csv', [POD_HEADER, 'p0,1000,1024,1,500,,LS,Running,0,,0', 'p1,1000,1024,0,0,,BE,Failed,5,5,5', 'p2,1000,1024,0,0,,BE,Failed,9,,9'].join('\n'));
    const e = await rejection(collect(readAlibabaPodRequests(file, { space })));
    expect(e.message).toMatch(/pods-times\.csv: no request to replay: all 3 record\(s\) were left out \(no-deletion-time 2, non-positive-duration 1\)/);
    expect(e.message).toMatch(/noDeletion/);
  });
});

describe('llm and azure-llm: no record kept is an error too', () => {
  const llmColumns = { arrival: 'Timestamp', context: 'Request tokens', generated: 'Response tokens' };
  const LOG = ['Timestamp,Model,Request tokens,Response tokens,Log Type', '0,ChatGPT,10,0,Conversation log', '1,GPT-4,20,0,API log'].join('\n');

  it("an 'exclude' that leaves out every record (BurstGPT's failed requests) is an error", async () => {
    const e = await rejection(collect(readLlmLogRequests(fixture('burst.csv', LOG), { space, columns: llmColumns, exclude: { 'Response tokens': '0' } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/burst\.csv: 'exclude' \(Response tokens = '0'\) leaves out every record: all 2 of 2 record\(s\); the trace would hold no requests/);
  });

  it("'where' and 'exclude' together leaving nothing is an error", async () => {
    const e = await rejection(collect(readLlmLogRequests(fixture('burst2.csv', LOG), { space, columns: llmColumns, where: { Model: 'GPT-4' }, exclude: { 'Response tokens': '0' } })));
    expect(e.message).toMatch(/burst2\.csv: 'exclude' .* leaves out every record that 'where' kept: all 1 of 2 record\(s\)/);
  });

  it('the Azure reader has no skip rule: a header without rows is the only way to no request, and an error', async () => {
    const e = await rejection(collect(readAzureLlmRequests(fixture('az.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n'), { space })));
    expect(e.message).toMatch(/az\.csv:2: no records after the header/);
  });
});
