/**
 * Loading a saved neural forecaster. Apart from the registry: the registry's declarations are public
 * (`createForecaster`), and this module's return type carries TensorFlow.js types, whose own .d.ts
 * files fail a consumer's type-check under `strict` without `skipLibCheck`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { loadLstm } from './lstm.js';
import { loadMlp } from './mlp.js';
import type { NeuralForecaster, NeuralMeta } from './neural.js';

/** Load a neural forecaster saved with `save(dir)`; call `update(history)` before forecasting. */
export async function loadNeuralForecaster(dir: string): Promise<NeuralForecaster> {
  let kind: NeuralMeta['kind'];
  try {
    kind = (JSON.parse(await readFile(path.join(dir, 'drs-forecaster.json'), 'utf8')) as NeuralMeta).kind;
  } catch (e) {
    throw new UserError(`cannot load a forecaster from ${dir}: ${(e as Error).message}`, { file: dir });
  }
  if (kind === 'mlp') return loadMlp(dir);
  if (kind === 'lstm') return loadLstm(dir);
  throw new UserError(`${dir}/drs-forecaster.json: unknown kind '${String(kind)}', expected mlp or lstm`, { file: dir });
}
