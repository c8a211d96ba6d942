/*
 * The moving average's interval width. Its in-sample one-step errors need not average 0: on a ramp
 * the mean of the last k values lags by (k + 1)/2 steps, every time. The spread of such errors about
 * their own mean is 0, but the forecast is wrong by exactly that mean: the width must come from the
 * root mean square of the errors (as R's forecast::naive takes √(mean(res²)) and smoothing.ts
 * √(SSE / n)), not their standard deviation. Values hand-computed.
 */
import { describe, expect, it } from 'vitest';
import { MovingAverageForecaster } from '../../src/predict/moving-average.js';
import { Z95 } from '../../src/predict/types.js';

const halfWidths = (f: { point: number[]; interval?: { upper: number[] } }): number[] => f.interval?.upper.map((u, i) => u - (f.point[i] as number)) ?? [];

describe('moving-average interval', () => {
  it('on a ramp every one-step error of the 3-window is +4: σ = 4, not 0', () => {
    const m = new MovingAverageForecaster({ window: 3 });
    m.fit([1, 3, 5, 7, 9, 11]); // errors 7 − 3, 9 − 5, 11 − 7
    const f = m.forecast(2);
    expect(f.point).toEqual([9, 9]);
    halfWidths(f).forEach((w) => expect(w).toBeCloseTo(Z95 * 4, 12));
  });

  it('errors −3, 4, −1 of the 2-window on 2, 4, 0, 6, 2: σ = √(26 / 3)', () => {
    const m = new MovingAverageForecaster({ window: 2 });
    m.fit([2, 4, 0, 6, 2]);
    expect(m.forecast(1).point).toEqual([4]);
    expect(halfWidths(m.forecast(1))[0]).toBeCloseTo(Z95 * Math.sqrt(26 / 3), 12);
  });

  it('a history no longer than the window still gets an interval from the widest window that leaves two errors', () => {
    // Window 12 on 5 points: the forecast is the mean of all 5, 19/5. σ from the 3-window (n − 2 = 3):
    // t = 3: 1 − mean(2, 5, 2) = −2; t = 4: 9 − mean(5, 2, 1) = 19/3 (before: no error at all, σ = 0).
    const m = new MovingAverageForecaster({ window: 12 });
    m.fit([2, 5, 2, 1, 9]);
    const f = m.forecast(1);
    expect(f.point[0]).toBeCloseTo(19 / 5, 12);
    expect(halfWidths(f)[0]).toBeCloseTo(Z95 * Math.sqrt((4 + (19 / 3) ** 2) / 2), 12);
  });
});
