import { gammaln, mean, sampleStandardDeviation } from 'simple-statistics';

/**
 * Small-sample statistics for sweeps: the mean with a Student-t 95 % confidence interval, and the
 * paired t-test between two strategies run on the same seeds. simple-statistics gives the mean,
 * the sample standard deviation and ln Γ; it has no Student-t distribution, so its CDF is here.
 */

/**
 * Regularized incomplete beta I_x(a, b) by the continued fraction of Numerical Recipes §6.4
 * (modified Lentz), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) where it converges faster:
 *   I_x(a,b) = x^a (1−x)^b / (a B(a,b)) · 1/(1+ d1/(1+ d2/(1+ …)))
 *   d_{2m+1} = −(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),  d_{2m} = m(b−m) x / ((a+2m−1)(a+2m))
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return (Math.exp(lnFront) * h) / a;
}

/** Two-sided tail of Student's t with ν degrees of freedom: P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t such that P(|T| ≥ t) = 1 − level (e.g. level 0.95 → t₀.₉₇₅,ν), by bisection on the tail. */
export function studentCritical(level: number, df: number): number {
  const alpha = 1 - level;
  let lo = 0;
  let hi = 1;
  while (studentTwoSidedP(hi, df) > alpha) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface MeanCi {
  readonly n: number;
  readonly mean: number;
  /** Half-width of the 95 % interval: t₀.₉₇₅,ₙ₋₁ · s / √n; null with fewer than two samples. */
  readonly half: number | null;
  readonly lo: number | null;
  readonly hi: number | null;
}

/** Mean and 95 % Student-t confidence interval: x̄ ± t₀.₉₇₅,ₙ₋₁ · s/√n. */
export function meanCi(xs: readonly number[]): MeanCi {
  if (xs.length === 0) return { n: 0, mean: NaN, half: null, lo: null, hi: null };
  const m = mean(xs as number[]);
  if (xs.length < 2) return { n: xs.length, mean: m, half: null, lo: null, hi: null };
  const half = (studentCritical(0.95, xs.length - 1) * sampleStandardDeviation(xs as number[])) / Math.sqrt(xs.length);
  return { n: xs.length, mean: m, half, lo: m - half, hi: m + half };
}

export interface PairedTest {
  readonly n: number;
  /** Mean of a − b over the pairs. */
  readonly meanDiff: number;
  readonly t: number | null;
  /** Two-sided p-value; 1 when every pair is equal, null with fewer than two pairs. */
  readonly p: number | null;
  /** p < 0.05. */
  readonly significant: boolean;
}

/**
 * Paired t-test on d_i = a_i − b_i (the same seed gives a pair): t = d̄ / (s_d / √n), ν = n − 1.
 * All differences equal: zero means no difference (p = 1); a constant non-zero difference is
 * certain (p = 0). Differences within float rounding of their own pair (|d_i| ≤ 1e-9 ×
 * max(|a_i|, |b_i|): two sums of the same prices in another order, 136.49999999999906 against
 * 136.4999999999991) are zero: noise of 1e-13 must not test as a significant difference. The
 * bound is the pair's, not the largest value of all seeds: a metric of 2e9 on one seed zeroed
 * a real difference of 0.5 on another seed whose values are near 1.
 */
export function pairedTTest(a: readonly number[], b: readonly number[]): PairedTest {
  if (a.length !== b.length) throw new RangeError(`pairedTTest: ${a.length} vs ${b.length} samples`);
  const d = a.map((x, i) => {
    const y = b[i] as number;
    const di = x - y;
    return Math.abs(di) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) ? 0 : di;
  });
  const n = d.length;
  if (n < 2) return { n, meanDiff: n === 1 ? (d[0] as number) : NaN, t: null, p: null, significant: false };
  const md = mean(d);
  const sd = sampleStandardDeviation(d);
  if (sd === 0 || sd < 1e-12 * Math.abs(md)) {
    const p = Math.abs(md) < 1e-12 ? 1 : 0;
    return { n, meanDiff: md, t: null, p, significant: p < 0.05 };
  }
  const t = md / (sd / Math.sqrt(n));
  const p = studentTwoSidedP(t, n - 1);
  return { n, meanDiff: md, t, p, significant: p < 0.05 };
}
