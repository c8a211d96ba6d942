import { describe, expect, it } from 'vitest';
import { ReactivePolicy, reactiveMetric, scaleDownLimit, scaleUpLimit } from '../../src/autoscale/reactive.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { UserError } from '../../src/core/errors.js';
import { input, pool, spec } from './helpers.js';

/*
 * Hand-checked cases of the HPA rule (src/autoscale/reactive.ts). Defaults: target 0.8,
 * tolerance 0.1, up: max(+4 nodes, +100 %) per 15 s, no up stabilization; down: −100 % per 15 s,
 * 300 s stabilization.
 */
const delta = (p: ReactivePolicy, now: number, ...args: Parameters<typeof pool>): number => p.decide(input(now, [pool(...args)]))[0]?.delta ?? 0;

describe('reactive: desired = ceil(current × metric / target)', () => {
  it('metric = (running + queued) / up', () => {
    expect(reactiveMetric(pool(10, 8, 8))).toBeCloseTo(1.6);
    expect(reactiveMetric(pool(0, 0, 3))).toBeNaN();
  });

  it('scales out by the ratio: 10 up, 10 busy → 1.0 / 0.8 = 1.25 → ceil(12.5) = 13', () => {
    expect(delta(new ReactivePolicy(), 0, 10, 10)).toBe(3);
  });

  it('counts queued demand: 10 up, 8 running + 8 queued → ratio 2 → 20 nodes', () => {
    expect(delta(new ReactivePolicy(), 0, 10, 8, 8)).toBe(10);
  });

  it('does nothing inside the tolerance band, acts just outside it', () => {
    // 8.5 / 10 / 0.8 = 1.0625 (within 0.1) → no action
    expect(delta(new ReactivePolicy(), 0, 10, 8.5)).toBe(0);
    // 8.9 / 10 / 0.8 = 1.1125 → ceil(11.125) = 12
    expect(delta(new ReactivePolicy(), 0, 10, 8.9)).toBe(2);
    // a wider band swallows it
    expect(delta(new ReactivePolicy({ tolerance: 0.15 }), 0, 10, 8.9)).toBe(0);
    // 7.3 / 10 / 0.8 = 0.9125 → within → no action, even with nothing in the stabilization window
    expect(delta(new ReactivePolicy(), 0, 10, 7.3)).toBe(0);
  });

  it('booting nodes count towards the goal', () => {
    // 10 up, 10 booting, demand 16 → raw ceil(16 / 0.8) = 20 = current → nothing
    expect(delta(new ReactivePolicy(), 0, 10, 16, 0, 10)).toBe(0);
    // same demand with 5 booting → 20 − 15 = +5
    expect(delta(new ReactivePolicy(), 0, 10, 16, 0, 5)).toBe(5);
  });

  it('scales from zero up nodes on queued work, once', () => {
    const s = spec({ nodes: { min: 0, max: 100, initial: 0 } });
    const p = new ReactivePolicy();
    // demand 3 → ceil(3 / 0.8) = 4, and +4 nodes is what the rate limit allows from 0
    expect(delta(p, 0, 0, 0, 3, 0, s)).toBe(4);
    // the 4 are booting: nothing more
    expect(delta(p, 15, 0, 0, 3, 4, s)).toBe(0);
    // nothing queued, nothing up: stay
    expect(delta(new ReactivePolicy(), 0, 0, 0, 0, 0, s)).toBe(0);
  });

  it('scales from zero under a percent-only or a "min" scale-up rule too (a percent of 0 nodes is 0: the pool stayed at 0 for ever)', () => {
    const s = spec({ nodes: { min: 0, max: 100, initial: 0 } });
    // percent only: 100 % of max(periodStart, 1) = 1 → limit 2; demand 3 → raw 4 → +2
    const pct = new ReactivePolicy({ scaleUp: { policies: [{ type: 'percent', value: 100, periodSeconds: 15 }] } });
    expect(delta(pct, 0, 0, 0, 3, 0, s)).toBe(2);
    // the default policies under select min: min(0 + 4, ceil(1 × 2)) = 2
    expect(delta(new ReactivePolicy({ scaleUp: { select: 'min' } }), 0, 0, 0, 3, 0, s)).toBe(2);
    // 50 %: ceil(1 × 1.5) = 2
    expect(delta(new ReactivePolicy({ scaleUp: { policies: [{ type: 'percent', value: 50, periodSeconds: 15 }] } }), 0, 0, 0, 3, 0, s)).toBe(2);
    // from one node the HPA formula is unchanged: ceil(1 × 2) = 2 → +1
    expect(delta(new ReactivePolicy({ scaleUp: { policies: [{ type: 'percent', value: 100, periodSeconds: 15 }] } }), 0, 1, 3, 0, 0, s)).toBe(1);
  });

  it('metric "utilization" reads one dimension plus the queue', () => {
    const p = new ReactivePolicy({ metric: 'utilization', dimension: 1 });
    const state = { ...pool(10, 5), utilization: [0.2, 0.9] };
    // 0.9 / 0.8 = 1.125 → ceil(11.25) = 12
    expect(p.decide(input(0, [state]))[0]?.delta).toBe(2);
  });

  it("`dimension` by name reads that dimension, as its index does; an unknown name is refused with the dimensions", () => {
    const dims = ['cpu', 'memory', 'gpu'];
    const state = { ...pool(10, 5), utilization: [0.2, 0.9, 0.5] };
    const delta = (dimension: string | number, policy: 'reactive' | 'predictive' = 'reactive'): number | undefined => {
      const o = { metric: 'utilization', dimension };
      const p = createScalingPolicy(policy, policy === 'reactive' ? o : { reactive: o }, { seed: '1', dimensions: dims });
      return p.decide(input(0, [state]))[0]?.delta;
    };
    // memory: 0.9 / 0.8 = 1.125 → ceil(11.25) = 12 nodes (+2); cpu: 0.2 / 0.8 → ceil(2.5) = 3, rate-limited scale-in
    expect(delta('memory')).toBe(2);
    expect(delta(1)).toBe(2);
    expect(delta('cpu')).toBe(delta(0));
    expect(delta('cpu')).not.toBe(2);
    expect(delta('memory', 'predictive')).toBe(2); // no history yet: the reactive rule
    const refused = (options: unknown, dimensions?: readonly string[]): UserError => {
      try {
        createScalingPolicy('reactive', options, dimensions === undefined ? { seed: '1' } : { seed: '1', dimensions });
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return e as UserError;
      }
      throw new Error('accepted');
    };
    expect(refused({ metric: 'utilization', dimension: 'gpus' }, dims).message).toBe(
      "field 'scaling.options.dimension': unknown dimension 'gpus': expected a dimension's name or index (dimensions: 0 = cpu, 1 = memory, 2 = gpu)",
    );
    expect(refused({ metric: 'utilization', dimension: 3 }, dims).message).toContain('there is no dimension 3: expected an index 0-2 or a name of the dimensions');
    // Without the dimensions a name cannot be resolved: refused, never read as 0
    expect(refused({ metric: 'utilization', dimension: 'memory' }).message).toContain("the dimension 'memory' is named, but the dimensions are not known here");
    expect(() => createScalingPolicy('predictive', { reactive: { metric: 'utilization', dimension: 'gpus' } }, { seed: '1', dimensions: dims })).toThrow(/field 'scaling.options.reactive.dimension': unknown dimension 'gpus'/);
  });

  it('refuses `dimension` without metric "utilization" (the demand metric would ignore it), naming the field', () => {
    const refusal = (policy: 'reactive' | 'predictive', options: unknown): UserError => {
      try {
        createScalingPolicy(policy, options, { seed: '1' });
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return e as UserError;
      }
      throw new Error('accepted');
    };
    expect(refusal('reactive', { dimension: 1 }).message).toBe(
      "field 'scaling.options.dimension': 'dimension' is read only with 'metric: utilization', and the default metric 'demand' has no dimension: add 'metric: utilization' or drop 'dimension'",
    );
    expect(refusal('reactive', { metric: 'demand', dimension: 0 }).message).toContain("and metric 'demand' has no dimension");
    expect(refusal('predictive', { reactive: { dimension: 0 } }).location.field).toBe('scaling.options.reactive.dimension');
    expect(() => createScalingPolicy('reactive', { metric: 'utilization', dimension: 1 }, { seed: '1' })).not.toThrow();
    // Built directly, as the policy's other options.
    expect(() => new ReactivePolicy({ dimension: 1 })).toThrow("reactive: dimension is read only with metric 'utilization', got metric 'demand'");
  });
});

