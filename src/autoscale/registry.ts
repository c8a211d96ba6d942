import { z } from 'zod';
import { dimensionRefIndex, dimensionRefSchema, type DimensionRef } from '../core/dimension-ref.js';
import { isUserError, UserError } from '../core/errors.js';
import { boundedDurationSchema, boundedPositiveDurationSchema, durationSchema, positiveDurationSchema } from '../core/fields.js';
import { parseRegistryOptions } from '../core/registry-options.js';
import { createForecaster, FORECASTER_NAMES, isForecasterName } from '../predict/registry.js';
import { staticPolicy, type ScalingPolicy } from './policy.js';
import type { OptionsWhere } from './forecast-use.js';
import { leadBeyondReach, MAX_CONFORMAL_WINDOW } from './forecast-reach.js';
import { PREDICTIVE_DEFAULTS, PredictivePolicy } from './predictive.js';
import { ReactivePolicy } from './reactive.js';
import { parseClock, ScheduledPolicy } from './scheduled.js';

/** Name → scaling policy factory with a zod schema for its options (validated by the scenario loader). */
export interface ScalingPolicyEntry<S extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly options: S;
  readonly create: (options: z.infer<S>, ctx: ScalingContext) => ScalingPolicy;
}

/**
 * What a scaling policy is built with: the run's seed, and the resource space's dimension names
 * when known (a `dimension` written as a name is resolved in them; without them only an index is
 * accepted).
 */
export interface ScalingContext {
  readonly seed: string;
  readonly dimensions?: readonly string[];
  /** Where the options were written (a scenario file, the options' field path), for the policy's own messages. */
  readonly where?: OptionsWhere;
}

function entry<S extends z.ZodType>(e: ScalingPolicyEntry<S>): ScalingPolicyEntry<S> {
  return e;
}

/**
 * How often a policy decides: at least 1 s (intervalSeconds: 1e-6 ran a tick per simulated
 * microsecond, minutes of CPU for a 10-minute run; real autoscalers act every 10-60 s) and at most
 * 1e10 s, the bound of every duration (core/fields.ts).
 */
const intervalSeconds = boundedDurationSchema
  .refine((s) => s >= 1, { message: 'expected an interval of at least 1 s (the policy decides once per interval: a shorter one is a wrong unit, and a run of ticks that never ends)' })
  .optional();
/** A predictive policy's bin: at least 1 s (stepSeconds: 1e-6 made 15 million bins per decision, and V8 died). */
const binSeconds = boundedDurationSchema.refine((s) => s >= 1, {
  message: 'expected a bin of at least 1 s (the demand series holds one value per bin: a shorter one is a wrong unit, and more bins than memory holds)',
});
const pools = z.array(z.string().min(1)).min(1).optional();

/** A `nodes` value is whole: +0.5 node was asked at every tick and rounded to no node, so the pool never moved. */
const ratePolicy = z
  .strictObject({ type: z.enum(['nodes', 'percent']), value: z.number().positive(), periodSeconds: positiveDurationSchema })
  .superRefine((p, ctx) => {
    if (p.type === 'nodes' && !Number.isInteger(p.value)) ctx.addIssue({ code: 'custom', message: `a 'nodes' policy's value is a whole number of nodes (≥ 1), got ${p.value}; a fraction of the pool is type 'percent'`, path: ['value'] });
  });
const scalingRules = z.strictObject({
  stabilizationSeconds: durationSchema.optional(),
  policies: z.array(ratePolicy).min(1).optional(),
  select: z.enum(['max', 'min', 'disabled']).optional(),
});

