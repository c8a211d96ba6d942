import { describe, expect, it } from 'vitest';
import { FORECASTER_NAMES, createForecaster } from '../../src/predict/registry.js';
import { ConfigError, UserError } from '../../src/core/errors.js';

const y = Array.from({ length: 96 }, (_, t) => 10 + 3 * Math.sin((2 * Math.PI * t) / 12) + 0.01 * t);

describe('forecaster registry', () => {
  it('an unknown name is a UserError listing the valid names', () => {
    expect(() => createForecaster('prophet')).toThrow(UserError);
    expect(() => createForecaster('prophet')).toThrow(/unknown model 'prophet'; valid models: naive, seasonal-naive/);
  });

  it('bad options are ConfigErrors naming the option', () => {
    expect(() => createForecaster('holt-winters', { alpha: 2 })).toThrow(ConfigError);
    expect(() => createForecaster('holt-winters', { alpha: 2 })).toThrow(/field 'alpha'/);
    expect(() => createForecaster('ewma', { colour: 'red' })).toThrow(ConfigError);
    expect(() => createForecaster('auto', { candidates: ['lstm'] })).toThrow(/only synchronous/);
  });

  it('every classical model fits synchronously and forecasts the horizon asked', () => {
    for (const name of FORECASTER_NAMES.filter((n) => n !== 'mlp' && n !== 'lstm')) {
      // double-seasonal needs two weekly seasons (2 × 7 × 12 = 168 points): give it a 6-step week.
      const f = createForecaster(name, name === 'double-seasonal' ? { weekly: 24 } : {}, { season: 12, horizon: 6 });
      expect(f.fit(y), name).toBeUndefined();
      const i = f.forecast(6, 0.8).interval;
      expect(i?.level, name).toBe(0.8);
      expect(i?.lower.every((l, k) => l <= (i.upper[k] as number)), name).toBe(true);
      const p = f.forecast(6).point;
      expect(p, name).toHaveLength(6);
      expect(p.every(Number.isFinite), name).toBe(true);
    }
  });
});
