import { describe, expect, it } from 'vitest';
import { PredictivePolicy } from '../../src/autoscale/predictive.js';
import type { DemandSample } from '../../src/autoscale/policy.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { ReactivePolicy } from '../../src/autoscale/reactive.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { replay } from '../../src/sim/replay.js';
import type { ScalingPolicy } from '../../src/autoscale/policy.js';
import { input, pool, spec } from './helpers.js';

/*
 * A daily-like cycle compressed to 2 hours: one hour at 0.5 requests/s, then a step to 2 requests/s
 * for an hour. Requests are evenly spaced (no randomness), run 120 s and take 2 of a node's 16 cpu,
 * so the low phase needs 0.5 × 120 / 8 = 7.5 nodes and the high phase 30. Nodes boot in 5 minutes.
 * The reactive rule sees the step only when it happens, so for about five minutes of every cycle
 * work waits; after two cycles of history the forecast knows the step is coming.
 */
const space = new ResourceSpace(['cpu', 'memory']);
const CYCLE = 7200;
const CYCLES = 5;
const BOOT = 300;
const workers: PoolSpec = { name: 'w', capacity: [16, 64], nodes: { min: 2, max: 60, initial: 8 }, pricePerHour: 1, latencyMs: 0, bootSeconds: BOOT, labels: {} };

function requests(): Request[] {
  const out: Request[] = [];
  for (let c = 0; c < CYCLES; c++) {
    for (const [from, rate] of [[0, 0.5], [3600, 2]] as const) {
      for (let k = 0; k < 3600 * rate; k++) {
        out.push({ id: `r${out.length}`, tenant: 't', arrival: c * CYCLE + from + k / rate, demand: [2, 4], duration: 120, priority: 'high', sloWait: 30 });
      }
    }
  }
  return out;
}

async function run(scaling: ScalingPolicy) {
  const out = await replay({ space, pools: [workers], requests: requests(), allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(), scaling, seed: 1 });
  const m = computeMetrics(out.log, space.names);
  // Nodes up at time t (from the log).
  const ups: { t: number; d: number }[] = [];
  for (let i = 0; i < out.log.length; i++) {
    const k = out.log.kind(i);
    if (k === EV.nodeUp) ups.push({ t: out.log.time(i), d: +1 });
    if (k === EV.nodeRemove || k === EV.nodeFail) ups.push({ t: out.log.time(i), d: -1 });
  }
  const upAt = (t: number): number => ups.filter((e) => e.t <= t).reduce((s, e) => s + e.d, 0);
  // SLA misses per cycle (by arrival).
  const firstStart = new Map<number, number>();
  for (let i = 0; i < out.log.length; i++) if (out.log.kind(i) === EV.start && !firstStart.has(out.log.ref(i))) firstStart.set(out.log.ref(i), out.log.time(i));
  const misses = new Array<number>(CYCLES).fill(0);
  out.log.requests.forEach((r, i) => {
    const s = firstStart.get(i);
    const c = Math.floor(r.arrival / CYCLE);
    if (s === undefined || s - r.arrival > (r.sloWait as number)) misses[c] = (misses[c] as number) + 1;
  });
  return { m, upAt, misses };
}

