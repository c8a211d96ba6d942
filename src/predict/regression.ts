/**
 * Linear regression on trend + seasonal features, fitted by ordinary least squares on the last
 * `window` points (default 8 seasons, so an old regime does not pin the trend, and at least
 * MIN_WINDOW = 48: without a season, S = 1, eight seasons are eight points, a line through them
 * extrapolated 12 steps; on six non-seasonal series its 80 % interval covered 41-49 %):
 *
 *   fourier:  y_t = b_0 + b_1 t + Σ_{k=1}^{K} [a_k sin(2πkt/S) + c_k cos(2πkt/S)]   (K ≤ S/2)
 *   dummy:    y_t = b_1 t + d_{t mod S}                                               (S phase means)
 *
 * Fourier: the normal equations (XᵀX)β = Xᵀy (2K+2 unknowns, t rescaled to [0,1]) are solved by
 * Gaussian elimination with partial pivoting and a tiny ridge for rank deficiency (its bias taken
 * back by iterative refinement).
 * Dummy: the exact OLS solution by Frisch-Waugh-Lovell: demean t and y within each phase,
 * b_1 = slope of the demeaned pairs (simple-statistics `linearRegression`), then
 * d_j = mean over phase j of (y_t − b_1 t).
 * Forecast: ŷ_{n+h} = the fitted equation at t = n+h. Interval: ŷ ± z·σ, σ = residual standard
 * deviation (parameter uncertainty ignored; the trend can be switched off with `trend: false`).
 */
import { linearRegression, mean, sampleStandardDeviation } from 'simple-statistics';
import { at, checkHistory, checkHorizon, notFitted } from './check.js';
import { FourierSums } from './fourier-sums.js';
import { resolveSeason } from './season.js';
import { DEFAULT_LEVEL, zFor, type Forecast, type Forecaster } from './types.js';

export interface RegressionOptions {
  season?: number;
  features?: 'fourier' | 'dummy';
  /** Number of harmonics for `fourier` (default min(10, ⌊S/2⌋)). */
  harmonics?: number;
  /** Fit on the last `window` points (default 8 seasons, at least MIN_WINDOW points). */
  window?: number;
  /** Include the linear trend term (default true). */
  trend?: boolean;
}

/** The shortest default fitting window, points (see the top of the file). */
const MIN_WINDOW = 48;

interface Fitted {
  /** ŷ for an absolute time index. */
  predict(t: number): number;
  sigma: number;
  /** Absolute index of the next step. */
  next: number;
}

export class RegressionForecaster implements Forecaster {
  readonly name: 'regression' | 'regression-dummy';
  private fitted: Fitted | undefined;
  /** Normal-equation sums kept between fits (a growing history adds only its new rows). */
  private readonly sums = new FourierSums();

  constructor(private readonly options: RegressionOptions = {}) {
    this.name = options.features === 'dummy' ? 'regression-dummy' : 'regression';
  }

  fit(history: readonly number[]): void {
    checkHistory(this.name, history, 3);
    const s = resolveSeason(this.options.season, history, this.name);
    checkHistory(this.name, history, 2 * s, `two seasons of ${s} steps`);
    const n = history.length;
    const w = Math.min(n, Math.max(this.options.window ?? Math.max(8 * s, MIN_WINDOW), 2 * s));
    const t0 = n - w;
    const ys = history.slice(t0);
    const trend = this.options.trend ?? true;
    const fit = this.options.features === 'dummy' ? fitDummy(ys, t0, s, trend) : fitFourier(this.sums, ys, t0, s, Math.min(this.options.harmonics ?? 10, Math.floor(s / 2)), trend);
    const residuals = ys.map((y, i) => y - fit(t0 + i));
    this.fitted = { predict: fit, sigma: residualSigma(residuals, ys), next: n };
  }

  update(history: readonly number[]): void {
    // Refitting is one small least-squares solve, and the Fourier sums of the rows already seen are
    // kept while the window only grows (fourier-sums.ts): cheap enough to do on every update.
    this.fit(history);
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const f = this.fitted;
    if (f === undefined) throw notFitted(this.name);
    const point: number[] = [];
    for (let h = 0; h < horizon; h++) point.push(f.predict(f.next + h));
    const half = zFor(level) * f.sigma;
    return { point, interval: { level, lower: point.map((p) => p - half), upper: point.map((p) => p + half) } };
  }
}

