import { describe, expect, it } from 'vitest';
import { ConfigError, TraceFormatError, UserError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readLlmLogRequests, type LlmLogOptions } from '../../src/traces/llm-log.js';
import { openTrace } from '../../src/traces/registry.js';
import { collect, fixture, rejection } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

/*
 * LLM request logs in the shapes of BurstGPT (CSV, seconds from the start, a failed request has 0
 * response tokens) and Mooncake FAST'25 (JSON Lines, milliseconds, a hash_ids array); the rows are
 * written by hand. Durations follow azure-llm's default serving model:
 * ctx / 5000 + gen / 50 + 0.1 s, memory 0.5 + 0.3 × (ctx + gen) / 1000 GiB.
 */
const BURST = [
  'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type',
  '5,ChatGPT,1000,100,1100,Conversation log',
  '8,GPT-4,500,0,500,API log',
  '12,ChatGPT,2500,50,2550,API log',
  '20,GPT-4,0,200,200,Conversation log',
].join('\n');
const BURST_COLUMNS: LlmLogOptions['columns'] = { arrival: 'Timestamp', context: 'Request tokens', generated: 'Response tokens' };

const MOONCAKE = [
  '{"timestamp": 0, "input_length": 5000, "output_length": 50, "hash_ids": [0, 1, 2]}',
  '{"timestamp": 0, "input_length": 1000, "output_length": 10, "hash_ids": [0, 3]}',
  '',
  '{"timestamp": 3000, "input_length": 2500, "output_length": 100, "hash_ids": [4]}',
].join('\n');
const MOON_COLUMNS: LlmLogOptions['columns'] = { arrival: { column: 'timestamp', scale: 0.001 }, context: 'input_length', generated: 'output_length' };

async function read(name: string, text: string, more: Partial<LlmLogOptions> = {}) {
  const stream = readLlmLogRequests(fixture(name, text), { space, columns: name.includes('jsonl') ? MOON_COLUMNS : BURST_COLUMNS, ...more });
  return { reqs: await collect(stream), stats: stream.stats };
}

