import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDecimal } from '../../src/traces/decimal.js';

/** The reference: the pattern the SWF reader used before the hand-written check. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

describe('isDecimal', () => {
  it('accepts exactly what the decimal pattern accepts', () => {
    for (const s of ['', '0', '-1', '+2', '1.', '.5', '.', '-.', '1.5e3', '1e', '1e+', '1E-7', 'e5', '0x10', 'Infinity', ' 1', '1 ', '１', '1.2.3', '--1', '+.5E+0', '٣'])
      expect(isDecimal(s), JSON.stringify(s)).toBe(DECIMAL.test(s));
    const chars = fc.constantFrom('0', '1', '9', '.', '-', '+', 'e', 'E', 'x', ' ', '\u0663');
    fc.assert(fc.property(fc.array(chars, { maxLength: 10 }).map((a) => a.join('')), (s) => isDecimal(s) === DECIMAL.test(s)), { numRuns: 5000 });
    fc.assert(fc.property(fc.string(), (s) => isDecimal(s) === DECIMAL.test(s)));
  });
});
