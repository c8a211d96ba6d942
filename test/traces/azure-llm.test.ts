import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceFormatError, UserError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { DEFAULT_LLM_SERVING, llmServiceSeconds, readAzureLlmRequests } from '../../src/traces/azure-llm.js';
import { collect, DATA_ROOT, fixture, fixtureBytes, haveData, rejection } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

// CRLF and no final newline, like the real file.
const SMALL = ['TIMESTAMP,ContextTokens,GeneratedTokens', '2023-11-16 18:15:46.6805900,1000,100', '2023-11-16 18:15:50.9951690,5000,0', '2023-11-16 18:16:46.6805900,0,50'].join('\r\n');

describe('readAzureLlmRequests on a fixture', () => {
  it('turns tokens into a serving-slot demand and a duration by the tokens-per-second model', async () => {
    const reqs = await collect(readAzureLlmRequests(fixture('azure.csv', SMALL), { space }));
    expect(reqs).toHaveLength(3);
    const [a, b, c] = reqs as [(typeof reqs)[0], (typeof reqs)[0], (typeof reqs)[0]];
    // 1000/5000 + 100/50 + 0.1 = 0.2 + 2 + 0.1
    expect(a.duration).toBeCloseTo(2.3, 12);
    // memory = 0.5 + 0.3 × 1.1 (thousand tokens); cpu 0.5; gpu 0.125
    expect(a.demand[0]).toBe(0.5);
    expect(a.demand[1]).toBeCloseTo(0.83, 12);
    expect(a.demand[2]).toBe(0.125);
    expect(a.arrival).toBe(0);
    expect(a.id).toBe('az-0');
    expect(a).toMatchObject({ tenant: 'azure-conv', priority: 'high', sloWait: 2, preemptible: false });
    // 5000/5000 + 0 + 0.1
    expect(b.duration).toBeCloseTo(1.1, 12);
    expect(b.arrival).toBeCloseTo(4.314579, 5);
    expect(b.demand[1]).toBeCloseTo(2, 12);
    expect(c.arrival).toBeCloseTo(60, 5);
    expect(c.duration).toBeCloseTo(1.1, 12);
    expect(llmServiceSeconds(1000, 100, DEFAULT_LLM_SERVING)).toBeCloseTo(2.3, 12);
  });

  it('takes a configured model, estimate, tenants and priorities deterministically from the seed', async () => {
    const f = fixture('azure2.csv', SMALL);
    const opts = {
      space,
      seed: 7,
      model: { prefillTokensPerSecond: 1000, decodeTokensPerSecond: 10, overheadSeconds: 0, demand: { gpu: 0.25 }, memoryPerKToken: 1 },
      estimateGeneratedTokens: 20,
      tenants: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 1 },
      ],
      priorities: [
        { priority: 'critical' as const, weight: 1, sloWait: 1 },
        { priority: 'low' as const, weight: 3, preemptibleShare: 1 },
      ],
    };
    const reqs = await collect(readAzureLlmRequests(f, opts));
    expect(reqs[0]?.duration).toBeCloseTo(1 + 10, 12);
    expect(reqs[0]?.requestedDuration).toBeCloseTo(1 + 2, 12);
    expect(reqs[0]?.demand).toEqual([0, 1.1, 0.25]);
    for (const r of reqs) expect(r.preemptible).toBe(r.priority === 'low');
    const again = await collect(readAzureLlmRequests(f, opts));
    expect(again).toEqual(reqs);
  });

  it('reads the 2024 releases and re-exports alike: 6 fraction digits with +00:00, a week span, BOM, any column order or case', async () => {
    const at = (rows: readonly string[]) => rows.map((r) => r.split(','));
    const same = (file: string) => collect(readAzureLlmRequests(file, { space }));
    const want = await same(fixture('azure-2023.csv', SMALL));
    // The 2024 files (AzureLLMInferenceTrace_{code,conv}_1week.csv) write microseconds and an offset.
    const y24 = ['TIMESTAMP,ContextTokens,GeneratedTokens', '2023-11-16 18:15:46.680590+00:00,1000,100', '2023-11-16 18:15:50.995169+00:00,5000,0', '2023-11-16 18:16:46.680590+00:00,0,50'];
    expect((await same(fixture('azure-2024.csv', y24.join('\n')))).map((r) => [r.arrival, r.duration, r.demand])).toEqual(
      want.map((r) => [expect.closeTo(r.arrival, 6), r.duration, r.demand]),
    );
    // Lower-case names in another order (a pandas re-export), behind a UTF-8 BOM: found by name, ignoring case.
    const lower = ['generatedtokens,timestamp,contexttokens', ...at(y24.slice(1)).map(([t, c, g]) => `${g},${t},${c}`)].join('\r\n');
    expect((await same(fixtureBytes('azure-lower.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lower)])))).map((r) => r.duration)).toEqual(want.map((r) => r.duration));
    // A week: arrivals in seconds from the first request, across days.
    const week = await same(fixture('azure-week.csv', ['TIMESTAMP,ContextTokens,GeneratedTokens', '2024-05-10 00:00:00.009930+00:00,10,1', '2024-05-13 12:00:00+00:00,10,1', '2024-05-16 23:59:59.999999+00:00,10,0'].join('\n')));
    expect(week.map((r) => r.arrival)).toEqual([0, expect.closeTo(302399.99007, 5), expect.closeTo(604799.990069, 5)]);
    // Two columns that both read as TIMESTAMP ignoring case, and no exact one, are refused naming both.
    const twice = fixture('azure-twice.csv', 'timestamp,Timestamp,ContextTokens,GeneratedTokens\n2024-05-10 00:00:00,2024-05-10 00:00:00,1,1\n');
    expect((await rejection(same(twice))).message).toBe(`${twice}:1, field 'TIMESTAMP': columns 'timestamp' and 'Timestamp' both read as 'TIMESTAMP' (header names are matched ignoring case): rename one`);
    const thrice = fixture('azure-thrice.csv', 'timestamp,Timestamp,ContextTokens,TimeStamp,GeneratedTokens\n2024-05-10 00:00:00,2024-05-10 00:00:00,1,2024-05-10 00:00:00,1\n');
    expect((await rejection(same(thrice))).message).toBe(
      `${thrice}:1, field 'TIMESTAMP': columns 'timestamp', 'Timestamp' and 'TimeStamp' all read as 'TIMESTAMP' (header names are matched ignoring case): rename all but one`,
    );
  });

  it('bad input: missing column, bad timestamp, bad token count, unknown dimension', async () => {
    const noGen = fixture('azure-nogen.csv', 'TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.68,10\n');
    const e1 = await rejection(collect(readAzureLlmRequests(noGen, { space })));
    expect(e1).toBeInstanceOf(TraceFormatError);
    expect(e1.message).toContain("missing column 'GeneratedTokens'; header has: TIMESTAMP, ContextTokens");
    expect(e1.message).toContain(noGen);

    const badTs = fixture('azure-badts.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,10,1\n16/11/2023 18:15,10,1\n');
    const e2 = await rejection(collect(readAzureLlmRequests(badTs, { space })));
    expect(e2.message).toContain(`${badTs}:3, field 'TIMESTAMP'`);

    const badTok = fixture('azure-badtok.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,ten,1\n');
    const e3 = await rejection(collect(readAzureLlmRequests(badTok, { space })));
    expect(e3.message).toBe(`${badTok}:2, field 'ContextTokens': 'ten' is not a number`);
    // Token counts are whole numbers: 12.0 (a float column's export) reads as 12, 12.5 is refused.
    const halfTok = fixture('azure-halftok.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,12.0,3\n2023-11-16 18:15:47.68,10,12.5\n');
    expect((await rejection(collect(readAzureLlmRequests(halfTok, { space })))).message).toBe(`${halfTok}:3, field 'GeneratedTokens': '12.5' is not a whole number of tokens`);
    const floatTok = fixture('azure-floattok.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,12.0,3.0\n');
    const intTok = fixture('azure-inttok.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,12,3\n');
    expect(await collect(readAzureLlmRequests(floatTok, { space }))).toEqual(await collect(readAzureLlmRequests(intTok, { space })));

    // A row wider or narrower than the header is refused at its line (an extra cell was dropped unread).
    const wide = fixture('azure-wide.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44,9\n');
    expect((await rejection(collect(readAzureLlmRequests(wide, { space })))).message).toBe(`${wide}:2: 4 cells, but the header has 3 columns (extra '9': a stray ',' or a shifted row?)`);
    const short = fixture('azure-short.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,374\n');
    expect((await rejection(collect(readAzureLlmRequests(short, { space })))).message).toBe(
      `${short}:3: 2 cells, but the header has 3 columns (no GeneratedTokens: a missing ',' or a cut-off row?)`,
    );
    // A header and nothing else is a wrong or cut file, not a run with no requests.
    const headerOnly = fixture('azure-header.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\r\n');
    expect((await rejection(collect(readAzureLlmRequests(headerOnly, { space })))).message).toBe(`${headerOnly}:2: no records after the header: the trace holds no requests`);

    // A quote inside a cell, and a gzip file without a .gz name, were a CsvError stack trace (exit 1).
    const quote = fixture('azure-quote.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,12 "x",5\n');
    const e4 = await rejection(collect(readAzureLlmRequests(quote, { space })));
    expect(e4).toBeInstanceOf(TraceFormatError);
    expect(e4.message).toBe(`${quote}:3: malformed CSV: Invalid Opening Quote: a quote is found in cell 2`);
    // gzip's magic bytes, then a space and a quote as compressed data may have
    const gz = fixtureBytes('azure-gz.csv', Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from(' "x",1,2\n')]));
    const e5 = await rejection(collect(readAzureLlmRequests(gz, { space })));
    expect(e5).toBeInstanceOf(TraceFormatError);
    // Known by its first bytes before the parser sees it (real gzip data failed in other ways: a record length on line 2).
    expect(e5.message).toBe(`${gz}:1: the file is gzip-compressed (a gzip-compressed file needs a name ending in .gz)`);

    // Mixed line ends: a line added with an LF-only tool to the CRLF file. Before, csv-parse took
    // the first line end as the file's and glued the LF line to the next one, so the error named
    // the line after it ("5 cells ... a stray ','?") instead of the bad value on the added line.
    const mixed = fixture('azure-mixed.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.68,374,44\r\n2023-11-16 18:15:47.00,abc,5\n2023-11-16 18:15:48.00,10,1\r\n');
    expect((await rejection(collect(readAzureLlmRequests(mixed, { space })))).message).toBe(`${mixed}:3, field 'ContextTokens': 'abc' is not a number`);
    const mixedOk = fixture('azure-mixed-ok.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.68,374,44\r\n2023-11-16 18:15:47.00,20,5\n2023-11-16 18:15:48.00,10,1\r\n');
    expect((await collect(readAzureLlmRequests(mixedOk, { space }))).map((r) => r.arrival)).toEqual([0, expect.closeTo(0.32, 5), expect.closeTo(1.32, 5)]);

    // Out of order: the timestamps as written, not their epoch seconds (1700158555.145575 said little to whoever sorts the file).
    const unsorted = fixture('azure-unsorted.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:50.0000000,1,1\n2023-11-16 18:15:56.0000000,1,1\n2023-11-16 18:15:55.1455750,1,1\n');
    expect((await rejection(collect(readAzureLlmRequests(unsorted, { space })))).message).toBe(
      `${unsorted}:4, field 'TIMESTAMP': arrival '2023-11-16 18:15:55.1455750' is earlier than the record on line 3 ('2023-11-16 18:15:56.0000000'): sort the file by arrival, or set 'unsorted: sort' to replay it sorted by arrival (the file is then read whole into memory), or 'unsorted: { window: SECONDS }' to reorder records that come back at most that far while streaming`,
    );
    const early = fixture('azure-early.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2024-05-10 00:00:01+00:00,1,1\n2024-05-10 00:00:00.5+00:00,1,1\n');
    expect((await rejection(collect(readAzureLlmRequests(early, { space })))).message).toBe(
      `${early}:3, field 'TIMESTAMP': arrival '2024-05-10 00:00:00.5+00:00' is earlier than the record on line 2 ('2024-05-10 00:00:01+00:00'): sort the file by arrival, or set 'unsorted: sort' to replay it sorted by arrival (the file is then read whole into memory), or 'unsorted: { window: SECONDS }' to reorder records that come back at most that far while streaming`,
    );

    expect(() => readAzureLlmRequests(badTok, { space: new ResourceSpace(['cpu', 'memory']) })).toThrow(UserError);
    expect(() => readAzureLlmRequests(badTok, { space: new ResourceSpace(['cpu', 'memory']) })).toThrow(/unknown resource dimension 'gpu'/);
  });
});