describe('llm kind: a BurstGPT-shaped CSV log', () => {
  it('maps the named columns through the serving model (hand-checked durations and memory)', async () => {
    const { reqs, stats } = await read('burst.csv', BURST);
    expect(reqs.map((r) => r.id)).toEqual(['llm-0', 'llm-1', 'llm-2', 'llm-3']);
    expect(reqs.map((r) => r.arrival)).toEqual([0, 3, 7, 15]);
    // 1000/5000 + 100/50 + 0.1 = 2.3; 500/5000 + 0 + 0.1 = 0.2; 2500/5000 + 50/50 + 0.1 = 1.6; 0 + 200/50 + 0.1 = 4.1
    expect(reqs.map((r) => r.duration)).toEqual([2.3, 0.2, 1.6, 4.1].map((x) => expect.closeTo(x, 12)));
    // memory 0.5 + 0.3 × 1.1 = 0.83 GiB; gpu 0.125, cpu 0.5
    expect(reqs[0]?.demand).toEqual([0.5, expect.closeTo(0.83, 12), 0.125]);
    expect(reqs.every((r) => r.tenant === 'llm' && r.priority === 'high' && r.sloWait === 2)).toBe(true);
    expect(stats).toMatchObject({ records: 4, emitted: 4, skipped: {}, adjusted: {} });
  });

  it('where keeps one model, counting the others; a tenant column names the tenant', async () => {
    const { reqs, stats } = await read('burst.csv', BURST, { where: { Model: 'ChatGPT' }, columns: { ...BURST_COLUMNS, tenant: 'Log Type' } });
    expect(reqs.map((r) => [r.id, r.arrival, r.tenant])).toEqual([
      ['llm-0', 0, 'Conversation log'],
      ['llm-2', 7, 'API log'],
    ]);
    expect(stats).toMatchObject({ records: 4, emitted: 2, skipped: { where: 2 } });
    await expect(read('burst.csv', BURST, { where: { Model: 'gpt-4' } })).rejects.toThrow(/no record matches 'where' \(Model = 'gpt-4'\) among 4 record\(s\); values seen in those columns include 'ChatGPT', 'GPT-4'/);
  });

  it("exclude leaves out BurstGPT's failed requests (0 response tokens), counted after where", async () => {
    const { reqs, stats } = await read('burst.csv', BURST, { exclude: { 'Response tokens': '0' } });
    expect(reqs.map((r) => r.id)).toEqual(['llm-0', 'llm-2', 'llm-3']);
    expect(stats).toMatchObject({ records: 4, emitted: 3, skipped: { exclude: 1 } });
    const both = await read('burst.csv', BURST, { where: { Model: 'GPT-4' }, exclude: { 'Response tokens': ['0', '1'] } });
    expect(both.reqs.map((r) => r.id)).toEqual(['llm-3']);
    expect(both.stats.skipped).toEqual({ where: 2, exclude: 1 });
    // A rule that empties the trace is refused, as a where that matches nothing is.
    await expect(read('burst.csv', BURST, { exclude: { 'Log Type': ['API log', 'Conversation log'] } })).rejects.toThrow(
      /'exclude' \(Log Type = 'API log' or 'Conversation log'\) leaves out every record: all 4 of 4 record\(s\); the trace would hold no requests/,
    );
    await expect(read('burst.csv', BURST, { where: { Model: 'GPT-4' }, exclude: { 'Log Type': ['API log', 'Conversation log'] } })).rejects.toThrow(
      /leaves out every record that 'where' kept: all 2 of 4 record\(s\)/,
    );
    // A missing column names the role it was mapped to first (here: generated), not the exclude rule.
    await expect(read('burst.csv', BURST.replace('Response tokens', 'Output tokens'), { exclude: { 'Response tokens': '0' } })).rejects.toThrow(/missing column 'Response tokens' \(mapped to 'generated'\)/);
  });

  it('bad cells are errors at file:line naming the column', async () => {
    const bad = BURST.replace('12,ChatGPT,2500,50', '12,ChatGPT,2500,5.5');
    const e = await rejection(read('burst.csv', bad));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toMatch(/burst\.csv:4, field 'Response tokens': '5\.5' is not a whole number of tokens/);
    await expect(read('burst.csv', BURST.replace('8,GPT-4', 'soon,GPT-4'))).rejects.toThrow(/burst\.csv:3, field 'Timestamp': 'soon' is not a number or an ISO date/);
    await expect(read('burst.csv', BURST.replace('8,GPT-4,500,0,500', '8,GPT-4,-500,0,500'))).rejects.toThrow(/burst\.csv:3, field 'Request tokens': -500 is negative/);
    await expect(read('burst.csv', BURST.replace('12,ChatGPT', '4,ChatGPT'))).rejects.toThrow(/burst\.csv:4, field 'Timestamp': arrival 4 is earlier than the record on line 3 \(8\): sort the file by arrival, or set 'unsorted: sort'/);
    await expect(read('burst.csv', BURST.replace('Request tokens', 'Prompt tokens'))).rejects.toThrow(/burst\.csv:1, field 'Request tokens': missing column 'Request tokens' \(mapped to 'context'\); header has: Timestamp, Model, Prompt tokens/);
    await expect(read('burst.csv', `${BURST}\n30,ChatGPT,10`)).rejects.toThrow(/burst\.csv:6: 3 cells, but the header has 6 columns/);
    await expect(read('burst.csv', BURST.split('\n')[0] as string)).rejects.toThrow(/burst\.csv:2: no records after the header/);
  });

  it('unsorted: sort replays a log out of order sorted, counted', async () => {
    const { reqs, stats } = await read('burst.csv', BURST.replace('12,ChatGPT', '4,ChatGPT'), { unsorted: 'sort' });
    expect(reqs.map((r) => [r.id, r.arrival])).toEqual([['llm-2', 0], ['llm-0', 1], ['llm-1', 4], ['llm-3', 16]]);
    expect(stats.adjusted).toEqual({ 'reordered-by-arrival': 1 });
  });

  it("a CSV file read as JSON Lines says to set format: csv", async () => {
    await expect(read('burst.csv', BURST, { format: 'jsonl' })).rejects.toThrow(/burst\.csv:1: not a JSON object \(.*\): each line of a JSON Lines file holds one object; this looks like another format: for a CSV file with a header, set 'format: csv'/);
  });

  it('a JSON file given as CSV says to set format: jsonl', async () => {
    await expect(read('moon.log', MOONCAKE, { columns: MOON_COLUMNS })).rejects.toThrow(/moon\.log:1: line 1 looks like JSON, not a CSV header: set 'format: jsonl'/);
  });
});

