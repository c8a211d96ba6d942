import { describe, expect, it } from 'vitest';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { ScheduledPolicy } from '../../src/autoscale/scheduled.js';
import { UserError } from '../../src/core/errors.js';
import { input, pool } from './helpers.js';

/*
 * offsetSeconds is the time of day at t = 0, seconds after midnight: 0 … 86,399. A day or more
 * moved t = 0 onto a later day, so day 0 was no longer `startDayOfWeek` (offset 86,400 with the
 * default Monday: a Monday-only rule did not fire on day 0), and a huge one (1e20) lost the
 * firing times to rounding.
 */

const rules = [{ pool: 'w', nodes: 5, at: '00:00', days: ['mon'] }];

describe('scheduled: offsetSeconds is a time of day', () => {
  it('refuses a day or more, naming the field and the range', () => {
    for (const offsetSeconds of [86_400, 90_000, 1e20]) {
      const e = (() => {
        try {
          new ScheduledPolicy({ offsetSeconds, rules });
        } catch (x) {
          return x;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).location.field).toBe('offsetSeconds');
      expect((e as UserError).detail).toBe(`expected seconds after midnight, 0 to 86399 (or "HH:MM"), got ${offsetSeconds}`);
      expect(() => createScalingPolicy('scheduled', { offsetSeconds, rules }, { seed: '1' })).toThrow(/offsetSeconds.*expected seconds after midnight, 0 to 86399/);
    }
  });

  it('says one thing for every offset out of the day, through the registry as through the policy', () => {
    // The registry's own 'expected a value ≥ 0' for -1 disagreed with the range the policy states.
    for (const [offsetSeconds, detail] of [
      [-1, 'expected seconds after midnight, 0 to 86399 (or "HH:MM"), got -1'],
      [86_400, 'expected seconds after midnight, 0 to 86399 (or "HH:MM"), got 86400'],
      ['25:00', `expected seconds after midnight or "HH:MM", got '25:00'`],
    ] as const) {
      let message = '';
      try {
        createScalingPolicy('scheduled', { offsetSeconds, rules }, { seed: '1' });
      } catch (x) {
        message = (x as Error).message;
      }
      expect(message).toBe(`field 'scaling.options.offsetSeconds': ${detail}`);
    }
  });

  it('takes the last second of the day: t = 0 is Monday 23:59:59, so a Tuesday 00:00 rule fires at t = 1', () => {
    const p = new ScheduledPolicy({ offsetSeconds: 86_399, rules: [{ pool: 'w', nodes: 5, at: '00:00', days: ['tue'] }] });
    expect(p.active('w', 0)?.firedAt).toBe(-6 * 86_400 - 86_399); // the Tuesday before
    expect(p.active('w', 1)?.firedAt).toBe(1);
    expect(p.decide(input(1, [pool(1, 0)]))).toMatchObject([{ pool: 0, delta: 4 }]);
  });
});
