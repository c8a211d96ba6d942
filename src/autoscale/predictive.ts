import { ConfigError, isUserError } from '../core/errors.js';
import { forecastSteps, leadBeyondReach } from './forecast-reach.js';
import { createForecaster } from '../predict/registry.js';
import type { Forecaster } from '../predict/types.js';
import { fitFailure, type OptionsWhere } from './forecast-use.js';
import { fitWithoutSeason, noSeasonFound } from './no-season.js';
import { PoolForecast } from './pool-forecast.js';
import type { PoolScalingState, ScaleAction, ScalingInput, ScalingPolicy } from './policy.js';
import { PREDICTIVE_DEFAULTS, type PredictiveOptions } from './predictive-options.js';
import { ReactivePolicy, type ReactiveRecommendation } from './reactive.js';

export { PREDICTIVE_DEFAULTS, type PredictiveOptions } from './predictive-options.js';

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
 * After each new bin the policy forecasts H = ⌈(lead + interval) / step⌉ + 1 steps, with a
 * forecaster built for that H (ForecasterContext.horizon: the steps of holt-winters' and auto's
 * holdout walk, the neural models' direct outputs), one per pool, as each pool's boot gives its
 * own H; a pool whose H changes is refitted at its next bin.
 *
 * Target. For a pool with boot time B, the nodes asked for now are ready at now + B and the next
 * decision's nodes at now + B + interval, so the forecast must be covered over that window:
 *
 *      lead   = leadSeconds (default B + intervalSeconds)
 *      F      = max over the bins covering [now + lead − interval, now + lead] of the forecast:
 *               with `quantile: q`, the q-quantile of demand, i.e. the upper end of the model's
 *               central interval at level 2q − 1 (q > 0.5), the point forecast (q = 0.5), the
 *               lower end at level 1 − 2q (q < 0.5); otherwise the point forecast
 *      nodesF = ⌈F⌉ with a quantile; ⌈headroom × F⌉ without (headroom default 1.15)
 *      H      = the same over [now, now + lead]; keep = min(current, ⌈headroom × H⌉)
 *      desired = clamp(max(nodesF, reactive.desired, keep), nodes.min, nodes.max)
 *
 *    `keep` only limits a scale-in: a node removed now is not back before now + B, so the nodes
 *    the forecast needs until then stay (a peak that had left the provisioning window was scaled
 *    in on up to a boot time before it came).
 *
 * Risk. The quantile is the operator's SLA-versus-cost dial: q = 0.95 provisions so that demand
 * at boot time exceeds the provision with probability about 5 % (as far as the interval is
 * calibrated: see docs/forecasting.md for the measured coverage). A model without an interval
 * falls back to the point forecast (the action's reason says so).
 *
 * `intervals: 'conformal'` replaces the model's interval by the policy's own record of how wrong
 * its forecasts were, step by step: for every step h = 1 … H of the forecast, every closed bin b
 * adds the signed error e_{b,h} = y_b − ŷ_{b | b−h} (the point forecast made when bin b − h closed,
 * its index h − 1); the last `conformalWindow` errors of each step are kept (default 1,000 bins; a
 * shorter window adapts to the current regime, e.g. quiet nights vs busy days) and the q-quantile
 * path at step h is ŷ_h + ê_{q,h}, ê_{q,h} = the ⌈(n + 1) q⌉-th smallest error of step h
 * (one-sided split-conformal quantile). Per step, because the bins a decision provisions for are
 * not always the same step ahead: the forecast is made once per bin, so with lead = 120 s and
 * 60-s bins a decision at the start of bin lastBin + 1 reads steps 2-3 and the three later ones
 * in that bin step 3. The model's interval is used until the step at the lead (⌈lead / step⌉) has
 * 30 errors; after that, a step still short of 30 keeps the model's interval.
 * One-sided, because only under-forecasts cost SLO misses, and measured on the demand the policy
 * actually sees (any forecaster, neural ones included).
 *
 * Asynchronous forecasters (the TensorFlow.js models) are fitted off the decision path: at a
 * refit point the fit starts on a copy of the series and `decide` goes on reading the latest
 * finished forecast (the reactive rule until the first fit finishes); when the fit finishes,
 * the new model is conditioned on the series seen so far and replaces the old one. `settle()`
 * returns a promise of every fit in flight: a simulator awaits it after each decision, so a fit
 * started at simulated time t is in use from the next decision on, whatever the wall clock did
 * (deterministic); a real-time scheduler does not await it.
 *
 * `reactive.desired` is the full reactive rule (reactive.ts: tolerance, stabilization, rate
 * limits) run alongside, with `reactive` options; so predictive never scales in below what the
 * reactive rule needs, and scales in only when both agree. The scale events are recorded in the
 * reactive rule's memory, so its rate limits see what really was asked for.
 *
 * No season. With no `season` / `seasonSeconds` given, a forecaster that finds no season in the
 * bins (or needs one) is replaced, until a later refit finds one, by the non-seasonal model that
 * `auto` chooses on the bins seen so far (no-season.ts); `noSeason: reactive` runs the reactive
 * rule instead, as before.
 *
 * Fallback. Until the series holds `minHistory` bins (default 2 seasons when the season is
 * known, else 120 bins), or when a fit fails with a UserError (too short for the season, no
 * season with `noSeason: reactive`), or a forecast is not finite, the policy is the reactive rule;
 * the action's reason says why. A failed fit is retried `refitEvery` bins later. So is it while
 * the forecast would need more than MAX_FORECAST_STEPS bins to reach the lead (MAX_CONFORMAL_STEPS
 * with conformal intervals; said in notes()).
 */

const MIN_ERRORS = 30;

export { forecastSteps, leadBeyondReach, MAX_CONFORMAL_STEPS, MAX_FORECAST_STEPS } from './forecast-reach.js';

export class PredictivePolicy implements ScalingPolicy {
  readonly name = 'predictive';
  readonly intervalSeconds: number;
  readonly reactive: ReactivePolicy;
  private readonly forecasterName: string;
  private readonly forecasterOptions: Readonly<Record<string, unknown>>;
  private readonly step: number;
  private readonly season: number | undefined;
  private readonly headroom: number;
  readonly quantile: number | undefined;
  private readonly conformal: boolean;
  private readonly conformalWindow: number;
  private readonly leadSeconds: number | undefined;
  private readonly refitEvery: number;
  private readonly minHistory: number;
  private readonly maxHistory: number;
  private readonly seed: string;
  private readonly noSeason: 'forecast' | 'reactive';
  private readonly where: OptionsWhere | undefined;
  private readonly series = new Map<number, PoolForecast>();
  private lastSeen = -Infinity;
  /** A programming error from an asynchronous fit, rethrown by settle(). */
  private failure: unknown;

  constructor(options: PredictiveOptions = {}, ctx: { seed?: string; where?: OptionsWhere } = {}) {
    this.intervalSeconds = options.intervalSeconds ?? PREDICTIVE_DEFAULTS.intervalSeconds;
    this.reactive = new ReactivePolicy({ ...options.reactive, intervalSeconds: this.intervalSeconds, ...(options.pools !== undefined ? { pools: options.pools } : {}) });
    this.forecasterName = options.forecaster ?? PREDICTIVE_DEFAULTS.forecaster;
    this.forecasterOptions = options.forecasterOptions ?? {};
    this.step = options.stepSeconds ?? PREDICTIVE_DEFAULTS.stepSeconds;
    if (!(this.step > 0)) throw new RangeError(`predictive: stepSeconds must be > 0, got ${this.step}`);
    this.season = options.season ?? (options.seasonSeconds !== undefined ? Math.max(1, Math.round(options.seasonSeconds / this.step)) : undefined);
    if (options.quantile !== undefined) {
      const q = options.quantile;
      if (!(typeof q === 'number' && q > 0 && q < 1)) {
        throw new ConfigError(`predictive: quantile must be a number strictly between 0 and 1 (e.g. 0.95: provision for the 95th percentile of demand at boot time), got ${String(q)}`, { field: 'quantile' });
      }
      if (options.headroom !== undefined) throw new ConfigError("predictive: give 'quantile' or 'headroom', not both", { field: 'headroom' });
    }
    this.quantile = options.quantile;
    this.conformal = options.intervals === 'conformal';
    this.conformalWindow = Math.max(MIN_ERRORS, options.conformalWindow ?? 1000);
    if (this.conformal && options.quantile === undefined) throw new ConfigError("predictive: 'intervals: conformal' needs a 'quantile'", { field: 'intervals' });
    this.headroom = options.quantile !== undefined ? 1 : (options.headroom ?? PREDICTIVE_DEFAULTS.headroom);
    this.leadSeconds = options.leadSeconds;
    this.refitEvery = options.refitEvery ?? PREDICTIVE_DEFAULTS.refitEvery;
    this.minHistory = options.minHistory ?? (this.season !== undefined ? 2 * this.season : PREDICTIVE_DEFAULTS.minHistoryWithoutSeason);
    this.maxHistory = Math.max(options.maxHistory ?? PREDICTIVE_DEFAULTS.maxHistory, this.minHistory);
    this.seed = ctx.seed ?? '0';
    this.noSeason = options.noSeason ?? PREDICTIVE_DEFAULTS.noSeason;
    this.where = ctx.where;
    // Build one forecaster now, so a bad name or option fails at construction, not mid-run (any horizon).
    this.newForecaster(1);
  }

  /** A forecaster built for the `horizon` steps it will be asked for (a fixed 12 left a 22-step forecast extrapolated past it). */
  private newForecaster(horizon: number): Forecaster {
    return createForecaster(this.forecasterName, this.forecasterOptions, {
      ...(this.season !== undefined ? { season: this.season } : {}),
      horizon,
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
        if (this.pool(p).add(bin, d)) grown.add(p);
      });
    }
    return grown;
  }

  private horizonSteps(bootSeconds: number): number {
    return forecastSteps(this.leadSeconds ?? bootSeconds + this.intervalSeconds, this.intervalSeconds, this.step);
  }

  /** Bins between a forecast's origin and the bin at now + lead, for the status line. */
  private leadSteps(bootSeconds: number): number {
    return Math.max(1, Math.ceil((this.leadSeconds ?? bootSeconds + this.intervalSeconds) / this.step));
  }

  /** Refit or update the pool's forecaster after its series grew, then forecast. */
  private refresh(s: PoolForecast, horizon: number, lead: number): void {
    if (this.conformal) s.scoreClosedBins(this.conformalWindow);
    s.sinceFit++;
    s.point = undefined;
    if (s.values.length < this.minHistory) {
      s.status = `history ${s.values.length}/${this.minHistory} bins`;
      return;
    }
    try {
      // A pool whose horizon changed (its boot time did) is refitted for the new one now.
      if (s.pending === undefined && (s.sinceFit >= this.refitEvery || (s.model !== undefined && s.fitHorizon !== horizon))) {
        if (s.values.length > this.maxHistory) s.values = s.values.slice(s.values.length - this.maxHistory);
        s.sinceFit = 0;
        this.fit(s, horizon);
      } else if (s.model !== undefined) {
        if (s.model.update !== undefined) s.model.update(s.values);
        else void s.model.fit(s.values);
      }
      if (s.model === undefined) {
        if (s.pending !== undefined) s.status = 'first fit in progress';
        return;
      }
      this.forecastInto(s, s.model, horizon, lead);
    } catch (e) {
      if (!isUserError(e)) throw e;
      s.model = undefined;
      s.status = `fit failed: ${fitFailure(e, this.where)}`;
    }
  }

  /** Fit the forecaster for `horizon` steps on the series; with no season given and none found, the non-seasonal one (no-season.ts). */
  private fit(s: PoolForecast, horizon: number): void {
    s.fitHorizon = horizon;
    const m = this.newForecaster(horizon);
    let done: void | Promise<void>;
    try {
      done = m.fit(s.values.slice());
    } catch (e) {
      if (this.season !== undefined || this.noSeason === 'reactive' || !noSeasonFound(e)) throw e;
      const ns = fitWithoutSeason(s.values, this.seed, horizon);
      s.model = ns.model;
      s.withoutSeason = ns.selected;
      return;
    }
    if (done instanceof Promise) this.startAsyncFit(s, m, done);
    else {
      s.model = m;
      s.withoutSeason = undefined;
    }
  }

  /** Fit in flight: when it lands, condition the new model on the series so far and use it. */
  private startAsyncFit(s: PoolForecast, m: Forecaster, done: Promise<void>): void {
    s.pendingFrom = s.values.length;
    // The promise kept in `pending` never rejects (a real-time driver never awaits it, and an
    // unhandled rejection would end the process): a user error (too short, no season) is a status
    // like a failed synchronous fit; anything else is kept and rethrown by settle().
    s.pending = done.then(
      () => {
        s.pending = undefined;
        if (s.values.length > s.pendingFrom && m.update !== undefined) m.update(s.values);
        s.model = m;
        s.withoutSeason = undefined;
      },
      (e: unknown) => {
        s.pending = undefined;
        s.status = `fit failed: ${isUserError(e) ? fitFailure(e, this.where) : e instanceof Error ? e.message : String(e)}`;
        if (!isUserError(e)) this.failure ??= e;
      },
    );
  }

  /** Forecast the next `horizon` bins: points, or the `quantile` path when the model has intervals. */
  private forecastInto(s: PoolForecast, model: Forecaster, horizon: number, lead: number): void {
    const q = this.quantile;
    const f = q === undefined || q === 0.5 ? model.forecast(horizon) : model.forecast(horizon, Math.abs(2 * q - 1));
    s.status = s.withoutSeason === undefined ? 'forecast' : `forecast without a season (${s.withoutSeason})`;
    let path = f.point;
    if (q !== undefined && q !== 0.5) {
      if (f.interval === undefined) s.status = `forecast (no interval from ${model.name}: point used for q ${q})`;
      else path = q > 0.5 ? f.interval.upper : f.interval.lower;
    }
    if (this.conformal && q !== undefined) {
      f.point.forEach((v, i) => {
        if (!Number.isFinite(v)) return;
        const bin = s.lastBin + 1 + i;
        const made = s.made.get(bin) ?? [];
        made[i] = v;
        s.made.set(bin, made);
      });
      // Steps with 30 errors take ŷ + ê_q of their own errors; the others keep the model's path.
      const e = f.point.map((_, i) => ((s.errors[i]?.length ?? 0) >= MIN_ERRORS ? s.errors[i]?.quantile(q) : undefined));
      const atLead = e[Math.min(lead, e.length) - 1];
      if (atLead !== undefined) {
        path = path.map((v, i) => (e[i] === undefined ? v : (f.point[i] as number) + (e[i] as number)));
        s.status = `forecast + conformal q${q} error ${atLead.toFixed(2)} at step ${lead} (${s.errors[lead - 1]?.length} errors)`;
      }
    }
    if (path.every((v) => Number.isFinite(v))) s.point = path.map((v) => Math.max(0, v));
    else s.status = 'forecast not finite';
  }

  /** Every asynchronous fit in flight (simulators await this after each decision; see above). */
  async settle(): Promise<void> {
    const pending = [...this.series.values()].flatMap((s) => (s.pending === undefined ? [] : [s.pending]));
    if (pending.length > 0) await Promise.all(pending);
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure;
  }

  /** Peak forecast demand over [now + lead − interval, now + lead], or undefined without a forecast. */
  forecastPeak(pool: number, now: number, bootSeconds: number): number | undefined {
    const lead = this.leadSeconds ?? bootSeconds + this.intervalSeconds;
    return this.forecastMax(pool, now + lead - this.intervalSeconds, now + lead);
  }

  /**
   * Peak forecast demand over [now, now + lead]: a node removed now is not back before now + boot,
   * so a scale-in must leave what the forecast needs until then.
   */
  forecastHold(pool: number, now: number, bootSeconds: number): number | undefined {
    return this.forecastMax(pool, now, now + (this.leadSeconds ?? bootSeconds + this.intervalSeconds));
  }

  private forecastMax(pool: number, fromTime: number, toTime: number): number | undefined {
    const s = this.series.get(pool);
    if (s === undefined || s.point === undefined) return undefined;
    const from = Math.floor(fromTime / this.step + 1e-9) - s.lastBin;
    const to = Math.floor(toTime / this.step + 1e-9) - s.lastBin;
    let peak = -Infinity;
    for (let k = Math.max(1, from); k <= to; k++) {
      const v = s.point[Math.min(k, s.point.length) - 1];
      if (v !== undefined && v > peak) peak = v;
    }
    return Number.isFinite(peak) ? peak : undefined;
  }

  /** For reports: the peak forecast it provisions for, at the end of its lead (now + lead). */
  forecastNodes(pool: number, now: number, bootSeconds: number): { at: number; nodes: number } | undefined {
    const nodes = this.forecastPeak(pool, now, bootSeconds);
    return nodes === undefined ? undefined : { at: now + (this.leadSeconds ?? bootSeconds + this.intervalSeconds), nodes };
  }

  /** Status of a pool's forecast ('forecast', 'history 10/480 bins', 'fit failed: …'). */
  status(pool: number): string {
    return this.series.get(pool)?.status ?? 'warming up';
  }

  /**
   * What a run's report must say about this policy: per pool that fell back on the reactive rule
   * for another reason than the warm-up, or never had a forecast at all, how many decisions were
   * forecast-driven and why the others were not. A warm-up followed by forecasts is the documented
   * rule and says nothing.
   */
  notes(): string[] {
    return [...this.series.values()].flatMap((s) => s.use.note() ?? []);
  }

  decide(input: ScalingInput): ScaleAction[] {
    const grown = this.ingest(input);
    const out: ScaleAction[] = [];
    for (const p of input.pools) {
      if (!this.reactive.manages(p)) continue;
      const s = this.pool(p.pool);
      if (grown.has(p.pool)) {
        const beyond = leadBeyondReach(this.leadSeconds ?? p.spec.bootSeconds + this.intervalSeconds, this.intervalSeconds, this.step, this.conformal);
        if (beyond === undefined) this.refresh(s, this.horizonSteps(p.spec.bootSeconds), this.leadSteps(p.spec.bootSeconds));
        else {
          s.point = undefined;
          s.status = beyond;
        }
      }
      const rec = this.reactive.recommend(p, input.now);
      const peak = this.forecastPeak(p.pool, input.now, p.spec.bootSeconds);
      const desired = this.combine(p, rec, peak, this.forecastHold(p.pool, input.now, p.spec.bootSeconds));
      s.use.count(p.spec.name, peak !== undefined, s.status, this.minHistory, s.withoutSeason);
      this.reactive.record(p.pool, input.now, rec.current, desired);
      if (desired !== rec.current) {
        const why =
          peak === undefined
            ? `reactive fallback (${s.status})`
            : this.quantile !== undefined
              ? `q${this.quantile} demand ${peak.toFixed(2)} → ${Math.ceil(peak - 1e-9)}`
              : `forecast ${peak.toFixed(2)} × ${this.headroom} → ${Math.ceil(this.headroom * peak - 1e-9)}`;
        out.push({ pool: p.pool, delta: desired - rec.current, reason: `predictive: ${why}; reactive ${rec.desired}; desired ${desired} (from ${rec.current})` });
      }
    }
    return out;
  }

  private combine(p: PoolScalingState, rec: ReactiveRecommendation, peak: number | undefined, hold: number | undefined): number {
    if (peak === undefined) return rec.desired;
    const byForecast = Math.ceil(this.headroom * peak - 1e-9);
    // Scale in no lower than the forecast until a node removed now could be back (now + lead).
    const keep = hold === undefined ? 0 : Math.min(rec.current, Math.ceil(this.headroom * hold - 1e-9));
    const { min, max } = p.spec.nodes;
    return Math.min(Math.max(byForecast, rec.desired, keep, min), max);
  }
}

export function predictivePolicy(options: PredictiveOptions = {}, ctx: { seed?: string; where?: OptionsWhere } = {}): PredictivePolicy {
  return new PredictivePolicy(options, ctx);
}