describe('llm kind: a Mooncake-shaped JSON Lines log', () => {
  it('reads milliseconds (scale 0.001), ignores other fields, and skips blank lines (still counted in line numbers)', async () => {
    const { reqs, stats } = await read('moon.jsonl', MOONCAKE);
    expect(reqs.map((r) => [r.id, r.arrival])).toEqual([['llm-0', 0], ['llm-1', 0], ['llm-2', 3]]);
    // 5000/5000 + 50/50 + 0.1 = 2.1; 1000/5000 + 10/50 + 0.1 = 0.5; 2500/5000 + 100/50 + 0.1 = 2.6
    expect(reqs.map((r) => r.duration)).toEqual([2.1, 0.5, 2.6].map((x) => expect.closeTo(x, 12)));
    expect(stats).toMatchObject({ records: 3, emitted: 3 });
    // Gzipped, by name.
    expect((await read('moon.jsonl.gz', MOONCAKE)).reqs.length).toBe(3);
  });

  it('bad lines are errors at their line naming the field', async () => {
    const lines = MOONCAKE.split('\n');
    const withLine = (i: number, s: string) => lines.map((l, j) => (j === i ? s : l)).join('\n');
    await expect(read('moon.jsonl', withLine(3, '{"timestamp": 3000, "input_length": 2500'))).rejects.toThrow(/moon\.jsonl:4: not a JSON object \(.*\): each line of a JSON Lines file holds one object/);
    await expect(read('moon.jsonl', withLine(1, '[1, 2]'))).rejects.toThrow(/moon\.jsonl:2: expected a JSON object \(\{ \.\.\. \}\) on each line, got an array/);
    await expect(read('moon.jsonl', withLine(1, '{"timestamp": 0, "input_len": 1000, "output_length": 10}'))).rejects.toThrow(/moon\.jsonl:2, field 'input_length': no field 'input_length' \(mapped to 'context'\) on this line \(it has: timestamp, input_len, output_length\)/);
    await expect(read('moon.jsonl', withLine(1, '{"timestamp": 0, "input_length": [1000], "output_length": 10}'))).rejects.toThrow(/moon\.jsonl:2, field 'input_length': expected a number or a string, got an array/);
    await expect(read('moon.jsonl', withLine(1, '{"timestamp": null, "input_length": 1000, "output_length": 10}'))).rejects.toThrow(/moon\.jsonl:2, field 'timestamp': empty value, expected a number or an ISO date/);
    await expect(read('moon.jsonl', '\n\n')).rejects.toThrow(/moon\.jsonl:1: no records: the file holds no JSON objects/);
    await expect(read('moon.jsonl', MOONCAKE, { delimiter: ';' })).rejects.toThrow(UserError);
  });

  it('gzip data without a .gz name, and a .gz name on plain text, are said at line 1', async () => {
    const { gzipSync } = await import('node:zlib');
    const { fixtureBytes } = await import('./helpers.js');
    const f = fixtureBytes('raw.jsonl', gzipSync(Buffer.from(MOONCAKE)));
    await expect(collect(readLlmLogRequests(f, { space, columns: MOON_COLUMNS }))).rejects.toThrow(/raw\.jsonl:1: the file is gzip-compressed/);
    const g = fixtureBytes('plain.jsonl.gz', Buffer.from(MOONCAKE));
    await expect(collect(readLlmLogRequests(g, { space, columns: MOON_COLUMNS }))).rejects.toThrow(/plain\.jsonl\.gz:1: the name ends in \.gz but the file is not gzip-compressed/);
  });
});

describe('gzip names in any case', () => {
  it('a .GZ name (an upper-case export) is gunzipped like .gz, by the JSON Lines and the CSV readers', async () => {
    const { gzipSync } = await import('node:zlib');
    const { fixtureBytes } = await import('./helpers.js');
    const plain = await collect(readLlmLogRequests(fixture('case.jsonl', MOONCAKE), { space, columns: MOON_COLUMNS }));
    const upper = fixtureBytes('CASE.JSONL.GZ', gzipSync(Buffer.from(MOONCAKE)));
    expect(await collect(readLlmLogRequests(upper, { space, columns: MOON_COLUMNS }))).toEqual(plain);
    const csvPlain = await collect(readLlmLogRequests(fixture('case.csv', BURST), { space, columns: BURST_COLUMNS }));
    const csvUpper = fixtureBytes('BURST.CSV.GZ', gzipSync(Buffer.from(BURST)));
    expect(await collect(readLlmLogRequests(csvUpper, { space, columns: BURST_COLUMNS }))).toEqual(csvPlain);
    expect(csvPlain).toHaveLength(4);
  });
});

