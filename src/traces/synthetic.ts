import { UserError } from '../core/errors.js';
import type { Request, RequestConstraints } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { Rng } from '../core/rng.js';
import { AZURE_DEFAULT_PRIORITIES, AZURE_DEFAULT_TENANTS, ClassAssigner, DEFAULT_LLM_SERVING, LlmDemand, llmServiceSeconds, llmServingModel, type LlmServingModel } from './azure-llm.js';
import { checkShares, demandVector, drawIndex, MAX_TRACE_SECONDS, type PriorityShare, type TenantShare } from './reading.js';
import { newTraceStats, traceStream, type TraceStream } from './trace-stats.js';
import type { TraceReadOptions } from './types.js';

/*
 * Seeded synthetic workload generator. Streams requests one at a time (an async generator; it
 * never builds an array), so 1,000,000 requests cost no more memory than ten.
 *
 * Arrivals: a non-homogeneous Poisson process with a diurnal rate
 *
 *   rate(t) = base × (1 + amplitude × sin(2π t / period + phase))      requests/second, 0 ≤ amplitude ≤ 1
 *
 * sampled by thinning (Lewis & Shedler): candidates come from a homogeneous process at
 * λmax = base × (1 + amplitude); a candidate at t is kept with probability rate(t) / λmax. The
 * first request arrives after the first accepted gap, not at 0. The long-run mean rate is `base`.
 *
 * Each request then draws, from independent Rng streams forked off the seed (so changing the
 * tenant weights does not move the arrivals):
 *   - a demand profile (weighted): a fixed demand record, and either a duration distribution
 *     (lognormal, Pareto, exponential or fixed; the profile's own or the global one) or an LLM
 *     token model (context and generated tokens drawn lognormal, then the serving model of
 *     azure-llm.ts turns them into a duration and a memory demand);
 *   - a tenant (weighted), a priority class (weighted; each class may carry an SLO wait and its
 *     own preemptible share), and preemptible with the class's or the global share;
 *   - optionally a requested (estimated) duration = actual × factor × exp(N(0, sigma)).
 *
 * Ids are `<idPrefix><index>` (0-based). Generation stops after `count` requests (default 10,000
 * unless a horizon is given) or at the first arrival past `horizon` seconds, whichever is first.
 */

export type DurationDist =
  | { readonly dist: 'lognormal'; readonly mu: number; readonly sigma: number; readonly min?: number; readonly max?: number }
  | { readonly dist: 'pareto'; readonly xm: number; readonly alpha: number; readonly max?: number }
  | { readonly dist: 'exponential'; readonly mean: number; readonly max?: number }
  | { readonly dist: 'fixed'; readonly value: number };

/** Lognormal token count: round(exp(N(mu, sigma))) clamped to [min, max] (min default 1). */
export interface TokenDist {
  readonly mu: number;
  readonly sigma: number;
  readonly min?: number;
  readonly max?: number;
}

export interface LlmProfile {
  readonly context: TokenDist;
  readonly generated: TokenDist;
  /** Overrides of the serving model (tokens/s, demand, memory per token). */
  readonly model?: Partial<LlmServingModel>;
}

export interface DemandProfile {
  readonly name: string;
  readonly weight: number;
  /** Demand record; with `llm` it overrides the serving model's demand per dimension. */
  readonly demand?: Readonly<Record<string, number>>;
  /** Duration distribution of this profile (else the global one). Not with `llm`. */
  readonly duration?: DurationDist;
  /** Duration and memory from token counts; 'azure-conv' = the calibrated Azure conversation tokens. */
  readonly llm?: LlmProfile | 'azure-conv';
  /** Constraint labels for this profile's requests. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Latency constraint for this profile's requests, ms. */
  readonly maxLatencyMs?: number;
}

export interface ArrivalProcess {
  /** Mean arrival rate, requests per second. */
  readonly rate: number;
  /** Relative swing of the rate, 0..1; default 0 (homogeneous Poisson). */
  readonly amplitude?: number;
  /** Seconds; default 86,400 (a day). */
  readonly period?: number;
  /** Radians; default 0. */
  readonly phase?: number;
}

