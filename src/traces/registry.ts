import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, formatLocated, TraceFormatError, UserError } from '../core/errors.js';
import type { PoolSpec } from '../core/model.js';
import { PRIORITIES, type Priority } from '../core/priority.js';
import type { ResourceSpace } from '../core/resources.js';
import { parseDuration, parseQuantity } from '../core/units.js';
import { readAlibabaNodePools, readAlibabaPodRequests } from './alibaba-gpu.js';
import { readAzureLlmRequests } from './azure-llm.js';
import { countIn, newTraceStats, readCsvRequests, traceStream, type TraceStream } from './csv.js';
import { readDemandSeriesRequests } from './demand-series.js';
import { readSwfRequests, swfRequestOptionsSchema } from './swf.js';
import { generateSyntheticRequests, SYNTHETIC_PRESETS, type SyntheticOptions } from './synthetic.js';

/*
 * Trace registry: one entry per `kind`, each with a strict zod schema for its options (an
 * unknown key is an error naming its path) and a factory that opens it as a request stream.
 * `traceSpecSchema` is the discriminated union on `kind` that a scenario embeds.
 *
 * File paths (`file`) resolve as follows:
 *   - absolute paths are used as they are;
 *   - paths starting with './' or '../' are relative to `baseDir` (the scenario file's folder),
 *     for small files that ship with a scenario;
 *   - anything else is relative to the data root (--data-dir, DRS_DATA_DIR, ../shared/data), where
 *     the public traces live: `llm-inference/AzureLLMInferenceTrace_conv.csv`.
 * A missing file is a UserError naming the path as written, where it was looked for, and the
 * data root.
 */

// ---------------------------------------------------------------------------------------------
// Field schemas. Outputs are valid inputs, so parsing twice is harmless.

/** Seconds, or a string with a unit: 30, "90s", "5m", "1.5h". */
const seconds = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === undefined || s < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative duration such as 30, "90s", "5m" or "1.5h", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return s;
});
const positiveSeconds = seconds.refine((s) => s > 0, { message: 'expected a duration > 0' });

/** A resource amount: 8, "500m" (= 0.5), "16Gi" (= 16, GiB). */
const quantity = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const q = parseQuantity(v);
  if (q === undefined || q < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative quantity such as 8, "0.5", "500m" or "64Gi", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return q;
});

const file = z.string().min(1);
const limit = z.number().int().positive();
const seed = z.union([z.number().int(), z.string()]);
const priority = z.enum(PRIORITIES);
const share = z.number().min(0).max(1);

export const tenantShareSchema = z.union([
  z.string().min(1).transform((name) => ({ name, weight: 1 })),
  z.strictObject({ name: z.string().min(1), weight: z.number().nonnegative().default(1) }),
]);

export const priorityShareSchema = z.strictObject({
  priority,
  weight: z.number().nonnegative().default(1),
  sloWait: seconds.optional(),
  preemptibleShare: share.optional(),
});

export const llmServingModelSchema = z.strictObject({
  prefillTokensPerSecond: z.number().positive().optional(),
  decodeTokensPerSecond: z.number().positive().optional(),
  overheadSeconds: seconds.optional(),
  demand: z.record(z.string(), quantity).optional(),
  memoryPerKToken: z.number().nonnegative().optional(),
  memoryDimension: z.string().min(1).optional(),
});

// ---------------------------------------------------------------------------------------------
// Per-kind schemas

/** SWF (Standard Workload Format) logs, read by swf.ts; `options` is swf.ts's own schema. */
export const swfTraceSchema = z.strictObject({
  kind: z.literal('swf'),
  file,
  limit: limit.optional(),
  options: swfRequestOptionsSchema.optional(),
});

const columnRef = z.union([
  z.string().min(1),
  z.strictObject({ column: z.string().min(1), scale: z.number().finite().optional(), offset: z.number().finite().optional() }),
]);
const timeColumn = z.union([
  z.string().min(1),
  z.strictObject({ column: z.string().min(1), format: z.enum(['number', 'iso', 'auto']).optional(), scale: z.number().positive().optional() }),
]);

