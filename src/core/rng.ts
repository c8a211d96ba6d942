import seedrandom from 'seedrandom';

/**
 * The one source of randomness in DRS. Every run takes a seed; every component that needs
 * randomness receives an `Rng` (or a `fork` of one) explicitly; the global random generator is banned in src/.
 *
 * Backed by seedrandom's Alea generator: fast, and its state is a pure function of the seed.
 */
export class Rng {
  private readonly gen: () => number;
  readonly seed: string;

  constructor(seed: number | string) {
    this.seed = String(seed);
    this.gen = seedrandom.alea(this.seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.gen();
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.gen();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Rng.int needs n > 0, got ${n}`);
    return Math.floor(this.gen() * n);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.gen() < p;
  }

  /** Standard normal by Box-Muller (one value per call; simple and deterministic). */
  normal(mean = 0, sd = 1): number {
    let u = this.gen();
    while (u <= Number.MIN_VALUE) u = this.gen();
    const v = this.gen();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    if (!(rate > 0)) throw new RangeError(`Rng.exponential needs rate > 0, got ${rate}`);
    return -Math.log(1 - this.gen()) / rate;
  }

  /** Log-normal: exp(N(mu, sigma)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Pareto (type I) with scale xm > 0 and shape alpha > 0: heavy-tailed. */
  pareto(xm: number, alpha: number): number {
    return xm / Math.pow(1 - this.gen(), 1 / alpha);
  }

  /**
   * Gamma with shape k > 0 and scale θ > 0 (mean kθ), by Marsaglia and Tsang's squeeze method
   * ("A simple method for generating gamma variables", ACM TOMS 2000); a shape below 1 draws
   * with shape k + 1 and multiplies by U^(1/k). Written here rather than taken from a package:
   * the one maintained sampler on npm that accepts our generator (@stdlib/random-base-gamma)
   * brings 233 packages with it.
   */
  gamma(shape: number, scale: number): number {
    if (!(shape > 0) || !(scale > 0) || !Number.isFinite(shape) || !Number.isFinite(scale)) {
      throw new RangeError(`Rng.gamma needs a positive finite shape and scale, got ${shape} and ${scale}`);
    }
    if (shape < 1) {
      let u = this.gen();
      while (u <= Number.MIN_VALUE) u = this.gen();
      return this.gamma(shape + 1, scale) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.gen();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** Index drawn with probability proportional to weights[i]. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.gen() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick on an empty array');
    return items[this.int(items.length)] as T;
  }

  /** In-place Fisher-Yates shuffle; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }

  /** An independent stream derived from this seed and a label (stable across runs). */
  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`);
  }
}
