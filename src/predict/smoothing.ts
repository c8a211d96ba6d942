/**
 * The exponential-smoothing engine shared by EWMA, Holt and Holt-Winters (error-correction form,
 * Hyndman et al., "Forecasting with Exponential Smoothing", 2008). With m the season length,
 * φ the damping factor (1 when undamped), s_{t−m} the seasonal state one season back and
 * p_t = l_{t−1} + φ b_{t−1} the one-step level prediction:
 *
 *   additive season:        ŷ_t = p_t + s_{t−m}           e_t = y_t − ŷ_t
 *                           l_t = p_t + α e_t
 *                           s_t = s_{t−m} + γ e_t
 *   multiplicative season:  ŷ_t = p_t · s_{t−m}
 *                           l_t = α y_t / s_{t−m} + (1 − α) p_t
 *                           s_t = γ y_t / p_t + (1 − γ) s_{t−m}
 *   trend (both):           b_t = β (l_t − l_{t−1}) + (1 − β) φ b_{t−1}
 *   forecast:               ŷ_{n+h} = (l_n + φ_h b_n) ⊕ s_{n+h−m(⌊(h−1)/m⌋+1)},  φ_h = φ + … + φ^h
 *
 * Parameters minimise a loss of the one-step errors by Nelder-Mead in an unconstrained space mapped
 * into the usual admissible region: α ∈ (0,1), β = α·β* (β ≤ α), γ = (1−α)·γ* (γ ≤ 1−α),
 * φ ∈ [0.8, 0.98]. A state that turns non-finite makes the loss +∞, so the optimiser backs off.
 * Losses (`loss` in the spec): 'squared' Σ e_t² (default; the additive-error ETS likelihood),
 * 'relative' Σ (e_t / ŷ_t)² (the multiplicative-error ETS(M,·,·) criterion: errors in proportion
 * to the level; ŷ_t = 0 counts e_t²), 'absolute' Σ |e_t| (robust to spikes: a few outliers do not
 * pull α, β, γ; a median-like fit, which is what sMAPE rewards).
 *
 * Initial states (heuristic, from the first K = min(⌊n/m⌋, 5) full seasons of the fitting window):
 * season means M_k; b_0 = (M_{K−1} − M_0)/((K−1) m) (0 when K = 1 or no trend); l_0 = M_0 − b_0 (m+1)/2;
 * s_j = mean over k of y_{km+j} − (l_0 + b_0 (km+j+1)) (or the ratio, multiplicative), then
 * normalised to sum 0 (mean 1).
 *
 * Interval (approximate, class-1 formula for the additive model, reused for multiplicative):
 * Var(e_{n+h}) = σ² (1 + Σ_{j=1}^{h−1} c_j²), c_j = α(1 + β φ_j) + γ·[j mod m = 0].
 */
import { logit, multiStart, sigmoid } from './optim.js';

export type TrendKind = 'none' | 'additive' | 'damped';
export type SeasonalKind = 'none' | 'additive' | 'multiplicative';

export type SmoothingLoss = 'squared' | 'relative' | 'absolute';

export interface SmoothingSpec {
  readonly trend: TrendKind;
  readonly seasonal: SeasonalKind;
  /** Fitting criterion (default 'squared'). */
  readonly loss?: SmoothingLoss;
  /** Season length m (ignored when seasonal = 'none'). */
  readonly season: number;
}

export interface SmoothingParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

export interface SmoothingState {
  level: number;
  trend: number;
  /** Seasonal states as a ring: the state for time t lives at index t mod m. */
  seasonals: number[];
  /** Index (in the fitted series) of the next observation. */
  t: number;
}

function m(spec: SmoothingSpec): number {
  return spec.seasonal === 'none' ? 1 : spec.season;
}

export function initialState(y: readonly number[], spec: SmoothingSpec): SmoothingState {
  const mm = m(spec);
  const k = Math.max(1, Math.min(Math.floor(y.length / mm), 5));
  const means: number[] = [];
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < mm; j++) s += y[c * mm + j] as number;
    means.push(s / mm);
  }
  const m0 = means[0] as number;
  let b0 = spec.trend === 'none' || k < 2 ? 0 : ((means[k - 1] as number) - m0) / ((k - 1) * mm);
  if (spec.seasonal === 'none') {
    // No season: level from the first value, trend from the first few differences.
    const w = Math.min(y.length - 1, 10);
    b0 = spec.trend === 'none' || w < 1 ? 0 : ((y[w] as number) - (y[0] as number)) / w;
    return { level: (y[0] as number) - b0, trend: b0, seasonals: [0], t: 0 };
  }
  const l0 = m0 - (b0 * (mm + 1)) / 2;
  const mult = spec.seasonal === 'multiplicative';
  const seasonals = new Array<number>(mm).fill(0);
  for (let j = 0; j < mm; j++) {
    let acc = 0;
    for (let c = 0; c < k; c++) {
      const trendLine = l0 + b0 * (c * mm + j + 1);
      const v = y[c * mm + j] as number;
      acc += mult ? v / trendLine : v - trendLine;
    }
    seasonals[j] = acc / k;
  }
  const avg = seasonals.reduce((a, b) => a + b, 0) / mm;
  for (let j = 0; j < mm; j++) seasonals[j] = mult ? (seasonals[j] as number) / avg : (seasonals[j] as number) - avg;
  return { level: l0, trend: b0, seasonals, t: 0 };
}

