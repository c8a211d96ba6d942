import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ResourceScheduler, type CompatOptions } from '../../src/compat/index.js';

/** The UserError `f` throws (fails the test if it throws anything else or nothing). */
function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('compat ResourceScheduler options: a bad or unknown option is a UserError naming it', () => {
  it('an unknown or unsupported key is refused, not dropped (strategey, preemption)', () => {
    const e = userError(() => new ResourceScheduler({ strategey: 'first-fit' } as unknown as CompatOptions));
    expect(e.location.field).toBe('strategey');
    expect(e.detail).toMatch(/unknown field 'strategey' \(known: strategy, quotas, store, clock, defaultDurationMs, newId\)/);
    expect(userError(() => new ResourceScheduler({ preemption: true } as unknown as CompatOptions)).location.field).toBe('preemption');
  });

  it('defaultDurationMs must be a positive finite number, checked at construction under its own name', () => {
    for (const bad of ['1000', Infinity, 0, -5, Number.NaN]) {
      const e = userError(() => new ResourceScheduler({ defaultDurationMs: bad as number }));
      expect(e.location.field).toBe('defaultDurationMs');
    }
    expect(userError(() => new ResourceScheduler({ defaultDurationMs: '1000' as unknown as number })).detail).toBe("defaultDurationMs must be a positive number of milliseconds, got '1000' (a string)");
    expect(new ResourceScheduler({ defaultDurationMs: 1 })).toBeInstanceOf(ResourceScheduler);
  });

  it('clock and newId must be functions; the options must be an object', () => {
    expect(userError(() => new ResourceScheduler({ clock: 5 as unknown as () => number })).location.field).toBe('clock');
    expect(userError(() => new ResourceScheduler({ newId: 'x' as unknown as () => string })).location.field).toBe('newId');
    expect(userError(() => new ResourceScheduler(null as unknown as CompatOptions)).location.field).toBe('options');
  });
});
