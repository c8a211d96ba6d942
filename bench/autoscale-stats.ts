/**
 * Two-sided 95 % Student-t critical values t_{0.975, ν} for ν = 1 … 30 (standard table, e.g.
 * NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2); ν > 30 uses the normal 1.96.
 * The benchmark confidence intervals over seeds use them: mean ± t · sd / √n.
 */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function t975(df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be ≥ 1, got ${df}`);
  return T975[Math.floor(df) - 1] ?? 1.96;
}

/** Mean and the half-width of its 95 % t-interval. */
export function meanCi(xs: readonly number[]): { mean: number; half: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, half: Number.NaN };
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, half: t975(n - 1) * (sd / Math.sqrt(n)) };
}