describe('predictive scaling', () => {
  it('provisions ahead of a recurring ramp that the reactive rule meets late', async () => {
    const reactive = await run(new ReactivePolicy({ intervalSeconds: 15 }));
    const predictive = await run(new PredictivePolicy({ intervalSeconds: 15, seasonSeconds: CYCLE, headroom: 1.15 }, { seed: '1' }));
    const last = (CYCLES - 1) * CYCLE + 3600; // the step of the last cycle
    // Reactive: the step finds the low-phase fleet (~10 nodes); the nodes it asks for then are up a boot time later.
    expect(reactive.upAt(last)).toBeLessThan(15);
    expect(reactive.upAt(last + BOOT)).toBeLessThan(30);
    expect(reactive.upAt(last + 3 * BOOT)).toBeGreaterThanOrEqual(30);
    // Predictive: running demand reaches 30 nodes 120 s after the step (jobs accumulate); the
    // forecast asked for the nodes a boot time before, so they are up by then.
    expect(predictive.upAt(last + 120)).toBeGreaterThanOrEqual(30);
    expect(predictive.upAt(last - BOOT)).toBeLessThan(15); // and not much earlier
    // Cycles 0-1 are history (predictive falls back to reactive); from cycle 2 on it misses far less.
    expect(predictive.misses.slice(0, 2)).toEqual(reactive.misses.slice(0, 2));
    for (let c = 2; c < CYCLES; c++) {
      expect(reactive.misses[c]).toBeGreaterThan(100);
      expect(predictive.misses[c] as number).toBeLessThan(0.1 * (reactive.misses[c] as number));
    }
    // Being early costs little: here it is even cheaper, since the reactive rule, once a queue has
    // built up, overshoots (queued work counts in its metric) and then holds the extra nodes for
    // its 300 s scale-down window.
    expect(predictive.m.cost.total).toBeLessThan(1.05 * reactive.m.cost.total);
  });

  it('falls back to the reactive rule while the history is short, and says so', () => {
    const p = new PredictivePolicy({ seasonSeconds: 3600, intervalSeconds: 60 });
    const r = new ReactivePolicy({ intervalSeconds: 60 });
    const history: DemandSample[] = [];
    for (let t = 0; t <= 600; t += 60) {
      history.push({ time: t, demandNodes: [20], arrivals: 0 });
      const state = [pool(10, 20)];
      const a = p.decide(input(t, state, history));
      const b = r.decide(input(t, state, history));
      expect(a.map((x) => x.delta)).toEqual(b.map((x) => x.delta));
      if (a[0] !== undefined) expect(a[0].reason).toMatch(/reactive fallback \((warming up|history \d+\/120 bins)\)/);
    }
    expect(p.status(0)).toBe('history 10/120 bins');
  });

  it('never asks for fewer nodes than the reactive rule, and never more than the pool max', () => {
    const s = spec({ nodes: { min: 1, max: 25, initial: 10 } });
    const p = new PredictivePolicy({ forecaster: 'naive', stepSeconds: 60, minHistory: 3, refitEvery: 1, intervalSeconds: 60, headroom: 1.2 });
    const history: DemandSample[] = [];
    // A flat demand of 4 node-equivalents, then a reading of 30: the naive forecast says 30 → 36 → capped at 25.
    for (let t = 0; t <= 240; t += 60) history.push({ time: t, demandNodes: [4], arrivals: 0 });
    p.decide(input(240, [pool(10, 4, 0, 0, s)], history));
    history.push({ time: 300, demandNodes: [30], arrivals: 0 }, { time: 360, demandNodes: [30], arrivals: 0 });
    const a = p.decide(input(360, [pool(10, 30, 0, 0, s)], history));
    expect(a[0]?.delta).toBe(15);
    // Forecast low (4 × 1.2 → 5) but the pool is busy (12 of 10 up): the reactive rule wins (ceil(12 / 0.8) = 15).
    const q = new PredictivePolicy({ forecaster: 'naive', minHistory: 3, refitEvery: 1, intervalSeconds: 60 });
    const h2: DemandSample[] = [];
    for (let t = 0; t <= 300; t += 60) h2.push({ time: t, demandNodes: [4], arrivals: 0 });
    const b = q.decide(input(300, [pool(10, 12, 0, 0, s)], h2));
    expect(b[0]?.delta).toBe(5);
  });

  it('bins the history: the mean of the samples in each step, gaps repeat the last value', () => {
    const p = new PredictivePolicy({ forecaster: 'naive', stepSeconds: 60, minHistory: 1, refitEvery: 1, intervalSeconds: 15, leadSeconds: 60 });
    const h: DemandSample[] = [];
    const at = (t: number, d: number) => h.push({ time: t, demandNodes: [d], arrivals: 0 });
    at(0, 2);
    at(15, 4);
    at(30, 6);
    at(45, 8); // bin 0: mean 5
    at(180, 1); // bins 1 and 2 had no samples: they repeat 5; bin 3 is open
    p.decide(input(180, [pool(10, 8)], h));
    // naive forecasts the last closed bin (5) for every step ahead
    expect(p.forecastPeak(0, 180, 0)).toBe(5);
  });

  it('is built by the registry with validated options', () => {
    const pol = createScalingPolicy('predictive', { seasonSeconds: '4h', headroom: 1.2, forecaster: 'seasonal-naive' }, { seed: '1' });
    expect(pol.name).toBe('predictive');
    expect(() => createScalingPolicy('predictive', { forecaster: 'prophet' }, { seed: '1' })).toThrow(/expected a forecaster/);
    expect(() => createScalingPolicy('predictive', { forecaster: 'holt-winters', forecasterOptions: { alpha: 2 } }, { seed: '1' })).toThrow();
    expect(() => createScalingPolicy('predictive', { headroom: 1.2, surprise: 1 }, { seed: '1' })).toThrow(/surprise/);
  });

  it('a bad forecasterOptions key is named once, by its full field path', () => {
    const refusal = (options: unknown): unknown => {
      try {
        createScalingPolicy('predictive', options, { seed: '1' });
      } catch (e) {
        return e;
      }
      throw new Error('accepted');
    };
    expect(refusal({ forecasterOptions: { bogus: 1 } })).toMatchObject({
      location: { field: 'scaling.options.forecasterOptions.bogus' },
      message: "field 'scaling.options.forecasterOptions.bogus': options of model 'holt-winters': unknown key 'bogus' (expected one of alpha, beta, fitWindow, gamma, guard, loss, nonSeasonal, phi, season, seasonal, trend, validation)",
    });
    // A key near one the model takes is suggested, as anywhere in a scenario.
    expect(refusal({ forecasterOptions: { alpah: 0.5 } })).toMatchObject({
      location: { field: 'scaling.options.forecasterOptions.alpah' },
      message: "field 'scaling.options.forecasterOptions.alpah': options of model 'holt-winters': unknown key 'alpah' (did you mean 'alpha'?)",
    });
    expect(refusal({ forecaster: 'mlp', forecasterOptions: { window: 0 } })).toMatchObject({
      location: { field: 'scaling.options.forecasterOptions.window' },
      message: "field 'scaling.options.forecasterOptions.window': options of model 'mlp': expected a value ≥ 1",
    });
  });
});
