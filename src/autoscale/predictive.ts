import { isUserError } from '../core/errors.js';
import { createForecaster } from '../predict/registry.js';
import type { Forecaster } from '../predict/types.js';
import type { PoolScalingState, ScaleAction, ScalingInput, ScalingPolicy } from './policy.js';
import { ReactivePolicy, type ReactiveOptions, type ReactiveRecommendation } from './reactive.js';

/*
 * Predictive scaling: provision now for the demand forecast at the time new nodes would be ready,
 * and never below what the reactive rule needs.
 *
 * Demand series. Each tick's DemandSample gives, per pool, demand D = running + queued work in
 * node-equivalents (see PoolScalingState). The policy averages the samples into a regular series
 * of `stepSeconds` bins (bin k = [k·step, (k+1)·step) of the caller's clock; default 60 s). A bin
 * enters the series when the first sample of a later bin arrives; a bin without samples repeats
 * the previous value. The series lives inside the policy, so the caller's cap on its history
 * length does not matter.
 *
 * Forecast. A forecaster from src/predict (default `holt-winters`, which fits α, β, γ, φ and picks
 * its variant, or falls back to seasonal naive, on a holdout) is fitted on the series every
 * `refitEvery` bins (default 60) and `update`d in between (one cheap pass, same parameters).
 * The season is `season` steps, or `seasonSeconds` / stepSeconds, or detected by the forecaster.
 * After each new bin the policy forecasts H = ⌈(lead + interval) / step⌉ + 1 steps.
 *
 * Target. For a pool with boot time B, the nodes asked for now are ready at now + B and the next
 * decision's nodes at now + B + interval, so the forecast must be covered over that window:
 *
 *      lead   = leadSeconds (default B + intervalSeconds)
 *      F      = max of the point forecasts over the bins covering [now + lead − interval, now + lead]
 *      nodesF = ⌈headroom × F⌉                                 (headroom default 1.15)
 *      desired = clamp(max(nodesF, reactive.desired), nodes.min, nodes.max)
 *
 * `reactive.desired` is the full reactive rule (reactive.ts: tolerance, stabilization, rate
 * limits) run alongside, with `reactive` options; so predictive never scales in below what the
 * reactive rule needs, and scales in only when both agree. The scale events are recorded in the
 * reactive rule's memory, so its rate limits see what really was asked for.
 *
 * Fallback. Until the series holds `minHistory` bins (default 2 seasons when the season is
 * known, else 120 bins), or when a fit fails with a UserError (too short for the detected
 * season, no season detectable), or a forecast is not finite, the policy is the reactive rule;
 * the action's reason says why. A failed fit is retried `refitEvery` bins later.
 */

export interface PredictiveOptions {
  /** Seconds between decisions; default 15. */
  readonly intervalSeconds?: number;
  /** Forecaster name from src/predict (a synchronous one); default 'holt-winters'. */
  readonly forecaster?: string;
  readonly forecasterOptions?: Readonly<Record<string, unknown>>;
  /** Width of the demand series' bins, seconds; default 60. */
  readonly stepSeconds?: number;
  /** Season in steps (bins). */
  readonly season?: number;
  /** Season in seconds (converted to steps: round(seasonSeconds / stepSeconds)). */
  readonly seasonSeconds?: number;
  /** Multiplier on the forecast demand; default 1.15. */
  readonly headroom?: number;
  /** How far ahead to provision, seconds; default each pool's boot time + intervalSeconds. */
  readonly leadSeconds?: number;
  /** Refit the forecaster every this many bins; default 60. */
  readonly refitEvery?: number;
  /** Bins needed before forecasting; default 2 seasons (known season) or 120. */
  readonly minHistory?: number;
  /** Bins kept (older ones are dropped at a refit); default 5000. */
  readonly maxHistory?: number;
  /** Options of the reactive rule that floors the forecast (its intervalSeconds is this policy's). */
  readonly reactive?: Omit<ReactiveOptions, 'intervalSeconds' | 'pools'>;
  /** Only these pools (by name); default every pool. */
  readonly pools?: readonly string[];
}

export const PREDICTIVE_DEFAULTS = {
  intervalSeconds: 15,
  forecaster: 'holt-winters',
  stepSeconds: 60,
  headroom: 1.15,
  refitEvery: 60,
  minHistoryWithoutSeason: 120,
  maxHistory: 5000,
} as const;

