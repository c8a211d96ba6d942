/**
 * The student of the imitation probe: production's per-job scorer (src/core/policy-net.ts), linear or
 * with one tanh hidden layer, softmax over a decision's candidates, fitted by cross-entropy to the
 * teacher's pick with Adam on minibatches of decisions (a hand-written gradient; seeded init).
 */
import type { DenseLayer, PolicyNetFile } from '../../src/core/policy-net.js';
import { Rng } from '../../src/core/rng.js';

/** Decisions: candidate rows (raw features, n × F each, concatenated) and the label's index. */
export class Decisions {
  rows: number[] = [];
  readonly offset: number[] = [];
  readonly n: number[] = [];
  readonly label: number[] = [];
  constructor(readonly F: number) {}
  get size(): number {
    return this.n.length;
  }
  add(x: Float64Array, n: number, label: number): void {
    this.offset.push(this.rows.length / this.F);
    this.n.push(n);
    this.label.push(label);
    for (let i = 0; i < n * this.F; i++) this.rows.push(x[i] as number);
  }
  append(o: Decisions): void {
    for (let d = 0; d < o.size; d++) {
      const off = (o.offset[d] as number) * this.F;
      this.add(Float64Array.from(o.rows.slice(off, off + (o.n[d] as number) * this.F)), o.n[d] as number, o.label[d] as number);
    }
  }
}

export interface Scaling {
  readonly mean: number[];
  readonly std: number[];
}

/** Per-feature mean and standard deviation over every candidate row (a constant feature gets std 1). */
export function measureScaling(d: Decisions): Scaling {
  const F = d.F;
  const rows = d.rows.length / F;
  const mean = new Array<number>(F).fill(0);
  const sq = new Array<number>(F).fill(0);
  for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) mean[f] = (mean[f] as number) + (d.rows[r * F + f] as number) / rows;
  for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) sq[f] = (sq[f] as number) + ((d.rows[r * F + f] as number) - (mean[f] as number)) ** 2 / rows;
  return { mean, std: sq.map((v) => (Math.sqrt(v) > 1e-9 ? Math.sqrt(v) : 1)) };
}

export interface FitOptions {
  readonly hidden: number;
  readonly epochs: number;
  readonly batch: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly seed: string;
}

/** Parameters: hidden 0: w (F), b; hidden H: W1 (H × F), b1 (H), w2 (H), b2. One flat vector. */
export class Student {
  readonly p: Float64Array;
  constructor(
    readonly F: number,
    readonly hidden: number,
    readonly scaling: Scaling,
  ) {
    this.p = new Float64Array(hidden === 0 ? F + 1 : hidden * F + 2 * hidden + 1);
  }

  /** Scores of n raw rows at `off` (row index) of `rows`; z-scored with this student's scaling. */
  scores(rows: ArrayLike<number>, off: number, n: number, out: Float64Array, h?: Float64Array, z?: Float64Array): void {
    const { F, hidden: H, p } = this;
    const zz = z ?? new Float64Array(n * F);
    for (let j = 0; j < n; j++) for (let f = 0; f < F; f++) zz[j * F + f] = ((rows[(off + j) * F + f] as number) - (this.scaling.mean[f] as number)) / (this.scaling.std[f] as number);
    for (let j = 0; j < n; j++) {
      if (H === 0) {
        let s = p[F] as number;
        for (let f = 0; f < F; f++) s += (p[f] as number) * (zz[j * F + f] as number);
        out[j] = s;
      } else {
        let s = p[H * F + 2 * H] as number;
        for (let k = 0; k < H; k++) {
          let a = p[H * F + k] as number;
          for (let f = 0; f < F; f++) a += (p[k * F + f] as number) * (zz[j * F + f] as number);
          const t = Math.tanh(a);
          if (h !== undefined) h[j * H + k] = t;
          s += (p[H * F + H + k] as number) * t;
        }
        out[j] = s;
      }
    }
  }

  /** The PolicyNet file of this student (the production format; loadPolicyNetFile validates it). */
  file(name: string, features: readonly string[], training: unknown): PolicyNetFile {
    const { F, hidden: H, p } = this;
    const layers: DenseLayer[] =
      H === 0
        ? [{ weights: Array.from(p.subarray(0, F)), bias: [p[F] as number], activation: 'linear' }]
        : [
            { weights: Array.from(p.subarray(0, H * F)), bias: Array.from(p.subarray(H * F, H * F + H)), activation: 'tanh' },
            { weights: Array.from(p.subarray(H * F + H, H * F + 2 * H)), bias: [p[H * F + 2 * H] as number], activation: 'linear' },
          ];
    return { format: 1, kind: 'queue', name, features, scaling: { mean: [...this.scaling.mean], std: [...this.scaling.std] }, layers, training };
  }
}

