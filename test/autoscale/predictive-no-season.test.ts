import { describe, expect, it } from 'vitest';
import type { DemandSample, ScaleAction } from '../../src/autoscale/policy.js';
import { PredictivePolicy } from '../../src/autoscale/predictive.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { input, pool } from './helpers.js';

/*
 * No season given and none in the series: the predictive policy forecasts with the non-seasonal
 * model `auto` chooses on the bins it has (src/autoscale/no-season.ts) instead of running the
 * reactive rule. Decisions every 15 s, 60-s bins (4 decisions a bin), boot 300 s, so the lead is
 * 315 s: a decision at t provisions for the bins covering [t + 300, t + 315].
 */
interface Step {
  t: number;
  peak: number | undefined;
  actions: ScaleAction[];
}

function drive(p: PredictivePolicy, minutes: number, demand: (bin: number) => number, up: (bin: number) => number): Step[] {
  const history: DemandSample[] = [];
  const out: Step[] = [];
  for (let t = 0; t < minutes * 60; t += 15) {
    const bin = Math.floor(t / 60);
    history.push({ time: t, demandNodes: [demand(bin)], arrivals: 0 });
    const actions = p.decide(input(t, [pool(up(bin), demand(bin))], history));
    out.push({ t, peak: p.forecastPeak(0, t, 300), actions });
  }
  return out;
}

/** The reactive floor at target 1.0 asks for ⌈demand⌉ nodes: any node above that is the forecast's. */
const reactive = { target: 1 };

