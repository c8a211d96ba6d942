import { describe, expect, it } from 'vitest';
import type { DemandSample } from '../../src/autoscale/policy.js';
import { PredictivePolicy } from '../../src/autoscale/predictive.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { ConfigError } from '../../src/core/errors.js';
import type { Request } from '../../src/core/model.js';
import { Rng } from '../../src/core/rng.js';
import { validateScenarioObject } from '../../src/scenario/load.js';
import type { Forecaster } from '../../src/predict/types.js';
import { input, pool } from './helpers.js';

/** One demand sample per 60-s bin, the bin's value at its start. */
function history(values: readonly number[]): DemandSample[] {
  return values.map((d, i) => ({ time: 60 * i, demandNodes: [d], arrivals: 0 }));
}

describe('predictive quantile option', () => {
  it('a bad quantile is a clear error naming the field (0, 1, 1.5, and with headroom)', () => {
    for (const q of [0, 1, 1.5, -0.2]) {
      expect(() => new PredictivePolicy({ quantile: q })).toThrow(ConfigError);
      expect(() => new PredictivePolicy({ quantile: q })).toThrow(/field 'quantile'.*strictly between 0 and 1/);
      expect(() => createScalingPolicy('predictive', { quantile: q }, { seed: '1' })).toThrow(/quantile must be strictly between 0 and 1/);
    }
    expect(() => new PredictivePolicy({ quantile: 0.9, headroom: 1.1 })).toThrow(/'quantile' or 'headroom', not both/);
    expect(() => createScalingPolicy('predictive', { intervals: 'conformal' }, { seed: '1' })).toThrow(/needs a 'quantile'/);
  });

  it('a bad quantile in a scenario names the path down to the field', () => {
    const scenario = {
      name: 'q',
      dimensions: ['cpu'],
      pools: [{ name: 'w', capacity: { cpu: 4 }, nodes: { min: 1, max: 4, initial: 1 }, pricePerHour: 1 }],
      trace: { kind: 'synthetic', count: 10 },
      strategies: [{ name: 'first-fit', scaling: { policy: 'predictive', options: { quantile: 1.5 } } }],
    };
    expect(() => validateScenarioObject(scenario, 'q.yaml')).toThrow(/quantile.*strictly between 0 and 1/);
  });

  /*
   * Naive forecaster on 20, 21, 20, 21, … (40 closed bins of 60 s; last value 21). Its interval is
   * ŷ ± z σ₁ √h with σ₁ the sample sd of the 39 one-step differences (+1 twenty times, −1 nineteen
   * times). Boot 120 s + interval 15 s: lead 135 s; at now = 2400 the bins covering
   * [2520, 2535] are bin 42 = h 3 after the last closed bin 39. So the q-quantile is
   * 21 + Φ⁻¹(q) · σ₁ · √3.
   */
  it('provisions the upper end of the model interval at level 2q − 1', () => {
    const values = Array.from({ length: 40 }, (_, i) => 20 + (i % 2));
    const h = history([...values, 20]);
    const now = 60 * 40;
    const diffs = values.slice(1).map((v, i) => v - (values[i] as number));
    const sd = Math.sqrt(diffs.reduce((a, d) => a + d * d, 0) / diffs.length); // naive: root mean square of the differences
    const boot120 = { ...pool(1, 1).spec, bootSeconds: 120 };
    for (const [q, z] of [[0.95, 1.6448536269514722], [0.8, 0.8416212335729143], [0.2, -0.8416212335729143]] as const) {
      const p = new PredictivePolicy({ forecaster: 'naive', quantile: q, minHistory: 10, refitEvery: 1 });
      p.decide(input(now, [pool(20, 20, 0, 0, boot120)], h));
      expect(p.forecastPeak(0, now, 120)).toBeCloseTo(21 + z * sd * Math.sqrt(3), 7);
    }
    // q = 0.5 is the point forecast.
    const median = new PredictivePolicy({ forecaster: 'naive', quantile: 0.5, minHistory: 10, refitEvery: 1 });
    median.decide(input(now, [pool(20, 20, 0, 0, boot120)], h));
    expect(median.forecastPeak(0, now, 120)).toBe(21);
  });

  /*
   * Which forecast is scored against which actual, by hand. Demand in bin b is b (samples every
   * 15 s); the stub forecasts, after bin L closed, L + 10, L + 20, L + 30, … for bins L + 1, L + 2,
   * L + 3, … So the forecast of bin b made h bins earlier is (b − h) + 10 h and every error of step
   * h is e = b − (b − h + 10 h) = −9 h (a forecast shifted by one bin or one index would give
   * −9 h − 9 or −9 h − 10). Lead 120 s, interval 15 s, step 60 s: at t = 3000 (bin 50 open, L = 49)
   * the path is 49 + 10 h − 9 h = 50, 51, 52, 53 for bins 50-53, each bin's actual demand. The four
   * decisions in bin 50 (t = 3000 … 3045) cover [t + 105, t + 120]: bins 51-52, then bin 52; so
   * the peak is 52 at each, the demand of bin 52 (with one offset, step 2's −18, it was 79 − 18 = 61).
   */
  it('conformal: scores each actual against the forecast made h bins earlier, per step h', () => {
    class Stub implements Forecaster {
      readonly name = 'stub';
      last = 0;
      fit(v: readonly number[]): void {
        this.last = v[v.length - 1] as number;
      }
      update(v: readonly number[]): void {
        this.fit(v);
      }
      forecast(h: number) {
        return { point: Array.from({ length: h }, (_, i) => this.last + 10 * (i + 1)) };
      }
    }
    const p = new PredictivePolicy({ forecaster: 'naive', quantile: 0.9, intervals: 'conformal', minHistory: 5, refitEvery: 1, leadSeconds: 120 });
    (p as unknown as { newForecaster: () => Forecaster }).newForecaster = () => new Stub();
    const h: DemandSample[] = [];
    const peaks: number[] = [];
    for (let t = 0; t < 3060; t += 15) {
      h.push({ time: t, demandNodes: [Math.floor(t / 60)], arrivals: 0 });
      p.decide(input(t, [pool(30, 30)], h));
      if (t >= 3000) peaks.push(p.forecastPeak(0, t, 105) as number);
    }
    const errors = (p as unknown as { series: Map<number, { errors: Iterable<number>[] }> }).series.get(0)?.errors ?? [];
    expect(errors.map((e) => [...new Set(e)])).toEqual([[-9], [-18], [-27], [-36]]);
    expect(p.status(0)).toMatch(/conformal q0\.9 error -18\.00 at step 2/);
    expect(peaks).toEqual([52, 52, 52, 52]);
  });

  it('conformal: adds the q-quantile of its own lead-time errors (known noise)', () => {
    // Demand = 30 + t (one node more per bin) + Gaussian noise with sd 2; naive forecasts the last
    // value, so its error h bins ahead is y_b − y_{b−h} = h + N(0, (2√2)²) (it under-forecasts by h
    // on average) with 0.9-quantile h + 1.2816 · 2√2 ≈ h + 3.62. Lead 120 s, decisions at bin starts:
    // the window [now + 105, now + 120] reads steps 2 and 3, so the peak is last + 3 + 3.62 = 6.62.
    const rng = new Rng(7);
    const values = Array.from({ length: 1200 }, (_, t) => 30 + t + rng.normal(0, 2));
    const p = new PredictivePolicy({ forecaster: 'naive', quantile: 0.9, intervals: 'conformal', minHistory: 10, refitEvery: 1, leadSeconds: 120 });
    const h: DemandSample[] = [];
    values.forEach((v, i) => {
      h.push({ time: 60 * i, demandNodes: [v], arrivals: 0 });
      p.decide(input(60 * i, [pool(30, 30)], h));
    });
    const now = 60 * (values.length - 1);
    const lastClosed = values[values.length - 2] as number;
    const offset = (p.forecastPeak(0, now, 105) as number) - lastClosed;
    expect(offset).toBeGreaterThan(6.62 - 0.5);
    expect(offset).toBeLessThan(6.62 + 0.5);
    expect(p.status(0)).toMatch(/conformal q0\.9/);
  });
});