const AZURE = 'llm-inference/AzureLLMInferenceTrace_conv.csv';

describe.skipIf(!haveData(AZURE))('readAzureLlmRequests on the real trace', () => {
  it('reads all 19,366 requests (19,367 lines with the header; no final newline), sorted, starting at 0', async () => {
    const stream = readAzureLlmRequests(path.join(DATA_ROOT, AZURE), { space });
    let n = 0;
    let first = NaN;
    let last = -Infinity;
    let sorted = true;
    let maxDuration = 0;
    for await (const r of stream) {
      if (n === 0) first = r.arrival;
      if (r.arrival < last) sorted = false;
      last = r.arrival;
      maxDuration = Math.max(maxDuration, r.duration);
      n++;
    }
    expect(n).toBe(19366);
    expect(stream.stats).toEqual({ records: 19366, emitted: 19366, skipped: {}, adjusted: {} });
    expect(first).toBe(0);
    expect(sorted).toBe(true);
    // 18:15:46.6805900 → 19:14:08.4025270
    expect(last).toBeCloseTo(3501.721937, 4);
    // longest: 1000 generated tokens at 50 tok/s plus prefill and overhead
    expect(maxDuration).toBeGreaterThan(20);
    expect(maxDuration).toBeLessThan(25);
  });
});