/** Top-1 agreement with the labels and mean cross-entropy. */
export function agreement(s: Student, d: Decisions): { top1: number; ce: number } {
  let hit = 0;
  let ce = 0;
  const out = new Float64Array(1024);
  for (let i = 0; i < d.size; i++) {
    const n = d.n[i] as number;
    s.scores(d.rows, d.offset[i] as number, n, out);
    let best = 0;
    let m = -Infinity;
    for (let j = 0; j < n; j++) {
      if ((out[j] as number) > (out[best] as number)) best = j;
      m = Math.max(m, out[j] as number);
    }
    let z = 0;
    for (let j = 0; j < n; j++) z += Math.exp((out[j] as number) - m);
    ce += Math.log(z) + m - (out[d.label[i] as number] as number);
    if (best === d.label[i]) hit++;
  }
  return { top1: d.size > 0 ? hit / d.size : NaN, ce: d.size > 0 ? ce / d.size : NaN };
}

/** Fit a student to `d` (scaling measured on `d`); `onEpoch` reports the training cross-entropy. */
export function fit(d: Decisions, o: FitOptions, onEpoch?: (epoch: number, ce: number) => void): Student {
  const F = d.F;
  const H = o.hidden;
  const s = new Student(F, H, measureScaling(d));
  const rng = new Rng(`${o.seed}:init`);
  const p = s.p;
  if (H > 0) {
    for (let i = 0; i < H * F; i++) p[i] = rng.normal(0, 1 / Math.sqrt(F));
    for (let k = 0; k < H; k++) p[H * F + H + k] = rng.normal(0, 1 / Math.sqrt(H));
  }
  const P = p.length;
  const g = new Float64Array(P);
  const m1 = new Float64Array(P);
  const m2 = new Float64Array(P);
  const out = new Float64Array(1024);
  const h = new Float64Array(1024 * Math.max(1, H));
  const z = new Float64Array(1024 * F);
  const order = Array.from({ length: d.size }, (_, i) => i);
  let t = 0;
  for (let e = 1; e <= o.epochs; e++) {
    const shuffle = new Rng(`${o.seed}:epoch:${e}`);
    for (let i = order.length - 1; i > 0; i--) {
      const k = shuffle.int(i + 1);
      [order[i], order[k]] = [order[k] as number, order[i] as number];
    }
    let ceSum = 0;
    for (let b0 = 0; b0 < order.length; b0 += o.batch) {
      g.fill(0);
      const b1 = Math.min(order.length, b0 + o.batch);
      for (let bi = b0; bi < b1; bi++) {
        const i = order[bi] as number;
        const n = d.n[i] as number;
        s.scores(d.rows, d.offset[i] as number, n, out, h, z);
        let m = -Infinity;
        for (let j = 0; j < n; j++) m = Math.max(m, out[j] as number);
        let sum = 0;
        for (let j = 0; j < n; j++) sum += Math.exp((out[j] as number) - m);
        const y = d.label[i] as number;
        ceSum += Math.log(sum) + m - (out[y] as number);
        for (let j = 0; j < n; j++) {
          // d CE / d score_j = softmax_j − [j = label]
          const gs = Math.exp((out[j] as number) - m) / sum - (j === y ? 1 : 0);
          if (H === 0) {
            for (let f = 0; f < F; f++) g[f] = (g[f] as number) + gs * (z[j * F + f] as number);
            g[F] = (g[F] as number) + gs;
          } else {
            g[H * F + 2 * H] = (g[H * F + 2 * H] as number) + gs;
            for (let k = 0; k < H; k++) {
              const hk = h[j * H + k] as number;
              g[H * F + H + k] = (g[H * F + H + k] as number) + gs * hk;
              const ga = gs * (p[H * F + H + k] as number) * (1 - hk * hk);
              g[H * F + k] = (g[H * F + k] as number) + ga;
              for (let f = 0; f < F; f++) g[k * F + f] = (g[k * F + f] as number) + ga * (z[j * F + f] as number);
            }
          }
        }
      }
      // Adam on the batch mean, with L2 on the weights.
      t++;
      const nb = b1 - b0;
      for (let q = 0; q < P; q++) {
        const gq = (g[q] as number) / nb + o.l2 * (p[q] as number);
        m1[q] = 0.9 * (m1[q] as number) + 0.1 * gq;
        m2[q] = 0.999 * (m2[q] as number) + 0.001 * gq * gq;
        const mh = (m1[q] as number) / (1 - 0.9 ** t);
        const vh = (m2[q] as number) / (1 - 0.999 ** t);
        p[q] = (p[q] as number) - (o.learningRate * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    onEpoch?.(e, ceSum / Math.max(1, d.size));
  }
  return s;
}
