import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SWF_FIELDS, SWF_MAX_ABS, swfFields } from '../../src/traces/swf.js';
import { swfFieldsFast } from '../../src/traces/swf-fields.js';

const INTEGER = SWF_FIELDS.map((f) => ['jobNumber', 'allocatedProcessors', 'requestedProcessors', 'status', 'userId', 'groupId', 'executableNumber', 'queueNumber', 'partitionNumber', 'precedingJobNumber'].includes(f));
/** The reference: the full parse (split, pattern, Number), or 'error'. */
const full = (text: string): number[] | 'error' => {
  try {
    return swfFields(text, 'f.swf', 1);
  } catch {
    return 'error';
  }
};

describe('swfFieldsFast', () => {
  it('answers only where the full parse succeeds, with the same numbers (signed zeros too)', () => {
    const token = fc.oneof(
      fc.integer({ min: -5, max: 1e6 }).map(String),
      fc.constantFrom('-1', '-0', '+0', '+7', '007', '1.5', '.5', '1.', '2e3', '1E+2', '3.0', '1e400', '1e308', '10000000001', '-10000000001', '9007199254740993', '12345678901234567', '-', '.', 'e1', 'x', '1.2.3', '0x1', 'Infinity', '٣'),
      fc.double({ noNaN: true }).map(String),
    );
    const space = fc.constantFrom(' ', '  ', '\t', ' \t ', '\r', '\u00a0', '\f', '\v');
    const line = fc.tuple(fc.array(fc.tuple(token, space), { minLength: 16, maxLength: 19 }), space, space).map(([ts, a, b]) => a + ts.map(([t, s]) => t + s).join('') + b);
    fc.assert(
      fc.property(line, (text) => {
        const fast = swfFieldsFast(text, SWF_FIELDS.length, INTEGER, SWF_MAX_ABS);
        if (fast === undefined) return;
        const ref = full(text);
        expect(ref).not.toBe('error');
        expect((ref as number[]).length).toBe(fast.length);
        (ref as number[]).forEach((v, i) => expect(Object.is(v, fast[i]), `field ${i}: ${v} vs ${fast[i]}`).toBe(true));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes a plain job line', () => {
    const text = '  1 0 -1 3600 64 -1 -1 64 7200 -1 1 12 3 -1 1 1 -1 -1\n';
    expect(swfFieldsFast(text, SWF_FIELDS.length, INTEGER, SWF_MAX_ABS)).toEqual(full(text));
  });
});
