import { describe, expect, it } from 'vitest';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { PredictivePolicy } from '../../src/autoscale/predictive.js';
import type { DemandSample } from '../../src/autoscale/policy.js';
import { input, pool, spec } from './helpers.js';

/*
 * The forecast covers the lead (default the pool's boot + intervalSeconds) in bins of stepSeconds.
 * A lead of astronomically many bins (leadSeconds 1e300; a pool's boot of 1e10 s, valid, in 60-s
 * bins) asked the forecaster for that many steps: a RangeError, or V8 aborting the process
 * ("Fatal JavaScript invalid size error") in drs run. Beyond MAX_FORECAST_STEPS the policy runs
 * the reactive rule and says why in its note; an explicit leadSeconds that far is refused at load.
 */
function drive(p: PredictivePolicy, seconds: number, boot: number): ReturnType<PredictivePolicy['decide']>[] {
  const history: DemandSample[] = [];
  const out: ReturnType<PredictivePolicy['decide']>[] = [];
  for (let t = 0; t < seconds; t += 15) {
    history.push({ time: t, demandNodes: [20], arrivals: 0 });
    out.push(p.decide(input(t, [pool(10, 20, 0, 0, spec({ bootSeconds: boot }))], history)));
  }
  return out;
}

describe('predictive: a lead beyond any forecast', () => {
  it('leadSeconds 1e300: the reactive rule decides, and the note says why', () => {
    const p = new PredictivePolicy({ forecaster: 'naive', minHistory: 5, refitEvery: 5, leadSeconds: 1e300 });
    const actions = drive(p, 30 * 60, 300);
    // Demand 20 on 10 nodes, target 0.8: the reactive rule wants ⌈20 / 0.8⌉ = 25, its rate limit
    // (max(+4, +100 %) per 15 s) allows 20 at t = 0.
    expect(actions[0]).toMatchObject([{ delta: 10 }]);
    expect(p.notes()).toHaveLength(1);
    expect(p.notes()[0]).toMatch(/^pool 'w': never forecast: all 120 decisions were the reactive rule \(\d+ lead of 1e\+300 s is .* bins of 60 s, more than the 100000 a forecast reaches: give a shorter leadSeconds or a larger stepSeconds; \d+ warm-up/);
  });

  it("a pool's boot of 1e10 s (the default lead): the same, without a crash", () => {
    // ⌈(1e10 + 15 + 15) / 60⌉ + 1 = 166,666,669 bins.
    const p = new PredictivePolicy({ forecaster: 'naive', minHistory: 5, refitEvery: 5 });
    drive(p, 30 * 60, 1e10);
    expect(p.notes()[0]).toMatch(/lead of 10000000015 s is 166666669 bins of 60 s, more than the 100000 a forecast reaches/);
  });

  it('a lead of exactly the reach forecasts', () => {
    // H = ⌈(lead + 15) / 60⌉ + 1 = 100,000 with lead = 99,998 · 60 + 45.
    const p = new PredictivePolicy({ forecaster: 'naive', minHistory: 5, refitEvery: 5, leadSeconds: 99_998 * 60 + 45 });
    drive(p, 30 * 60, 300);
    expect(p.notes()).toEqual([]);
  });

  it('an explicit leadSeconds past the reach is refused when the options are read, with the field', () => {
    // 1e9 s is within every duration's bound (1e10 s; 1e300 is refused by that first) but ⌈(1e9 + 15) / 60⌉ + 1 bins.
    expect(() => createScalingPolicy('predictive', { leadSeconds: 1e9 }, { seed: '1' })).toThrow(/leadSeconds.*lead of 1000000000 s is 16666668 bins of 60 s, more than the 100000 a forecast reaches/);
    expect(() => createScalingPolicy('predictive', { leadSeconds: 1e300 }, { seed: '1' })).toThrow(/at most 1e10 s/);
    expect(() => createScalingPolicy('predictive', { leadSeconds: 1e7, stepSeconds: 600 }, { seed: '1' })).not.toThrow();
  });
});

describe('predictive: one rule and one message for a lead beyond reach', () => {
  const sentence = (lead: number): string => `lead of ${lead} s is ${Math.ceil((lead + 15) / 60) + 1} bins of 60 s, more than the 100000 a forecast reaches: give a shorter leadSeconds or a larger stepSeconds`;

  it('the load-time refusal says what the run-time note says', () => {
    // 1e9 s: ⌈(1e9 + 15) / 60⌉ + 1 = 16,666,668 bins. The policy built without the registry (the library) notes it.
    const p = new PredictivePolicy({ forecaster: 'naive', minHistory: 5, refitEvery: 5, leadSeconds: 1e9 });
    drive(p, 30 * 60, 300);
    expect(sentence(1e9)).toContain('16666668 bins');
    expect(p.notes()[0]).toContain(sentence(1e9));
    let message = '';
    try {
      createScalingPolicy('predictive', { leadSeconds: 1e9 }, { seed: '1' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(sentence(1e9));
  });

  it('the same boundary: the last lead a forecast reaches loads, one bin more is refused', () => {
    const last = 99_998 * 60 + 45;
    expect(() => createScalingPolicy('predictive', { leadSeconds: last }, { seed: '1' })).not.toThrow();
    expect(() => createScalingPolicy('predictive', { leadSeconds: last + 1 }, { seed: '1' })).toThrow(sentence(last + 1));
  });
});

/*
 * With `intervals: conformal` the policy keeps, for each of the H bins ahead, the forecasts made
 * for it (one per step: H² / 2 numbers once H bins have passed) and a window of errors per step.
 * A lead of 83,335 bins (leadSeconds: 5e6, valid under the 100,000-bin reach) on the NYC taxi
 * scenario ran V8 out of heap after 3.5 minutes ("Ineffective mark-compacts near heap limit",
 * a native stack, exit 134). Its reach is MAX_CONFORMAL_STEPS (5,000), by the same rule and message.
 */
describe('predictive: the reach with conformal intervals', () => {
  const conformal = { forecaster: 'naive', quantile: 0.9, intervals: 'conformal' } as const;

  it('a lead past 5,000 bins is refused at load, naming conformal; 5,000 loads', () => {
    // ⌈(299,925 + 15) / 60⌉ + 1 = 5,000; ⌈(299,926 + 15) / 60⌉ + 1 = 5,001.
    expect(() => createScalingPolicy('predictive', { ...conformal, leadSeconds: 299_925 }, { seed: '1' })).not.toThrow();
    expect(() => createScalingPolicy('predictive', { ...conformal, leadSeconds: 299_926 }, { seed: '1' })).toThrow(
      "field 'scaling.options.leadSeconds': lead of 299926 s is 5001 bins of 60 s, more than the 5000 a forecast with intervals: conformal reaches: give a shorter leadSeconds or a larger stepSeconds",
    );
    // The model's own interval reaches the 100,000.
    expect(() => createScalingPolicy('predictive', { forecaster: 'naive', quantile: 0.9, leadSeconds: 299_926 }, { seed: '1' })).not.toThrow();
  });

  it("a pool's boot that far (the default lead): the reactive rule, with the same words in the note", () => {
    // ⌈(300,000 + 15 + 15) / 60⌉ + 1 = 5,002 bins.
    const p = new PredictivePolicy({ ...conformal, minHistory: 5, refitEvery: 5 });
    drive(p, 30 * 60, 300_000);
    expect(p.notes()[0]).toMatch(/^pool 'w': never forecast: .*lead of 300015 s is 5002 bins of 60 s, more than the 5000 a forecast with intervals: conformal reaches/);
  });

  it("a pool's boot within the reach (1,442 bins, refused before 5,000): conformal forecasts", () => {
    // ⌈(86,400 + 15 + 15) / 60⌉ + 1 = 1,442 bins.
    const p = new PredictivePolicy({ ...conformal, minHistory: 5, refitEvery: 5 });
    drive(p, 30 * 60, 86_400);
    expect(p.notes()).toEqual([]);
  });
});
