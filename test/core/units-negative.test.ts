import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/core/units.js';

/*
 * A negative duration (a slack that ran out, a lead that is late) prints as its magnitude does,
 * with a minus sign: the same band and digits as the positive value. A value that rounds to zero
 * prints as zero, without a sign ("-0ms" read as a negative zero). Values worked by hand.
 */
describe('formatDuration of negative values', () => {
  it('is the positive value with a minus sign, in every band and at the band edges', () => {
    for (const s of [0.25, 0.9994, 0.9996, 42, 90, 119.94, 119.96, 600, 7196, 7197, 3 * 3600, 172_610, 172_700, 3 * 86400]) {
      expect(formatDuration(-s)).toBe(`-${formatDuration(s)}`);
    }
    expect([-0.25, -90, -119.96, -7197, -172_700].map(formatDuration)).toEqual(['-250ms', '-90.0s', '-2.0m', '-2.0h', '-2.0d']);
  });

  it('a value that rounds to zero has no sign', () => {
    expect([-0.0004, -1e-12, -0].map(formatDuration)).toEqual(['0ms', '0ms', '0ms']);
  });
});