describe('llm kind: stopping early and damaged gzip', () => {
  it('limit stops reading (JSONL and CSV), and a stream read again gives the same requests', async () => {
    const moon = readLlmLogRequests(fixture('lim.jsonl', MOONCAKE), { space, columns: MOON_COLUMNS, limit: 2 });
    const first = await collect(moon);
    expect(first.map((r) => r.id)).toEqual(['llm-0', 'llm-1']);
    expect(await collect(moon)).toEqual(first);
    expect(moon.stats).toMatchObject({ records: 2, emitted: 2 });
    const burst = readLlmLogRequests(fixture('lim.csv', BURST), { space, columns: BURST_COLUMNS, limit: 1 });
    expect((await collect(burst)).map((r) => r.arrival)).toEqual([0]);
  });

  it('a truncated .jsonl.gz is an error naming the line after the last one read', async () => {
    const { gzipSync } = await import('node:zlib');
    const { fixtureBytes } = await import('./helpers.js');
    const many = Array.from({ length: 4000 }, (_, i) => `{"timestamp": ${i * 10}, "input_length": ${100 + (i % 7)}, "output_length": ${i % 13}}`).join('\n');
    const gz = gzipSync(Buffer.from(many));
    const f = fixtureBytes('cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    await expect(collect(readLlmLogRequests(f, { space, columns: MOON_COLUMNS }))).rejects.toThrow(/cut\.jsonl\.gz:\d+: corrupt or truncated gzip data after line \d+/);
  });
});

describe('llm kind from a scenario', () => {
  it('opens through the registry with the run seed, draws tenants from weighted lists, and checks options under trace.', async () => {
    const ctx = { space, dataRoot: '/', seed: 3 };
    const file = fixture('moon2.jsonl', MOONCAKE);
    const spec = { kind: 'llm', file, columns: { arrival: { column: 'timestamp', format: 'number', scale: 0.001 }, context: 'input_length', generated: 'output_length' }, tenants: ['a', { name: 'b', weight: 3 }] };
    const a = await collect(openTrace(spec, ctx));
    const b = await collect(openTrace(spec, ctx));
    expect(a).toEqual(b);
    expect(a.map((r) => r.arrival)).toEqual([0, 0, 3]);
    expect(a.every((r) => r.tenant === 'a' || r.tenant === 'b')).toBe(true);
    const e = (() => {
      try {
        openTrace({ ...spec, columns: { ...spec.columns, tenant: 'user' } }, ctx);
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e?.message).toMatch(/trace\.tenants.*leave 'tenants' out, or the column/);
    expect(() => openTrace({ ...spec, columns: { arrival: 'timestamp', context: 'input_length' } }, ctx)).toThrow(/trace\.columns\.generated/);
    expect(() => openTrace({ ...spec, model: { decodeTokensPerSecond: 0 } }, ctx)).toThrow(/trace\.model\.decodeTokensPerSecond/);
  });
});

describe('llm kind: a JSON Lines id column holding numbers', () => {
  const columns: LlmLogOptions['columns'] = { arrival: 't', context: 'i', generated: 'o', id: 'id' };
  it('keeps whole-number ids up to 2^53 - 1 as written', async () => {
    const file = fixture('ids-ok.jsonl', '{"id": 9007199254740991, "t": 0, "i": 5, "o": 1}\n{"id": 42, "t": 1, "i": 5, "o": 1}\n');
    expect((await collect(readLlmLogRequests(file, { space, columns }))).map((r) => r.id)).toEqual(['9007199254740991', '42']);
  });

  it('refuses an id number JSON cannot hold exactly at its line, instead of a false duplicate of a rounded id', async () => {
    // Two distinct ids that both read as the double 10000000000000000000.
    const file = fixture('ids-big.jsonl', '{"id": 10000000000000000001, "t": 0, "i": 5, "o": 1}\n{"id": 10000000000000000002, "t": 1, "i": 5, "o": 1}\n');
    const err = await rejection(collect(readLlmLogRequests(file, { space, columns })));
    expect(err).toBeInstanceOf(TraceFormatError);
    expect(err.message).toMatch(/:1, field 'id': .*beyond 2\^53.*write the ids as strings/);
    expect(err.message).not.toMatch(/duplicate/);
  });
});