export interface SyntheticOptions {
  readonly arrival: ArrivalProcess;
  readonly profiles: readonly DemandProfile[];
  /** Default duration distribution; default lognormal with median 60 s and sigma 1.5. */
  readonly duration?: DurationDist;
  readonly tenants?: readonly TenantShare[];
  readonly priorities?: readonly PriorityShare[];
  /** Share of requests marked preemptible (a priority class's own share wins); default 0. */
  readonly preemptibleShare?: number;
  /** Requested duration = actual × factor × exp(N(0, sigma)); default: none (= actual). */
  readonly estimate?: { readonly factor: number; readonly sigma?: number };
  readonly count?: number;
  readonly horizon?: number;
  readonly seed?: number | string;
  readonly idPrefix?: string;
}

export const DEFAULT_DURATION: DurationDist = { dist: 'lognormal', mu: Math.log(60), sigma: 1.5 };
export const DEFAULT_TENANTS: readonly TenantShare[] = [{ name: 'default', weight: 1 }];
export const DEFAULT_PRIORITIES: readonly PriorityShare[] = [{ priority: 'medium', weight: 1 }];
export const DEFAULT_COUNT = 10_000;

// ---------------------------------------------------------------------------------------------
// Calibration from the real Azure LLM inference trace (conversation service, 2023-11-16,
// AzureLLMInferenceTrace_conv.csv). Measured by `npx tsx bench/calibrate-azure.ts`, which
// recomputes and prints these numbers (and test/traces/calibration.test.ts checks they agree):
//   - rate = (requests − 1) / (last TIMESTAMP − first TIMESTAMP), requests per second;
//   - token counts: lognormal fitted by moments of the logs, mu = mean(ln x), sigma = sample
//     standard deviation of ln x (simple-statistics mean / sampleStandardDeviation), x > 0;
//     min/max are the observed extremes, used as clamps.
// The trace covers one hour, so it says nothing about a diurnal cycle: the preset's amplitude is
// 0 and a scenario that wants a day/night swing sets it. The inter-arrival times have a
// coefficient of variation of 1.09 (Poisson: 1), close enough that the preset uses plain Poisson.

export const AZURE_CONV_CALIBRATION = {
  requests: 19366,
  spanSeconds: 3501.7219,
  ratePerSecond: 5.5301,
  interArrivalCv: 1.0942,
  context: { mu: 6.6333, sigma: 0.9852, min: 2, max: 14050 },
  generated: { mu: 5.019, sigma: 0.859, min: 7, max: 1000 },
} as const;

export const AZURE_CONV_TOKENS: LlmProfile = {
  context: AZURE_CONV_CALIBRATION.context,
  generated: AZURE_CONV_CALIBRATION.generated,
};

/**
 * The synthetic twin of the Azure conversation trace: Poisson arrivals at the measured rate and
 * requests whose token counts follow the fitted lognormals, on the default serving model (the
 * same one the Azure reader uses). Tenants and priorities as the Azure reader's defaults.
 * `overrides` replace top-level fields; `arrival` is merged field by field. The preset's count
 * (19,366, the trace's size) applies only when the overrides give neither count nor horizon.
 */
export function azureLlmCalibrated(overrides: Partial<SyntheticOptions> = {}): SyntheticOptions {
  const base: SyntheticOptions = {
    arrival: { rate: AZURE_CONV_CALIBRATION.ratePerSecond, amplitude: 0, period: 86_400, phase: 0 },
    profiles: [{ name: 'llm-conv', weight: 1, llm: 'azure-conv' }],
    tenants: AZURE_DEFAULT_TENANTS,
    priorities: AZURE_DEFAULT_PRIORITIES,
    // As many requests as the trace, unless the caller bounds the run by count or by horizon.
    ...(overrides.horizon === undefined ? { count: AZURE_CONV_CALIBRATION.requests } : {}),
    idPrefix: 'syn-',
  };
  return { ...base, ...overrides, arrival: { ...base.arrival, ...overrides.arrival } };
}

