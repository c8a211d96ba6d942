import { describe, expect, it, vi } from 'vitest';
import type { DemandSample, PoolScalingState } from '../../src/autoscale/policy.js';
import { PredictivePolicy } from '../../src/autoscale/predictive.js';
import type * as Registry from '../../src/predict/registry.js';
import type { Forecaster, ForecasterContext } from '../../src/predict/types.js';
import { input, pool, spec } from './helpers.js';

/*
 * The predictive policy builds its forecasters for the horizon it then asks them for: the context's
 * `horizon` (the holdout walk of holt-winters and auto, the direct outputs of the neural models)
 * must be H = ⌈(lead + interval) / step⌉ + 1 of the pool the forecaster serves, not a fixed 12.
 * Every forecaster built through the registry is recorded with its context and the horizons its
 * `forecast` was called with.
 */
interface Built {
  name: string;
  ctx: ForecasterContext;
  asked: number[];
}
const built: Built[] = [];

vi.mock('../../src/predict/registry.js', async (importOriginal) => {
  const real = await importOriginal<typeof Registry>();
  return {
    ...real,
    createForecaster: (name: string, options?: unknown, ctx: ForecasterContext = {}): Forecaster => {
      const f = real.createForecaster(name, options, ctx);
      const rec: Built = { name, ctx, asked: [] };
      built.push(rec);
      const forecast = f.forecast.bind(f);
      f.forecast = (h, level) => {
        rec.asked.push(h);
        return forecast(h, level);
      };
      return f;
    },
  };
});

/** Drive the policy every 15 s for `bins` 30-s bins over the given pools, each with demand `demand(bin, pool)`. */
function drive(p: PredictivePolicy, bins: number, specs: ReturnType<typeof spec>[], demand: (bin: number, pool: number) => number): void {
  const history: DemandSample[] = [];
  for (let t = 0; t < bins * 30; t += 15) {
    const bin = Math.floor(t / 30);
    const d = specs.map((_, i) => demand(bin, i));
    history.push({ time: t, demandNodes: d, arrivals: 0 });
    const pools: PoolScalingState[] = specs.map((s, i) => pool(Math.ceil(d[i] as number), d[i] as number, 0, 0, s, i));
    p.decide(input(t, pools, history));
  }
}

const seasonal = (bin: number, i: number): number => 10 + 4 * Math.sin((2 * Math.PI * bin) / 8) + i;

describe('predictive policy: forecasters fitted for the horizon they are asked', () => {
  it('each pool gets a forecaster built for its own horizon: 22 steps for a 10-minute boot, 4 for a 1-minute one (30-s bins)', () => {
    built.length = 0;
    // Lead = boot + 15 s. Boot 600: ⌈(615 + 15) / 30⌉ + 1 = 22. Boot 60: ⌈(75 + 15) / 30⌉ + 1 = 4.
    const slow = spec({ name: 'slow', bootSeconds: 600 });
    const fast = spec({ name: 'fast', bootSeconds: 60 });
    const p = new PredictivePolicy({ stepSeconds: 30, season: 8, refitEvery: 1000 });
    drive(p, 40, [slow, fast], seasonal);
    expect(p.status(0)).toBe('forecast');
    expect(p.status(1)).toBe('forecast');
    const used = built.filter((b) => b.asked.length > 0);
    expect(used.map((b) => b.name)).toEqual(['holt-winters', 'holt-winters']);
    // Asked exactly for the horizon it was built for, and that horizon is the pool's.
    expect(used.map((b) => b.ctx.horizon)).toEqual([22, 4]);
    for (const b of used) expect(new Set(b.asked)).toEqual(new Set([b.ctx.horizon]));
  });

  it('an explicit leadSeconds sets the horizon for every pool', () => {
    built.length = 0;
    // ⌈(90 + 15) / 30⌉ + 1 = 5, whatever the boot.
    const p = new PredictivePolicy({ stepSeconds: 30, season: 8, refitEvery: 1000, leadSeconds: 90 });
    drive(p, 40, [spec({ bootSeconds: 600 })], seasonal);
    const used = built.filter((b) => b.asked.length > 0);
    expect(used).toHaveLength(1);
    expect(used[0]?.ctx.horizon).toBe(5);
    expect(new Set(used[0]?.asked)).toEqual(new Set([5]));
  });

  it('the non-seasonal model chosen when no season is found is built for the pool horizon too', () => {
    built.length = 0;
    // A line has no season: holt-winters refuses it and `auto` over the non-seasonal models is fitted instead.
    const p = new PredictivePolicy({ stepSeconds: 30, minHistory: 40, refitEvery: 1000 });
    drive(p, 60, [spec({ bootSeconds: 600 })], (bin) => 2 + 0.25 * bin);
    expect(p.status(0)).toMatch(/^forecast without a season/);
    const used = built.filter((b) => b.asked.length > 0);
    expect(used.map((b) => b.name)).toEqual(['auto']);
    expect(used[0]?.ctx.horizon).toBe(22);
    expect(new Set(used[0]?.asked)).toEqual(new Set([22]));
  });

  it('a pool whose boot time changes is refitted for its new horizon at once, not at the next refit', () => {
    built.length = 0;
    const p = new PredictivePolicy({ stepSeconds: 30, season: 8, refitEvery: 1000 });
    const history: DemandSample[] = [];
    for (let t = 0; t < 40 * 30; t += 15) {
      const bin = Math.floor(t / 30);
      // Boot 600 s (22 steps) until bin 30, then 60 s (4 steps): the pool was reconfigured.
      const s = spec({ bootSeconds: bin < 30 ? 600 : 60 });
      const d = seasonal(bin, 0);
      history.push({ time: t, demandNodes: [d], arrivals: 0 });
      p.decide(input(t, [pool(Math.ceil(d), d, 0, 0, s)], history));
    }
    const used = built.filter((b) => b.asked.length > 0);
    expect(used.map((b) => b.ctx.horizon)).toEqual([22, 4]);
    for (const b of used) expect(new Set(b.asked)).toEqual(new Set([b.ctx.horizon]));
  });
});
