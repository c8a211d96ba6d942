import { describe, expect, it } from 'vitest';
import { PoolForecast } from '../../src/autoscale/pool-forecast.js';
import { Rng } from '../../src/core/rng.js';
import { conformalQuantile } from '../../src/predict/conformal.js';

describe('PoolForecast.add (the demand series in bins)', () => {
  it('closes a bin at its samples mean when a later bin starts; bins without samples repeat it', () => {
    const s = new PoolForecast();
    // Bin 0: 2, 4, 6, 8 → mean 5; nothing closed yet.
    expect([s.add(0, 2), s.add(0, 4), s.add(0, 6), s.add(0, 8)]).toEqual([false, false, false, false]);
    expect(s.values).toEqual([]);
    expect(s.lastBin).toBe(-1);
    // The first sample of bin 3 closes bin 0; bins 1 and 2 had none: they repeat 5.
    expect(s.add(3, 1)).toBe(true);
    expect(s.values).toEqual([5, 5, 5]);
    expect(s.lastBin).toBe(2);
    // A non-finite sample counts as 0 but still counts: bin 3's mean is (1 + 0) / 2.
    expect(s.add(3, Number.NaN)).toBe(false);
    expect(s.add(4, 7)).toBe(true);
    expect(s.values).toEqual([5, 5, 5, 0.5]);
    expect(s.lastBin).toBe(3);
  });

  it('starts its bins at the first sample, not at bin 0', () => {
    const s = new PoolForecast();
    expect(s.add(10, 3)).toBe(false);
    expect(s.add(11, 1)).toBe(true);
    expect(s.values).toEqual([3]);
    expect(s.lastBin).toBe(10);
  });
});

describe('PoolForecast.scoreClosedBins (conformal errors per step)', () => {
  it("keeps each step's last `window` signed errors y − ŷ, oldest first, with conformalQuantile's quantile", () => {
    // As the policy does: after bin b closes, score it, then record forecasts for bins b + 1 … b + H
    // (index h − 1 for step h). The reference keeps every error per step; the windows its last 5.
    const rng = new Rng('pool-forecast-errors');
    const H = 3;
    const window = 5;
    const s = new PoolForecast();
    const forecasts = new Map<number, number[]>();
    const reference: number[][] = [[], [], []];
    for (let b = 0; b < 40; b++) {
      // One sample in bin b, one in b + 1 (which closes b at the two samples' mean, y).
      s.add(b, rng.int(6));
      s.add(b + 1, rng.int(6));
      const y = s.values[b] as number;
      // The forecasts made for bin b h bins earlier are scored now.
      s.scoreClosedBins(window);
      forecasts.get(b)?.forEach((f, i) => reference[i]?.push(y - f));
      for (let i = 0; i < H; i++) {
        const f = rng.int(6);
        const made = s.made.get(b + 1 + i) ?? [];
        made[i] = f;
        s.made.set(b + 1 + i, made);
        const mine = forecasts.get(b + 1 + i) ?? [];
        mine[i] = f;
        forecasts.set(b + 1 + i, mine);
      }
      for (let i = 0; i < H; i++) {
        const kept = (reference[i] as number[]).slice(-window);
        const w = s.errors[i];
        if (kept.length === 0) {
          expect(w).toBeUndefined();
          continue;
        }
        expect([...(w ?? [])]).toEqual(kept);
        for (const q of [0.1, 0.5, 0.9, 0.95]) expect(w?.quantile(q)).toBe(conformalQuantile(kept, q));
      }
    }
    // Step h is first scored h bins after the first forecast: 40 − h errors, the window holds 5.
    expect(s.errors.map((w) => w.length)).toEqual([5, 5, 5]);
  });
});