const reactiveFields = {
  target: z.number().positive().optional(),
  tolerance: z.number().min(0).optional(),
  metric: z.enum(['demand', 'utilization']).optional(),
  dimension: dimensionRefSchema.optional(),
  scaleUp: scalingRules.optional(),
  scaleDown: scalingRules.optional(),
};
/** `dimension` picks the utilization dimension: given with the demand metric it would be ignored without a word. */
function dimensionNeedsUtilization(o: { readonly metric?: string | undefined; readonly dimension?: DimensionRef | undefined }, ctx: z.RefinementCtx): void {
  if (o.dimension === undefined || o.metric === 'utilization') return;
  const metric = o.metric === undefined ? "the default metric 'demand'" : `metric '${o.metric}'`;
  ctx.addIssue({ code: 'custom', message: `'dimension' is read only with 'metric: utilization', and ${metric} has no dimension: add 'metric: utilization' or drop 'dimension'`, path: ['dimension'] });
}
const reactiveSchema = z.strictObject({ intervalSeconds, ...reactiveFields, pools }).superRefine(dimensionNeedsUtilization);

const predictiveSchema = z
  .strictObject({
    intervalSeconds,
    forecaster: z
      .string()
      .refine((n) => isForecasterName(n), { message: `expected a forecaster: ${FORECASTER_NAMES.join(', ')}` })
      .optional(),
    forecasterOptions: z.record(z.string(), z.unknown()).optional(),
    stepSeconds: binSeconds.optional(),
    season: z.number().int().min(1).optional(),
    seasonSeconds: boundedPositiveDurationSchema.optional(),
    headroom: z.number().positive().optional(),
    quantile: z
      .number({ message: 'expected a number strictly between 0 and 1, e.g. 0.95' })
      .refine((q) => q > 0 && q < 1, { message: 'quantile must be strictly between 0 and 1 (e.g. 0.95: provision for the 95th percentile of demand at boot time)' })
      .optional(),
    intervals: z.enum(['model', 'conformal']).optional(),
    conformalWindow: z.number().int().min(30).max(MAX_CONFORMAL_WINDOW, `expected at most ${MAX_CONFORMAL_WINDOW.toLocaleString('en-US')} errors per step (each forecast step keeps that many, twice)`).optional(),
    leadSeconds: boundedDurationSchema.optional(),
    refitEvery: z.number().int().min(1).optional(),
    minHistory: z.number().int().min(1).optional(),
    maxHistory: z.number().int().min(1).optional(),
    noSeason: z.enum(['forecast', 'reactive']).optional(),
    reactive: z.strictObject(reactiveFields).superRefine(dimensionNeedsUtilization).optional(),
    pools,
  })
  .superRefine((o, ctx) => {
    if (o.intervals === 'conformal' && o.quantile === undefined) ctx.addIssue({ code: 'custom', message: "'intervals: conformal' needs a 'quantile'", path: ['intervals'] });
    if (o.quantile !== undefined && o.headroom !== undefined) ctx.addIssue({ code: 'custom', message: "give 'quantile' or 'headroom', not both", path: ['headroom'] });
    if (o.season !== undefined && o.seasonSeconds !== undefined) ctx.addIssue({ code: 'custom', message: "give 'season' (steps) or 'seasonSeconds', not both", path: ['seasonSeconds'] });
    seasonIssues(o, ctx);
    leadIssue(o, ctx);
    if (o.forecasterOptions === undefined) return;
    try {
      createForecaster(o.forecaster ?? 'holt-winters', o.forecasterOptions);
    } catch (e) {
      if (!isUserError(e)) throw e;
      // The message without its location: the issue's path says where (forecasterOptions.alpha).
      ctx.addIssue({ code: 'custom', message: e.detail, path: ['forecasterOptions', ...(e.location.field !== undefined ? e.location.field.split('.') : [])] });
    }
  });

/** A `leadSeconds` no forecast reaches (the policy would run the reactive rule throughout), said at load time. */
function leadIssue(o: { leadSeconds?: number | undefined; stepSeconds?: number | undefined; intervalSeconds?: number | undefined; intervals?: string | undefined }, ctx: z.RefinementCtx): void {
  if (o.leadSeconds === undefined) return;
  const beyond = leadBeyondReach(o.leadSeconds, o.intervalSeconds ?? PREDICTIVE_DEFAULTS.intervalSeconds, o.stepSeconds ?? PREDICTIVE_DEFAULTS.stepSeconds, o.intervals === 'conformal');
  if (beyond !== undefined) ctx.addIssue({ code: 'custom', message: beyond, path: ['leadSeconds'] });
}

