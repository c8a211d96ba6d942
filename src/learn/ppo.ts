import type * as TF from '@tensorflow/tfjs';
import type { DenseLayer } from '../core/policy-net.js';
import type { Rng } from '../core/rng.js';
import type { Episode, Step } from './env.js';

/**
 * PPO with action masking over a shared per-candidate network (TensorFlow.js; the `tf` module is
 * passed in, so src/learn never loads a backend itself).
 *
 * A decision i has n_i candidates in slots 0..n_i−1 of its bucket's `slots`; the rest are absent, masked to a
 * score of −1e9 (probability exactly 0 in float32), so the softmax runs over present jobs only:
 *
 *   s_ij       = MLP(z_ij)                               z_ij = (x_ij − mean) / std
 *   log π(a_i) = s_{i,a_i} − ln Σ_{j<n_i} exp(s_ij)
 *   ratio_i    = exp(log π(a_i) − log π_old(a_i))
 *   L          = −mean_i min(ratio_i A_i, clip(ratio_i, 1 − ε, 1 + ε) A_i) − β · mean_i H_i
 *   H_i        = −Σ_{j<n_i} π_ij log π_ij
 *
 * Advantages A_i: the reward comes once per episode, so every decision of an episode gets its
 * episode's advantage; the baseline is the mean reward of the other episodes played on the same
 * window (K ≥ 2 samples per window, "leave-one-out"), divided by the window's reward standard
 * deviation, which removes the large differences between windows without a critic network.
 */
export type Tf = typeof TF;

export interface PpoOptions {
  readonly learningRate: number;
  readonly clip: number;
  readonly entropy: number;
  /** Gradient steps over the whole batch per iteration. */
  readonly epochs: number;
}

/** Decisions with at most `slots` candidates each (decisions are bucketed by size to limit padding). */
export interface Bucket {
  readonly slots: number;
  /** Scaled features, D × slots × F (absent slots are zeros). */
  readonly z: Float32Array;
  /** 1 for a present candidate, 0 for an absent slot, D × slots. */
  readonly mask: Float32Array;
  /** Slot of the chosen candidate of each decision. */
  readonly action: Int32Array;
  readonly oldLogp: Float32Array;
  readonly advantage: Float32Array;
}

export interface Batch {
  readonly featureCount: number;
  readonly buckets: readonly Bucket[];
}

/** Glorot-uniform layers from the seeded Rng (last layer scaled down: a near-uniform start). */
export function initLayers(sizes: readonly number[], rng: Rng, lastScale = 0.1): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    const inn = sizes[k] as number;
    const out = sizes[k + 1] as number;
    const lim = Math.sqrt(6 / (inn + out)) * (k + 2 === sizes.length ? lastScale : 1);
    const weights = Array.from({ length: out * inn }, () => rng.uniform(-lim, lim));
    layers.push({ weights, bias: new Array<number>(out).fill(0), activation: k + 2 === sizes.length ? 'linear' : 'tanh' });
  }
  return layers;
}

export class PpoLearner {
  private readonly W: TF.Variable[];
  private readonly B: TF.Variable[];
  private readonly acts: DenseLayer['activation'][];
  private readonly opt: TF.Optimizer;

  constructor(
    private readonly tf: Tf,
    layers: readonly DenseLayer[],
    private readonly o: PpoOptions,
  ) {
    let inSize = layers[0] === undefined ? 0 : (layers[0].weights.length / layers[0].bias.length);
    this.W = [];
    this.B = [];
    for (const l of layers) {
      const out = l.bias.length;
      this.W.push(tf.variable(tf.tensor2d(Float32Array.from(l.weights), [out, inSize])));
      this.B.push(tf.variable(tf.tensor1d(Float32Array.from(l.bias))));
      inSize = out;
    }
    this.acts = layers.map((l) => l.activation);
    this.opt = tf.train.adam(o.learningRate);
  }

