/**
 * Shared machinery of the neural forecasters (mlp.ts, lstm.ts): data windows, training, save/load.
 *
 * Data: with a season S (given, or detected when the history holds ≥ 3 seasons) the series is
 * seasonally differenced, z_t = y_t − y_{t−S}, so the network learns the correction to the seasonal
 * naive forecast; without one, z_t = y_t − y_{t−1}. z is standardised by its mean and standard
 * deviation on the training data. A sample is the last L values z_{t−L+1..t} (input) and the
 * next H values z_{t+1..t+H} (direct multi-output target; no recursion inside H). Training uses
 * the most recent `maxSamples` windows, in an order shuffled by the seeded Rng (TF's own shuffle
 * is off), Adam on the mean squared error, weights initialised from the seed: same seed and data,
 * same forecasts. Forecasts beyond H are made recursively, H at a time.
 *
 * `fit` is asynchronous (training); `update(history)` only conditions on newer data (no training);
 * `save(dir)` writes model.json, weights.bin and drs-forecaster.json, whole (a save that fails leaves
 * the previous one); `loadNeuralForecaster(dir)` restores a model that forecasts after
 * `update(history)`, and refuses a folder whose files are not of one save.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { writeFailure, writeFolderWhole } from '../core/whole-file.js';
import { at, checkHistory, checkHorizon, notFitted } from './check.js';
import { detectSeason } from './season.js';
import { type Tf, type TfBackend, loadTf } from './tf-runtime.js';
import { stepwiseHalfWidths } from './conformal.js';
import { DEFAULT_LEVEL, symmetricInterval, type Forecast, type Forecaster } from './types.js';
import type * as TF from '@tensorflow/tfjs';

export interface NeuralOptions {
  season?: number;
  /** Input window L (default 24). */
  window?: number;
  /** Output horizon H trained directly (default 12). */
  horizon?: number;
  /** Hidden units (default 32 for the MLP, 16 for the LSTM). */
  units?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Train on at most this many most recent windows (default 4000). */
  maxSamples?: number;
  seed?: number | string;
}

export interface NeuralMeta {
  kind: 'mlp' | 'lstm';
  window: number;
  horizon: number;
  /** Differencing lag: S, or 1 without season. */
  lag: number;
  mean: number;
  std: number;
  options: NeuralOptions;
  /** Absolute training errors per step h (conformal intervals); absent in older saved models. */
  residuals?: number[][];
}

export abstract class NeuralForecaster implements Forecaster {
  abstract readonly name: 'mlp' | 'lstm';
  protected model: TF.LayersModel | undefined;
  protected meta: NeuralMeta | undefined;
  private recent: number[] = [];
  private tf: Tf | undefined;
  /** Backend used by the last fit (for reports). */
  backend: TfBackend | undefined;

  constructor(protected readonly options: NeuralOptions = {}) {}

  protected abstract defaults(): { units: number; epochs: number };
  /** Build the network: input [batch, L] (MLP) or [batch, L, 1] (LSTM), output [batch, H]. */
  protected abstract build(tf: Tf, window: number, horizon: number, units: number, seed: number): TF.LayersModel;
  /** Shape one batch of windows for the network input. */
  protected abstract inputShape(count: number, window: number): number[];

