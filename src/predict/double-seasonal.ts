/**
 * Double seasonal Holt-Winters (Taylor 2003, "Short-term electricity demand forecasting using
 * double seasonal exponential smoothing"): a daily season of m₁ steps and a weekly one of
 * m₂ = 7 m₁ (or `weekly`), additive, no trend, with Taylor's AR(1) adjustment of the errors:
 *
 *   ŷ_t = l_{t−1} + d_{t−m₁} + w_{t−m₂} + ρ e_{t−1}        e_t = y_t − ŷ_t
 *   l_t = l_{t−1} + α e_t      d_t = d_{t−m₁} + δ e_t      w_t = w_{t−m₂} + ω e_t
 *   forecast  ŷ_{n+h} = l_n + d_{n+h−m₁k₁} + w_{n+h−m₂k₂} + ρ^h e_n   (k₁, k₂: the latest states)
 *
 * α, δ, ω ∈ (0, 1) and ρ ∈ (0, 0.99) minimise the one-step SSE (Nelder-Mead from two starts,
 * logistic maps as in smoothing.ts). Initial states from the first K = min(⌊n/m₂⌋, 3) weeks:
 * l₀ = their mean; d_j = mean of y at daily phase j minus l₀; w_k = mean of y − l₀ − d_{k mod m₁}
 * at weekly phase k (both normalised to sum 0). Needs two weeks of history (else a UserError, so
 * `auto` drops it on short series). Interval: σ √(1 + Σ_{j<h} c_j²), c_j = α + δ·[m₁ | j] + ω·[m₂ | j]
 * (the class-1 formula; ρ ignored), σ² = SSE / n.
 */
import { UserError } from '../core/errors.js';
import { at, checkHistory, checkHorizon, notFitted } from './check.js';
import { multiStart, sigmoid } from './optim.js';
import { DEFAULT_LEVEL, zFor, type Forecast, type Forecaster } from './types.js';

interface Params {
  alpha: number;
  delta: number;
  omega: number;
  rho: number;
}

interface State {
  level: number;
  daily: number[];
  weekly: number[];
  lastError: number;
  /** Absolute time of the next value. */
  t: number;
}

export class DoubleSeasonalForecaster implements Forecaster {
  readonly name = 'double-seasonal';
  private fitted: { params: Params; state: State; sigma: number } | undefined;

  constructor(private readonly options: { season?: number; weekly?: number } = {}) {}

  private periods(): { m1: number; m2: number } {
    const m1 = this.options.season;
    if (m1 === undefined || m1 < 2) throw new UserError(`${this.name} needs the daily season (--season S), got ${String(m1)}`, { field: 'season' });
    const m2 = this.options.weekly ?? 7 * m1;
    if (m2 % m1 !== 0 || m2 <= m1) throw new UserError(`${this.name}: the weekly period ${m2} must be a multiple of the daily one ${m1}`, { field: 'weekly' });
    return { m1, m2 };
  }

  fit(history: readonly number[]): void {
    const { m1, m2 } = this.periods();
    checkHistory(this.name, history, 2 * m2, `two weekly seasons of ${m2} steps`);
    const init = initialState(history, m1, m2);
    const decode = (u: readonly number[]): Params => ({ alpha: sigmoid(u[0] as number, 1e-4, 0.9999), delta: sigmoid(u[1] as number, 1e-4, 0.9999), omega: sigmoid(u[2] as number, 1e-4, 0.9999), rho: sigmoid(u[3] as number, 0, 0.99) });
    const objective = (u: number[]): number => run(history, decode(u), cloneState(init), 0);
    const best = multiStart(objective, [[-2.2, -2.2, -2.2, 0], [0, -3, -3, 1]], { maxEvals: 200, step: 1, tol: 1e-7 });
    const params = decode(best.x);
    const state = cloneState(init);
    const sse = run(history, params, state, 0);
    this.fitted = { params, state, sigma: Math.sqrt(sse / history.length) };
  }

  update(history: readonly number[]): void {
    const f = this.fitted;
    if (f === undefined) throw notFitted(this.name);
    run(history, f.params, f.state, f.state.t);
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const f = this.fitted;
    if (f === undefined) throw notFitted(this.name);
    const { m1, m2 } = this.periods();
    const { params: p, state: s } = f;
    const z = zFor(level);
    const point: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    let acc = 1;
    for (let h = 1; h <= horizon; h++) {
      const t = s.t + h - 1;
      const y = s.level + at(s.daily, t % m1) + at(s.weekly, t % m2) + Math.pow(p.rho, h) * s.lastError;
      const half = z * f.sigma * Math.sqrt(acc);
      point.push(y);
      lower.push(y - half);
      upper.push(y + half);
      const c = p.alpha + (h % m1 === 0 ? p.delta : 0) + (h % m2 === 0 ? p.omega : 0);
      acc += c * c;
    }
    return { point, interval: { level, lower, upper } };
  }
}

function cloneState(s: State): State {
  return { level: s.level, daily: [...s.daily], weekly: [...s.weekly], lastError: s.lastError, t: s.t };
}

/** Filter y[from..] (mutating the state); returns the SSE of the one-step errors. */
function run(y: readonly number[], p: Params, s: State, from: number): number {
  const m1 = s.daily.length;
  const m2 = s.weekly.length;
  let sse = 0;
  let { level, lastError } = s;
  for (let t = from; t < y.length; t++) {
    const i1 = t % m1;
    const i2 = t % m2;
    const d = s.daily[i1] as number;
    const w = s.weekly[i2] as number;
    const e = (y[t] as number) - (level + d + w + p.rho * lastError);
    level += p.alpha * e;
    s.daily[i1] = d + p.delta * e;
    s.weekly[i2] = w + p.omega * e;
    lastError = e;
    sse += e * e;
  }
  s.level = level;
  s.lastError = lastError;
  s.t = Math.max(s.t, y.length);
  return Number.isFinite(sse) ? sse : Number.POSITIVE_INFINITY;
}

function initialState(y: readonly number[], m1: number, m2: number): State {
  const k = Math.max(1, Math.min(Math.floor(y.length / m2), 3));
  const n = k * m2;
  let l0 = 0;
  for (let t = 0; t < n; t++) l0 += at(y, t);
  l0 /= n;
  const daily = new Array<number>(m1).fill(0);
  for (let t = 0; t < n; t++) daily[t % m1] = (daily[t % m1] as number) + (at(y, t) - l0) / (n / m1);
  const dm = daily.reduce((a, b) => a + b, 0) / m1;
  for (let j = 0; j < m1; j++) daily[j] = (daily[j] as number) - dm;
  const weekly = new Array<number>(m2).fill(0);
  for (let t = 0; t < n; t++) weekly[t % m2] = (weekly[t % m2] as number) + (at(y, t) - l0 - at(daily, t % m1)) / k;
  const wm = weekly.reduce((a, b) => a + b, 0) / m2;
  for (let j = 0; j < m2; j++) weekly[j] = (weekly[j] as number) - wm;
  return { level: l0, daily, weekly, lastError: 0, t: 0 };
}
