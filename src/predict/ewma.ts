/**
 * EWMA / simple exponential smoothing:
 *   l_t = α y_t + (1 − α) l_{t−1},   ŷ_{n+h} = l_n (flat).
 * α minimises the one-step SSE (Nelder-Mead, α ∈ (0,1)) unless given.
 * Interval: ŷ ± z·σ·√(1 + (h−1) α²), σ from the one-step errors.
 */
import { SmoothingForecaster } from './smoothing-forecaster.js';

export interface EwmaOptions {
  alpha?: number;
  fitWindow?: number;
}

export function createEwma(options: EwmaOptions = {}): SmoothingForecaster {
  return new SmoothingForecaster('ewma', { trend: 'none', seasonal: 'none', season: 1 }, options.alpha === undefined ? {} : { alpha: options.alpha }, options.fitWindow);
}
