/**
 * Conformal calibration of prediction intervals (split conformal, Vovk et al. 2005; Lei et al. 2018).
 *
 * Given n calibration scores r_1 … r_n (non-conformity: how far an actual value fell from the
 * forecast, measured on data the model was not fitted to, or on its training residuals), the
 * level-ℓ quantile is
 *
 *      q̂_ℓ = the k-th smallest r_i,   k = ⌈(n + 1) · ℓ⌉
 *
 * and the interval point ± q̂_ℓ covers a new value with probability ≥ ℓ when the scores are
 * exchangeable with the new one. When k > n (too few scores for the level) the largest score is
 * used instead of +∞, so the interval stays finite (and may under-cover; the backtest reports it).
 *
 * Normalised scores. A single pool of scores for all steps needs a scale per step h: the scores
 * are r = |y − ŷ| / w_h, where w_h is the model's own one-σ half-width at step h (its normal
 * interval at any level divided by z). The calibrated half-width is then q̂_ℓ · w_h: the model
 * says how the uncertainty grows with h, the calibration says how wide it really is. Pooling the
 * H steps gives H times more scores than calibrating each step alone.
 */
import type { PredictionInterval } from './types.js';

export function conformalQuantile(scores: readonly number[], level: number): number {
  if (scores.length === 0) return Number.NaN;
  const sorted = [...scores].sort((a, b) => a - b);
  const k = Math.ceil((sorted.length + 1) * level);
  return sorted[Math.min(k, sorted.length) - 1] as number;
}

/** One-σ half-widths of an interval (upper − lower) / (2 z). */
export function sigmaWidths(interval: PredictionInterval, z: number): number[] {
  return interval.upper.map((u, i) => (u - (interval.lower[i] as number)) / (2 * z));
}

/** Collects normalised scores |y − ŷ| / w_h and turns them into calibrated intervals. */
export class ConformalCalibration {
  private readonly scores: number[] = [];

  /** Record one forecast step: actual y, point ŷ, the model's one-σ width w (> 0 to count). */
  add(actual: number, point: number, sigmaWidth: number): void {
    if (!(sigmaWidth > 0) || !Number.isFinite(sigmaWidth) || !Number.isFinite(point)) return;
    this.scores.push(Math.abs(actual - point) / sigmaWidth);
  }

  get size(): number {
    return this.scores.length;
  }

  /** point ± q̂_level · w_h; undefined when no score was recorded. */
  interval(point: readonly number[], sigma: readonly number[], level: number): PredictionInterval | undefined {
    if (this.scores.length === 0) return undefined;
    const q = conformalQuantile(this.scores, level);
    return {
      level,
      lower: point.map((p, i) => p - q * (sigma[i] as number)),
      upper: point.map((p, i) => p + q * (sigma[i] as number)),
    };
  }
}

/**
 * Per-step absolute errors (scores e_{h,i} = |y − ŷ| at step h) for a model without its own
 * interval: half-width at step h is q̂_ℓ of the step-h errors; beyond the calibrated steps the
 * last width grows as √(h / H); widths are made non-decreasing in h.
 */
export function stepwiseHalfWidths(errors: readonly (readonly number[])[], level: number, horizon: number): number[] {
  const out: number[] = [];
  const H = errors.length;
  let prev = 0;
  for (let h = 1; h <= horizon; h++) {
    let w: number;
    if (h <= H) w = conformalQuantile(errors[h - 1] ?? [], level);
    else w = (out[H - 1] ?? 0) * Math.sqrt(h / H);
    if (!Number.isFinite(w)) w = prev;
    prev = Math.max(prev, w);
    out.push(prev);
  }
  return out;
}
