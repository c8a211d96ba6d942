import { describe, expect, it } from 'vitest';
import { parseScalingOptions } from '../../src/autoscale/registry.js';
import { UserError } from '../../src/core/errors.js';

/** The UserError parsing `options` throws (fails the test if it throws anything else or nothing). */
function refused(name: 'reactive' | 'predictive', options: unknown): UserError {
  try {
    parseScalingOptions(name, options);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('the options were accepted');
}

describe('scaling options: a duration field says what it expects', () => {
  it('a positive duration (periodSeconds, seasonSeconds) given -5 says > 0, not non-negative', () => {
    const period = refused('reactive', { scaleUp: { policies: [{ type: 'nodes', value: 1, periodSeconds: -5 }] } });
    expect(period.location.field).toBe('scaling.options.scaleUp.policies[0].periodSeconds');
    expect(period.detail).toMatch(/expected a duration > 0 such as 30, "90s"/);
    const season = refused('predictive', { seasonSeconds: -5 });
    expect(season.detail).toMatch(/expected a duration > 0 such as 30, "90s"/);
  });

  it('a non-negative one (stabilizationSeconds) still takes 0 and says non-negative for -5', () => {
    expect(refused('reactive', { scaleDown: { stabilizationSeconds: -5 } }).detail).toMatch(/expected a non-negative duration/);
    expect(() => parseScalingOptions('reactive', { scaleDown: { stabilizationSeconds: 0 } })).not.toThrow();
  });

  it('seasonSeconds is bounded like every duration (1e300 ran and asked for 3.33e+298 points)', () => {
    const e = refused('predictive', { seasonSeconds: 1e300 });
    expect(e.location.field).toBe('scaling.options.seasonSeconds');
    expect(e.detail).toBe('expected a duration of at most 1e10 s (over 300 years): a wrong unit or scale?');
    expect(() => parseScalingOptions('predictive', { seasonSeconds: 1e10 })).not.toThrow();
    expect(refused('predictive', { seasonSeconds: 1e10 + 1 }).location.field).toBe('scaling.options.seasonSeconds');
  });
});

describe('conformalWindow is bounded (memory: forecast steps × window errors, kept twice)', () => {
  it('takes 30 to 10,000 and refuses more, naming the field and the reason', () => {
    expect(() => parseScalingOptions('predictive', { intervals: 'conformal', quantile: 0.9, conformalWindow: 10_000 })).not.toThrow();
    const e = refused('predictive', { intervals: 'conformal', quantile: 0.9, conformalWindow: 10_001 });
    expect(e.location.field).toBe('scaling.options.conformalWindow');
    expect(e.detail).toMatch(/at most 10,000/);
    expect(refused('predictive', { conformalWindow: 29 }).location.field).toBe('scaling.options.conformalWindow');
  });
});
