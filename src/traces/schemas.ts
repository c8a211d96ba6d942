import { z } from 'zod';
import {
  boundedDurationSchema as boundedSeconds,
  boundedPositiveDurationSchema as boundedPositiveSeconds,
  boundedPositiveSecondsNumber,
  latencyMsSchema,
  positiveDurationSchema as positiveSeconds,
  quantitySchema as quantity,
  uniqueList,
  unitPricePerHourSchema as unitPrice,
} from '../core/fields.js';
import { PRIORITIES } from '../core/priority.js';
import { parseDuration } from '../core/units.js';
import { unsortedRuleSchema } from './arrival-order.js';
import { swfRequestOptionsSchema } from './swf-requests.js';
import { SYNTHETIC_PRESETS } from './synthetic.js';

/*
 * The trace specs a scenario's `trace:` (and `pools:` from data) may hold: one strict zod schema
 * per kind, and their discriminated union on `kind`. The registry (registry.ts) opens them.
 */

// ---------------------------------------------------------------------------------------------
// Field schemas (durations and quantities come from core/fields.ts).

const file = z.string().min(1);
const limit = z.number().int().positive();
const seed = z.union([z.number().int(), z.string()]);
const priority = z.enum(PRIORITIES);
const share = z.number().min(0).max(1);
/** What a reader does with a record arriving before one above it (arrival-order.ts). */
const unsorted = unsortedRuleSchema;
/** Column → the value, or one of the values, a row must hold (`where`) or must not (`exclude`). */
const cellValues = z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]));

export const tenantShareSchema = z.union([
  z.string().min(1).transform((name) => ({ name, weight: 1 })),
  z.strictObject({ name: z.string().min(1), weight: z.number().nonnegative().default(1) }),
]);

export const priorityShareSchema = z.strictObject({
  priority,
  weight: z.number().nonnegative().default(1),
  sloWait: boundedSeconds.optional(),
  preemptibleShare: share.optional(),
});

const tenantList = uniqueList(tenantShareSchema, (t) => t.name, 'tenant', 'name');
const priorityList = uniqueList(priorityShareSchema, (p) => p.priority, 'priority class', 'priority');

export const llmServingModelSchema = z.strictObject({
  prefillTokensPerSecond: z.number().positive().optional(),
  decodeTokensPerSecond: z.number().positive().optional(),
  overheadSeconds: boundedSeconds.optional(),
  demand: z.record(z.string(), quantity).optional(),
  memoryPerKToken: z.number().nonnegative().optional(),
  memoryDimension: z.string().min(1).optional(),
});

// ---------------------------------------------------------------------------------------------
// Per-kind schemas

/** SWF (Standard Workload Format) logs, read by swf-requests.ts; `options` is its own schema. */
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
    .strictObject({ tenant: z.string().min(1).optional(), priority: priority.optional(), preemptible: z.boolean().optional(), sloWait: boundedSeconds.optional(), demand: z.record(z.string(), quantity).optional() })
    .optional(),
  delimiter: z.string().length(1).optional(),
  origin: z.number().finite().optional(),
  unsorted: unsorted.optional(),
  empty: z
    .strictObject({
      arrival: z.enum(['error', 'skip', 'origin']).optional(),
      end: z.union([z.enum(['error', 'skip']), boundedPositiveSeconds]).optional(),
      duration: z.union([z.enum(['error', 'skip']), boundedPositiveSeconds]).optional(),
      demand: z.enum(['error', 'zero', 'skip']).optional(),
    })
    .optional(),
  where: cellValues.optional(),
  exclude: cellValues.optional(),
  idPrefix: z.string().optional(),
  header: z.array(z.string().min(1)).min(1).optional(),
});

/** The serving model and request classes the azure-llm and llm kinds share (azure-llm.ts). */
const llmServingFields = {
  model: llmServingModelSchema.optional(),
  tenants: tenantList.optional(),
  priorities: priorityList.optional(),
  preemptibleShare: share.optional(),
  estimateGeneratedTokens: z.number().nonnegative().optional(),
  idPrefix: z.string().optional(),
  unsorted: unsorted.optional(),
};

export const azureLlmTraceSchema = z.strictObject({
  kind: z.literal('azure-llm'),
  file,
  limit: limit.optional(),
  seed: seed.optional(),
  ...llmServingFields,
});

/** LLM request logs other than Azure's (BurstGPT CSV, Mooncake JSONL), through the same serving model (llm-log.ts). */
export const llmTraceSchema = z.strictObject({
  kind: z.literal('llm'),
  file,
  limit: limit.optional(),
  format: z.enum(['csv', 'jsonl']).optional(),
  delimiter: z.string().length(1).optional(),
  columns: z.strictObject({
    arrival: timeColumn,
    context: z.string().min(1),
    generated: z.string().min(1),
    id: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
  }),
  where: cellValues.optional(),
  exclude: cellValues.optional(),
  origin: z.number().finite().optional(),
  seed: seed.optional(),
  ...llmServingFields,
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
  sloWait: z.partialRecord(priority, boundedSeconds).optional(),
  phases: z.array(z.string()).optional(),
  noDeletion: z.union([z.enum(['skip', 'error']), boundedPositiveSeconds]).optional(),
  nonPositive: z.enum(['skip', 'clamp', 'error']).optional(),
  minDuration: boundedPositiveSeconds.optional(),
  staticDuration: boundedPositiveSeconds.optional(),
  dimensions: dimensionsSchema.optional(),
});

const durationDistSchema = z.discriminatedUnion('dist', [
  z.strictObject({ dist: z.literal('lognormal'), mu: z.number().finite(), sigma: z.number().nonnegative(), min: boundedSeconds.optional(), max: boundedSeconds.optional() }),
  z.strictObject({ dist: z.literal('pareto'), xm: boundedPositiveSecondsNumber, alpha: z.number().positive(), max: boundedSeconds.optional() }),
  z.strictObject({ dist: z.literal('exponential'), mean: boundedPositiveSeconds, max: boundedSeconds.optional() }),
  z.strictObject({ dist: z.literal('fixed'), value: boundedSeconds }),
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
    profiles: uniqueList(demandProfileSchema, (p) => p.name, 'profile name', 'name').optional(),
    duration: durationDistSchema.optional(),
    tenants: tenantList.optional(),
    priorities: priorityList.optional(),
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
export const traceSpecSchema = z.discriminatedUnion('kind', [swfTraceSchema, csvTraceSchema, azureLlmTraceSchema, llmTraceSchema, alibabaGpuTraceSchema, syntheticTraceSchema, demandSeriesTraceSchema]);

export type TraceSpecInput = z.input<typeof traceSpecSchema>;
export type TraceSpec = z.output<typeof traceSpecSchema>;
export type TraceKind = TraceSpec['kind'];

/** Pools from a trace's node list (for a scenario's `pools`); one kind today. */
export const alibabaNodesSchema = z.strictObject({
  kind: z.literal('alibaba-nodes'),
  file,
  pricePerGpuHour: unitPrice.optional(),
  gpuPriceByModel: z.record(z.string(), unitPrice).optional(),
  pricePerCpuHour: unitPrice.optional(),
  pricePerGiBHour: unitPrice.optional(),
  latencyMs: latencyMsSchema.optional(),
  boot: boundedSeconds.optional(),
  namePrefix: z.string().optional(),
  minFraction: z.number().min(0).max(1).optional(),
  maxFactor: z.number().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  dimensions: dimensionsSchema.optional(),
});
export type PoolSourceSpec = z.output<typeof alibabaNodesSchema>;