/** Per-pool demand series and forecaster. */
class PoolForecast {
  /** Complete bins, oldest first. */
  values: number[] = [];
  /** Bin index of values[values.length − 1]. */
  lastBin = -1;
  curBin: number | undefined;
  curSum = 0;
  curCount = 0;
  model: Forecaster | undefined;
  /** Bins since the last fit (or failed fit). */
  sinceFit = Infinity;
  /** Forecast made after bin `lastBin` closed: point[i] is bin lastBin + 1 + i. */
  point: number[] | undefined;
  status = 'warming up';
}

export class PredictivePolicy implements ScalingPolicy {
  readonly name = 'predictive';
  readonly intervalSeconds: number;
  readonly reactive: ReactivePolicy;
  private readonly forecasterName: string;
  private readonly forecasterOptions: Readonly<Record<string, unknown>>;
  private readonly step: number;
  private readonly season: number | undefined;
  private readonly headroom: number;
  private readonly leadSeconds: number | undefined;
  private readonly refitEvery: number;
  private readonly minHistory: number;
  private readonly maxHistory: number;
  private readonly seed: string;
  private readonly series = new Map<number, PoolForecast>();
  private lastSeen = -Infinity;

  constructor(options: PredictiveOptions = {}, ctx: { seed?: string } = {}) {
    this.intervalSeconds = options.intervalSeconds ?? PREDICTIVE_DEFAULTS.intervalSeconds;
    this.reactive = new ReactivePolicy({ ...options.reactive, intervalSeconds: this.intervalSeconds, ...(options.pools !== undefined ? { pools: options.pools } : {}) });
    this.forecasterName = options.forecaster ?? PREDICTIVE_DEFAULTS.forecaster;
    this.forecasterOptions = options.forecasterOptions ?? {};
    this.step = options.stepSeconds ?? PREDICTIVE_DEFAULTS.stepSeconds;
    if (!(this.step > 0)) throw new RangeError(`predictive: stepSeconds must be > 0, got ${this.step}`);
    this.season = options.season ?? (options.seasonSeconds !== undefined ? Math.max(1, Math.round(options.seasonSeconds / this.step)) : undefined);
    this.headroom = options.headroom ?? PREDICTIVE_DEFAULTS.headroom;
    this.leadSeconds = options.leadSeconds;
    this.refitEvery = options.refitEvery ?? PREDICTIVE_DEFAULTS.refitEvery;
    this.minHistory = options.minHistory ?? (this.season !== undefined ? 2 * this.season : PREDICTIVE_DEFAULTS.minHistoryWithoutSeason);
    this.maxHistory = Math.max(options.maxHistory ?? PREDICTIVE_DEFAULTS.maxHistory, this.minHistory);
    this.seed = ctx.seed ?? '0';
    // Build one forecaster now, so a bad name or option fails at construction, not mid-run.
    this.newForecaster();
  }

  private newForecaster(): Forecaster {
    return createForecaster(this.forecasterName, this.forecasterOptions, {
      ...(this.season !== undefined ? { season: this.season } : {}),
      horizon: 12,
      seed: this.seed,
    });
  }

  private pool(p: number): PoolForecast {
    let s = this.series.get(p);
    if (s === undefined) {
      s = new PoolForecast();
      this.series.set(p, s);
    }
    return s;
  }

  /** Fold new samples into the per-pool bins; returns the pools whose series grew. */
  private ingest(input: ScalingInput): Set<number> {
    const grown = new Set<number>();
    const h = input.history;
    let i = h.length;
    while (i > 0 && (h[i - 1] as (typeof h)[number]).time > this.lastSeen) i--;
    for (; i < h.length; i++) {
      const sample = h[i] as (typeof h)[number];
      this.lastSeen = sample.time;
      const bin = Math.floor(sample.time / this.step + 1e-9);
      sample.demandNodes.forEach((d, p) => {
        const s = this.pool(p);
        if (s.curBin === undefined) s.curBin = bin;
        if (bin > s.curBin) {
          const mean = s.curCount > 0 ? s.curSum / s.curCount : (s.values[s.values.length - 1] ?? 0);
          s.values.push(mean);
          // Bins without a sample repeat the last value.
          for (let b = s.curBin + 1; b < bin; b++) s.values.push(mean);
          s.lastBin = bin - 1;
          s.curBin = bin;
          s.curSum = 0;
          s.curCount = 0;
          grown.add(p);
        }
        s.curSum += Number.isFinite(d) ? d : 0;
        s.curCount++;
      });
    }
    return grown;
  }