/**
 * Filter y[from..] starting from `state` (mutated). Returns the loss (spec.loss; default SSE) of the
 * one-step errors, leaving out e_i where `unscored[i]` is 1 (values interpolated across a gap: they
 * feed the states but are no observations, see `unscoredMask`).
 */
export function filter(y: readonly number[], spec: SmoothingSpec, p: SmoothingParams, state: SmoothingState, from = 0, unscored?: Uint8Array): number {
  const mm = m(spec);
  const phi = spec.trend === 'damped' ? p.phi : spec.trend === 'none' ? 0 : 1;
  const beta = spec.trend === 'none' ? 0 : p.beta;
  const { alpha, gamma } = p;
  const mult = spec.seasonal === 'multiplicative';
  const seasonal = spec.seasonal !== 'none';
  const s = state.seasonals;
  let { level, trend } = state;
  let idx = state.t % mm;
  let sse = 0;
  const lossKind = spec.loss === 'absolute' ? 1 : spec.loss === 'relative' ? 2 : 0;
  const term = (e: number, yhat: number): number => (lossKind === 0 ? e * e : lossKind === 1 ? Math.abs(e) : yhat !== 0 ? (e / yhat) * (e / yhat) : e * e);
  // One loop per season kind keeps the hot path free of branches (this runs ~10⁶ times per fit).
  if (mult) {
    for (let i = from; i < y.length; i++) {
      const yt = y[i] as number;
      const sPrev = s[idx] as number;
      const pred = level + phi * trend;
      const e = yt - pred * sPrev;
      const newLevel = (alpha * yt) / sPrev + (1 - alpha) * pred;
      s[idx] = (gamma * yt) / pred + (1 - gamma) * sPrev;
      trend = beta * (newLevel - level) + (1 - beta) * phi * trend;
      level = newLevel;
      if (unscored === undefined || unscored[i] === 0) sse += lossKind === 0 ? e * e : term(e, pred * sPrev);
      if (++idx === mm) idx = 0;
    }
  } else if (seasonal) {
    for (let i = from; i < y.length; i++) {
      const sPrev = s[idx] as number;
      const pred = level + phi * trend;
      const e = (y[i] as number) - pred - sPrev;
      const newLevel = pred + alpha * e;
      s[idx] = sPrev + gamma * e;
      trend = beta * (newLevel - level) + (1 - beta) * phi * trend;
      level = newLevel;
      if (unscored === undefined || unscored[i] === 0) sse += lossKind === 0 ? e * e : term(e, pred + sPrev);
      if (++idx === mm) idx = 0;
    }
  } else {
    for (let i = from; i < y.length; i++) {
      const pred = level + phi * trend;
      const e = (y[i] as number) - pred;
      const newLevel = pred + alpha * e;
      trend = beta * (newLevel - level) + (1 - beta) * phi * trend;
      level = newLevel;
      if (unscored === undefined || unscored[i] === 0) sse += lossKind === 0 ? e * e : term(e, pred);
    }
  }
  if (!Number.isFinite(sse) || !Number.isFinite(level)) sse = Number.POSITIVE_INFINITY;
  state.level = level;
  state.trend = trend;
  state.t += Math.max(0, y.length - from);
  return sse;
}

export function cloneState(s: SmoothingState): SmoothingState {
  return { level: s.level, trend: s.trend, seasonals: [...s.seasonals], t: s.t };
}

export function forecastPoints(state: SmoothingState, spec: SmoothingSpec, p: SmoothingParams, horizon: number): number[] {
  const mm = m(spec);
  const phi = spec.trend === 'damped' ? p.phi : 1;
  const out: number[] = [];
  let phiH = 0;
  for (let h = 1; h <= horizon; h++) {
    phiH += Math.pow(phi, h);
    const base = state.level + (spec.trend === 'none' ? 0 : phiH * state.trend);
    const sv = state.seasonals[(state.t + h - 1) % mm] as number;
    out.push(spec.seasonal === 'none' ? base : spec.seasonal === 'multiplicative' ? base * sv : base + sv);
  }
  return out;
}

/** Half-widths of the approximate interval, given σ of the one-step errors. */
export function intervalHalfWidths(spec: SmoothingSpec, p: SmoothingParams, sigma: number, z: number, horizon: number): number[] {
  const mm = m(spec);
  const phi = spec.trend === 'damped' ? p.phi : 1;
  const beta = spec.trend === 'none' ? 0 : p.beta;
  const gamma = spec.seasonal === 'none' ? 0 : p.gamma;
  const out: number[] = [];
  let acc = 1;
  let phiJ = 0;
  for (let h = 1; h <= horizon; h++) {
    out.push(z * sigma * Math.sqrt(acc));
    phiJ += Math.pow(phi, h);
    const c = p.alpha * (1 + beta * phiJ) + (spec.seasonal !== 'none' && h % mm === 0 ? gamma : 0);
    acc += c * c;
  }
  return out;
}

