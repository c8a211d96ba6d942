import { describe, expect, it } from 'vitest';
import { mae, mase, rmse, seasonalNaiveScale, smape, smapeTerm } from '../../src/predict/metrics.js';

// Hand-computed: errors f − y = 1, 0, −1, 2.
const y = [1, 2, 3, 4];
const f = [2, 2, 2, 6];

describe('metrics (hand-checked values)', () => {
  it('MAE = (1 + 0 + 1 + 2) / 4 = 1', () => {
    expect(mae(y, f)).toBe(1);
  });

  it('RMSE = sqrt((1 + 0 + 1 + 4) / 4) = sqrt(1.5)', () => {
    expect(rmse(y, f)).toBeCloseTo(Math.sqrt(1.5), 12);
  });

  it('sMAPE = mean(200·1/3, 0, 200·1/5, 200·2/10) = 36.666…', () => {
    expect(smape(y, f)).toBeCloseTo((200 / 3 + 0 + 40 + 40) / 4, 10);
  });

  it('sMAPE is in [0, 200] and 0/0 counts as a perfect forecast', () => {
    expect(smapeTerm(0, 0)).toBe(0);
    expect(smapeTerm(0, 5)).toBe(200);
    expect(smapeTerm(-3, 3)).toBe(200);
    expect(smape([0, 0], [0, 1])).toBe(100);
  });

  it('MASE scale is the in-sample seasonal-naive MAE of the training part', () => {
    // lag 2 on [1, 3, 2, 4, 3]: |2−1|, |4−3|, |3−2| → 1
    expect(seasonalNaiveScale([1, 3, 2, 4, 3], 2)).toBe(1);
    // lag 1: |2|, |−1|, |2|, |−1| → 1.5
    expect(seasonalNaiveScale([1, 3, 2, 4, 3], 1)).toBe(1.5);
    expect(mase(y, f, 2)).toBe(0.5);
    expect(mase(y, f, 0)).toBeNull();
  });

  it('rejects mismatched or empty inputs (a programming error)', () => {
    expect(() => mae([1], [1, 2])).toThrow(RangeError);
    expect(() => smape([], [])).toThrow(RangeError);
    expect(() => seasonalNaiveScale([1, 2], 2)).toThrow(RangeError);
  });
});