  private forward(z: TF.Tensor2D): TF.Tensor1D {
    const tf = this.tf;
    let h: TF.Tensor2D = z;
    this.W.forEach((w, k) => {
      const lin = tf.add(tf.matMul(h, w, false, true), this.B[k] as TF.Variable) as TF.Tensor2D;
      const a = this.acts[k];
      h = a === 'tanh' ? tf.tanh(lin) : a === 'relu' ? tf.relu(lin) : lin;
    });
    return tf.reshape(h, [-1]) as TF.Tensor1D;
  }

  /** One PPO iteration over the batch; returns the loss of the last epoch. */
  update(b: Batch): number {
    const tf = this.tf;
    const total = b.buckets.reduce((a, k) => a + k.action.length, 0);
    let last = 0;
    const vars = [...this.W, ...this.B];
    for (let e = 0; e < this.o.epochs; e++) {
      const loss = tf.tidy(() => {
        const inputs = b.buckets.map((k) => {
          const D = k.action.length;
          const N = k.slots;
          return {
            D,
            N,
            z: tf.tensor2d(k.z, [D * N, b.featureCount]),
            present: tf.tensor2d(k.mask, [D, N]).greater(0.5),
            onehot: tf.oneHot(tf.tensor1d(k.action, 'int32'), N).toFloat(),
            oldLogp: tf.tensor1d(k.oldLogp),
            adv: tf.tensor1d(k.advantage),
            absent: tf.fill([D, N], -1e9),
          };
        });
        return this.opt.minimize(() => {
          // Sums over every decision of every bucket, then / total decisions.
          let surr: TF.Scalar = tf.scalar(0);
          let entropy: TF.Scalar = tf.scalar(0);
          for (const k of inputs) {
            const s = tf.where(k.present, tf.reshape(this.forward(k.z), [k.D, k.N]), k.absent);
            const logpAll = tf.logSoftmax(s, 1);
            const logp = tf.sum(tf.mul(logpAll, k.onehot), 1);
            const ratio = tf.exp(tf.sub(logp, k.oldLogp));
            const clipped = tf.clipByValue(ratio, 1 - this.o.clip, 1 + this.o.clip);
            surr = tf.add(surr, tf.sum(tf.minimum(tf.mul(ratio, k.adv), tf.mul(clipped, k.adv))));
            const p = tf.exp(logpAll);
            entropy = tf.add(entropy, tf.neg(tf.sum(tf.where(k.present, tf.mul(p, logpAll), tf.zerosLike(p)))));
          }
          return tf.div(tf.sub(tf.neg(surr), tf.mul(this.o.entropy, entropy)), total) as TF.Scalar;
        }, true, vars) as TF.Scalar;
      });
      last = loss.dataSync()[0] as number;
      loss.dispose();
    }
    return last;
  }

  /**
   * Behaviour cloning (a warm start before PPO): `steps` Adam steps (own optimizer, rate `lr`) on
   * the cross-entropy of the batch's actions under the masked softmax,
   *
   *   L = −mean_i log π(a_i)
   *
   * (advantages and old log-probabilities are ignored). Returns the last loss.
   */
  imitate(b: Batch, steps: number, lr: number): number {
    const tf = this.tf;
    const total = b.buckets.reduce((a, k) => a + k.action.length, 0);
    const opt = tf.train.adam(lr);
    const vars = [...this.W, ...this.B];
    let last = NaN;
    const inputs = b.buckets.map((k) => ({
      D: k.action.length,
      N: k.slots,
      z: tf.tensor2d(k.z, [k.action.length * k.slots, b.featureCount]),
      present: tf.tensor2d(k.mask, [k.action.length, k.slots]).greater(0.5),
      onehot: tf.oneHot(tf.tensor1d(k.action, 'int32'), k.slots).toFloat(),
      absent: tf.fill([k.action.length, k.slots], -1e9),
    }));
    for (let e = 0; e < steps; e++) {
      const loss = tf.tidy(
        () =>
          opt.minimize(() => {
            let ll: TF.Scalar = tf.scalar(0);
            for (const k of inputs) {
              const s = tf.where(k.present, tf.reshape(this.forward(k.z), [k.D, k.N]), k.absent);
              ll = tf.add(ll, tf.sum(tf.mul(tf.logSoftmax(s, 1), k.onehot)));
            }
            return tf.div(tf.neg(ll), total) as TF.Scalar;
          }, true, vars) as TF.Scalar,
      );
      last = loss.dataSync()[0] as number;
      loss.dispose();
    }
    for (const k of inputs) for (const t of [k.z, k.present, k.onehot, k.absent]) t.dispose();
    opt.dispose();
    return last;
  }

