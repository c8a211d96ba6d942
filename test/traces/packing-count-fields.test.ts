import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/core/errors.js';
import { parseBppLib, parseOrLibrary } from '../../src/traces/bin-packing.js';

/*
 * Counts in bin-packing files (item count, instance count, a CSP demand): a whole number too large
 * to be exact (`1e30`) was refused as "must be a whole number", which it is.
 */

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('bin-packing counts', () => {
  it('a whole count past 2^53 is refused as too large, at its line and field', () => {
    const e = thrown(() => parseBppLib('1e30\n100\n20\n', 'big.txt'));
    expect(e).toBeInstanceOf(TraceFormatError);
    expect(e.message).toBe(`big.txt:1, field 'item count': item count '1e30' is too large: at most ${Number.MAX_SAFE_INTEGER}`);
    expect(thrown(() => parseBppLib('1\n100\n20 9007199254740993\n', 'csp.txt')).message).toBe(`csp.txt:3, field 'types[0].demand': types[0].demand '9007199254740993' is too large: at most ${Number.MAX_SAFE_INTEGER}`);
  });

  it('a fraction is still "must be a whole number"; a whole one written 2.0e0 is 2', () => {
    expect(thrown(() => parseOrLibrary('1.5\nu1\n100 1 1\n50\n', 'frac.txt')).message).toBe("frac.txt:1, field 'instance count': instance count must be a whole number, found '1.5'");
    expect(parseBppLib('2.0e0\n100\n20\n30\n', 'ok.txt').sizes).toEqual([20, 30]);
  });
});
