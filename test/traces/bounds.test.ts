import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { readAzureLlmRequests } from '../../src/traces/azure-llm.js';
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
  it('the largest exact count is read', async () => {
    const f = fixture('azure-max.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,0,9007199254740991\n');
    const [r] = await collect(readAzureLlmRequests(f, { space, model: { memoryPerKToken: 0 } }));
    expect(r?.duration).toBe(9007199254740991 / 50 + 0.1);
  });
});