/** A forecaster whose fit resolves only when the test says so (stands in for TF.js training). */
class SlowForecaster implements Forecaster {
  readonly name = 'slow';
  level: number | undefined;
  static release: (() => void)[] = [];
  fit(history: readonly number[]): Promise<void> {
    const mean = history.reduce((a, b) => a + b, 0) / history.length;
    return new Promise((resolve) => SlowForecaster.release.push(() => ((this.level = mean), resolve())));
  }
  update(): void {}
  forecast(h: number) {
    return { point: new Array<number>(h).fill(this.level as number) };
  }
}

describe('asynchronous forecasters drive the policy off the decision path', () => {
  it('decides reactively until the fit lands, then reads the latest forecast; settle() awaits the fit', async () => {
    const p = new PredictivePolicy({ forecaster: 'naive', minHistory: 5, refitEvery: 100, headroom: 1 });
    // Swap in the slow model (the registry's neural models behave the same: fit returns a promise).
    (p as unknown as { newForecaster: () => Forecaster }).newForecaster = () => new SlowForecaster();
    const h = history([40, 40, 40, 40, 40, 40]);
    p.decide(input(360, [pool(10, 5)], h));
    expect(p.status(0)).toBe('first fit in progress');
    expect(p.forecastPeak(0, 360, 300)).toBeUndefined();
    const settled = p.settle();
    (SlowForecaster.release.shift() as () => void)();
    await settled;
    // The next decision uses the fitted model (mean 40) → desired ≥ 40 nodes.
    h.push({ time: 420, demandNodes: [5], arrivals: 0 });
    const acts = p.decide(input(420, [pool(10, 5)], h));
    expect(p.forecastPeak(0, 420, 300)).toBe(40);
    expect(acts[0]?.delta).toBe(30);
    // The decision the first fit was in flight for is warm-up, like the history: no note.
    expect(p.notes()).toEqual([]);
  });

  it('a failed asynchronous fit: a user error is a status, anything else is rethrown by settle()', async () => {
    const { UserError } = await import('../../src/core/errors.js');
    for (const [err, expectThrow] of [[new UserError('too short'), false], [new TypeError('bug'), true]] as const) {
      const p = new PredictivePolicy({ forecaster: 'naive', minHistory: 5, refitEvery: 100, headroom: 1 });
      (p as unknown as { newForecaster: () => Forecaster }).newForecaster = () => ({ name: 'bad', fit: () => Promise.reject(err), forecast: () => ({ point: [] }) });
      p.decide(input(360, [pool(10, 5)], history([4, 4, 4, 4, 4, 4])));
      if (expectThrow) await expect(p.settle()).rejects.toThrow('bug');
      else await expect(p.settle()).resolves.toBeUndefined();
      expect(p.status(0)).toMatch(/fit failed/);
      await expect(p.settle()).resolves.toBeUndefined(); // reported once
    }
  });

  it('the TF.js MLP drives the policy: first decisions reactive, then its (conformal) quantile forecast', async () => {
    const p = createScalingPolicy('predictive', { forecaster: 'mlp', forecasterOptions: { epochs: 2, window: 12, horizon: 6, maxSamples: 200 }, quantile: 0.9, minHistory: 60, refitEvery: 1000 }, { seed: '1' }) as PredictivePolicy;
    const values = Array.from({ length: 80 }, (_, t) => 20 + 5 * Math.sin((2 * Math.PI * t) / 20));
    const h: DemandSample[] = [];
    for (let i = 0; i < 70; i++) {
      h.push({ time: 60 * i, demandNodes: [values[i] as number], arrivals: 0 });
      p.decide(input(60 * i, [pool(20, values[i] as number)], h));
    }
    expect(p.status(0)).toBe('first fit in progress');
    await p.settle();
    h.push({ time: 60 * 70, demandNodes: [values[70] as number], arrivals: 0 });
    p.decide(input(60 * 70, [pool(20, values[70] as number)], h));
    expect(p.status(0)).toMatch(/^forecast/);
    const peak = p.forecastPeak(0, 60 * 70, 300) as number;
    expect(Number.isFinite(peak)).toBe(true);
    expect(peak).toBeGreaterThan(5);
    expect(peak).toBeLessThan(40);
  }, 120_000);
});