/**
 * A season that cannot be right, said at load time with its field path (the scenario loader adds
 * the file and line) instead of failing every refit of the run: a `seasonSeconds` under 1.5 bins
 * rounds to a season of 1 step, i.e. none (a unit slip: 24 meant as hours); and double-seasonal
 * needs a daily season of at least 2 steps.
 */
function seasonIssues(o: { forecaster?: string | undefined; forecasterOptions?: Record<string, unknown> | undefined; season?: number | undefined; seasonSeconds?: number | undefined; stepSeconds?: number | undefined }, ctx: z.RefinementCtx): void {
  const step = o.stepSeconds ?? PREDICTIVE_DEFAULTS.stepSeconds;
  if (o.seasonSeconds !== undefined && Math.round(o.seasonSeconds / step) < 2) {
    ctx.addIssue({ code: 'custom', message: `seasonSeconds ${o.seasonSeconds} is ${Number((o.seasonSeconds / step).toFixed(2))} bins of stepSeconds ${step}: a season must be at least 2 bins (${2 * step} s); for none, drop it or give 'season: 1'`, path: ['seasonSeconds'] });
    return;
  }
  if (o.forecaster !== 'double-seasonal') return;
  const own = o.forecasterOptions?.season;
  const [season, path] =
    typeof own === 'number' ? [own, ['forecasterOptions', 'season']] : o.season !== undefined ? [o.season, ['season']] : o.seasonSeconds !== undefined ? [Math.round(o.seasonSeconds / step), ['seasonSeconds']] : [undefined, []];
  if (season !== undefined && season < 2) ctx.addIssue({ code: 'custom', message: `double-seasonal needs a daily season of at least 2 steps, got ${season}`, path });
}

const dayOfWeek = z.union([z.number().int().min(0).max(7), z.string().min(1)]);
const scheduleRule = z
  .strictObject({
    pool: z.string().min(1),
    nodes: z.number().int().min(0),
    at: z.string().refine((s) => parseClock(s) !== undefined, { message: 'expected a time of day "HH:MM" (00:00-23:59)' }).optional(),
    days: z.array(dayOfWeek).min(1).optional(),
    cron: z.string().min(1).optional(),
  })
  .refine((r) => (r.at === undefined) !== (r.cron === undefined), { message: `give exactly one of 'at' ("HH:MM") and 'cron' ("M H * * DOW")` });