  async fit(history: readonly number[]): Promise<void> {
    const { tf, backend } = await loadTf();
    this.tf = tf;
    this.backend = backend;
    const o = this.options;
    const window = o.window ?? 24;
    const horizon = o.horizon ?? 12;
    const d = this.defaults();
    checkHistory(this.name, history, window + horizon + 2, `window ${window} + horizon ${horizon} + 2`);
    let lag = o.season ?? detectSeason(history) ?? 1;
    // Seasonal differencing needs a few seasons of windows; otherwise difference at lag 1.
    if (history.length < 3 * lag || history.length < lag + window + horizon + 1) lag = 1;
    const z: number[] = [];
    for (let t = lag; t < history.length; t++) z.push(at(history, t) - at(history, t - lag));
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const std = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length) || 1;
    const zn = z.map((v) => (v - mean) / std);
    const count = zn.length - window - horizon + 1;
    const maxSamples = o.maxSamples ?? 4000;
    const first = Math.max(0, count - maxSamples);
    const order: number[] = [];
    for (let i = first; i < count; i++) order.push(i);
    const seed = seedNumber(o.seed ?? 42);
    new Rng(`${seed}/${this.name}/shuffle`).shuffle(order);
    const xs = new Float32Array(order.length * window);
    const ys = new Float32Array(order.length * horizon);
    order.forEach((s, r) => {
      for (let j = 0; j < window; j++) xs[r * window + j] = zn[s + j] as number;
      for (let j = 0; j < horizon; j++) ys[r * horizon + j] = zn[s + window + j] as number;
    });
    this.model?.dispose();
    const model = this.build(tf, window, horizon, o.units ?? d.units, seed);
    model.compile({ optimizer: tf.train.adam(o.learningRate ?? 0.005), loss: 'meanSquaredError' });
    const x = tf.tensor(xs, this.inputShape(order.length, window));
    const y = tf.tensor2d(ys, [order.length, horizon]);
    try {
      await model.fit(x, y, { epochs: o.epochs ?? d.epochs, batchSize: o.batchSize ?? 64, shuffle: false, verbose: 0 });
    } finally {
      x.dispose();
      y.dispose();
    }
    this.model = model;
    this.meta = { kind: this.name, window, horizon, lag, mean, std, options: { ...o } };
    this.recent = history.slice(-(lag + window));
    this.meta.residuals = this.trainingResiduals(history, lag, window, horizon);
  }

  update(history: readonly number[]): void {
    const meta = this.meta;
    if (meta === undefined) throw notFitted(this.name);
    checkHistory(this.name, history, meta.lag + meta.window, `differencing lag ${meta.lag} + window ${meta.window}`);
    this.recent = history.slice(-(meta.lag + meta.window));
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const { model, meta, tf } = this;
    if (model === undefined || meta === undefined || tf === undefined || this.recent.length === 0) throw notFitted(this.name);
    const point = this.predictFrom(this.recent, horizon);
    if (meta.residuals === undefined || meta.residuals.length === 0) return { point };
    return { point, interval: symmetricInterval(point, stepwiseHalfWidths(meta.residuals, level, horizon), level) };
  }

  /**
   * Conformal calibration on training residuals: forecast from up to 200 origins spread over the
   * training windows (same reconstruction as `forecast`, direct steps then recursion) and keep
   * the absolute error of each step h = 1 … H (conformal.ts: stepwiseHalfWidths). These are
   * in-sample errors, so the intervals are narrower than out-of-sample ones when the network
   * overfits; the backtest's coverage columns show by how much.
   */
  private trainingResiduals(history: readonly number[], lag: number, window: number, horizon: number): number[][] {
    const errors: number[][] = Array.from({ length: horizon }, () => []);
    const firstOrigin = lag + window;
    const lastOrigin = history.length - horizon;
    if (lastOrigin < firstOrigin) return errors;
    const count = Math.min(200, lastOrigin - firstOrigin + 1);
    const stride = (lastOrigin - firstOrigin) / Math.max(1, count - 1);
    for (let i = 0; i < count; i++) {
      const o = Math.round(lastOrigin - i * stride);
      const f = this.predictFrom(history.slice(o - lag - window, o), horizon);
      for (let h = 0; h < horizon; h++) (errors[h] as number[]).push(Math.abs(at(history, o + h) - (f[h] as number)));
    }
    return errors;
  }

  /** Forecast `horizon` steps after `recent` (which holds at least lag + window values). */
  private predictFrom(recent: readonly number[], horizon: number): number[] {
    const { model, meta, tf } = this;
    if (model === undefined || meta === undefined || tf === undefined) throw notFitted(this.name);
    const ys = [...recent];
    const out: number[] = [];
    while (out.length < horizon) {
      const n = ys.length;
      const zin: number[] = [];
      for (let t = n - meta.window; t < n; t++) zin.push((at(ys, t) - at(ys, t - meta.lag) - meta.mean) / meta.std);
      const pred = tf.tidy(() => (model.predict(tf.tensor(zin, this.inputShape(1, meta.window))) as TF.Tensor).dataSync());
      for (let j = 0; j < meta.horizon && out.length < horizon; j++) {
        const v = (pred[j] as number) * meta.std + meta.mean + at(ys, ys.length - meta.lag);
        ys.push(v);
        out.push(v);
      }
    }
    return out;
  }

  /**
   * Write the trained model to `dir` (created if needed), whole: the three files go to a folder
   * beside it that takes its place once all are written (writeFolderWhole), so a save that fails
   * or is stopped leaves the model saved before, never files of two saves. drs-forecaster.json
   * records the SHA-256 of the other two, which the loader checks. A failed write is a UserError
   * naming `dir` and the cause.
   */
  async save(dir: string): Promise<void> {
    const { model, meta } = this;
    if (model === undefined || meta === undefined) throw notFitted(this.name);
    const { tf } = await loadTf();
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const data = artifacts.weightData;
        const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
        const weights = Buffer.concat(buffers.map((b) => Buffer.from(b)));
        const manifest = { modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }] };
        const modelJson = Buffer.from(JSON.stringify(manifest));
        const files = { 'model.json': sha256(modelJson), 'weights.bin': sha256(weights) };
        try {
          // drs-forecaster.json last: written in place (a folder that cannot be replaced), it is the
          // file that tells whether the other two are of its save.
          writeFolderWhole(dir, { 'model.json': modelJson, 'weights.bin': weights, 'drs-forecaster.json': JSON.stringify({ ...meta, recent: this.recent, files }, null, 2) });
        } catch (e) {
          if (e instanceof UserError || (e as NodeJS.ErrnoException).code === undefined) throw e;
          throw new UserError(`cannot save the model: ${writeFailure(e)}`, { file: dir });
        }
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
      }),
    );
  }

  /** Install a loaded model (used by `loadNeuralForecaster`). */
  restore(tf: Tf, model: TF.LayersModel, meta: NeuralMeta, recent: number[]): void {
    this.tf = tf;
    this.model = model;
    this.meta = meta;
    this.recent = recent;
  }
}

