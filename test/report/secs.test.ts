import { describe, expect, it } from 'vitest';
import { secs } from '../../src/report/table.js';

/*
 * `secs` prints a duration with one decimal in the largest unit it has reached. A value that rounds
 * up to the next unit's size is that unit: 59.96 s printed "60.0s" while 60 s printed "1.0m", and
 * likewise "60.0m" below an hour and "24.0h" below a day. Values worked by hand.
 */
describe('secs: one decimal, and a value that rounds to the next unit is printed in it', () => {
  it('seconds and minutes: 59.94 s is 59.9s; from 59.95 s (which rounds to 60.0) it is 1.0m, as 60 s is', () => {
    expect([0, 0.04, 9.96, 59.9, 59.94].map(secs)).toEqual(['0.0s', '0.0s', '10.0s', '59.9s', '59.9s']);
    expect([59.95, 59.96, 59.99, 60, 90].map(secs)).toEqual(['1.0m', '1.0m', '1.0m', '1.0m', '1.5m']);
  });

  it('minutes and hours: 3596.9 s (59.948 m) is 59.9m; 3597.5 s (59.958 m) is 1.0h, as 3600 s is', () => {
    expect([3596.9, 3597.5, 3599.9, 3600, 5400].map(secs)).toEqual(['59.9m', '1.0h', '1.0h', '1.0h', '1.5h']);
  });

  it('hours and days: 86,219 s (23.9497 h) is 23.9h; 86,230 s (23.953 h) is 1.0d, as 86,400 s is; days have no next unit', () => {
    expect([86_219, 86_230, 86_399, 86_400, 864_000_000].map(secs)).toEqual(['23.9h', '1.0d', '1.0d', '1.0d', '10000.0d']);
  });

  it('no value is "-"', () => {
    expect(secs(null)).toBe('-');
  });
});

/*
 * A negative duration prints as its magnitude does, with a minus sign: -90 s printed "-90.0s"
 * while 90 s printed "1.5m" (the unit steps compared the signed value with the next unit's size,
 * so no negative value ever left seconds: -2 days printed "-172800.0s"). A value that rounds to
 * zero has no sign ("-0.0s" read as a negative zero).
 */
describe('secs of negative values', () => {
  it('is the positive value with a minus sign, in every unit and at the unit edges', () => {
    for (const s of [9.96, 59.94, 59.95, 90, 3596.9, 3597.5, 5400, 86_219, 86_230, 172_800]) expect(secs(-s)).toBe(`-${secs(s)}`);
    expect([-90, -5400, -172_800].map(secs)).toEqual(['-1.5m', '-1.5h', '-2.0d']);
  });

  it('a value that rounds to zero has no sign', () => {
    expect([-0.04, -1e-12, -0].map(secs)).toEqual(['0.0s', '0.0s', '0.0s']);
  });
});
