import { describe, expect, it } from 'vitest';
import { NaiveForecaster } from '../../src/predict/naive.js';
import { SeasonalNaiveForecaster } from '../../src/predict/seasonal-naive.js';
import { MovingAverageForecaster } from '../../src/predict/moving-average.js';
import { createEwma } from '../../src/predict/ewma.js';
import { createHolt } from '../../src/predict/holt.js';
import { Z95 } from '../../src/predict/types.js';
import { UserError } from '../../src/core/errors.js';

describe('naive', () => {
  it('repeats the last value; interval widens with √h', () => {
    const m = new NaiveForecaster();
    m.fit([1, 3, 2, 4]); // diffs 2, −1, 2: sd = sqrt(3)
    const f = m.forecast(3);
    expect(f.point).toEqual([4, 4, 4]);
    const sd = Math.sqrt(3);
    expect(f.interval?.upper[0]).toBeCloseTo(4 + Z95 * sd, 10);
    expect(f.interval?.upper[2]).toBeCloseTo(4 + Z95 * sd * Math.sqrt(3), 10);
  });

  it('update() moves to the newest value without refitting', () => {
    const m = new NaiveForecaster();
    m.fit([1, 2]);
    m.update([1, 2, 7]);
    expect(m.forecast(1).point).toEqual([7]);
  });

  it('forecast before fit is a bug, bad horizon a RangeError', () => {
    expect(() => new NaiveForecaster().forecast(1)).toThrow(/before fit/);
    const m = new NaiveForecaster();
    m.fit([1]);
    expect(() => m.forecast(0)).toThrow(RangeError);
  });

  it('non-finite history is a UserError naming the index', () => {
    expect(() => new NaiveForecaster().fit([1, Number.NaN])).toThrow(/index 1/);
  });
});

describe('seasonal naive', () => {
  it('repeats the last season', () => {
    const m = new SeasonalNaiveForecaster({ season: 3 });
    m.fit([1, 2, 3, 4, 5, 6, 7]);
    expect(m.forecast(5).point).toEqual([5, 6, 7, 5, 6]);
  });

  it('needs more than one season', () => {
    expect(() => new SeasonalNaiveForecaster({ season: 4 }).fit([1, 2, 3, 4])).toThrow(UserError);
  });
});

describe('seasonal naive intervals on a trend', () => {
  it('widen by the drift of the seasonal differences: ±z·√(k·σ² + k²·μ²)', () => {
    // Season 2, rising 2 per season: seasonal differences 2, 2, 2, 2 (μ = 2, σ = 0). The old
    // z·σ·√k gave a zero-width interval that the next value (6, then 16) always missed.
    const m = new SeasonalNaiveForecaster({ season: 2 });
    m.fit([0, 10, 2, 12, 4, 14]);
    const f = m.forecast(4);
    expect(f.point).toEqual([4, 14, 4, 14]);
    const half = f.interval?.upper.map((u, i) => u - (f.point[i] as number)) ?? [];
    [2, 2, 4, 4].forEach((w, i) => expect(half[i]).toBeCloseTo(w * Z95, 12));
    expect(f.interval?.lower[0]).toBeCloseTo(4 - 2 * Z95, 12);
    // μ = 0: the old σ·√k. Differences 1, −1, −1, 1: σ = √(4/3), k = 2 → z·σ·√2.
    const flat = new SeasonalNaiveForecaster({ season: 2 });
    flat.fit([0, 10, 1, 9, 0, 10]);
    const g = flat.forecast(3, 0.8);
    expect((g.interval?.upper[2] as number) - (g.point[2] as number)).toBeCloseTo(1.2815515655 * Math.sqrt(4 / 3) * Math.sqrt(2), 8);
  });
});

describe('moving average', () => {
  it('forecasts the mean of the last k values', () => {
    const m = new MovingAverageForecaster({ window: 3 });
    m.fit([10, 1, 2, 6]);
    expect(m.forecast(2).point).toEqual([3, 3]);
  });
});

describe('EWMA', () => {
  it('with α given follows l_t = α y_t + (1 − α) l_{t−1} from l_0 = y_0', () => {
    const m = createEwma({ alpha: 0.5 });
    m.fit([2, 4, 8]);
    // l = 2 → 0.5·4 + 0.5·2 = 3 → 0.5·8 + 0.5·3 = 5.5
    expect(m.forecast(2).point).toEqual([5.5, 5.5]);
  });

  it('fits α near 1 on a random walk-like step series', () => {
    const m = createEwma();
    const y = [...Array.from({ length: 30 }, () => 1), ...Array.from({ length: 30 }, () => 10)];
    m.fit(y);
    expect(m.params?.alpha).toBeGreaterThan(0.9);
    expect(m.forecast(1).point[0]).toBeCloseTo(10, 3);
  });
});

describe('Holt', () => {
  it('extrapolates an exact line (undamped)', () => {
    const m = createHolt({ damped: false });
    const y = Array.from({ length: 40 }, (_, t) => 5 + 2 * t);
    m.fit(y);
    const f = m.forecast(3).point;
    expect(f[0]).toBeCloseTo(85, 4);
    expect(f[2]).toBeCloseTo(89, 4);
  });
});