export const csvColumnsSchema = z
  .strictObject({
    id: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
    arrival: timeColumn,
    duration: columnRef.optional(),
    end: timeColumn.optional(),
    requestedDuration: columnRef.optional(),
    priority: z.union([z.string().min(1), z.strictObject({ column: z.string().min(1), values: z.record(z.string(), priority).optional() })]).optional(),
    preemptible: z.string().min(1).optional(),
    sloWait: columnRef.optional(),
    demand: z.record(z.string(), columnRef),
    labels: z.record(z.string(), z.string().min(1)).optional(),
  })
  .refine((c) => (c.duration === undefined) !== (c.end === undefined), { message: "map exactly one of 'duration' (a run-time column) or 'end' (an end-time column)", path: ['duration'] });

export const csvTraceSchema = z.strictObject({
  kind: z.literal('csv'),
  file,
  limit: limit.optional(),
  columns: csvColumnsSchema,
  defaults: z
    .strictObject({ tenant: z.string().min(1).optional(), priority: priority.optional(), preemptible: z.boolean().optional(), sloWait: seconds.optional() })
    .optional(),
  delimiter: z.string().length(1).optional(),
  origin: z.number().finite().optional(),
  idPrefix: z.string().optional(),
});

export const azureLlmTraceSchema = z.strictObject({
  kind: z.literal('azure-llm'),
  file,
  limit: limit.optional(),
  seed: seed.optional(),
  model: llmServingModelSchema.optional(),
  tenants: z.array(tenantShareSchema).min(1).optional(),
  priorities: z.array(priorityShareSchema).min(1).optional(),
  preemptibleShare: share.optional(),
  estimateGeneratedTokens: z.number().nonnegative().optional(),
  idPrefix: z.string().optional(),
});

const dimensionsSchema = z.strictObject({ cpu: z.string().min(1).optional(), memory: z.string().min(1).optional(), gpu: z.string().min(1).optional() });

export const alibabaGpuTraceSchema = z.strictObject({
  kind: z.literal('alibaba-gpu'),
  file,
  limit: limit.optional(),
  qosPriority: z.record(z.string(), priority).optional(),
  defaultPriority: priority.optional(),
  preemptibleQos: z.array(z.string()).optional(),
  tenant: z.string().min(1).optional(),
  sloWait: z.partialRecord(priority, seconds).optional(),
  phases: z.array(z.string()).optional(),
  noDeletion: z.union([z.enum(['skip', 'error']), positiveSeconds]).optional(),
  nonPositive: z.enum(['skip', 'clamp', 'error']).optional(),
  minDuration: positiveSeconds.optional(),
  staticDuration: positiveSeconds.optional(),
  dimensions: dimensionsSchema.optional(),
});

const durationDistSchema = z.discriminatedUnion('dist', [
  z.strictObject({ dist: z.literal('lognormal'), mu: z.number().finite(), sigma: z.number().nonnegative(), min: seconds.optional(), max: seconds.optional() }),
  z.strictObject({ dist: z.literal('pareto'), xm: z.number().positive(), alpha: z.number().positive(), max: seconds.optional() }),
  z.strictObject({ dist: z.literal('exponential'), mean: positiveSeconds, max: seconds.optional() }),
  z.strictObject({ dist: z.literal('fixed'), value: seconds }),
]);

const tokenDistSchema = z.strictObject({
  mu: z.number().finite(),
  sigma: z.number().nonnegative(),
  min: z.number().nonnegative().optional(),
  max: z.number().positive().optional(),
});

export const demandProfileSchema = z
  .strictObject({
    name: z.string().min(1),
    weight: z.number().nonnegative().default(1),
    demand: z.record(z.string(), quantity).optional(),
    duration: durationDistSchema.optional(),
    llm: z.union([z.literal('azure-conv'), z.strictObject({ context: tokenDistSchema, generated: tokenDistSchema, model: llmServingModelSchema.optional() })]).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    maxLatencyMs: z.number().nonnegative().optional(),
  })
  .refine((p) => !(p.llm !== undefined && p.duration !== undefined), { message: "a profile takes either 'llm' (duration from tokens) or 'duration', not both", path: ['duration'] });