describe('predictive policy without a season', () => {
  it('a pure linear ramp: Holt damped trend forecasts it (hand-checked) and scales ahead of it', () => {
    // Demand 2 + 0.5 k nodes in bin k: a line has no season, and the damped trend fits it exactly (l = y, b = 0.5, φ at its bound 0.98).
    const ramp = (k: number): number => 2 + 0.5 * k;
    const p = new PredictivePolicy({ minHistory: 30, refitEvery: 30, quantile: 0.5, reactive });
    const steps = drive(p, 60, ramp, (k) => Math.ceil(ramp(k)));
    expect(p.status(0)).toBe('forecast without a season (holt)');
    // t = 3540 s (bin 59 opens; bin 58 = 31 is the last closed): [3840, 3855] is bin 64, 6 steps ahead:
    // 31 + 0.5 (0.98 + 0.98² + … + 0.98⁶) = 31 + 0.5 × 5.59371 = 33.797 (the line says 34).
    const at = steps.find((s) => s.t === 3540) as Step;
    expect(at.peak).toBeCloseTo(31 + 0.5 * [1, 2, 3, 4, 5, 6].reduce((a, i) => a + 0.98 ** i, 0), 3);
    // Up 32 = ⌈31.5⌉ nodes, the reactive rule's own answer: the forecast asks for ⌈33.797⌉ = 34, 2 ahead of the ramp.
    expect(at.actions).toHaveLength(1);
    expect(at.actions[0]?.delta).toBe(2);
    expect(at.actions[0]?.reason).toMatch(/^predictive: q0.5 demand 33.80 → 34; reactive 32; desired 34 \(from 32\)$/);
    // Every decision after the warm-up (bin 30 on) provisions for more than the current demand.
    for (const s of steps.filter((x) => x.t >= 31 * 60)) expect(s.peak as number).toBeGreaterThan(ramp(Math.floor(s.t / 60)) + 1);
    // The note says it forecast without a season, and what the reactive rule covered (the warm-up only).
    expect(p.notes()).toEqual([
      "pool 'w': forecast in 120 of 240 decisions (all without a season: none was found, so a non-seasonal model chosen on the bins so far, last 'holt'); the reactive rule in the others (120 warm-up (under 30 bins of history))",
    ]);
  });

  it('the quantile reads the non-seasonal model\'s interval: q0.95 above the point, q0.05 below', () => {
    const ramp = (k: number): number => 2 + 0.5 * k + 0.3 * Math.sin(k * k); // a line with aperiodic wiggles
    const peakAt = (quantile: number): number => {
      const p = new PredictivePolicy({ minHistory: 30, refitEvery: 30, quantile, reactive });
      const peak = drive(p, 60, ramp, (k) => Math.ceil(ramp(k))).find((s) => s.t === 3540)?.peak as number;
      expect(p.status(0)).toMatch(/^forecast without a season/);
      return peak;
    };
    const [lo, mid, hi] = [peakAt(0.05), peakAt(0.5), peakAt(0.95)];
    // Measured: 33.224, 33.970, 34.717 (the wiggles are ± 0.3: a 90 % interval of ± 0.75 six steps ahead).
    expect(lo).toBeLessThan(mid);
    expect(hi).toBeGreaterThan(mid);
    expect(hi - mid).toBeGreaterThan(0.1);
    expect(hi - mid).toBeLessThan(2);
  });

  it("with noSeason: 'reactive' the same ramp runs the reactive rule, as before", () => {
    const ramp = (k: number): number => 2 + 0.5 * k;
    const p = new PredictivePolicy({ minHistory: 30, refitEvery: 30, quantile: 0.5, reactive, noSeason: 'reactive' });
    const steps = drive(p, 60, ramp, (k) => Math.ceil(ramp(k)));
    expect(steps.every((s) => s.peak === undefined && s.actions.length === 0)).toBe(true);
    expect(p.notes()[0]).toMatch(/^pool 'w': never forecast: all 240 decisions were the reactive rule \(120 warm-up \(under 30 bins of history\); 120 fit failed: .*no seasonal period could be detected in 30 points.*\)$/);
  });

  it('a flat series does not over-provision: the q0.95 of a constant is the constant', () => {
    const p = new PredictivePolicy({ minHistory: 30, refitEvery: 30, quantile: 0.95, reactive });
    const steps = drive(p, 60, () => 5, () => 5);
    expect(p.status(0)).toMatch(/^forecast without a season/);
    const forecast = steps.filter((s) => s.peak !== undefined);
    expect(forecast).toHaveLength(120);
    for (const s of forecast) expect(s.peak as number).toBeCloseTo(5, 9);
    // 5 nodes up for a demand of 5: nothing is ever added.
    expect(steps.flatMap((s) => s.actions)).toEqual([]);
  });

  it('too little history is the only fallback left, and the note says so', () => {
    // No season: 120 bins of warm-up by default; a 100-minute run never gets there.
    const p = new PredictivePolicy({ reactive });
    drive(p, 100, (k) => 2 + 0.5 * k, (k) => Math.ceil(2 + 0.5 * k));
    expect(p.notes()).toEqual(["pool 'w': never forecast: all 400 decisions were the reactive rule (400 warm-up (under 120 bins of history))"]);
  });

  it('a season found at a later refit replaces the non-seasonal model', () => {
    // Flat for 40 bins, then a 10-bin cycle: the first refits find no season, the one at bin 80 does (the 40 bins kept are all cycle).
    const p = new PredictivePolicy({ minHistory: 40, maxHistory: 40, refitEvery: 20, reactive });
    drive(p, 100, (k) => (k < 40 ? 5 : 5 + (k % 10 < 5 ? 3 : 0)), () => 8);
    expect(p.status(0)).toBe('forecast');
    expect(p.notes()[0]).toMatch(/^pool 'w': forecast in 240 of 400 decisions \(\d+ of them without a season: .*\); the reactive rule in the others \(160 warm-up \(under 40 bins of history\)\)$/);
  });

  it('another fit error is still a failed fit, not a switch to the non-seasonal model', () => {
    // A 10-bin cycle with zeros: the season is found, then multiplicative seasonality refuses the zeros (field 'seasonal').
    const p = new PredictivePolicy({ forecasterOptions: { seasonal: 'multiplicative' }, minHistory: 40, refitEvery: 20, reactive });
    drive(p, 100, (k) => (k % 10 < 5 ? 0 : 3), () => 3);
    expect(p.status(0)).toMatch(/^fit failed: field 'seasonal': holt-winters: multiplicative seasonality needs strictly positive values/);
    expect(p.notes()[0]).toMatch(/^pool 'w': never forecast: all 400 decisions were the reactive rule \(240 fit failed: .*multiplicative.*; 160 warm-up/);
  });

  it("the registry takes noSeason: 'forecast' | 'reactive' and refuses anything else by its field", () => {
    expect(createScalingPolicy('predictive', { noSeason: 'reactive' }, { seed: '1' }).name).toBe('predictive');
    expect(() => createScalingPolicy('predictive', { noSeason: 'never' }, { seed: '1' })).toThrow(/scaling\.options\.noSeason/);
  });
});
