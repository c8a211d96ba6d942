/**
 * LSTM on lagged windows (TensorFlow.js), data pipeline in neural.ts:
 *   input  the sequence z_{t−L+1}, …, z_t (one feature per step), standardised differenced values
 *   LSTM   i_k = σ(W_i x_k + U_i h_{k−1} + b_i),  f_k = σ(W_f x_k + U_f h_{k−1} + b_f),
 *          o_k = σ(W_o x_k + U_o h_{k−1} + b_o),  c_k = f_k ⊙ c_{k−1} + i_k ⊙ tanh(W_c x_k + U_c h_{k−1} + b_c),
 *          h_k = o_k ⊙ tanh(c_k)                     (`units` cells; Glorot / orthogonal init from the seed)
 *   output ẑ_{t+1..t+H} = W h_L + b                   (direct multi-step)
 *   ŷ_{t+j} = ẑ_{t+j}·σ + μ + y_{t+j−lag}
 * Loss: mean squared error, Adam. Defaults: 16 units, 8 epochs, batch 64 (sized so that a
 * 4,000-point series trains within a minute on the WASM backend of a 2-core machine; see
 * bench/forecast/lstm-train.ts).
 */
import { readNeuralDir, NeuralForecaster, type NeuralOptions } from './neural.js';
import type { Tf } from './tf-runtime.js';
import type * as TF from '@tensorflow/tfjs';

export class LstmForecaster extends NeuralForecaster {
  readonly name = 'lstm';

  constructor(options: NeuralOptions = {}) {
    super(options);
  }

  protected defaults(): { units: number; epochs: number } {
    return { units: 16, epochs: 8 };
  }

  protected inputShape(count: number, window: number): number[] {
    return [count, window, 1];
  }

  protected build(tf: Tf, window: number, horizon: number, units: number, seed: number): TF.LayersModel {
    const m = tf.sequential();
    m.add(
      tf.layers.lstm({
        inputShape: [window, 1],
        units,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1, gain: 1 }),
      }),
    );
    m.add(tf.layers.dense({ units: horizon, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }));
    return m;
  }
}

export async function loadLstm(dir: string): Promise<LstmForecaster> {
  const { tf, model, meta, recent } = await readNeuralDir(dir);
  const f = new LstmForecaster(meta.options);
  f.restore(tf, model, meta, recent);
  return f;
}