/** Which parameters the optimiser is free to choose; fixed ones keep the given value. */
export type FixedParams = Partial<SmoothingParams>;

function decode(u: readonly number[], spec: SmoothingSpec, fixed: FixedParams): SmoothingParams {
  let i = 0;
  const next = (): number => u[i++] as number;
  const alpha = fixed.alpha ?? sigmoid(next(), 1e-4, 0.9999);
  const beta = spec.trend === 'none' ? 0 : (fixed.beta ?? alpha * sigmoid(next(), 1e-4, 0.9999));
  const gamma = spec.seasonal === 'none' ? 0 : (fixed.gamma ?? (1 - alpha) * sigmoid(next(), 1e-4, 0.9999));
  const phi = spec.trend === 'damped' ? (fixed.phi ?? sigmoid(next(), 0.8, 0.98)) : 1;
  return { alpha, beta, gamma, phi };
}

/** Inverse of `decode` for the free parameters (used for warm starts). */
function encode(p: SmoothingParams, spec: SmoothingSpec, fixed: FixedParams): number[] {
  const u: number[] = [];
  if (fixed.alpha === undefined) u.push(logit(p.alpha, 1e-4, 0.9999));
  if (spec.trend !== 'none' && fixed.beta === undefined) u.push(logit(p.beta / p.alpha, 1e-4, 0.9999));
  if (spec.seasonal !== 'none' && fixed.gamma === undefined) u.push(logit(p.gamma / (1 - p.alpha), 1e-4, 0.9999));
  if (spec.trend === 'damped' && fixed.phi === undefined) u.push(logit(p.phi, 0.8, 0.98));
  return u;
}

export interface FittedSmoothing {
  params: SmoothingParams;
  /** State after filtering all of y. */
  state: SmoothingState;
  sse: number;
  /** σ of the one-step errors. */
  sigma: number;
}

/** Optimiser budget: evaluations per start, and how many of the two starts to use. */
export interface FitBudget {
  maxEvals: number;
  starts: 1 | 2;
  /** Start from these parameters instead of the default first start (a warm start). */
  from?: SmoothingParams;
}

export const FULL_BUDGET: FitBudget = { maxEvals: 200, starts: 2 };

/**
 * Which one-step errors of y[0..n) not to score, given which values were interpolated across a gap:
 * e_i when y_i was filled (a point on a straight line, no observation), and when y_{i−1} was (the
 * first value after a gap was forecast from a state fed the line drawn towards it). `offset`: the
 * index of y[0] in the history `filled` answers for. Undefined when every error counts.
 */
export function unscoredMask(n: number, filled: ((index: number) => boolean) | undefined, offset = 0): Uint8Array | undefined {
  if (filled === undefined) return undefined;
  const mask = new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    if (filled(offset + i) || (offset + i > 0 && filled(offset + i - 1))) {
      mask[i] = 1;
      any = true;
    }
  }
  // A history of nothing but filled values: score them all rather than none.
  return any && mask.includes(0) ? mask : undefined;
}

/**
 * Estimate the free parameters on y (from `initialState(y)`), then filter y once more with them.
 * One-step errors marked in `unscored` (see `unscoredMask`) count neither in the loss nor in σ.
 */
export function fitSmoothing(y: readonly number[], spec: SmoothingSpec, fixed: FixedParams = {}, budget: FitBudget = FULL_BUDGET, unscored?: Uint8Array): FittedSmoothing {
  const init = initialState(y, spec);
  const free =
    (fixed.alpha === undefined ? 1 : 0) +
    (spec.trend !== 'none' && fixed.beta === undefined ? 1 : 0) +
    (spec.seasonal !== 'none' && fixed.gamma === undefined ? 1 : 0) +
    (spec.trend === 'damped' && fixed.phi === undefined ? 1 : 0);
  const objective = (u: number[]): number => filter(y, spec, decode(u, spec, fixed), cloneState(init), 0, unscored);
  let params: SmoothingParams;
  if (free === 0) {
    params = decode([], spec, fixed);
  } else {
    // Two starts (logit space): α ≈ 0.5 and 0.1, with β* ≈ γ* ≈ 0.1 and φ ≈ 0.89.
    const starts = [0, -2.2].slice(0, budget.starts).map((a) => [a, -2.2, -2.2, 0].slice(0, free));
    if (budget.from !== undefined) starts[0] = encode(budget.from, spec, fixed);
    params = decode(multiStart(objective, starts, { maxEvals: budget.maxEvals, step: 1, tol: 1e-7 }).x, spec, fixed);
  }
  const state = cloneState(init);
  const sse = filter(y, spec.loss === undefined || spec.loss === 'squared' ? spec : { ...spec, loss: 'squared' }, params, state, 0, unscored);
  let scored = y.length;
  if (unscored !== undefined) for (const u of unscored) scored -= u;
  return { params, state, sse, sigma: Math.sqrt(sse / Math.max(1, scored)) };
}