export const SYNTHETIC_PRESETS = {
  'azure-llm-calibrated': azureLlmCalibrated,
} as const;
export type SyntheticPresetName = keyof typeof SYNTHETIC_PRESETS;

// ---------------------------------------------------------------------------------------------

function checkDuration(d: DurationDist, field: string): void {
  const bad = (k: string, msg: string) => new UserError(msg, { field: `${field}.${k}` });
  switch (d.dist) {
    case 'lognormal':
      if (!Number.isFinite(d.mu)) throw bad('mu', `must be a finite number, got ${d.mu}`);
      if (!(d.sigma >= 0) || !Number.isFinite(d.sigma)) throw bad('sigma', `must be a finite number ≥ 0, got ${d.sigma}`);
      // mu is the log of the median in seconds: mu: 1e308 (or 710) made every draw an infinite
      // duration, and the run went on with those requests never finishing.
      if (d.max === undefined && !Number.isFinite(Math.exp(d.mu))) {
        throw bad('mu', `${d.mu} gives a median duration of e^${d.mu} s, beyond any number (mu is the log of the median in seconds: 2.3 ≈ 10 s); lower it, or cap draws with max`);
      }
      break;
    case 'pareto':
      if (!(d.xm > 0)) throw bad('xm', `must be > 0, got ${d.xm}`);
      if (!(d.alpha > 0)) throw bad('alpha', `must be > 0, got ${d.alpha}`);
      break;
    case 'exponential':
      if (!(d.mean > 0)) throw bad('mean', `must be > 0, got ${d.mean}`);
      break;
    case 'fixed':
      if (!(d.value >= 0)) throw bad('value', `must be ≥ 0, got ${d.value}`);
      break;
    default:
      throw new UserError(`unknown distribution '${(d as { dist: string }).dist}' (lognormal, pareto, exponential, fixed)`, { field: `${field}.dist` });
  }
}

function sampleDuration(d: DurationDist, rng: Rng): number {
  let x: number;
  switch (d.dist) {
    case 'lognormal':
      x = rng.lognormal(d.mu, d.sigma);
      if (d.min !== undefined && x < d.min) x = d.min;
      break;
    case 'pareto':
      x = rng.pareto(d.xm, d.alpha);
      break;
    case 'exponential':
      x = rng.exponential(1 / d.mean);
      break;
    case 'fixed':
      return d.value;
  }
  return d.max !== undefined && x > d.max ? d.max : x;
}

function sampleTokens(t: TokenDist, rng: Rng): number {
  const x = Math.round(rng.lognormal(t.mu, t.sigma));
  const lo = t.min ?? 1;
  if (x < lo) return lo;
  return t.max !== undefined && x > t.max ? t.max : x;
}

/**
 * An LLM profile's drawn run time past MAX_TRACE_SECONDS, named by its cause: the larger of the
 * prefill and decode terms, and in it the model's rate when the same tokens take no more than the
 * bound at the default rate (prefillTokensPerSecond: 1e-300, a rate in the wrong unit), else the
 * token draws (a `max` on the token distribution caps them). "Set max to cap the draws" sent a
 * reader with a wrong rate to a `max` that does not cap it.
 */
function llmTooLong(id: string, [ctx, out]: readonly [number, number], seconds: number, llm: NonNullable<CompiledProfile['llm']>, field: string): UserError {
  const m = llm.model;
  const prefill = ctx / m.prefillTokensPerSecond >= out / m.decodeTokensPerSecond;
  const [rate, dist, n] = prefill ? (['prefillTokensPerSecond', 'context', ctx] as const) : (['decodeTokensPerSecond', 'generated', out] as const);
  const head = `request ${id} drew ${ctx} context and ${out} generated tokens, which take ${seconds} s, more than 1e10 s (over 300 years): `;
  if (n / DEFAULT_LLM_SERVING[rate] <= MAX_TRACE_SECONDS) {
    return new UserError(`${head}${rate} ${m[rate]} is the cause (tokens per second of one slot; the default is ${DEFAULT_LLM_SERVING[rate]}): a rate in the wrong unit or scale?`, { field: `${field}.model.${rate}` });
  }
  return new UserError(`${head}the ${dist} token draws are the cause (${n} tokens at ${m[rate]} tok/s): set max in llm.${dist} to cap the token draws, or check mu and sigma`, { field: llm.preset ? field : `${field}.${dist}` });
}