  private horizonSteps(bootSeconds: number): number {
    const lead = this.leadSeconds ?? bootSeconds + this.intervalSeconds;
    return Math.ceil((lead + this.intervalSeconds) / this.step) + 1;
  }

  /** Refit or update the pool's forecaster after its series grew, then forecast. */
  private refresh(s: PoolForecast, horizon: number): void {
    s.sinceFit++;
    s.point = undefined;
    if (s.values.length < this.minHistory) {
      s.status = `history ${s.values.length}/${this.minHistory} bins`;
      return;
    }
    try {
      if (s.model === undefined || s.sinceFit >= this.refitEvery) {
        if (s.sinceFit < this.refitEvery) return; // a failed fit waits for the next refit point
        if (s.values.length > this.maxHistory) s.values = s.values.slice(s.values.length - this.maxHistory);
        const m = this.newForecaster();
        s.sinceFit = 0;
        s.model = undefined;
        const done = m.fit(s.values);
        if (done instanceof Promise) throw new RangeError(`predictive: forecaster '${m.name}' fits asynchronously; use a classical (synchronous) one`);
        s.model = m;
      } else if (s.model.update !== undefined) s.model.update(s.values);
      else s.model.fit(s.values);
      const point = s.model.forecast(horizon).point;
      if (point.every((v) => Number.isFinite(v))) {
        s.point = point.map((v) => Math.max(0, v));
        s.status = 'forecast';
      } else s.status = 'forecast not finite';
    } catch (e) {
      if (!isUserError(e)) throw e;
      s.model = undefined;
      s.status = `fit failed: ${e.message}`;
    }
  }

  /** Peak forecast demand over [now + lead − interval, now + lead], or undefined without a forecast. */
  forecastPeak(pool: number, now: number, bootSeconds: number): number | undefined {
    const s = this.series.get(pool);
    if (s === undefined || s.point === undefined) return undefined;
    const lead = this.leadSeconds ?? bootSeconds + this.intervalSeconds;
    const from = Math.floor((now + lead - this.intervalSeconds) / this.step + 1e-9) - s.lastBin;
    const to = Math.floor((now + lead) / this.step + 1e-9) - s.lastBin;
    let peak = -Infinity;
    for (let k = Math.max(1, from); k <= to; k++) {
      const v = s.point[Math.min(k, s.point.length) - 1];
      if (v !== undefined && v > peak) peak = v;
    }
    return Number.isFinite(peak) ? peak : undefined;
  }

  /** Status of a pool's forecast ('forecast', 'history 10/480 bins', 'fit failed: …'). */
  status(pool: number): string {
    return this.series.get(pool)?.status ?? 'warming up';
  }

  decide(input: ScalingInput): ScaleAction[] {
    const grown = this.ingest(input);
    const out: ScaleAction[] = [];
    for (const p of input.pools) {
      if (!this.reactive.manages(p)) continue;
      const s = this.pool(p.pool);
      if (grown.has(p.pool)) this.refresh(s, this.horizonSteps(p.spec.bootSeconds));
      const rec = this.reactive.recommend(p, input.now);
      const peak = this.forecastPeak(p.pool, input.now, p.spec.bootSeconds);
      const desired = this.combine(p, rec, peak);
      this.reactive.record(p.pool, input.now, rec.current, desired);
      if (desired !== rec.current) {
        const why = peak === undefined ? `reactive fallback (${s.status})` : `forecast ${peak.toFixed(2)} × ${this.headroom} → ${Math.ceil(this.headroom * peak - 1e-9)}`;
        out.push({ pool: p.pool, delta: desired - rec.current, reason: `predictive: ${why}; reactive ${rec.desired}; desired ${desired} (from ${rec.current})` });
      }
    }
    return out;
  }

  private combine(p: PoolScalingState, rec: ReactiveRecommendation, peak: number | undefined): number {
    if (peak === undefined) return rec.desired;
    const byForecast = Math.ceil(this.headroom * peak - 1e-9);
    const { min, max } = p.spec.nodes;
    return Math.min(Math.max(byForecast, rec.desired, min), max);
  }
}

export function predictivePolicy(options: PredictiveOptions = {}, ctx: { seed?: string } = {}): PredictivePolicy {
  return new PredictivePolicy(options, ctx);
}
