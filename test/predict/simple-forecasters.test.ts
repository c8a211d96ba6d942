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