interface CompiledProfile {
  readonly demand: number[];
  readonly duration: DurationDist | undefined;
  readonly llm: { readonly tokens: LlmProfile; readonly model: LlmServingModel; readonly demand: LlmDemand; readonly preset: boolean } | undefined;
  readonly constraints: RequestConstraints | undefined;
  /** Where its run times come from (`profiles[i].duration`, `profiles[i].llm`, or the global `duration`), for errors. */
  readonly durationField: string;
}

/** A profile's `labels` and `maxLatencyMs` as its requests' constraints (none without either). */
export function profileConstraints(p: Pick<DemandProfile, 'labels' | 'maxLatencyMs'>): RequestConstraints | undefined {
  return p.labels === undefined && p.maxLatencyMs === undefined
    ? undefined
    : { ...(p.labels !== undefined ? { labels: p.labels } : {}), ...(p.maxLatencyMs !== undefined ? { maxLatencyMs: p.maxLatencyMs } : {}) };
}

function compileProfile(p: DemandProfile, i: number, space: ResourceSpace, globalDuration: DurationDist): CompiledProfile {
  const field = `profiles[${i}]`;
  if (p.llm !== undefined && p.duration !== undefined) {
    throw new UserError(`a profile takes either 'llm' (duration from tokens) or 'duration', not both`, { field: `${field}.duration` });
  }
  if (p.duration !== undefined) checkDuration(p.duration, `${field}.duration`);
  const constraints = profileConstraints(p);
  if (p.llm !== undefined) {
    const tokens = p.llm === 'azure-conv' ? AZURE_CONV_TOKENS : p.llm;
    const m = llmServingModel({ ...tokens.model, ...(p.demand !== undefined ? { demand: { ...(tokens.model?.demand ?? llmServingModel().demand), ...p.demand } } : {}) });
    return { demand: [], duration: undefined, llm: { tokens, model: m, demand: new LlmDemand(space, m, `${field}.llm.model`), preset: p.llm === 'azure-conv' }, constraints, durationField: `${field}.llm` };
  }
  const durationField = p.duration !== undefined ? `${field}.duration` : 'duration';
  return { demand: demandVector(space, p.demand ?? {}, `${field}.demand`), duration: p.duration ?? globalDuration, llm: undefined, constraints, durationField };
}

export interface SyntheticReadOptions extends TraceReadOptions {
  /** Seed used when the options carry none. */
  readonly seed?: number | string;
}