/**
 * σ = the residuals' standard deviation, never below 10⁻¹² of the window's largest |y|: residuals
 * that small are floating-point rounding, not noise. On a constant series (a metric stuck at 45 %)
 * σ was exactly 0 and the forecast off by rounding (1.3·10⁻⁷ before `solve` refined it, 3·10⁻¹⁴
 * after), so the interval had zero width beside the data: drs forecast printed 8 % coverage for a
 * perfect forecast.
 */
function residualSigma(residuals: readonly number[], ys: readonly number[]): number {
  const rounding = 1e-12 * ys.reduce((m, y) => Math.max(m, Math.abs(y)), 0);
  return Math.max(residuals.length >= 2 ? sampleStandardDeviation(residuals) : 0, rounding);
}

function fitDummy(ys: readonly number[], t0: number, s: number, trend: boolean): (t: number) => number {
  const phaseOf = (t: number): number => ((t % s) + s) % s;
  const groups: { t: number[]; y: number[] }[] = Array.from({ length: s }, () => ({ t: [], y: [] }));
  ys.forEach((y, i) => {
    const g = groups[phaseOf(t0 + i)] as { t: number[]; y: number[] };
    g.t.push(t0 + i);
    g.y.push(y);
  });
  let slope = 0;
  if (trend) {
    const pairs: [number, number][] = [];
    for (const g of groups) {
      if (g.t.length === 0) continue;
      const mt = mean(g.t);
      const my = mean(g.y);
      g.t.forEach((t, i) => pairs.push([t - mt, at(g.y, i) - my]));
    }
    slope = linearRegression(pairs).m;
    if (!Number.isFinite(slope)) slope = 0;
  }
  const phase = groups.map((g) => mean(g.y.map((y, i) => y - slope * at(g.t, i))));
  return (t) => (phase[phaseOf(t)] as number) + slope * t;
}

/** The Fourier fit of `ys` = history[t0 …] (normal equations from `sums`: fourier-sums.ts). */
function fitFourier(sums: FourierSums, ys: readonly number[], t0: number, s: number, k: number, trend: boolean): (t: number) => number {
  const span = Math.max(1, ys.length);
  const { xtx, xty } = sums.normal(ys, t0, s, k, trend);
  const beta = solve(xtx, xty);
  return (t) => sums.predict(t, t0, span, beta);
}

/**
 * Solve A x = b (A symmetric positive semi-definite): with a 1e-9 relative ridge, for rank
 * deficiency, then two steps of iterative refinement (x += solution of A δ = b − A x, same ridge),
 * which take back the bias the ridge puts on a well-conditioned solution (≈ 10⁻⁹ relative; on a
 * constant series of 45s it put the forecast 1.3·10⁻⁷ off, outside its zero-width interval). A
 * direction A does not determine stays where the ridge put it: b − A x has no component there.
 */
export function solve(a: number[][], b: number[]): number[] {
  const x = solveRidged(a, b);
  for (let step = 0; step < 2; step++) {
    const r = b.map((bi, i) => bi - (a[i] as number[]).reduce((acc, aij, j) => acc + aij * (x[j] as number), 0));
    solveRidged(a, r).forEach((d, i) => (x[i] = (x[i] as number) + d));
  }
  return x;
}

function solveRidged(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  let diag = 0;
  for (let i = 0; i < n; i++) diag = Math.max(diag, Math.abs((m[i] as number[])[i] as number));
  for (let i = 0; i < n; i++) (m[i] as number[])[i] = ((m[i] as number[])[i] as number) + 1e-9 * (diag || 1);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[piv] as number[])[c] as number)) piv = r;
    [m[c], m[piv]] = [m[piv] as number[], m[c] as number[]];
    const rowC = m[c] as number[];
    const d = rowC[c] as number;
    if (d === 0) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const rowR = m[r] as number[];
      const f = (rowR[c] as number) / d;
      if (f === 0) continue;
      for (let j = c; j <= n; j++) rowR[j] = (rowR[j] as number) - f * (rowC[j] as number);
    }
  }
  return m.map((row, i) => {
    const d = row[i] as number;
    return d === 0 ? 0 : (row[n] as number) / d;
  });
}
