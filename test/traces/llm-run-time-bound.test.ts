import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAzureLlmRequests } from '../../src/traces/azure-llm.js';
import { readLlmLogRequests } from '../../src/traces/llm-log.js';
import { collect, fixture, rejection } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

/*
 * An LLM request's run time is its tokens through the serving model (ctx / prefill + gen / decode
 * + overhead). A rate in the wrong unit (prefillTokensPerSecond: 1e-300) or a damaged token count
 * (9e15 generated tokens at 50 tok/s: 1.8e14 s) gave run times past 1e10 s, and a run ended with
 * exit 0 and a cost of 1.4e300. Refused at the row, as a duration cell past 1e10 s is.
 */
const AZURE = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,1000,100\n2023-11-16 18:15:50.99,5000,0\n';

describe('an LLM run time past 1e10 s is an error at its row', () => {
  it('azure-llm: a model rate in the wrong unit, naming the rates', async () => {
    const f = fixture('az-slow.csv', AZURE);
    const e = await rejection(collect(readAzureLlmRequests(f, { space, model: { prefillTokensPerSecond: 1e-300 } })));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(
      `${f}:2, field 'ContextTokens': 1000 context and 100 generated tokens take 1e+303 s on the serving model (prefill 1e-300 tok/s, decode 50 tok/s, overhead 0.1 s), more than 1e10 s (over 300 years): a model rate in the wrong unit, or a damaged token count?`,
    );
  });

  it('azure-llm: a damaged token count, at its own column', async () => {
    const f = fixture('az-huge.csv', `${AZURE}2023-11-16 18:15:51.00,10,9000000000000000\n`);
    const e = await rejection(collect(readAzureLlmRequests(f, { space })));
    expect(e.message).toMatch(new RegExp(`^${f}:4, field 'GeneratedTokens': 10 context and 9000000000000000 generated tokens take 180000000000000\\.1 s on the serving model`));
  });

  it('llm (a BurstGPT-shaped log), likewise; a run time of 1e10 s itself is accepted', async () => {
    const text = 'Timestamp,Request tokens,Response tokens\n5,1000,100\n';
    const columns = { arrival: 'Timestamp', context: 'Request tokens', generated: 'Response tokens' };
    const f = fixture('burst-slow.csv', text);
    const e = await rejection(collect(readLlmLogRequests(f, { space, columns, model: { decodeTokensPerSecond: 1e-9 } })));
    expect(e.message).toMatch(new RegExp(`^${f}:2, field 'Response tokens': 1000 context and 100 generated tokens take 100000000000\\.3 s`));
    // 1000 / 1e-7 = 1e10 s exactly (no generated tokens, no overhead).
    const edge = fixture('burst-edge.csv', 'Timestamp,Request tokens,Response tokens\n5,1000,0\n');
    const reqs = await collect(readLlmLogRequests(edge, { space, columns, model: { prefillTokensPerSecond: 1e-7, overheadSeconds: 0 } }));
    expect(reqs.map((r) => r.duration)).toEqual([1e10]);
  });
});
