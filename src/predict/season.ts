/**
 * Seasonal period detection by autocorrelation.
 *
 * 1. Remove a least-squares line from the series (a trend makes every lag look correlated).
 * 2. r(k) = Σ_{t≥k} x_t x_{t−k} / Σ_t x_t²  for k = 1..maxLag, maxLag = min(n/2, options.maxLag).
 * 3. A candidate is a local maximum r(k) ≥ r(k±1) with r(k) ≥ minCorrelation whose prominence
 *    (r(k) minus the lowest r on 1..k) is at least minProminence: the ACF must have dipped and
 *    come back, which a slowly decaying, non-seasonal ACF never does. r(k) must also clear what
 *    white noise reaches: on noise r(k) has sd ≈ √(n − k) / n, and with maxLag lags searched the
 *    bound z · √(n − k) / n, z = Φ⁻¹(1 − 0.05 / maxLag), is passed somewhere with probability
 *    ≤ 5 % (Bonferroni). The fixed 0.2 alone is ~1σ of noise on 24 points: on seeded white
 *    noise it found a "season" in 104 of 200 series of 24 points and 59 of 200 of 100 points,
 *    1 and 5 with the bound. It only bites below a few hundred points (n = 864, k = 288:
 *    3.7 · 24 / 864 = 0.10 < 0.2); a real season in a short series then needs a clearer ACF
 *    peak, else detection says nothing was found and the caller asks for --season.
 * 3b. A candidate must also beat red noise (redNoiseTest below): the white-noise bound is the wrong
 *    yardstick for a series whose neighbouring values are correlated. A detrended random walk's ACF
 *    wanders in slow waves with peaks of 0.2-0.4 at lags n/5-n/2, and the rules above took one for
 *    a season in 26 of 200 seeded walks of 100-4,000 points (13 %); requiring three cycles cut that
 *    to 3.5 % but lost real yearly seasons in 30 monthly points. With the test: 1 of 200 (0.5 %),
 *    while 124 of 200 seeded seasonal series keep their right period (126 before) and the shared
 *    series keep theirs (bench/forecast/season-detection.ts; docs/forecasting.md "Seasonal period").
 * 4. Among candidates the highest r wins, except that a smaller lag is preferred when the larger
 *    one is (within ±2 steps) a multiple of it and its r is at least 90 % as high: multiples of
 *    the true period always echo it.
 *
 * 5. With `stepSeconds` (the series' step), a calendar period P, an hour, a day, a week or a year in whole
 *    steps (P ≥ 2), replaces the winner when it lies within 3 % of it (at least 1 step) and r(P)
 *    is at least 90 % of its r. A flat ACF top puts the maximum a few steps off the true period:
 *    on a 5-minute CPU series with a daily cycle r(285) = 0.8660 beat r(288) = 0.8659, and
 *    Holt-Winters with S = 285 had a 13 % larger MAE than with 288 (the season drifts 3 steps a
 *    day). The raw estimator Σ_{t≥k} x_t x_{t−k} / Σ x_t² also shrinks with k, pulling a flat
 *    top towards shorter lags. A candidate passes step 3b at its own lag or at the period this rule
 *    moves it to: a top 3 steps before the day drifts 3 steps a day off the shape, so its own lag
 *    can fail the test the day passes (a trading-hours series with nights and weekends filled:
 *    r(285) 0.563, r(288) 0.561; 285 failed and two days less a step, 575, was the season).
 *
 * 0. Spikes first (`despike`, default on): each value's distance from the median of its 7
 *    neighbours (±3 steps) is clipped to 5 times the median such distance, and steps 1-5 run on
 *    that. One burst of news on a Twitter volume series holds most of Σ x_t², so its ACF at one
 *    day was 0.01 on Twitter_volume_AMZN and no day was found (1,727 instead); despiked, 288. A
 *    season made OF spikes (a job every 19 steps on GenAI, every 289 on ec2_cpu_utilization_24ae8d)
 *    is clipped away with them, so when the despiked series gives nothing the raw one is asked;
 *    and with the step known a calendar period (rule 5's hour, day, week or year) found on the raw
 *    series wins over another lag found on the despiked one (ec2_cpu_utilization_5f5533's last
 *    2,000 points: 12 raw, one hour, 10 despiked, and auto's MAE 0.49 with 12 against 0.71).
 *    On a series without spikes little is clipped (Gaussian noise: about 1 % of the values, as a
 *    value sits in its own median's window) and the season is nearly always the raw one. Chosen on the
 *    DEV half of the real series (bench/forecast/season-detection.ts), reported on the rest:
 *    docs/forecasting.md "Spikes".
 *
 * Returns `undefined` when nothing qualifies: the caller decides whether that is an error.
 */