  /** The current weights as plain layers (for the PolicyNet used in rollouts and the model file). */
  layers(): DenseLayer[] {
    return this.W.map((w, k) => ({
      weights: Array.from(w.dataSync()),
      bias: Array.from((this.B[k] as TF.Variable).dataSync()),
      activation: this.acts[k] as DenseLayer['activation'],
    }));
  }

  /** Adam's state (for checkpoints). */
  async optimizerState(): Promise<{ name: string; shape: number[]; values: number[] }[]> {
    const ws = await this.opt.getWeights();
    return Promise.all(ws.map(async (w) => ({ name: w.name, shape: w.tensor.shape, values: Array.from(await w.tensor.data()) })));
  }

  async setOptimizerState(state: readonly { name: string; shape: number[]; values: number[] }[]): Promise<void> {
    const tf = this.tf;
    await this.opt.setWeights(state.map((s) => ({ name: s.name, tensor: tf.tensor(Float32Array.from(s.values), s.shape) })));
  }

  dispose(): void {
    for (const v of [...this.W, ...this.B]) v.dispose();
    this.opt.dispose();
  }
}

/**
 * Build the PPO batch from one iteration's episodes, grouped by window (or seed): the advantage of
 * an episode is its reward minus the mean of the others of its group, over the group's std. Decisions are bucketed by
 * their number of candidates (slots 8, 16, 32, 64, 128) so that padding stays below 2×.
 */
export function buildBatch(groups: readonly Episode[][], scaling: { readonly mean: readonly number[]; readonly std: readonly number[] }, F: number): Batch {
  const items: { s: Step; A: number }[] = [];
  for (const g of groups) {
    const rewards = g.map((e) => e.reward);
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const sd = Math.sqrt(rewards.reduce((a, b) => a + (b - mean) ** 2, 0) / rewards.length);
    g.forEach((e, k) => {
      const others = (mean * rewards.length - (rewards[k] as number)) / (rewards.length - 1);
      const A = ((rewards[k] as number) - others) / (sd + 1e-8);
      for (const s of e.steps) items.push({ s, A });
    });
  }
  const slotsOf = (n: number): number => Math.max(8, 2 ** Math.ceil(Math.log2(n)));
  const bySlots = new Map<number, { s: Step; A: number }[]>();
  for (const it of items) {
    const k = slotsOf(it.s.n);
    const list = bySlots.get(k) ?? [];
    list.push(it);
    bySlots.set(k, list);
  }
  const buckets: Bucket[] = [...bySlots.keys()].sort((a, b) => a - b).map((N) => {
    const list = bySlots.get(N) as { s: Step; A: number }[];
    const D = list.length;
    const z = new Float32Array(D * N * F);
    const mask = new Float32Array(D * N);
    const action = new Int32Array(D);
    const oldLogp = new Float32Array(D);
    const advantage = new Float32Array(D);
    list.forEach(({ s, A }, d) => {
      for (let i = 0; i < s.n; i++) {
        const o = (d * N + i) * F;
        for (let f = 0; f < F; f++) z[o + f] = ((s.x[i * F + f] as number) - (scaling.mean[f] as number)) / (scaling.std[f] as number);
        mask[d * N + i] = 1;
      }
      action[d] = s.action;
      oldLogp[d] = s.logp;
      advantage[d] = A;
    });
    return { slots: N, z, mask, action, oldLogp, advantage };
  });
  return { featureCount: F, buckets };
}

