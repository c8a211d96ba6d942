import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/core/units.js';

// Hand-checked at each unit boundary: ms below 1 s, seconds below 2 min, minutes below 2 h,
// hours below 2 days, then days; a value that rounds to the next unit's threshold prints in it.
describe('formatDuration', () => {
  it('prints each unit inside its band', () => {
    expect(formatDuration(0.25)).toBe('250ms');
    expect(formatDuration(42)).toBe('42.0s');
    expect(formatDuration(600)).toBe('10.0m');
    expect(formatDuration(3 * 3600)).toBe('3.0h');
    expect(formatDuration(3 * 86400)).toBe('3.0d');
  });

  it('moves up a unit when the rounded value reaches the next threshold', () => {
    expect(formatDuration(0.9994)).toBe('999ms');
    expect(formatDuration(0.9996)).toBe('1.0s'); // not "1000ms"
    expect(formatDuration(119.94)).toBe('119.9s');
    expect(formatDuration(119.96)).toBe('2.0m'); // not "120.0s"
    expect(formatDuration(120)).toBe('2.0m');
    expect(formatDuration(7196)).toBe('119.9m');
    expect(formatDuration(7197)).toBe('2.0h'); // not "120.0m"
    expect(formatDuration(172_700)).toBe('2.0d'); // not "48.0h"
    expect(formatDuration(172_610)).toBe('47.9h');
  });

  it('keeps the sign and non-finite values', () => {
    expect(formatDuration(-119.96)).toBe('-2.0m');
    expect(formatDuration(-30)).toBe('-30.0s');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});
