import { existsSync, statSync } from 'node:fs';
import type { z } from 'zod';
import type { Priority } from '../core/priority.js';
import { parseDuration } from '../core/units.js';
import path from 'node:path';
import { ConfigError, InputMissingError, TraceFormatError, UserError } from '../core/errors.js';
import type { PoolSpec } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { readAlibabaNodePools, readAlibabaPodRequests } from './alibaba-gpu.js';
import { readAzureLlmRequests } from './azure-llm.js';
import { readCsvRequests } from './csv.js';
import { readLlmLogRequests } from './llm-log.js';
import { countIn, newTraceStats, noteHeld, traceStream, type TraceStream } from './trace-stats.js';
import { readDemandSeriesRequests } from './demand-series.js';
import { readSwfRequests } from './swf-requests.js';
import { generateSyntheticRequests, SYNTHETIC_PRESETS, type SyntheticOptions } from './synthetic.js';
import { swfTraceSchema, csvTraceSchema, azureLlmTraceSchema, llmTraceSchema, alibabaGpuTraceSchema, syntheticTraceSchema, demandSeriesTraceSchema, traceSpecSchema, alibabaNodesSchema, type TraceSpec, type TraceKind, type PoolSourceSpec } from './schemas.js';
import { deepestIssue, firstIssue, formatPath, issuePath, KEY_HINTS, plainMessage } from '../core/plain-issue.js';

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
 * A missing file is a ConfigError naming the path as written, where it was looked for, and the
 * data root.
 */

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
  /** The run's horizon, seconds: a demand series counts only the samples before it towards its size check. */
  readonly horizon?: number;
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
    ...(o.unsorted !== undefined ? { unsorted: o.unsorted } : {}),
    // zod keeps queue numbers as the object's string keys; property lookup by number finds them.
    ...(o.queuePriorities !== undefined ? { queuePriorities: o.queuePriorities as Readonly<Record<number, Priority>> } : {}),
    // Every record read, also those a sort holds past `limit`.
    onRecord: () => stats.records++,
    onSkip: (_rec, reason) => countIn(stats.skipped, reason),
    onAdjust: (_rec, reason) => countIn(stats.adjusted, reason),
    onHeld: (pending) => noteHeld(stats, pending),
  });
  return traceStream(stats, async function* () {
    for await (const req of reader) {
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
    ...(r.ctx.horizon !== undefined ? { horizon: r.ctx.horizon } : {}),
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
    summary: 'any CSV with a header row (or its column names given in `header`), mapped column by column onto request fields',
    open: (s, r) =>
      readCsvRequests(r.path(s.file), {
        space: r.ctx.space,
        columns: s.columns,
        ...(s.limit !== undefined ? { limit: s.limit } : {}),
        ...(s.defaults !== undefined ? { defaults: s.defaults } : {}),
        ...(s.delimiter !== undefined ? { delimiter: s.delimiter } : {}),
        ...(s.origin !== undefined ? { origin: s.origin } : {}),
        ...(s.unsorted !== undefined ? { unsorted: s.unsorted } : {}),
        ...(s.empty !== undefined ? { empty: s.empty } : {}),
        ...(s.where !== undefined ? { where: s.where } : {}),
        ...(s.exclude !== undefined ? { exclude: s.exclude } : {}),
        ...(s.idPrefix !== undefined ? { idPrefix: s.idPrefix } : {}),
        ...(s.header !== undefined ? { header: s.header } : {}),
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
  llm: {
    schema: llmTraceSchema,
    summary: 'LLM request logs (CSV with a header, or JSON Lines: BurstGPT, Mooncake) with named time and token columns, as serving slots',
    open: (s, r) => {
      const { kind: _k, file: f, seed: sd, ...rest } = s;
      return readLlmLogRequests(r.path(f), { ...rest, space: r.ctx.space, seed: sd ?? r.seed });
    },
  },
};

export const TRACE_KIND_NAMES = Object.keys(TRACE_KINDS) as TraceKind[];

/** Resolve a trace file against the data root / base dir (rules at the top of this file). */
export function resolveTracePath(file: string, dataRoot: string, baseDir?: string): string {
  if (path.isAbsolute(file)) return file;
  if (file.startsWith('./') || file.startsWith('../') || file.startsWith('.\\') || file.startsWith('..\\')) return path.resolve(baseDir ?? process.cwd(), file);
  return path.resolve(dataRoot, file);
}

/** A missing file or a folder is the scenario's field (a ConfigError: the CLI adds the field's line). */
function resolver(ctx: OpenTraceContext, field = 'trace.file'): Resolved {
  return {
    ctx,
    seed: ctx.seed ?? 0,
    path: (f: string) => {
      const abs = resolveTracePath(f, ctx.dataRoot, ctx.baseDir);
      if (existsSync(abs) && statSync(abs).isDirectory()) {
        throw new ConfigError(`trace file '${f}' is a folder (${abs}); name a file in it`, { ...(ctx.file !== undefined ? { file: ctx.file } : {}), field });
      }
      if (!existsSync(abs) || !statSync(abs).isFile()) {
        const relToRoot = !path.isAbsolute(f) && !f.startsWith('.');
        const hint = relToRoot ? `; set --data-dir or DRS_DATA_DIR if the data lives elsewhere` : '';
        throw new InputMissingError(`trace file '${f}' not found (looked for ${abs}; data root: ${path.resolve(ctx.dataRoot)}${hint})`, {
          ...(ctx.file !== undefined ? { file: ctx.file } : {}),
          field,
        });
      }
      return abs;
    },
  };
}

/** Re-raise a reader's option error (field relative to its options) under `trace.` (a pool source's: `pools.`) in the scenario file. */
function underTrace(e: unknown, ctx: OpenTraceContext, at = 'trace'): unknown {
  if (!(e instanceof UserError) || e instanceof TraceFormatError || e instanceof ConfigError) return e;
  if (e.location.file !== undefined) return e; // already located (a trace file, or the scenario)
  const bare = e.detail;
  return new ConfigError(bare, { ...(ctx.file !== undefined ? { file: ctx.file } : {}), field: e.location.field === undefined ? at : `${at}.${e.location.field}` });
}

/** Validate a trace spec; errors are ConfigErrors naming the scenario file and `trace.<path>`. */
export function parseTraceSpec(spec: unknown, file?: string): TraceSpec {
  const r = traceSpecSchema.safeParse(spec, KEY_HINTS);
  if (r.success) return r.data;
  // In a union of forms (`unsorted: sort` or `{ window }`), the form that got furthest speaks (a typo in the object's key).
  const iss = deepestIssue(firstIssue(r.error.issues) as z.core.$ZodIssue);
  // An unknown key is named itself (`trace.cuont`, with its line), not its parent `trace`.
  const where = formatPath(issuePath(iss), 'trace');
  let msg = plainMessage(iss);
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
  let stream: TraceStream;
  try {
    stream = (TRACE_KINDS[s.kind].open as (spec: TraceSpec, r: Resolved) => TraceStream)(s, r);
  } catch (e) {
    throw underTrace(e, ctx);
  }
  // Some option errors surface only while reading (a demand series' `start` past its last sample).
  return {
    stats: stream.stats,
    [Symbol.asyncIterator]: async function* () {
      try {
        yield* stream;
      } catch (e) {
        throw underTrace(e, ctx);
      }
    },
  };
}

/** Validate a pool-source spec (`alibaba-nodes`); errors name `field` (default 'pools'). */
export function parsePoolSourceSpec(spec: unknown, file?: string, field = 'pools'): PoolSourceSpec {
  // As a trace spec: an unknown key is named itself (`pools.colour`), with the nearest key or the keys the source takes.
  const r = alibabaNodesSchema.safeParse(spec, KEY_HINTS);
  if (r.success) return r.data;
  const iss = firstIssue(r.error.issues) as z.core.$ZodIssue;
  const msg = plainMessage(iss);
  return fail(msg, formatPath(issuePath(iss), field), file);
}

/** Pools from a node list (Alibaba openb), resolved against the data root like trace files. */
export async function loadTracePools(spec: unknown, ctx: OpenTraceContext): Promise<PoolSpec[]> {
  const s = parsePoolSourceSpec(spec, ctx.file);
  const { kind: _k, file: f, boot, ...rest } = s;
  const abs = resolver(ctx, 'pools.file').path(f);
  try {
    return await readAlibabaNodePools(abs, { ...rest, space: ctx.space, ...(boot !== undefined ? { bootSeconds: boot } : {}) });
  } catch (e) {
    // maxFactor past the node limit is the pool source's field (`pools.maxFactor`), not the trace's.
    throw underTrace(e, ctx, 'pools');
  }
}
