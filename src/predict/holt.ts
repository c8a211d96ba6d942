/**
 * Holt's linear trend (optionally damped, Gardner & McKenzie):
 *   l_t = α y_t + (1 − α)(l_{t−1} + φ b_{t−1})
 *   b_t = β (l_t − l_{t−1}) + (1 − β) φ b_{t−1}
 *   ŷ_{n+h} = l_n + (φ + φ² + … + φ^h) b_n           (φ = 1 when not damped)
 * α, β (β ≤ α) and φ ∈ [0.8, 0.98] minimise the one-step SSE (Nelder-Mead) unless given.
 * Damped by default: an undamped trend extrapolated from noisy load data overshoots.
 */
import { SmoothingForecaster } from './smoothing-forecaster.js';
import type { FixedParams } from './smoothing.js';

export interface HoltOptions {
  damped?: boolean;
  alpha?: number;
  beta?: number;
  phi?: number;
  fitWindow?: number;
}

export function createHolt(options: HoltOptions = {}): SmoothingForecaster {
  const fixed: FixedParams = {};
  if (options.alpha !== undefined) fixed.alpha = options.alpha;
  if (options.beta !== undefined) fixed.beta = options.beta;
  if (options.phi !== undefined) fixed.phi = options.phi;
  return new SmoothingForecaster('holt', { trend: options.damped === false ? 'additive' : 'damped', seasonal: 'none', season: 1 }, fixed, options.fitWindow);
}