describe('reactive: rate limits (HPA behavior policies)', () => {
  it('default scale-up: max(+4, +100 %) per 15 s', () => {
    // 2 up, demand 20 → raw 25; limit max(2 + 4, 2 × 2) = 6 → +4
    expect(delta(new ReactivePolicy(), 0, 2, 20)).toBe(4);
    // 10 up, demand 40 → raw 50; limit max(14, 20) = 20 → +10
    expect(delta(new ReactivePolicy(), 0, 10, 40)).toBe(10);
  });

  it('counts what was added inside the period', () => {
    const p = new ReactivePolicy({ intervalSeconds: 10 });
    expect(delta(p, 0, 10, 40)).toBe(10);
    // 10 s later: the +10 is inside the 15 s period → periodStart = 20 − 10 = 10 → limit 20 = current
    expect(delta(p, 10, 10, 40, 0, 10)).toBe(0);
    // 20 s after the event it has left the period → periodStart 20 → limit 40 → +20
    expect(delta(p, 20, 10, 40, 0, 10)).toBe(20);
  });

  it('a "min" select takes the most restrictive policy; "disabled" forbids the direction', () => {
    const min = new ReactivePolicy({ scaleUp: { select: 'min' } });
    expect(delta(min, 0, 10, 40)).toBe(4); // min(14, 20) = 14
    const off = new ReactivePolicy({ scaleUp: { select: 'disabled' } });
    expect(delta(off, 0, 10, 40)).toBe(0);
  });

  it('limits scale-in by nodes per period', () => {
    const p = new ReactivePolicy({ scaleDown: { stabilizationSeconds: 0, policies: [{ type: 'nodes', value: 2, periodSeconds: 60 }] } });
    // 10 up, demand 4 → raw ceil(4 / 0.8) = 5; limit 10 − 2 = 8
    expect(delta(p, 0, 10, 4)).toBe(-2);
    // 15 s later (8 up): periodStart = 8 + 2 = 10 → limit 8 → no change
    expect(delta(p, 15, 8, 4)).toBe(0);
    // 60 s after the event: periodStart 8 → limit 6 → −2
    expect(delta(p, 60, 8, 4)).toBe(-2);
  });

  it('refuses a fractional `nodes` value (+0.5 nodes rounded to no node at every tick: the pool never grew), naming the field', () => {
    let err: unknown;
    try {
      createScalingPolicy('reactive', { scaleUp: { policies: [{ type: 'nodes', value: 0.5, periodSeconds: 15 }] } }, { seed: '1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).location.field).toBe('scaling.options.scaleUp.policies[0].value');
    expect((err as UserError).message).toMatch(/whole number of nodes/);
    expect(() => createScalingPolicy('predictive', { reactive: { scaleDown: { policies: [{ type: 'nodes', value: 1.5, periodSeconds: 15 }] } } }, { seed: '1' })).toThrow(/scaling\.options\.reactive\.scaleDown\.policies\[0\]\.value/);
    // a percent may be fractional; built directly, a fractional nodes value is a RangeError
    expect(() => createScalingPolicy('reactive', { scaleUp: { policies: [{ type: 'percent', value: 12.5, periodSeconds: 15 }] } }, { seed: '1' })).not.toThrow();
    expect(() => new ReactivePolicy({ scaleUp: { policies: [{ type: 'nodes', value: 0.5, periodSeconds: 15 }] } })).toThrow(RangeError);
  });

  it('limit helpers follow the HPA formulas', () => {
    const nodes = { stabilizationSeconds: 0, policies: [{ type: 'nodes' as const, value: 4, periodSeconds: 60 }], select: 'max' as const };
    const pct = { stabilizationSeconds: 0, policies: [{ type: 'percent' as const, value: 50, periodSeconds: 60 }], select: 'max' as const };
    // periodStart = 12 − 3 (added at t=50) + 1 (removed at t=45) = 10; an event at t = 40 would be out (strictly after now − period)
    const ups = [{ time: 50, n: 3 }, { time: -20, n: 7 }];
    const downs = [{ time: 45, n: 1 }, { time: 40, n: 5 }];
    expect(scaleUpLimit(12, 100, ups, downs, nodes)).toBe(14);
    expect(scaleUpLimit(12, 100, ups, downs, pct)).toBe(15);
    expect(scaleDownLimit(12, 100, ups, downs, nodes)).toBe(6);
    expect(scaleDownLimit(12, 100, ups, downs, pct)).toBe(5);
  });
});

describe('reactive: stabilization windows', () => {
  it('scale-down uses the highest recommendation of the last 300 s', () => {
    const p = new ReactivePolicy();
    expect(delta(p, 0, 10, 8)).toBe(0); // in band: raw 10 remembered
    // demand drops to 4 → raw ceil(4 / 0.8) = 5, but the window holds 10
    for (let t = 15; t < 300; t += 15) expect(delta(p, t, 10, 4)).toBe(0);
    // at t = 300 the t = 0 recommendation has left the window: max = 5 → −5
    expect(delta(p, 300, 10, 4)).toBe(-5);
  });

  it("the pool's size at the first decision counts as a recommendation (the HPA's recordInitialRecommendation)", () => {
    // 10 up, nothing running yet (the first requests have not arrived): raw 1 (min), but the
    // size 10 recorded at t = 0 holds the fleet for the 300-s window instead of cutting it at once.
    const p = new ReactivePolicy();
    for (let t = 0; t < 300; t += 15) expect(delta(p, t, 10, 0)).toBe(0);
    expect(delta(p, 300, 10, 0)).toBe(-9);
    // Scale-up is not held back (no up window by default): 10 up, demand 16 → +10 at t = 0.
    expect(delta(new ReactivePolicy(), 0, 10, 16)).toBe(10);
    // Only the first decision: a later pool size is not a recommendation.
    const q = new ReactivePolicy({ scaleDown: { stabilizationSeconds: 60 } });
    expect(delta(q, 0, 10, 8)).toBe(0);
    expect(delta(q, 60, 10, 4)).toBe(-5);
    expect(delta(q, 75, 5, 0, 0, 0)).toBe(0); // raw 1, but raw 5 at t = 60 is in the window
    expect(delta(q, 120, 5, 0)).toBe(-4);
  });

  it('a scale-up window uses the lowest recommendation in it', () => {
    const p = new ReactivePolicy({ scaleUp: { stabilizationSeconds: 60 } });
    expect(delta(p, 0, 10, 8)).toBe(0); // raw 10
    for (let t = 15; t < 60; t += 15) expect(delta(p, t, 10, 16)).toBe(0); // raw 20, but min over the window = 10
    expect(delta(p, 60, 10, 16)).toBe(10); // t=0 gone: min = 20
  });
});

describe('reactive: the pool bounds', () => {
  it('clamps to max', () => {
    expect(delta(new ReactivePolicy(), 0, 10, 80, 0, 0, spec({ nodes: { min: 1, max: 12, initial: 10 } }))).toBe(2);
  });

  it('clamps to min, once the scale-down window no longer holds the initial size', () => {
    const p = new ReactivePolicy();
    const s = spec({ nodes: { min: 3, max: 20, initial: 10 } });
    expect(delta(p, 0, 10, 0, 0, 0, s)).toBe(0);
    expect(delta(p, 300, 10, 0, 0, 0, s)).toBe(-7);
  });

  it('brings a pool below min back up even inside the tolerance band', () => {
    // 2 up (a failure took the rest), min 4; metric 0.8 exactly = target → raw = current = 2 → clamped to 4
    expect(delta(new ReactivePolicy(), 0, 2, 1.6, 0, 0, spec({ nodes: { min: 4, max: 20, initial: 4 } }))).toBe(2);
  });

  it('manages only the named pools', () => {
    const p = new ReactivePolicy({ pools: ['b'] });
    const a = pool(10, 40, 0, 0, spec({ name: 'a' }), 0);
    const b = pool(10, 40, 0, 0, spec({ name: 'b' }), 1);
    expect(p.decide(input(0, [a, b])).map((x) => x.pool)).toEqual([1]);
  });
});
