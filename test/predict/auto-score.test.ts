import { describe, expect, it } from 'vitest';
import { AutoForecaster, type AutoCandidate } from '../../src/predict/auto.js';
import { createForecaster } from '../../src/predict/registry.js';
import { ConfigError } from '../../src/core/errors.js';
import type { Forecast, Forecaster } from '../../src/predict/types.js';

/** A forecaster that always says `value` (interval ±1). */
function constant(name: string, value: number): AutoCandidate {
  return {
    name,
    make: (): Forecaster => ({
      name,
      fit: () => undefined,
      update: () => undefined,
      forecast: (h: number): Forecast => ({ point: new Array<number>(h).fill(value), interval: { level: 0.95, lower: new Array<number>(h).fill(value - 1), upper: new Array<number>(h).fill(value + 1) } }),
    }),
  };
}

describe('auto: the holdout score it ranks by', () => {
  // y = 100 throughout. "low" says 50 (error 50, sMAPE term 200·50/150 = 66.7), "high" says 160
  // (error 60, sMAPE term 200·60/260 = 46.2): sMAPE prefers high, MAE and RMSE prefer low.
  const y = new Array<number>(100).fill(100);
  const candidates = [constant('low', 50), constant('high', 160)];

  it('sMAPE by default', () => {
    const a = new AutoForecaster(candidates, { horizon: 5, combine: 1 });
    a.fit(y);
    expect(a.selected).toBe('high');
    expect(a.scores.low).toBeCloseTo(200 / 3, 9);
    expect(a.scores.high).toBeCloseTo(12000 / 260, 9);
  });

  it("'mae' and 'rmse' rank by the absolute and squared errors", () => {
    for (const score of ['mae', 'rmse'] as const) {
      const a = new AutoForecaster(candidates, { horizon: 5, combine: 1, score });
      a.fit(y);
      expect(a.selected).toBe('low');
      expect(a.scores).toEqual({ low: 50, high: 60 });
    }
  });

  it('the combination is scored the same way: mean forecast 105, error 5', () => {
    const a = new AutoForecaster(candidates, { horizon: 5, combine: 2, score: 'mae' });
    a.fit(y);
    expect(a.selected).toBe('low+high');
    expect(a.scores['low+high']).toBeCloseTo(5, 9);
  });

  it('the registry takes score and refuses an unknown one, naming the option', () => {
    expect(createForecaster('auto', { score: 'mae' }, { season: 4, horizon: 3 }).name).toBe('auto');
    expect(() => createForecaster('auto', { score: 'mape' })).toThrow(ConfigError);
    expect(() => createForecaster('auto', { score: 'mape' })).toThrow(/score/);
  });
});