describe('a neural forecaster in the simulator', () => {
  it('is deterministic: the replay awaits settle() after each scaling tick', async () => {
    const { replay } = await import('../../src/sim/replay.js');
    const { computeMetrics } = await import('../../src/sim/metrics.js');
    const { createAllocator } = await import('../../src/algorithms/registry.js');
    const { fcfs } = await import('../../src/queue/fcfs.js');
    const { ResourceSpace } = await import('../../src/core/resources.js');
    const space = new ResourceSpace(['cpu', 'memory']);
    const workers = { name: 'w', capacity: [16, 64], nodes: { min: 2, max: 40, initial: 4 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 300, labels: {} };
    // Three hours of a 40-minute cycle: 0.1 requests/s, then 0.5 requests/s; 120-s jobs of 2 cpu.
    const requests: Request[] = [];
    for (let t = 0, k = 0; t < 3 * 3600; k++) {
      requests.push({ id: `r${k}`, tenant: 't', arrival: t, demand: [2, 4], duration: 120, priority: 'high' as const, sloWait: 30 });
      t += t % 2400 < 1200 ? 10 : 2;
    }
    const once = async () => {
      const policy = createScalingPolicy('predictive', { forecaster: 'mlp', forecasterOptions: { epochs: 1, window: 12, horizon: 6, maxSamples: 100 }, quantile: 0.9, minHistory: 60, refitEvery: 60 }, { seed: '3' }) as PredictivePolicy;
      const out = await replay({ space, pools: [workers], requests, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(), scaling: policy, seed: 1 });
      return { metrics: JSON.stringify(computeMetrics(out.log, space.names)), status: policy.status(0) };
    };
    const a = await once();
    const b = await once();
    expect(a.status).toMatch(/^forecast/);
    expect(a.metrics).toBe(b.metrics);
  }, 300_000);
});