export function seedNumber(seed: number | string): number {
  if (typeof seed === 'number' && Number.isInteger(seed)) return Math.abs(seed) % 2147483647;
  return Math.floor(new Rng(String(seed)).next() * 2147483647);
}

/** Read a directory written by `save` and return the model, metadata and the stored recent history. */
export async function readNeuralDir(dir: string): Promise<{ tf: Tf; model: TF.LayersModel; meta: NeuralMeta; recent: number[] }> {
  const { tf } = await loadTf();
  const unreadable = (why: string): UserError => new UserError(`cannot load a forecaster: ${why}; expected model.json, weights.bin and drs-forecaster.json written by save()`, { file: dir });
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await readFile(path.join(dir, name));
    } catch (e) {
      throw unreadable(`${name}: ${(e as Error).message}`);
    }
  };
  const json = <T>(name: string, bytes: Buffer): T => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw unreadable(`${name}: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw unreadable(`${name}: not a JSON object`);
    return parsed as T;
  };
  const modelJson = await read('model.json');
  const weights = await read('weights.bin');
  const manifest = json<{ modelTopology: object; weightsManifest: { weights: TF.io.WeightsManifestEntry[] }[] }>('model.json', modelJson);
  const meta = json<NeuralMeta & { recent: number[]; files?: Record<string, string> }>('drs-forecaster.json', await read('drs-forecaster.json'));
  const weightSpecs = manifest.weightsManifest?.[0]?.weights ?? [];
  // Files of two saves (one stopped part-way by an older drs, or copied by hand) would load as
  // one model: another model's weights under this one's normalisation and last values.
  for (const [name, bytes] of [['model.json', modelJson], ['weights.bin', weights]] as const) {
    if (meta.files !== undefined && meta.files[name] !== sha256(bytes)) throw new UserError(`${name} is not the file saved with drs-forecaster.json (files of two saves: a save that was stopped, or files copied by hand); save the model again`, { file: dir });
  }
  // Saved before the record: at least the weights must be as long as model.json says (4-byte
  // values, as save() writes them).
  const fourBytes = weightSpecs.every((w) => (w.dtype === undefined || w.dtype === 'float32' || w.dtype === 'int32') && w.quantization === undefined);
  const expected = weightSpecs.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (fourBytes && weights.length !== expected) throw new UserError(`weights.bin holds ${weights.length} bytes; model.json's weights take ${expected} (a cut-off or foreign file); save the model again`, { file: dir });
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  let model: TF.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs, weightData }));
  } catch (e) {
    throw unreadable(`model.json: ${(e as Error).message}`);
  }
  const { recent, files: _files, ...rest } = meta;
  return { tf, model, meta: rest, recent };
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