import { linearRegression } from 'simple-statistics';
import { UserError } from '../core/errors.js';
import { zFor } from './types.js';

export interface SeasonOptions {
  maxLag?: number;
  minCorrelation?: number;
  minProminence?: number;
  /** Noise bound: r(k) must also reach z · √(n − k) / n (step 3; default z = Φ⁻¹(1 − 0.05 / maxLag), 0 = off). */
  noiseZ?: number;
  /** Seconds between values: lets a nearby hour, day or week win (rule 5). */
  stepSeconds?: number;
  /** Red-noise test (step 3b): a candidate must explain the series better than an AR(1) fitted to it (default true; false = the rule before it). */
  redNoise?: boolean;
  /** Step 0: clip isolated spikes before the ACF; the raw series when that finds nothing or, with the step known, only the raw series finds a calendar period (default true; false = the rule before it). */
  despike?: boolean;
}

/** Step 0: half-width of the running median, and the clip in median absolute distances from it. */
const DESPIKE_HALF_WIDTH = 3;
const DESPIKE_CLIP = 5;

/** Chance that white noise passes the noise bound at some lag (Bonferroni over the lags searched). */
const FAMILY_ALPHA = 0.05;

/** Calendar periods rule 5 prefers, seconds: an hour, a day, a week, a mean Gregorian year (12 calendar-month steps, calendar-months.ts). */
const CALENDAR = [3600, 86_400, 604_800, 31_556_952];

function detrend(values: readonly number[]): number[] {
  const { m, b } = linearRegression(values.map((v, i) => [i, v]));
  return values.map((v, i) => v - (m * i + b));
}

export function autocorrelation(values: readonly number[], maxLag: number): number[] {
  return acf(detrend(values), maxLag);
}

function acf(x: readonly number[], maxLag: number): number[] {
  const n = x.length;
  let denom = 0;
  for (const v of x) denom += v * v;
  const r: number[] = [1];
  for (let k = 1; k <= maxLag; k++) {
    let s = 0;
    for (let t = k; t < n; t++) s += (x[t] as number) * (x[t - k] as number);
    r.push(denom > 0 ? s / denom : 0);
  }
  return r;
}

export function detectSeason(values: readonly number[], options: SeasonOptions = {}): number | undefined {
  return findSeason(values, options)?.season;
}

/** How `detectSeason` came to its season, for a message that names each lag with the series it was found on. */
export interface SeasonFinding {
  /** What `detectSeason` returns. */
  season: number;
  /** The ACF's own choice (steps 1-4) on the series the season came from; `season` differs when rule 5 moved it to a calendar period. */
  peak: number;
  /** The season came from the spike-clipped series (step 0), not the raw one. */
  clipped: boolean;
  /** The clipped series' ACF peak when the raw series' calendar period won over it (step 0; it is no calendar period). */
  clippedLag?: number;
}

export function findSeason(values: readonly number[], options: SeasonOptions = {}): SeasonFinding | undefined {
  const on = (series: readonly number[], clipped: boolean): SeasonFinding | undefined => {
    const f = detectOn(series, options);
    return f === undefined ? undefined : { ...f, clipped };
  };
  if (options.despike === false) return on(values, false);
  const clipped = despiked(values, DESPIKE_HALF_WIDTH, DESPIKE_CLIP);
  if (clipped === undefined) return on(values, false);
  const found = on(clipped, true);
  if (found !== undefined && (options.stepSeconds === undefined || isCalendar(found.season, options.stepSeconds))) return found;
  const raw = on(values, false);
  if (found === undefined) return raw;
  // Both found one: an hour, a day, a week or a year (rule 5's periods) beats any other lag.
  return raw !== undefined && options.stepSeconds !== undefined && isCalendar(raw.season, options.stepSeconds) ? { ...raw, clippedLag: found.peak } : found;
}

function isCalendar(lag: number, step: number): boolean {
  return CALENDAR.some((seconds) => seconds / step === lag);
}

/**
 * Step 0: each value's distance d_t from the median of x_{t−w..t+w} (narrower at the ends) is clipped to ±c · m, m the
 * median |d_t| (when more than half the distances are 0, as in a count series that is mostly
 * idle: half the 90th percentile). `undefined` when nothing is clipped (or no scale exists).
 */
export function despiked(values: readonly number[], w: number, c: number): number[] | undefined {
  const n = values.length;
  const med = values.map((_, t) => {
    const h = Math.min(w, t, n - 1 - t); // centred: at the ends a one-sided window would see a slope as a spike
    const win = values.slice(t - h, t + h + 1).sort((a, b) => a - b);
    return ((win[(win.length - 1) >> 1] as number) + (win[win.length >> 1] as number)) / 2;
  });
  const dist = values.map((v, t) => v - (med[t] as number));
  const abs = dist.map(Math.abs).sort((a, b) => a - b);
  const at = (q: number): number => abs[Math.floor(q * (abs.length - 1))] as number;
  const scale = at(0.5) > 0 ? at(0.5) : at(0.9) / 2;
  if (!(scale > 0)) return undefined;
  const lim = c * scale;
  if (!abs.some((d) => d > lim)) return undefined;
  return values.map((_, t) => (med[t] as number) + Math.min(lim, Math.max(-lim, dist[t] as number)));
}