/** What each generated request looks like: shared by `synthetic` and `demand-series`. */
const requestBodyFields = {
    profiles: z.array(demandProfileSchema).min(1).optional(),
    duration: durationDistSchema.optional(),
    tenants: z.array(tenantShareSchema).min(1).optional(),
    priorities: z.array(priorityShareSchema).min(1).optional(),
    preemptibleShare: share.optional(),
    estimate: z.strictObject({ factor: z.number().positive(), sigma: z.number().nonnegative().optional() }).optional(),
    idPrefix: z.string().optional(),
};

export const syntheticTraceSchema = z
  .strictObject({
    kind: z.literal('synthetic'),
    /** Start from a preset; the other fields override it (arrival field by field). */
    preset: z.enum(Object.keys(SYNTHETIC_PRESETS) as [keyof typeof SYNTHETIC_PRESETS]).optional(),
    seed: seed.optional(),
    count: z.number().int().nonnegative().optional(),
    horizon: positiveSeconds.optional(),
    limit: limit.optional(),
    arrival: z
      .strictObject({
        rate: z.number().positive().optional(),
        amplitude: z.number().min(0).max(1).optional(),
        period: positiveSeconds.optional(),
        phase: z.number().finite().optional(),
      })
      .optional(),
    ...requestBodyFields,
  })
  .superRefine((s, ctx) => {
    if (s.preset !== undefined) return;
    if (s.arrival?.rate === undefined) ctx.addIssue({ code: 'custom', message: 'missing required field (expected the mean arrival rate, requests/second), or set a preset', path: ['arrival', 'rate'] });
    if (s.profiles === undefined) ctx.addIssue({ code: 'custom', message: 'missing required field (expected a list of demand profiles), or set a preset', path: ['profiles'] });
  });

/** Requests driven by a real demand time series (demand-series.ts); request bodies as `synthetic`. */
export const demandSeriesTraceSchema = z
  .strictObject({
    kind: z.literal('demand-series'),
    file,
    limit: limit.optional(),
    seed: seed.optional(),
    timeColumn: z.string().min(1).optional(),
    valueColumn: z.string().min(1).optional(),
    timeFormat: z.enum(['number', 'iso', 'auto']).optional(),
    delimiter: z.string().length(1).optional(),
    step: positiveSeconds.optional(),
    maxGap: z.number().int().nonnegative().optional(),
    aggregate: z.strictObject({ step: positiveSeconds, how: z.enum(['sum', 'count', 'mean', 'max']) }).optional(),
    where: z.record(z.string(), z.string()).optional(),
    scale: z.number().nonnegative(),
    timeScale: z.number().positive().optional(),
    sampleSeconds: positiveSeconds.optional(),
    /** Sample index, or a timestamp. */
    start: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
    /** Samples (a number), or a span of series time (a string with a unit, "14d"). */
    length: z.union([z.number().int().positive(), z.string().refine((v) => (parseDuration(v) ?? 0) > 0, { message: 'expected a number of samples, or a duration such as "14d"' })]).optional(),
    preset: z.enum(Object.keys(SYNTHETIC_PRESETS) as [keyof typeof SYNTHETIC_PRESETS]).optional(),
    ...requestBodyFields,
  })
  .superRefine((s, ctx) => {
    if (s.preset === undefined && s.profiles === undefined) ctx.addIssue({ code: 'custom', message: 'missing required field (expected a list of demand profiles), or set a preset', path: ['profiles'] });
    if (s.timeScale !== undefined && s.sampleSeconds !== undefined) ctx.addIssue({ code: 'custom', message: "give 'timeScale' or 'sampleSeconds', not both", path: ['sampleSeconds'] });
  });

/** What a scenario's `trace:` holds: a discriminated union on `kind`. */
export const traceSpecSchema = z.discriminatedUnion('kind', [swfTraceSchema, csvTraceSchema, azureLlmTraceSchema, alibabaGpuTraceSchema, syntheticTraceSchema, demandSeriesTraceSchema]);

export type TraceSpecInput = z.input<typeof traceSpecSchema>;
export type TraceSpec = z.output<typeof traceSpecSchema>;
export type TraceKind = TraceSpec['kind'];

