import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/**
 * The production scheduler's clock is epoch ms: its t = 0 is 1970-01-01 00:00 UTC, a Thursday.
 * A `scheduled` policy chosen by name must read weekdays from that clock, not from the simulator's
 * default origin (day 0 a Monday), or weekday rules fire on the wrong days.
 */
function at(iso: string, options: Record<string, unknown> = {}) {
  const s = new ResourceScheduler({
    clock: () => Date.parse(iso),
    timers: false,
    pools: [{ name: 'w', capacity: { cpu: 8, memory: 32, gpu: 0 }, nodes: { min: 1, max: 5, initial: 1 } }],
    scaling: {
      policy: 'scheduled',
      options: { intervalSeconds: 60, ...options, rules: [{ pool: 'w', nodes: 4, at: '08:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }, { pool: 'w', nodes: 1, at: '20:00' }] },
    },
  });
  const up = s.scale().filter((e) => e.action === 'provision').length;
  s.close();
  return up;
}

describe('ResourceScheduler: a scheduled scaling policy on the wall clock', () => {
  it('fires weekday rules on the real weekdays (UTC)', () => {
    expect(at('2026-12-04T10:00:00Z')).toBe(3); // Friday 10:00: the 08:00 weekday rule holds 4 nodes
    expect(at('2026-12-05T10:00:00Z')).toBe(0); // Saturday 10:00: Friday's 20:00 rule still holds 1
    expect(at('2026-12-07T07:59:00Z')).toBe(0); // Monday before 08:00
    expect(at('2026-12-07T08:00:00Z')).toBe(3); // Monday 08:00
    expect(at('2026-12-06T08:30:00Z')).toBe(0); // Sunday
  });

  it('keeps an explicit startDayOfWeek (the caller says what day t = 0 was)', () => {
    // Day 0 declared a Monday: Saturday 2026-12-05 (epoch day 20792 ≡ 2 mod 7) reads as a Wednesday.
    expect(at('2026-12-05T10:00:00Z', { startDayOfWeek: 1 })).toBe(3);
  });
});