/** Steps 1-5 on one series: the season and the ACF's own choice before rule 5. */
function detectOn(values: readonly number[], options: SeasonOptions): { season: number; peak: number } | undefined {
  const n = values.length;
  const maxLag = Math.min(Math.floor(n / 2), options.maxLag ?? 2016);
  if (maxLag < 3) return undefined;
  const minR = options.minCorrelation ?? 0.2;
  const minProm = options.minProminence ?? 0.1;
  const z = options.noiseZ ?? zFor(1 - (2 * FAMILY_ALPHA) / maxLag);
  const x = detrend(values);
  const r = acf(x, maxLag);
  // The red-noise test costs O(n) per lag: it is asked only of the lags that can win (lazily, once each).
  const test = options.redNoise === false ? undefined : redNoiseTest(x);
  const tested = new Map<number, boolean>();
  const beatsRedNoise = (k: number): boolean => {
    if (test === undefined) return true;
    if (!tested.has(k)) tested.set(k, test(k));
    return tested.get(k) as boolean;
  };
  const candidates: { lag: number; r: number }[] = [];
  let low = r[1] as number;
  for (let k = 2; k < maxLag; k++) {
    const rk = r[k] as number;
    low = Math.min(low, rk);
    if (rk >= (r[k - 1] as number) && rk >= (r[k + 1] as number) && rk >= Math.max(minR, (z * Math.sqrt(n - k)) / n) && rk - low >= minProm) {
      candidates.push({ lag: k, r: rk });
    }
  }
  // Rule 5's move, when the step is known: the calendar period a peak a few steps off it stands for.
  const step = options.stepSeconds;
  const snap = (k: number): number => (step === undefined ? k : calendarSnap(r, n, k, step, maxLag));
  // A peak passes the red-noise test at its own lag or at the period rule 5 moves it to: a flat top a
  // few steps off the day (285 for 288) drifts that far off the shape every cycle, so a profile of
  // its own lag explains nothing, and a multiple of the period (575, two days less a step) won.
  const passes = (k: number): boolean => beatsRedNoise(k) || (snap(k) !== k && beatsRedNoise(snap(k)));
  // The highest r that beats red noise (the smallest lag among equals)...
  let best = [...candidates].sort((a, b) => b.r - a.r || a.lag - b.lag).find((c) => passes(c.lag));
  if (best === undefined) return undefined;
  // ...unless a smaller lag of which it is a multiple is nearly as high (and beats red noise too).
  for (const c of candidates) {
    if (c.lag >= best.lag) break;
    const ratio = best.lag / c.lag;
    const near = Math.abs(best.lag - Math.round(ratio) * c.lag) <= 2;
    if (Math.round(ratio) >= 2 && near && c.r >= 0.9 * best.r && passes(c.lag)) {
      best = c;
      break;
    }
  }
  return { season: snap(best.lag), peak: best.lag };
}

/**
 * Step 3b, the red-noise test: does a season of k steps explain x better than the series' own
 * short-range autocorrelation does? The null is an AR(1) process fitted to x (least squares,
 * x_t ≈ φ x_{t−1}), which a random walk, a drifting level or a smooth noise resembles; its one-step
 * errors have sum of squares SSE₀. The season is then removed in two ways and the AR(1) refitted
 * on what is left (SSE₁):
 *  - a sinusoid of period k (2 parameters; least squares): a likelihood-ratio test,
 *    (n − 1) ln(SSE₀ / SSE₁) ~ χ²₂ under the null, passed when above 2 ln(m / α');
 *  - the mean of each of the k phases (k − 1 parameters, any shape: a spike every k steps):
 *    F = ((SSE₀ − SSE₁) / (k − 1)) / (SSE₁ / (n − k − 2)) against F(k − 1, n − k − 2) at 1 − α' / m
 *    (Paulson's cube-root normal approximation).
 * Either one suffices; α' = α / 2 for each (Bonferroni), m = n / 2 periods searched. On white
 * noise φ ≈ 0 and the test is an ordinary periodogram / ANOVA test; on a random walk φ ≈ 1 and a
 * slow wiggle of the level that the ACF takes for a season explains nothing the previous value
 * did not already explain.
 */
