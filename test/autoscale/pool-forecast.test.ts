import { describe, expect, it } from 'vitest';
import { PoolForecast } from '../../src/autoscale/pool-forecast.js';

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
