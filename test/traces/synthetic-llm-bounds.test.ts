import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { generateSyntheticRequests, type LlmProfile } from '../../src/traces/synthetic.js';
import { collect } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

/** The UserError generating one request of an LLM profile throws. */
async function refused(llm: LlmProfile): Promise<UserError> {
  try {
    await collect(generateSyntheticRequests({ arrival: { rate: 1 }, profiles: [{ name: 'l', weight: 1, llm }], count: 1, seed: 1 }, { space }));
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('the requests were generated');
}

/** 1,000 context and 100 generated tokens on every draw: 0.2 s + 2 s + 0.1 s on the default model. */
const tokens = { context: { mu: Math.log(1000), sigma: 0 }, generated: { mu: Math.log(100), sigma: 0 } };

describe('an LLM profile whose run time passes 1e10 s names the cause', () => {
  it('a prefill rate in the wrong unit: names prefillTokensPerSecond, not "set max"', async () => {
    const e = await refused({ ...tokens, model: { prefillTokensPerSecond: 1e-300 } });
    expect(e.location.field).toBe('profiles[0].llm.model.prefillTokensPerSecond');
    expect(e.detail).toMatch(/^request syn-0 drew 1000 context and 100 generated tokens, which take 1e\+303 s, more than 1e10 s \(over 300 years\): prefillTokensPerSecond 1e-300 is the cause/);
    expect(e.detail).not.toMatch(/set max/);
  });

  it('a decode rate in the wrong unit: names decodeTokensPerSecond', async () => {
    const e = await refused({ ...tokens, model: { decodeTokensPerSecond: 1e-10 } });
    expect(e.location.field).toBe('profiles[0].llm.model.decodeTokensPerSecond');
    expect(e.detail).toMatch(/decodeTokensPerSecond 1e-10 is the cause/);
  });

  it('token draws too large at a sane rate: names the token distribution and its max', async () => {
    const e = await refused({ ...tokens, context: { mu: 700, sigma: 0 } });
    expect(e.location.field).toBe('profiles[0].llm.context');
    expect(e.detail).toMatch(/set max in llm\.context to cap the token draws/);
  });
});
