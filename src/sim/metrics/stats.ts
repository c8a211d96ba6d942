import { quantileSorted } from 'simple-statistics';

/** Bounded-slowdown threshold τ, seconds: runs shorter than this count as this long. */
export const SLOWDOWN_TAU = 10;

/** Mean and quantiles (simple-statistics `quantileSorted`: linear interpolation between order statistics, numpy's default); all null for an empty sample. */
export function percentiles(values: Float64Array | number[]): { mean: number | null; p50: number | null; p95: number | null; p99: number | null } {
  if (values.length === 0) return { mean: null, p50: null, p95: null, p99: null };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  // quantileSorted reads only length and indexes: the typed array serves, with no copy on the heap.
  const arr = sorted as unknown as number[];
  return { mean: sum / arr.length, p50: quantileSorted(arr, 0.5), p95: quantileSorted(arr, 0.95), p99: quantileSorted(arr, 0.99) };
}

/** Jain's fairness index (Σx)² / (n Σx²); null for an empty list. */
export function jainIndex(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

/** Bounded slowdown of one request: max(1, (end − arrival) / max(run, τ)). */
export function boundedSlowdown(arrival: number, end: number, run: number, tau = SLOWDOWN_TAU): number {
  return Math.max(1, (end - arrival) / Math.max(run, tau));
}
