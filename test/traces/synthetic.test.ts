import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { AZURE_CONV_CALIBRATION, azureLlmCalibrated, generateSyntheticRequests, type SyntheticOptions } from '../../src/traces/synthetic.js';
import { collect } from './helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

const mixed: SyntheticOptions = {
  arrival: { rate: 2, amplitude: 0.5, period: 3600 },
  duration: { dist: 'pareto', xm: 10, alpha: 1.5, max: 86400 },
  tenants: [
    { name: 'team-a', weight: 3 },
    { name: 'team-b', weight: 1 },
  ],
  priorities: [
    { priority: 'critical', weight: 1, sloWait: 1 },
    { priority: 'medium', weight: 2, sloWait: 60 },
    { priority: 'background', weight: 1, preemptibleShare: 1 },
  ],
  profiles: [
    { name: 'agent-small', weight: 3, demand: { cpu: 1, memory: 2 } },
    { name: 'llm-serve', weight: 1, llm: 'azure-conv' },
    { name: 'train', weight: 1, demand: { gpu: 4, cpu: 16, memory: 64 }, duration: { dist: 'lognormal', mu: Math.log(3600), sigma: 1 }, labels: { gpuModel: 'A100' } },
  ],
  estimate: { factor: 2, sigma: 0.2 },
  count: 1000,
};

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('synthetic generator: determinism', () => {
  it('same seed gives identical first 1,000 requests; a different seed differs', async () => {
    const a = await collect(generateSyntheticRequests({ ...mixed, seed: 42 }, { space }));
    const b = await collect(generateSyntheticRequests({ ...mixed, seed: 42 }, { space }));
    const c = await collect(generateSyntheticRequests({ ...mixed, seed: 43 }, { space }));
    expect(a).toHaveLength(1000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(c.filter((r, i) => r.arrival === a[i]?.arrival).length).toBe(0);
    // The read options' seed applies when the options carry none; a stream can be iterated twice.
    const s = generateSyntheticRequests(mixed, { space, seed: 42 });
    expect(await collect(s)).toEqual(a);
    expect(await collect(s)).toEqual(a);
  });

  it('arrivals increase; ids, demands, priorities, SLOs, constraints and estimates follow the options', async () => {
    const reqs = await collect(generateSyntheticRequests({ ...mixed, seed: 1 }, { space }));
    for (let i = 1; i < reqs.length; i++) expect((reqs[i] as Request).arrival).toBeGreaterThan((reqs[i - 1] as Request).arrival);
    expect(reqs[0]?.id).toBe('syn-0');
    expect(reqs[999]?.id).toBe('syn-999');
    for (const r of reqs) {
      if (r.priority === 'critical') expect(r.sloWait).toBe(1);
      if (r.priority === 'medium') expect(r.sloWait).toBe(60);
      if (r.priority === 'background') expect(r.sloWait).toBeUndefined();
      expect(r.preemptible).toBe(r.priority === 'background');
      expect(r.requestedDuration).toBeGreaterThan(0);
      if (r.demand[2] === 4) expect(r.constraints).toEqual({ labels: { gpuModel: 'A100' } });
      else expect(r.constraints).toBeUndefined();
      if (r.demand[0] === 1) {
        expect(r.demand).toEqual([1, 2, 0]);
        expect(r.duration).toBeGreaterThanOrEqual(10);
      }
    }
    // median of requested/actual is the factor 2 (noise is symmetric in the log)
    const ratios = reqs.map((r) => (r.requestedDuration as number) / r.duration).sort((x, y) => x - y);
    expect(ratios[500]).toBeGreaterThan(1.9);
    expect(ratios[500]).toBeLessThan(2.1);
  });
});

describe('synthetic generator: statistics (fixed seeds, large samples)', () => {
  it('homogeneous Poisson: 100,000 expected arrivals in 20,000 s at 5/s, within 4 sd', async () => {
    let n = 0;
    for await (const _ of generateSyntheticRequests({ arrival: { rate: 5 }, profiles: [{ name: 'p', weight: 1, demand: { cpu: 1 } }], horizon: 20_000, seed: 's1' }, { space })) n++;
    expect(Math.abs(n - 100_000)).toBeLessThan(4 * Math.sqrt(100_000));
  });

  it('diurnal thinning: counts per half period follow ∫ base (1 + A sin) dt', async () => {
    const base = 2;
    const A = 0.8;
    const P = 1000;
    const periods = 100;
    let up = 0;
    let down = 0;
    for await (const r of generateSyntheticRequests({ arrival: { rate: base, amplitude: A, period: P }, profiles: [{ name: 'p', weight: 1 }], horizon: P * periods, seed: 's2' }, { space })) {
      if (r.arrival % P < P / 2) up++;
      else down++;
    }
    const expUp = periods * base * (P / 2 + (A * P) / Math.PI); // ≈ 150,930
    const expDown = periods * base * (P / 2 - (A * P) / Math.PI); // ≈ 49,070
    expect(Math.abs(up - expUp)).toBeLessThan(4 * Math.sqrt(expUp));
    expect(Math.abs(down - expDown)).toBeLessThan(4 * Math.sqrt(expDown));
  });

  it('weights and heavy-tailed durations match their distributions', async () => {
    const reqs = await collect(
      generateSyntheticRequests(
        {
          arrival: { rate: 1 },
          tenants: [
            { name: 'a', weight: 3 },
            { name: 'b', weight: 1 },
          ],
          priorities: [
            { priority: 'high', weight: 1 },
            { priority: 'low', weight: 4 },
          ],
          preemptibleShare: 0.3,
          profiles: [
            { name: 'logn', weight: 1, demand: { cpu: 1 }, duration: { dist: 'lognormal', mu: Math.log(60), sigma: 1 } },
            { name: 'pareto', weight: 1, demand: { cpu: 2 }, duration: { dist: 'pareto', xm: 10, alpha: 2.5 } },
          ],
          count: 40_000,
          seed: 9,
        },
        { space },
      ),
    );
    const n = reqs.length;
    const share = (pred: (r: Request) => boolean) => reqs.filter(pred).length / n;
    // binomial sd at n = 40,000 is ≤ 0.0025; tolerance 0.01
    expect(share((r) => r.tenant === 'a')).toBeCloseTo(0.75, 1);
    expect(Math.abs(share((r) => r.tenant === 'a') - 0.75)).toBeLessThan(0.01);
    expect(Math.abs(share((r) => r.priority === 'low') - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(share((r) => r.preemptible === true) - 0.3)).toBeLessThan(0.01);
    const logn = reqs.filter((r) => r.demand[0] === 1).map((r) => r.duration).sort((x, y) => x - y);
    const median = logn[Math.floor(logn.length / 2)] as number;
    expect(Math.abs(median / 60 - 1)).toBeLessThan(0.05);
    const par = reqs.filter((r) => r.demand[0] === 2).map((r) => r.duration);
    expect(Math.min(...par)).toBeGreaterThanOrEqual(10);
    // Pareto mean = alpha xm / (alpha - 1) = 16.67; P(X > 100) = (10/100)^2.5 = 0.00316
    expect(Math.abs(sum(par) / par.length / (25 / 1.5) - 1)).toBeLessThan(0.05);
    const tail = par.filter((d) => d > 100).length / par.length;
    expect(tail).toBeGreaterThan(0.002);
    expect(tail).toBeLessThan(0.0045);
  });
});

describe('azureLlmCalibrated preset', () => {
  it('arrives at the measured rate; token counts recovered from duration and memory follow the fitted lognormals', async () => {
    const reqs = await collect(generateSyntheticRequests(azureLlmCalibrated({ horizon: 3600, seed: 5 }), { space }));
    const expected = AZURE_CONV_CALIBRATION.ratePerSecond * 3600;
    expect(Math.abs(reqs.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
    const logCtx: number[] = [];
    const logGen: number[] = [];
    for (const r of reqs) {
      // Invert the serving model: memory = 0.5 + 0.3 (ctx + gen) / 1000, duration = ctx/5000 + gen/50 + 0.1.
      const total = ((r.demand[1] as number) - 0.5) / 0.0003;
      const gen = ((r.duration - 0.1) - total / 5000) / (1 / 50 - 1 / 5000);
      const ctx = total - gen;
      expect(Math.abs(gen - Math.round(gen))).toBeLessThan(1e-6);
      expect(gen).toBeGreaterThanOrEqual(AZURE_CONV_CALIBRATION.generated.min - 1e-6);
      expect(gen).toBeLessThanOrEqual(AZURE_CONV_CALIBRATION.generated.max + 1e-6);
      expect(ctx).toBeGreaterThanOrEqual(AZURE_CONV_CALIBRATION.context.min - 1e-6);
      expect(r.demand[2]).toBe(0.125);
      logCtx.push(Math.log(Math.round(ctx)));
      logGen.push(Math.log(Math.round(gen)));
    }
    expect(Math.abs(sum(logCtx) / logCtx.length - AZURE_CONV_CALIBRATION.context.mu)).toBeLessThan(0.03);
    expect(Math.abs(sum(logGen) / logGen.length - AZURE_CONV_CALIBRATION.generated.mu)).toBeLessThan(0.03);
    expect(reqs.every((r) => r.tenant === 'azure-conv' && r.priority === 'high' && r.sloWait === 2)).toBe(true);
  });

  it('overrides merge: arrival field by field, profiles replaced', () => {
    const o = azureLlmCalibrated({ arrival: { rate: 1, amplitude: 0.5 }, profiles: [{ name: 'x', weight: 1, demand: { cpu: 1 } }] });
    expect(o.arrival).toEqual({ rate: 1, amplitude: 0.5, period: 86400, phase: 0 });
    expect(o.profiles.map((p) => p.name)).toEqual(['x']);
    expect(azureLlmCalibrated().arrival.rate).toBe(AZURE_CONV_CALIBRATION.ratePerSecond);
    expect(azureLlmCalibrated().count).toBe(19366);
    expect(azureLlmCalibrated({ horizon: 60 }).count).toBeUndefined();
    expect(azureLlmCalibrated({ horizon: 60, count: 5 }).count).toBe(5);
  });
});

describe('synthetic generator: scale and bad options', () => {
  // Lazy: the first 10,000 of a billion arrive without the rest being drawn (a generator that drew
  // them all first would run out of memory or time here). Its speed at 1,000,000 requests is a
  // benchmark (npm run bench -- replay: synthetic-1m-bfd), not a test.
  it('streams requests without holding them: the first 10,000 of a billion, in arrival order', async () => {
    let n = 0;
    let last = 0;
    for await (const r of generateSyntheticRequests({ ...mixed, count: 1_000_000_000, seed: 3 }, { space })) {
      expect(r.arrival).toBeGreaterThanOrEqual(last);
      last = r.arrival;
      if (++n === 10_000) break;
    }
    expect(n).toBe(10_000);
    expect(last).toBeGreaterThan(0);
  });

  it('limit and horizon stop the stream', async () => {
    const r1 = await collect(generateSyntheticRequests({ ...mixed, count: undefined, horizon: 100, seed: 1 }, { space }));
    expect(r1.every((r) => r.arrival <= 100)).toBe(true);
    expect(r1.length).toBeGreaterThan(50);
    expect(await collect(generateSyntheticRequests({ ...mixed, seed: 1 }, { space, limit: 7 }))).toHaveLength(7);
  });

  it('rejects bad options with the field', () => {
    const bad = (o: Partial<SyntheticOptions>) => () => generateSyntheticRequests({ ...mixed, ...o }, { space });
    expect(bad({ arrival: { rate: 0 } })).toThrow(/arrival.rate/);
    expect(bad({ arrival: { rate: 1, amplitude: 1.5 } })).toThrow(/arrival.amplitude/);
    expect(bad({ profiles: [{ name: 'x', weight: 1, demand: { tpu: 1 } }] })).toThrow(/profiles\[0\]\.demand\.tpu/);
    expect(bad({ profiles: [{ name: 'x', weight: 0 }] })).toThrow(UserError);
    expect(bad({ duration: { dist: 'pareto', xm: 0, alpha: 1 } })).toThrow(/duration.xm/);
    expect(bad({ tenants: [] })).toThrow(/tenants/);
    // mu: 1e308 made every draw Infinity s (requests that never finish, exit 0); with max the draws are capped.
    expect(bad({ duration: { dist: 'lognormal', mu: 710, sigma: 1 } })).toThrow(new UserError('710 gives a median duration of e^710 s, beyond any number (mu is the log of the median in seconds: 2.3 ≈ 10 s); lower it, or cap draws with max', { field: 'duration.mu' }));
    expect(bad({ duration: { dist: 'lognormal', mu: 1, sigma: Infinity } })).toThrow(/duration\.sigma/);
    expect(bad({ duration: { dist: 'lognormal', mu: 709, sigma: 0 } })).not.toThrow();
    expect(bad({ duration: { dist: 'lognormal', mu: 1e308, sigma: 1, max: 3600 } })).not.toThrow();
  });

  it('refuses weights whose sum overflows (every draw fell to the last entry), and keeps large finite ones', async () => {
    const bad = (o: Partial<SyntheticOptions>) => () => generateSyntheticRequests({ ...mixed, ...o }, { space });
    const msg = `weights add up to more than ${Number.MAX_VALUE}; they are relative, so scale them down (e.g. 5, 3, 2)`;
    const tenants = [{ name: 'a', weight: 1e308 }, { name: 'b', weight: 1e308 }, { name: 'c', weight: 1 }];
    expect(bad({ tenants })).toThrow(new UserError(msg, { field: 'tenants' }));
    expect(bad({ priorities: [{ priority: 'high', weight: 1e308 }, { priority: 'low', weight: 1e308 }] })).toThrow(new UserError(msg, { field: 'priorities' }));
    expect(bad({ profiles: [{ name: 'x', weight: 1e308 }, { name: 'y', weight: 1e308 }] })).toThrow(new UserError(msg, { field: 'profiles' }));
    // 1e307 each: the sum is finite and the two tenants share the draws evenly.
    const reqs = await collect(generateSyntheticRequests({ ...mixed, count: 2000, seed: 5, tenants: [{ name: 'a', weight: 1e307 }, { name: 'b', weight: 1e307 }] }, { space }));
    const a = reqs.filter((r) => r.tenant === 'a').length;
    expect(a).toBeGreaterThan(900);
    expect(a).toBeLessThan(1100);
  });
});
