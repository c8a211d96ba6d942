import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlpForecaster } from '../../src/predict/mlp.js';
import { LstmForecaster } from '../../src/predict/lstm.js';
import { loadNeuralForecaster } from '../../src/predict/neural-load.js';
import { loadTf } from '../../src/predict/tf-runtime.js';
import { UserError } from '../../src/core/errors.js';

// Tiny on purpose: a short series, few units, few epochs (the suite must stay fast on 2 cores).
const y = Array.from({ length: 160 }, (_, t) => 50 + 10 * Math.sin((2 * Math.PI * t) / 16) + 0.05 * t);
const tiny = { season: 16, window: 8, horizon: 4, units: 4, epochs: 3, batchSize: 32, seed: 7 };

describe('neural forecasters (TensorFlow.js)', () => {
  it('run on the WASM backend by default (tfjs-node is optional and absent here)', async () => {
    const { backend } = await loadTf();
    expect(['wasm', 'node']).toContain(backend);
  });

  it('MLP: same seed and data give identical forecasts', async () => {
    const a = new MlpForecaster(tiny);
    const b = new MlpForecaster(tiny);
    await a.fit(y);
    await b.fit(y);
    const fa = a.forecast(6).point;
    expect(fa).toHaveLength(6); // beyond H = 4: recursive
    expect(fa.every(Number.isFinite)).toBe(true);
    expect(b.forecast(6).point).toEqual(fa);
  });

  it('LSTM trains, forecasts near the seasonal pattern, and round-trips through save/load', async () => {
    const m = new LstmForecaster(tiny);
    await m.fit(y);
    const f = m.forecast(4).point;
    // Seasonally differenced target: even a barely trained net stays near seasonal naive.
    f.forEach((v, i) => expect(Math.abs(v - (y[y.length - 16 + i] as number))).toBeLessThan(10));
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-lstm-'));
    await m.save(dir);
    const loaded = await loadNeuralForecaster(dir);
    expect(loaded.name).toBe('lstm');
    expect(loaded.forecast(4).point).toEqual(f);
    // Conditioning on newer data changes the input window, not the weights.
    loaded.update([...y, 70, 71]);
    expect(loaded.forecast(4).point).not.toEqual(f);
  });

  it('too short a history and a missing model directory are UserErrors', async () => {
    await expect(new MlpForecaster(tiny).fit(y.slice(0, 10))).rejects.toThrow(UserError);
    await expect(loadNeuralForecaster(path.join(tmpdir(), 'drs-no-such-model'))).rejects.toThrow(UserError);
  });
});