/** Pools from a trace's node list (for a scenario's `pools`); one kind today. */
export const alibabaNodesSchema = z.strictObject({
  kind: z.literal('alibaba-nodes'),
  file,
  pricePerGpuHour: z.number().nonnegative().optional(),
  gpuPriceByModel: z.record(z.string(), z.number().nonnegative()).optional(),
  pricePerCpuHour: z.number().nonnegative().optional(),
  pricePerGiBHour: z.number().nonnegative().optional(),
  latencyMs: z.number().nonnegative().optional(),
  boot: seconds.optional(),
  namePrefix: z.string().optional(),
  minFraction: z.number().min(0).max(1).optional(),
  maxFactor: z.number().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  dimensions: dimensionsSchema.optional(),
});
export type PoolSourceSpec = z.output<typeof alibabaNodesSchema>;

// ---------------------------------------------------------------------------------------------
// Opening

export interface OpenTraceContext {
  readonly space: ResourceSpace;
  /** Where the public traces live. */
  readonly dataRoot: string;
  /** Folder for './' and '../' paths (the scenario file's folder); default the working directory. */
  readonly baseDir?: string;
  /** The run's seed; a spec's own `seed` wins. */
  readonly seed?: number | string;
  /** The scenario file, for error messages. */
  readonly file?: string;
  /** The scenario's pools (lets alibaba-gpu turn an any-of GPU model list into a pool list). */
  readonly pools?: readonly PoolSpec[];
}

interface Resolved {
  readonly ctx: OpenTraceContext;
  /** Resolve and check a spec's `file`. */
  readonly path: (file: string) => string;
  readonly seed: number | string;
}

type Entry<K extends TraceKind> = {
  readonly schema: z.ZodType;
  readonly summary: string;
  readonly open: (spec: Extract<TraceSpec, { kind: K }>, r: Resolved) => TraceStream;
};

function openSwfTrace(spec: Extract<TraceSpec, { kind: 'swf' }>, r: Resolved): TraceStream {
  const file = r.path(spec.file);
  const stats = newTraceStats();
  const o = spec.options ?? {};
  const reader = readSwfRequests(file, {
    space: r.ctx.space,
    ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    ...(o.jobs !== undefined ? { jobs: o.jobs } : {}),
    // zod keeps queue numbers as the object's string keys; property lookup by number finds them.
    ...(o.queuePriorities !== undefined ? { queuePriorities: o.queuePriorities as Readonly<Record<number, Priority>> } : {}),
    onSkip: (_rec, reason) => {
      stats.records++;
      countIn(stats.skipped, reason);
    },
  });
  return traceStream(stats, async function* () {
    for await (const req of reader) {
      stats.records++;
      stats.emitted++;
      yield req;
    }
  });
}

function syntheticOptions(spec: Extract<TraceSpec, { kind: 'synthetic' }>): SyntheticOptions {
  const { kind: _kind, preset, limit: _limit, arrival, ...rest } = spec;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<SyntheticOptions>;
  const arr = arrival === undefined ? undefined : (Object.fromEntries(Object.entries(arrival).filter(([, v]) => v !== undefined)) as Partial<SyntheticOptions['arrival']>);
  if (preset !== undefined) {
    return SYNTHETIC_PRESETS[preset]({ ...fields, ...(arr !== undefined ? { arrival: arr as SyntheticOptions['arrival'] } : {}) });
  }
  // superRefine guarantees rate and profiles without a preset.
  return { ...fields, arrival: arr as SyntheticOptions['arrival'], profiles: spec.profiles ?? [] };
}

