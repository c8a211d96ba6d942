/**
 * The Theta method (Assimakopoulos & Nikolopoulos 2000) in its standard form, simple exponential
 * smoothing with drift (Hyndman & Billah 2003; R's forecast::thetaf):
 *
 * 1. Seasonal adjustment (when a season S is known and the history holds ≥ 2 seasons): classical
 *    decomposition. The centred moving average c_t of length S (2×S when S is even) estimates the
 *    trend; the index of phase j is the mean over cycles of y_t / c_t (multiplicative, strictly
 *    positive data) or y_t − c_t (additive otherwise), normalised to mean 1 (sum 0). The series is
 *    adjusted: x_t = y_t / I_{t mod S} (or y_t − I_{t mod S}).
 * 2. On x: b = the OLS slope of x_t on t (the θ = 0 line); SES with α fitted by Nelder-Mead on
 *    the one-step SSE gives the level ℓ_n (the θ = 2 line's extrapolation).
 * 3. Forecast  x̂_{n+h} = ℓ_n + (b / 2) · (h − 1 + 1/α − (1 − α)^n / α),  re-seasonalised
 *    ŷ_{n+h} = x̂_{n+h} · I_{(n+h) mod S} (or + I).
 * Interval: the SES one, x̂ ± z σ √(1 + (h − 1) α²) (σ: one-step SSE / n), re-seasonalised like
 * the point forecast. `update` carries the SES level over new points with α, b and I unchanged.
 */
import { at, checkHistory, checkHorizon, notFitted } from './check.js';
import { filter, fitSmoothing, type SmoothingState } from './smoothing.js';
import { DEFAULT_LEVEL, zFor, type Forecast, type Forecaster } from './types.js';

const SES = { trend: 'none', seasonal: 'none', season: 1 } as const;

interface ThetaFit {
  alpha: number;
  slope: number;
  sigma: number;
  /** Seasonal indices by phase (t mod S), or undefined without a season. */
  index: number[] | undefined;
  multiplicative: boolean;
  state: SmoothingState;
  /** Points filtered so far (the absolute time of the next value). */
  n: number;
}

export class ThetaForecaster implements Forecaster {
  readonly name = 'theta';
  private fitted: ThetaFit | undefined;

  constructor(private readonly season?: number) {}

  fit(history: readonly number[]): void {
    checkHistory(this.name, history, 4);
    const s = this.season;
    const seasonal = s !== undefined && s > 1 && history.length >= 2 * s;
    const multiplicative = seasonal && history.every((v) => v > 0);
    const index = seasonal ? seasonalIndices(history, s, multiplicative) : undefined;
    const x = history.map((y, t) => adjust(y, t, index, multiplicative));
    const slope = olsSlope(x);
    const ses = fitSmoothing(x, SES);
    this.fitted = { alpha: ses.params.alpha, slope, sigma: ses.sigma, index, multiplicative, state: ses.state, n: history.length };
  }

  update(history: readonly number[]): void {
    const f = this.fitted;
    if (f === undefined) throw notFitted(this.name);
    const x = history.map((y, t) => (t < f.n ? 0 : adjust(y, t, f.index, f.multiplicative)));
    filter(x, SES, { alpha: f.alpha, beta: 0, gamma: 0, phi: 1 }, f.state, f.n);
    f.n = history.length;
  }

  forecast(horizon: number, level = DEFAULT_LEVEL): Forecast {
    checkHorizon(this.name, horizon);
    const f = this.fitted;
    if (f === undefined) throw notFitted(this.name);
    const z = zFor(level);
    const a = f.alpha;
    const point: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    for (let h = 1; h <= horizon; h++) {
      const x = f.state.level + (f.slope / 2) * (h - 1 + 1 / a - Math.pow(1 - a, f.n) / a);
      const half = z * f.sigma * Math.sqrt(1 + (h - 1) * a * a);
      const t = f.n + h - 1;
      point.push(reseason(x, t, f.index, f.multiplicative));
      lower.push(reseason(x - half, t, f.index, f.multiplicative));
      upper.push(reseason(x + half, t, f.index, f.multiplicative));
    }
    return { point, interval: { level, lower, upper } };
  }
}

function adjust(y: number, t: number, index: number[] | undefined, mult: boolean): number {
  if (index === undefined) return y;
  const i = at(index, t % index.length);
  return mult ? y / i : y - i;
}

function reseason(x: number, t: number, index: number[] | undefined, mult: boolean): number {
  if (index === undefined) return x;
  const i = at(index, t % index.length);
  return mult ? x * i : x + i;
}

/** Classical-decomposition seasonal indices (step 1 above). */
export function seasonalIndices(y: readonly number[], s: number, multiplicative: boolean): number[] {
  const n = y.length;
  // Prefix sums for the centred moving average.
  const pre = [0];
  for (let t = 0; t < n; t++) pre.push((pre[t] as number) + at(y, t));
  // y[a..b). A difference of prefix sums cancels when the window is tiny next to what came before
  // it (values of 10⁻⁶ after spikes of 10¹⁵ gave 0 or less, y / c infinite, forecasts NaN): with
  // positive data such a window is summed directly, which happens only for extreme ratios.
  const sum = (a: number, b: number): number => {
    const d = (pre[b] as number) - (pre[a] as number);
    if (!multiplicative || d > 1e-9 * (pre[b] as number)) return d;
    let direct = 0;
    for (let t = a; t < b; t++) direct += at(y, t);
    return direct;
  };
  const acc = new Array<number>(s).fill(0);
  const cnt = new Array<number>(s).fill(0);
  const half = Math.floor(s / 2);
  for (let t = half; t + half < n; t++) {
    let c: number;
    if (s % 2 === 1) c = sum(t - half, t + half + 1) / s;
    else {
      if (t + half >= n) break;
      // 2×S moving average: half weight on the two end points.
      c = (sum(t - half, t + half) + sum(t - half + 1, t + half + 1)) / (2 * s);
    }
    const j = t % s;
    acc[j] = (acc[j] as number) + (multiplicative ? at(y, t) / c : at(y, t) - c);
    cnt[j] = (cnt[j] as number) + 1;
  }
  const idx = acc.map((a, j) => ((cnt[j] as number) > 0 ? a / (cnt[j] as number) : multiplicative ? 1 : 0));
  const mean = idx.reduce((a, b) => a + b, 0) / s;
  return idx.map((v) => (multiplicative ? v / mean : v - mean));
}

function olsSlope(x: readonly number[]): number {
  const n = x.length;
  const tm = (n - 1) / 2;
  const xm = x.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    num += (t - tm) * (at(x, t) - xm);
    den += (t - tm) * (t - tm);
  }
  return den === 0 ? 0 : num / den;
}