function redNoiseTest(x: readonly number[]): (k: number) => boolean {
  const n = x.length;
  const m = Math.max(1, Math.floor(n / 2));
  const sse0 = ar1Sse(x);
  const chi2 = 2 * Math.log((2 * m) / FAMILY_ALPHA);
  const z = zFor(1 - (2 * FAMILY_ALPHA) / (2 * m));
  return (k) => {
    if (!(sse0 > 0)) return false;
    return sinusoidExplains(x, k, sse0, chi2) || profileExplains(x, k, sse0, z);
  };
}

function sinusoidExplains(x: readonly number[], k: number, sse0: number, chi2: number): boolean {
  const n = x.length;
  const w = (2 * Math.PI) / k;
  const cos = Array.from({ length: n }, (_, t) => Math.cos(w * t));
  const sin = Array.from({ length: n }, (_, t) => Math.sin(w * t));
  let sxc = 0;
  let sxs = 0;
  let scc = 0;
  let sss = 0;
  let scs = 0;
  for (let t = 0; t < n; t++) {
    const ct = cos[t] as number;
    const st = sin[t] as number;
    const xt = x[t] as number;
    sxc += xt * ct;
    sxs += xt * st;
    scc += ct * ct;
    sss += st * st;
    scs += ct * st;
  }
  const det = scc * sss - scs * scs;
  if (!(det > 0)) return false;
  const a = (sxc * sss - sxs * scs) / det;
  const b = (sxs * scc - sxc * scs) / det;
  const sse1 = ar1Sse(x.map((v, t) => v - a * (cos[t] as number) - b * (sin[t] as number)));
  return sse1 <= 0 || (n - 1) * Math.log(sse0 / sse1) > chi2;
}

function profileExplains(x: readonly number[], k: number, sse0: number, z: number): boolean {
  const n = x.length;
  const d1 = k - 1;
  const d2 = n - k - 2;
  if (d2 < 1) return false;
  const sum = new Array<number>(k).fill(0);
  const count = new Array<number>(k).fill(0);
  x.forEach((v, t) => {
    sum[t % k] = (sum[t % k] as number) + v;
    count[t % k] = (count[t % k] as number) + 1;
  });
  const sse1 = ar1Sse(x.map((v, t) => v - (sum[t % k] as number) / (count[t % k] as number)));
  if (!(sse1 > 0)) return true;
  const F = (sse0 - sse1) / d1 / (sse1 / d2);
  if (!(F > 0)) return false;
  const a = 2 / (9 * d1);
  const b = 2 / (9 * d2);
  const f3 = Math.cbrt(F);
  return ((1 - b) * f3 - (1 - a)) / Math.sqrt(a + f3 * f3 * b) > z;
}

/** Sum of squared one-step errors of the least-squares AR(1) fit x_t ≈ φ x_{t−1}. */
function ar1Sse(x: readonly number[]): number {
  let sxx = 0;
  let sxy = 0;
  for (let t = 1; t < x.length; t++) {
    sxx += (x[t - 1] as number) ** 2;
    sxy += (x[t] as number) * (x[t - 1] as number);
  }
  const phi = sxx > 0 ? sxy / sxx : 0;
  let sse = 0;
  for (let t = 1; t < x.length; t++) sse += ((x[t] as number) - phi * (x[t - 1] as number)) ** 2;
  return sse;
}

/**
 * Rule 5: the calendar period next to `lag` when its ACF is nearly as high, else `lag`. The two are
 * compared with the estimator's shrinkage undone (r(k) · n / (n − k)): on a short series it
 * matters, e.g. 36 noisy monthly points with a yearly cycle had r(11) = 0.458 and r(12) = 0.411
 * (ratio 0.898, no snap; 0.935 corrected), and seasonal naive with S = 11 forecast worse than naive.
 */
function calendarSnap(r: readonly number[], n: number, lag: number, step: number, maxLag: number): number {
  const corrected = (k: number): number => ((r[k] as number) * n) / (n - k);
  for (const seconds of CALENDAR) {
    const p = seconds / step;
    if (!Number.isInteger(p) || p < 2 || p > maxLag || p === lag) continue;
    if (Math.abs(p - lag) <= Math.max(1, 0.03 * lag) && corrected(p) >= 0.9 * corrected(lag)) return p;
  }
  return lag;
}

/** The season to use: the one given, else the detected one, else a UserError naming the model. */
export function resolveSeason(given: number | undefined, history: readonly number[], model: string): number {
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 1) throw new UserError(`${model}: season must be a positive integer number of steps, got ${given}`, { field: 'season' });
    return given;
  }
  const s = detectSeason(history);
  if (s === undefined) {
    throw new UserError(`${model}: no seasonal period could be detected in ${history.length} points; give one with --season S (steps per season), or --season 1 for none`, { field: 'season' });
  }
  return s;
}