const scheduledSchema = z
  .strictObject({
    intervalSeconds,
    // Its range (0-86399) and clock form are the policy's to check, below: one rule, one message.
    offsetSeconds: z.union([z.number(), z.string()]).optional(),
    startDayOfWeek: z.number().int().min(0).max(6).optional(),
    rules: z.array(scheduleRule).min(1),
  })
  .superRefine((o, ctx) => {
    // Compile once here so cron syntax errors surface when the scenario is loaded.
    try {
      new ScheduledPolicy(o);
    } catch (e) {
      if (!isUserError(e)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message.replace(/^field '[^']*': /, ''), path: (e.location.field ?? '').split('.').filter(Boolean) });
    }
  });

/** Reactive options with `dimension` as its index in the context's dimensions (a UserError under `field` when it names none). */
function withDimensionIndex<T extends { readonly dimension?: DimensionRef | undefined }>(o: T, ctx: ScalingContext, field: string): Omit<T, 'dimension'> & { dimension?: number } {
  const { dimension, ...rest } = o;
  const i = dimensionRefIndex(dimension, ctx.dimensions, field, "createScalingPolicy's context `dimensions`");
  return i === undefined ? rest : { ...rest, dimension: i };
}

/**
 * `static` with `nodes`: hold each named pool at a fixed size (clamped to its [min, max]), e.g. to
 * compare "sized for the mean" with "sized for the peak" on one scenario. It is a schedule whose
 * one rule fires every minute; the size is set at t = 0, so nodes above the pool's initial size
 * boot first. Pools not named stay at their initial size.
 */
function fixedSize(nodes: Readonly<Record<string, number>>, intervalSeconds = 60): ScalingPolicy {
  const schedule = new ScheduledPolicy({ intervalSeconds, rules: Object.entries(nodes).map(([pool, n]) => ({ pool, nodes: n, cron: '* * * * *' })) });
  return { name: 'static', intervalSeconds, decide: (input) => schedule.decide(input).map((a) => ({ ...a, reason: `static: hold ${a.delta > 0 ? 'up' : 'down'} to the fixed size` })) };
}

export const SCALING_POLICIES = {
  static: entry({
    summary: 'keep every pool at its initial size, or at `nodes: { pool: n }`',
    options: z.strictObject({ intervalSeconds, nodes: z.record(z.string().min(1), z.number().int().min(0)).optional() }),
    create: (o) => (o.nodes === undefined ? staticPolicy(o.intervalSeconds) : fixedSize(o.nodes, o.intervalSeconds)),
  }),
  reactive: entry({
    summary: 'HPA-style target tracking on (running + queued) / up nodes: tolerance, stabilization windows, rate limits',
    options: reactiveSchema,
    create: (o, ctx) => new ReactivePolicy(withDimensionIndex(o, ctx, 'scaling.options.dimension')),
  }),
  predictive: entry({
    summary: 'provision for a quantile (or the forecast × headroom) of demand at now + boot time, never below the reactive rule',
    options: predictiveSchema,
    create: (o, ctx) => {
      const { reactive, ...rest } = o;
      return new PredictivePolicy(reactive === undefined ? rest : { ...rest, reactive: withDimensionIndex(reactive, ctx, 'scaling.options.reactive.dimension') }, ctx);
    },
  }),
  scheduled: entry({
    summary: 'cron-like rules setting pool sizes at times of day (simulated clock)',
    options: scheduledSchema,
    create: (o) => new ScheduledPolicy(o),
  }),
} as const;

export type ScalingPolicyName = keyof typeof SCALING_POLICIES;
export const SCALING_POLICY_NAMES = Object.keys(SCALING_POLICIES) as ScalingPolicyName[];

export function isScalingPolicyName(s: string): s is ScalingPolicyName {
  return Object.prototype.hasOwnProperty.call(SCALING_POLICIES, s);
}

/**
 * A scaling policy's options through its schema: the parsed options, or a UserError naming the
 * field (`scaling.policy` for an unknown name, `scaling.options.bogus`), as the `scaling` option of
 * ResourceScheduler spells it.
 */
export function parseScalingOptions(name: ScalingPolicyName, options: unknown): unknown {
  const n: unknown = name;
  if (typeof n !== 'string' || !isScalingPolicyName(n)) throw new UserError(`unknown scaling policy ${typeof n === 'string' ? `'${n}'` : String(n)} (known: ${SCALING_POLICY_NAMES.join(', ')})`, { field: 'scaling.policy' });
  return parseRegistryOptions((SCALING_POLICIES[n] as ScalingPolicyEntry).options, options ?? {}, 'scaling.options');
}

/**
 * Build a scaling policy (errors as parseScalingOptions). `ctx.dimensions`: the resource space's
 * names, to resolve a `dimension` written as a name (and refuse one that names none).
 */
export function createScalingPolicy(name: ScalingPolicyName, options: unknown, ctx: ScalingContext): ScalingPolicy {
  const parsed = parseScalingOptions(name, options);
  return (SCALING_POLICIES[name] as ScalingPolicyEntry).create(parsed, ctx);
}
