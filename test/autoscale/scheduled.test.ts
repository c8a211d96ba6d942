import { describe, expect, it } from 'vitest';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { compileRules, lastFiring, parseCronField, ScheduledPolicy } from '../../src/autoscale/scheduled.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';
import { input, pool, spec } from './helpers.js';

const H = 3600;
const D = 86_400;

describe('scheduled: cron-like rules on the simulated clock', () => {
  it('parses cron fields', () => {
    expect(parseCronField('*/15', 0, 59, 'f')).toEqual([0, 15, 30, 45]);
    expect(parseCronField('9-17/4', 0, 23, 'f')).toEqual([9, 13, 17]);
    expect(parseCronField('1,3,5', 0, 7, 'f')).toEqual([1, 3, 5]);
    expect(() => parseCronField('61', 0, 59, 'f')).toThrow(/outside 0-59/);
    expect(() => parseCronField('a-b-c', 0, 59, 'f')).toThrow();
  });

  it('finds the last firing at or before now, looking back across days', () => {
    const [r] = compileRules([{ pool: 'w', nodes: 10, at: '08:00' }]);
    const rule = r as NonNullable<typeof r>;
    expect(lastFiring(rule, 8 * H, 0, 1)).toBe(8 * H);
    expect(lastFiring(rule, 8 * H - 1, 0, 1)).toBe(8 * H - D); // yesterday (day −1)
    expect(lastFiring(rule, D + 9 * H, 0, 1)).toBe(D + 8 * H);
    // offset: t = 0 is 06:00, so 08:00 is t = 7200
    expect(lastFiring(rule, 7200, 6 * H, 1)).toBe(7200);
  });

  it('honours days of the week (day 0 = startDayOfWeek)', () => {
    // Weekdays 09:00-17:45 every 15 minutes; day 0 is a Monday, so day 5 is a Saturday.
    const [r] = compileRules([{ pool: 'w', nodes: 10, cron: '*/15 9-17 * * mon-fri' }]);
    const rule = r as NonNullable<typeof r>;
    expect(lastFiring(rule, 10 * H + 7 * 60, 0, 1)).toBe(10 * H); // Monday 10:07 → 10:00
    expect(lastFiring(rule, 5 * D + 12 * H, 0, 1)).toBe(4 * D + 17 * H + 45 * 60); // Saturday noon → Friday 17:45
    const [s] = compileRules([{ pool: 'w', nodes: 3, at: '00:30', days: ['sat', 0] }]);
    const sat = s as NonNullable<typeof s>;
    expect(lastFiring(sat, 3 * D, 0, 1)).toBe(-D + 30 * 60); // Thursday 00:00 → last Sunday 00:30 (day −1)
    expect(lastFiring(sat, 5 * D + H, 0, 1)).toBe(5 * D + 30 * 60); // Saturday 01:00 → 00:30 today
  });

  it('reads day names in their three-letter or full form, any case, and refuses words that only start like one', () => {
    const days = (d: (string | number)[]) => compileRules([{ pool: 'w', nodes: 1, at: '00:30', days: d }])[0]?.days;
    expect(days(['Saturday', 'SUN', 'mon'])).toEqual([true, true, false, false, false, false, true]);
    expect(days(['sat', 0, 1])).toEqual([true, true, false, false, false, false, true]);
    for (const word of ['monkey', 'sunny', 'fr', 'thurs', 'Mondays']) {
      expect(() => compileRules([{ pool: 'w', nodes: 1, at: '00:30', days: [word] }]), word).toThrow(`expected a day of the week 0-7 or a name (sun … sat, or sunday … saturday), got '${word}'`);
    }
  });

  it('sets each pool to the latest rule, clamped to the pool bounds; later rule wins a tie', () => {
    const p = new ScheduledPolicy({
      rules: [
        { pool: 'w', nodes: 10, at: '08:00' },
        { pool: 'w', nodes: 2, at: '20:00' },
        { pool: 'w', nodes: 500, at: '12:00' },
        { pool: 'w', nodes: 7, at: '12:00' },
      ],
    });
    const s = spec({ nodes: { min: 1, max: 30, initial: 5 } });
    const act = (t: number, up: number) => p.decide(input(t, [pool(up, 0, 0, 0, s)]))[0]?.delta ?? 0;
    expect(act(0, 5)).toBe(-3); // 20:00 yesterday → 2
    expect(act(8 * H, 2)).toBe(8);
    expect(act(12 * H, 10)).toBe(-3); // 7 wins the tie with 500
    expect(act(20 * H + 59, 7)).toBe(-5);
  });

  it('names an unknown pool and bad rules', () => {
    expect(() => new ScheduledPolicy({ rules: [{ pool: 'x', nodes: 1, at: '8:00' }] }).decide(input(0, [pool(1, 0)]))).toThrow(/rules\[0\]\.pool.*unknown pool 'x'/);
    expect(() => new ScheduledPolicy({ rules: [{ pool: 'w', nodes: 1, at: '25:00' }] })).toThrow(/rules\[0\]\.at/);
    expect(() => new ScheduledPolicy({ rules: [{ pool: 'w', nodes: 1, cron: '0 8 1 * *' }] })).toThrow(/day-of-month and month must be/);
    expect(() => createScalingPolicy('scheduled', { rules: [{ pool: 'w', nodes: 1, cron: '0 8 * *' }] }, { seed: '1' })).toThrow(/five cron fields/);
    expect(() => createScalingPolicy('scheduled', { rules: [{ pool: 'w', nodes: 1 }] }, { seed: '1' })).toThrow(/exactly one of/);
  });

  it('fires at the right simulated times through the simulator', async () => {
    const space = new ResourceSpace(['cpu']);
    const w: PoolSpec = { name: 'w', capacity: [4], nodes: { min: 0, max: 20, initial: 2 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 120, labels: {} };
    // One long request keeps the run going for 26 hours; t = 0 is 06:00.
    const scaling = createScalingPolicy('scheduled', { intervalSeconds: 60, offsetSeconds: '06:00', rules: [{ pool: 'w', nodes: 6, at: '08:00' }, { pool: 'w', nodes: 1, at: '18:30' }] }, { seed: '1' });
    const out = await replay({ space, pools: [w], requests: [{ id: 'a', tenant: 't', arrival: 0, demand: [1], duration: 26 * H, priority: 'medium' }], allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(), scaling, seed: 1 });
    const changes: string[] = [];
    for (let i = 0; i < out.log.length; i++) {
      const k = out.log.kind(i);
      const t = out.log.time(i);
      if (t > 0 && k === EV.nodeProvision) changes.push(`${t} +`);
      if (t < out.endTime && k === EV.nodeRemove) changes.push(`${t} -`);
    }
    const at = (t: number) => changes.filter((c) => Number(c.split(' ')[0]) === t);
    // At t = 0 (06:00) the rule in force is 18:30 of the day before: 2 → 1 node (the idle one goes).
    expect(at(0)).toEqual(['0 -']);
    // 08:00 is t = 7200: 1 → 6
    expect(at(7200)).toEqual(['7200 +', '7200 +', '7200 +', '7200 +', '7200 +']);
    // 18:30 is t = 45,000: back to 1
    expect(at(45_000)).toEqual(['45000 -', '45000 -', '45000 -', '45000 -', '45000 -']);
    // and again the next day at 08:00 (t = 93,600)
    expect(at(93_600).length).toBe(5);
    expect(changes.every((c) => [0, 7200, 45_000, 93_600].includes(Number(c.split(' ')[0])))).toBe(true);
  });
});

describe('static scaling options', () => {
  it('intervalSeconds takes a duration with a unit like every other policy, and refuses zero', () => {
    expect(createScalingPolicy('static', { intervalSeconds: '2m' }, { seed: '1' }).intervalSeconds).toBe(120);
    expect(createScalingPolicy('static', { intervalSeconds: 45, nodes: { w: 2 } }, { seed: '1' }).intervalSeconds).toBe(45);
    expect(createScalingPolicy('static', {}, { seed: '1' }).intervalSeconds).toBe(60);
    expect(() => createScalingPolicy('static', { intervalSeconds: '0s' }, { seed: '1' })).toThrow(/at least 1 s/);
  });
});