/** Stream synthetic requests (see the top of this file). */
export function generateSyntheticRequests(options: SyntheticOptions, read: SyntheticReadOptions): TraceStream {
  const { space } = read;
  const a = options.arrival;
  const amplitude = a.amplitude ?? 0;
  const period = a.period ?? 86_400;
  const phase = a.phase ?? 0;
  if (!(a.rate > 0) || !Number.isFinite(a.rate)) throw new UserError(`must be a finite rate > 0 (requests/s), got ${a.rate}`, { field: 'arrival.rate' });
  if (!(amplitude >= 0 && amplitude <= 1)) throw new UserError(`must be in [0, 1], got ${amplitude}`, { field: 'arrival.amplitude' });
  if (!(period > 0)) throw new UserError(`must be > 0 seconds, got ${period}`, { field: 'arrival.period' });
  const globalDuration = options.duration ?? DEFAULT_DURATION;
  checkDuration(globalDuration, 'duration');
  checkShares('profiles', options.profiles);
  const profiles = options.profiles.map((p, i) => compileProfile(p, i, space, globalDuration));
  const profileWeights = options.profiles.map((p) => p.weight);
  const seed = options.seed ?? read.seed ?? 0;
  const newClasses = () => new ClassAssigner(`${seed}/classes`, options.tenants ?? DEFAULT_TENANTS, options.priorities ?? DEFAULT_PRIORITIES, options.preemptibleShare ?? 0);
  newClasses(); // validates the lists now rather than at the first request
  const est = options.estimate;
  if (est !== undefined && !(est.factor > 0)) throw new UserError(`must be > 0, got ${est.factor}`, { field: 'estimate.factor' });
  const horizon = options.horizon ?? Infinity;
  const count = Math.min(options.count ?? (options.horizon === undefined ? DEFAULT_COUNT : Infinity), read.limit ?? Infinity);
  if (!(count >= 0)) throw new UserError(`must be ≥ 0, got ${count}`, { field: 'count' });
  const idPrefix = options.idPrefix ?? 'syn-';
  const stats = newTraceStats();

  async function* gen(): AsyncGenerator<Request> {
    // Every iteration starts from the seed: a stream replays identically.
    const root = new Rng(seed);
    const classes = newClasses();
    const arrivals = root.fork('arrival');
    const thin = root.fork('thinning');
    const pick = root.fork('profile');
    const dur = root.fork('duration');
    const tok = root.fork('tokens');
    const noise = root.fork('estimate');
    const lambdaMax = a.rate * (1 + amplitude);
    const omega = (2 * Math.PI) / period;
    let t = 0;
    for (let i = 0; i < count; i++) {
      // Thinning: next accepted candidate of the rate(t) process.
      for (;;) {
        t += arrivals.exponential(lambdaMax);
        if (amplitude === 0) break;
        const rate = a.rate * (1 + amplitude * Math.sin(omega * t + phase));
        if (thin.next() * lambdaMax < rate) break;
      }
      if (t > horizon) return;
      const prof = profiles[drawIndex(pick, profileWeights)] as CompiledProfile;
      let demand: number[];
      let duration: number;
      let drawn: readonly [number, number] = [0, 0];
      if (prof.llm !== undefined) {
        drawn = [sampleTokens(prof.llm.tokens.context, tok), sampleTokens(prof.llm.tokens.generated, tok)];
        demand = prof.llm.demand.vector(...drawn);
        duration = llmServiceSeconds(...drawn, prof.llm.model);
      } else {
        demand = prof.demand.slice();
        duration = sampleDuration(prof.duration as DurationDist, dur);
      }
      // A heavy tail or a huge median without `max` (mu: 700 is a median of 1e304 s) drew run times
      // whose sums overflowed: util NaN%, cost ∞. Refused like such a time read from a file.
      if (duration > MAX_TRACE_SECONDS) {
        if (prof.llm !== undefined) throw llmTooLong(`${idPrefix}${i}`, drawn, duration, prof.llm, prof.durationField);
        throw new UserError(`request ${idPrefix}${i} drew a run time of ${duration} s, more than 1e10 s (over 300 years): set max to cap the draws, or check the parameters' unit and scale`, { field: prof.durationField });
      }
      const requested = est === undefined ? undefined : duration * est.factor * (est.sigma ? Math.exp(noise.normal(0, est.sigma)) : 1);
      if (requested !== undefined && !(requested <= MAX_TRACE_SECONDS)) {
        throw new UserError(`request ${idPrefix}${i} drew an estimate of ${requested} s, more than 1e10 s (over 300 years): check factor and sigma`, { field: 'estimate' });
      }
      const cls = classes.priority();
      const req: Request = {
        id: `${idPrefix}${i}`,
        tenant: classes.tenant(),
        arrival: t,
        demand,
        duration,
        priority: cls.priority,
        preemptible: cls.preemptible,
        ...(cls.sloWait !== undefined ? { sloWait: cls.sloWait } : {}),
        ...(requested !== undefined ? { requestedDuration: requested } : {}),
        ...(prof.constraints !== undefined ? { constraints: prof.constraints } : {}),
      };
      stats.records++;
      stats.emitted++;
      yield req;
    }
  }

  return traceStream(stats, gen);
}