function openDemandSeries(spec: Extract<TraceSpec, { kind: 'demand-series' }>, r: Resolved): TraceStream {
  const { kind: _k, file: f, limit: lim, seed: sd, preset, profiles, duration, tenants, priorities, preemptibleShare, estimate, idPrefix, length, ...series } = spec;
  const bodyFields = Object.fromEntries(Object.entries({ profiles, duration, tenants, priorities, preemptibleShare, estimate }).filter(([, v]) => v !== undefined)) as Partial<SyntheticOptions>;
  const full: SyntheticOptions = preset !== undefined ? SYNTHETIC_PRESETS[preset](bodyFields) : { ...bodyFields, arrival: { rate: 1 }, profiles: profiles ?? [] };
  const { arrival: _a, count: _c, horizon: _h, seed: _s, idPrefix: _i, ...body } = full;
  return readDemandSeriesRequests(r.path(f), {
    ...series,
    space: r.ctx.space,
    body,
    seed: sd ?? r.seed,
    ...(lim !== undefined ? { limit: lim } : {}),
    ...(idPrefix !== undefined ? { idPrefix } : {}),
    ...(typeof length === 'number' ? { length } : typeof length === 'string' ? { lengthSeconds: parseDuration(length) as number } : {}),
  });
}

/** Trace kinds a scenario may name, with their option schemas and openers. */
export const TRACE_KINDS: { readonly [K in TraceKind]: Entry<K> } = {
  swf: {
    schema: swfTraceSchema,
    summary: 'Standard Workload Format HPC logs (.swf, .swf.gz)',
    open: openSwfTrace,
  },
  csv: {
    schema: csvTraceSchema,
    summary: 'any CSV with a header, mapped column by column onto request fields',
    open: (s, r) =>
      readCsvRequests(r.path(s.file), {
        space: r.ctx.space,
        columns: s.columns,
        ...(s.limit !== undefined ? { limit: s.limit } : {}),
        ...(s.defaults !== undefined ? { defaults: s.defaults } : {}),
        ...(s.delimiter !== undefined ? { delimiter: s.delimiter } : {}),
        ...(s.origin !== undefined ? { origin: s.origin } : {}),
        ...(s.idPrefix !== undefined ? { idPrefix: s.idPrefix } : {}),
      }),
  },
  'azure-llm': {
    schema: azureLlmTraceSchema,
    summary: 'Azure LLM inference trace (TIMESTAMP, ContextTokens, GeneratedTokens) as serving slots',
    open: (s, r) => {
      const { kind: _k, file: f, seed: sd, ...rest } = s;
      return readAzureLlmRequests(r.path(f), { ...rest, space: r.ctx.space, seed: sd ?? r.seed });
    },
  },
  'alibaba-gpu': {
    schema: alibabaGpuTraceSchema,
    summary: 'Alibaba GPU cluster trace 2023 (openb) pod lists',
    open: (s, r) => {
      const { kind: _k, file: f, ...rest } = s;
      return readAlibabaPodRequests(r.path(f), { ...rest, space: r.ctx.space, ...(r.ctx.pools !== undefined ? { pools: r.ctx.pools } : {}) });
    },
  },
  synthetic: {
    schema: syntheticTraceSchema,
    summary: 'seeded synthetic workload: diurnal Poisson arrivals, heavy-tailed durations, tenants, priorities, demand profiles',
    open: (s, r) => generateSyntheticRequests(syntheticOptions(s), { space: r.ctx.space, seed: r.seed, ...(s.limit !== undefined ? { limit: s.limit } : {}) }),
  },
  'demand-series': {
    schema: demandSeriesTraceSchema,
    summary: 'requests from a real demand time series (timestamp,value CSV or aggregated event log): Poisson counts per sample, synthetic bodies',
    open: openDemandSeries,
  },
};

export const TRACE_KIND_NAMES = Object.keys(TRACE_KINDS) as TraceKind[];

/** Resolve a trace file against the data root / base dir (rules at the top of this file). */
export function resolveTracePath(file: string, dataRoot: string, baseDir?: string): string {
  if (path.isAbsolute(file)) return file;
  if (file.startsWith('./') || file.startsWith('../') || file.startsWith('.\\') || file.startsWith('..\\')) return path.resolve(baseDir ?? process.cwd(), file);
  return path.resolve(dataRoot, file);
}

function resolver(ctx: OpenTraceContext, field = 'trace.file'): Resolved {
  return {
    ctx,
    seed: ctx.seed ?? 0,
    path: (f: string) => {
      const abs = resolveTracePath(f, ctx.dataRoot, ctx.baseDir);
      if (!existsSync(abs) || !statSync(abs).isFile()) {
        const relToRoot = !path.isAbsolute(f) && !f.startsWith('.');
        const hint = relToRoot ? `; set --data-dir or DRS_DATA_DIR if the data lives elsewhere` : '';
        throw new UserError(`trace file '${f}' not found (looked for ${abs}; data root: ${path.resolve(ctx.dataRoot)}${hint})`, {
          ...(ctx.file !== undefined ? { file: ctx.file } : {}),
          field,
        });
      }
      return abs;
    },
  };
}

