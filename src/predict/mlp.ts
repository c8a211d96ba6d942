/**
 * MLP on lagged windows (TensorFlow.js), data pipeline in neural.ts:
 *   input  x = (z_{t−L+1}, …, z_t)                    standardised (seasonally) differenced values
 *   hidden h₁ = relu(W₁ x + b₁), h₂ = relu(W₂ h₁ + b₂)  (`units` each, Glorot-uniform init from the seed)
 *   output ẑ_{t+1..t+H} = W₃ h₂ + b₃                    (direct multi-step)
 *   ŷ_{t+j} = ẑ_{t+j}·σ + μ + y_{t+j−lag}
 * Loss: mean squared error, Adam. Defaults: 32 units, 30 epochs.
 */
import { readNeuralDir, NeuralForecaster, type NeuralOptions } from './neural.js';
import type { Tf } from './tf-runtime.js';
import type * as TF from '@tensorflow/tfjs';

export class MlpForecaster extends NeuralForecaster {
  readonly name = 'mlp';

  constructor(options: NeuralOptions = {}) {
    super(options);
  }

  protected defaults(): { units: number; epochs: number } {
    return { units: 32, epochs: 30 };
  }

  protected inputShape(count: number, window: number): number[] {
    return [count, window];
  }

  protected build(tf: Tf, window: number, horizon: number, units: number, seed: number): TF.LayersModel {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [window], units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
    m.add(tf.layers.dense({ units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
    m.add(tf.layers.dense({ units: horizon, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }));
    return m;
  }
}

export async function loadMlp(dir: string): Promise<MlpForecaster> {
  const { tf, model, meta, recent } = await readNeuralDir(dir);
  const f = new MlpForecaster(meta.options);
  f.restore(tf, model, meta, recent);
  return f;
}