/** Re-raise a reader's option error (field relative to its options) under `trace.` in the scenario file. */
function underTrace(e: unknown, ctx: OpenTraceContext): unknown {
  if (!(e instanceof UserError) || e instanceof TraceFormatError || e instanceof ConfigError) return e;
  if (e.location.file !== undefined) return e; // already located (a trace file, or the scenario)
  const bare = e.message.slice(formatLocated('', e.location).length);
  return new ConfigError(bare, { ...(ctx.file !== undefined ? { file: ctx.file } : {}), field: e.location.field === undefined ? 'trace' : `trace.${e.location.field}` });
}

/** Validate a trace spec; errors are ConfigErrors naming the scenario file and `trace.<path>`. */
export function parseTraceSpec(spec: unknown, file?: string): TraceSpec {
  const r = traceSpecSchema.safeParse(spec);
  if (r.success) return r.data;
  const iss = r.error.issues[0] as z.core.$ZodIssue;
  const where = ['trace', ...iss.path.map(String)].join('.');
  let msg = iss.message;
  if (iss.code === 'unrecognized_keys') msg = `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}`;
  if (iss.code === 'invalid_union' && iss.path.length === 1 && iss.path[0] === 'kind') {
    const k = (spec as { kind?: unknown } | null)?.kind;
    msg = k === undefined ? `missing trace kind (one of: ${TRACE_KIND_NAMES.join(', ')})` : `unknown trace kind ${JSON.stringify(k)} (known: ${TRACE_KIND_NAMES.join(', ')})`;
  }
  if (iss.code === 'invalid_type' && /received undefined/.test(msg)) msg = `missing required field (expected ${iss.expected})`;
  return fail(msg, where, file);
}

function fail(message: string, field: string, file?: string): never {
  throw new ConfigError(message, { ...(file !== undefined ? { file } : {}), field });
}

/**
 * Open a trace as a stream of Requests. `spec` is validated here (so a scenario may hold it as
 * an opaque `{ kind, ... }`); file paths resolve against the data root; option errors that
 * depend on the scenario (an unknown dimension) are reported under `trace.` too. Nothing is read
 * until the stream is iterated; each iteration re-reads from the start.
 */
export function openTrace(spec: unknown, ctx: OpenTraceContext): TraceStream {
  const s = parseTraceSpec(spec, ctx.file);
  const r = resolver(ctx);
  try {
    return (TRACE_KINDS[s.kind].open as (spec: TraceSpec, r: Resolved) => TraceStream)(s, r);
  } catch (e) {
    throw underTrace(e, ctx);
  }
}

/** Validate a pool-source spec (`alibaba-nodes`); errors name `field` (default 'pools'). */
export function parsePoolSourceSpec(spec: unknown, file?: string, field = 'pools'): PoolSourceSpec {
  const r = alibabaNodesSchema.safeParse(spec);
  if (r.success) return r.data;
  const iss = r.error.issues[0] as z.core.$ZodIssue;
  const msg = iss.code === 'unrecognized_keys' ? `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}` : iss.message;
  return fail(msg, [field, ...iss.path.map(String)].join('.'), file);
}

/** Pools from a node list (Alibaba openb), resolved against the data root like trace files. */
export async function loadTracePools(spec: unknown, ctx: OpenTraceContext): Promise<PoolSpec[]> {
  const s = parsePoolSourceSpec(spec, ctx.file);
  const { kind: _k, file: f, boot, ...rest } = s;
  const abs = resolver(ctx, 'pools.file').path(f);
  try {
    return await readAlibabaNodePools(abs, { ...rest, space: ctx.space, ...(boot !== undefined ? { bootSeconds: boot } : {}) });
  } catch (e) {
    throw underTrace(e, ctx);
  }
}
