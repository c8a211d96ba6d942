import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ConfigError, UserError } from '../core/errors.js';
import { fieldPath, yamlError, yamlLineOf, yamlValue, type YamlIssue } from '../core/yaml-line.js';
import { durationSchema, positiveDurationSchema } from '../core/fields.js';
import { PRIORITIES } from '../core/priority.js';
import { parseQuantity } from '../core/units.js';
import { CronSchedule } from './cron.js';
import { checkGraph } from './graph.js';
import { isTimeZone } from './time.js';
import type { AgentSpec, FleetConfig, FleetDefinition, Schedule } from './types.js';
import { firstIssue, formatPath, issuePath, KEY_HINTS, plainMessage } from '../core/plain-issue.js';

/*
 * Fleet files (YAML or objects): `config` takes the kOS scheduler_config.yaml keys as they are
 * (snake_case; durations in seconds like kOS, or with a unit), `agents` takes kOS agent
 * registrations (`agent_id`, `exec_env`, `entry_point`, `cpu`, `gpu`, `memory: 4GB`) or ours
 * (`id`, `exec`, `resources`). Every error is a ConfigError naming the field path.
 */

/** Resource amount; also accepts byte units with B (`4GB` = 4·10⁹ bytes, in GiB like `4G`). */
const amount = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const q = parseQuantity(typeof v === 'string' ? v.replace(/([KMGT]i?)B$/, '$1') : v);
  if (q === undefined || q < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative amount such as 2, "500m", "16Gi" or "4GB", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return q;
});

/**
 * A share of a whole, in exactly two forms: a percentage written with `%` (`"85%"`, `"12.5%"`) or
 * a fraction 0 < x ≤ 1 (`0.85`). A bare number above 1 (`85`, `1.5`) is refused: it could be a
 * percentage or a mistyped fraction (1.5 = 1.5 % or 150 %?), and guessing either is silent.
 */
const share = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const f = typeof v === 'number' ? v : /^\s*\d+(\.\d+)?\s*%\s*$/.test(v) ? Number.parseFloat(v) / 100 : Number.NaN;
  if (!(f > 0 && f <= 1)) {
    const hint = typeof v === 'number' && v > 1 ? ` (a bare number is a fraction of 1; write a percentage with %, e.g. "${v}%")` : '';
    ctx.addIssue({ code: 'custom', message: `expected a share such as "85%" or 0.85 (more than 0, at most 100 %), got ${JSON.stringify(v)}${hint}` });
    return z.NEVER;
  }
  return f;
});

const BACKOFF_INITIAL = 5;
const BACKOFF_MAX = 300;

/**
 * Restart backoff, seconds. The delay is min(initial × factor^(n-1), max), so an initial above
 * max was cut to max without a word: written both ways round it is refused. A default gives way
 * to the value written on the other side: `{ max: 2s }` alone starts at 2 s (the default initial
 * 5 s is above it), `{ initial: 10m }` alone waits 10 min (the default max is 5 min).
 */
const restartBackoff = z
  .object({ initial: positiveDurationSchema.optional(), max: positiveDurationSchema.optional(), factor: z.number().min(1).default(2) })
  .strict()
  .superRefine((b, ctx) => {
    if (b.initial !== undefined && b.max !== undefined && b.initial > b.max) {
      ctx.addIssue({ code: 'custom', path: ['initial'], message: `initial ${b.initial} s is above max ${b.max} s (the first restart would wait longer than the longest one); lower initial or raise max` });
    }
  })
  .transform((b) => ({
    initial: b.initial ?? Math.min(BACKOFF_INITIAL, b.max ?? BACKOFF_INITIAL),
    max: b.max ?? Math.max(BACKOFF_MAX, b.initial ?? BACKOFF_MAX),
    factor: b.factor,
  }));

export const fleetConfigSchema = z
  .object({
    max_concurrent_agents: z.number().int().positive().optional(),
    scheduler_mode: z.enum(['priority', 'fifo', 'lifo', 'dependency']).default('priority'),
    heartbeat_interval: positiveDurationSchema.optional(),
    heartbeat_misses: z.number().int().positive().default(3),
    allow_agent_preemption: z.boolean().default(false),
    max_memory_usage: share.optional(),
    log_retention_days: z.number().nonnegative().optional(),
    agent_timeout_default: positiveDurationSchema.default(600),
    reschedule_on_crash: z.boolean().default(true),
    restart_backoff: restartBackoff.default({ initial: BACKOFF_INITIAL, max: BACKOFF_MAX, factor: 2 }),
    /** Seconds for every hook, or per hook: { preStart, postStart, onShutdown } (missing ones: 30). */
    hook_timeout: z
      .union([
        positiveDurationSchema.transform((t) => ({ preStart: t, postStart: t, onShutdown: t })),
        z.object({ preStart: positiveDurationSchema.default(30), postStart: positiveDurationSchema.default(30), onShutdown: positiveDurationSchema.default(30) }).strict(),
      ])
      .default({ preStart: 30, postStart: 30, onShutdown: 30 }),
    timezone: z
      .string()
      .min(1)
      .superRefine((tz, ctx) => {
        if (!isTimeZone(tz)) ctx.addIssue({ code: 'custom', message: `invalid time zone ${JSON.stringify(tz)} (expected an IANA name such as Europe/Berlin)` });
      })
      .default('UTC'),
  })
  .strict();

const onDemandForm = z.object({ kind: z.literal('on-demand') }).strict();
const cronForm = z.object({ kind: z.literal('cron').optional(), cron: z.string(), timezone: z.string().optional() }).strict();
const conditionForm = z
  .object({
    kind: z.literal('condition').optional(),
    event: z.string().min(1).optional(),
    agent: z.string().min(1).optional(),
    metric: z.string().min(1).optional(),
    above: z.number().optional(),
    below: z.number().optional(),
  })
  .strict()
  .refine((c) => (c.event !== undefined) !== (c.metric !== undefined), { message: 'a condition names exactly one of event or metric' })
  .refine((c) => c.metric === undefined || c.above !== undefined || c.below !== undefined, { message: 'a metric condition needs above or below' })
  // Both bounds: value > above or value < below. With above < below that is every value (always true, fired once).
  .superRefine((c, ctx) => {
    if (c.above !== undefined && c.below !== undefined && c.above < c.below) {
      ctx.addIssue({ code: 'custom', path: ['above'], message: `above ${c.above} is less than below ${c.below}: every value is > ${c.above} or < ${c.below}, so the condition always holds and fires once, at the first sample; with both, it fires when the value leaves the band [below, above], so above ≥ below` });
    }
  });

const scheduleSchema = z.union([z.literal('on-demand').transform(() => ({ kind: 'on-demand' as const })), onDemandForm, cronForm, conditionForm]);

const SCHEDULE_FORMS = 'expected "on-demand", a cron mapping ({ cron }), a condition ({ event } or { metric } with above or below), or a list of them';

/**
 * Why a schedule (or a list of them) that the schema refused is wrong, as the form it is written
 * in: the form `kind` names, else the one its keys name (`cron`; `event` or `metric`). The union's
 * own issue was the last form's ("expected an array") for a typo in a cron mapping.
 */
function scheduleIssue(v: unknown): { path: PropertyKey[]; message: string } | undefined {
  if (Array.isArray(v)) {
    for (const [j, x] of v.entries()) {
      const iss = scheduleIssue(x);
      if (iss !== undefined) return { path: [j, ...iss.path], message: iss.message };
    }
    return undefined;
  }
  if (v === 'on-demand') return undefined;
  if (typeof v !== 'object' || v === null) return { path: [], message: `${SCHEDULE_FORMS}, got ${JSON.stringify(v)} (see ${AGENTS_DOC})` };
  const o = v as Record<string, unknown>;
  const form = o.kind === 'on-demand' ? onDemandForm : o.kind === 'cron' || (o.kind === undefined && 'cron' in o) ? cronForm : o.kind === 'condition' || (o.kind === undefined && ('event' in o || 'metric' in o)) ? conditionForm : undefined;
  if (form === undefined) {
    return o.kind !== undefined
      ? { path: ['kind'], message: `expected one of "on-demand", "cron", "condition" (see ${AGENTS_DOC})` }
      : { path: [], message: `a schedule needs cron, event or metric (or is "on-demand"), got keys ${Object.keys(o).join(', ') || 'none'} (see ${AGENTS_DOC})` };
  }
  const r = form.safeParse(v, KEY_HINTS);
  if (r.success) return undefined;
  const iss = firstIssue(r.error.issues) as z.core.$ZodIssue;
  return { path: issuePath(iss), message: plainMessage(iss, AGENTS_DOC) };
}

const AGENTS_DOC = 'docs/agents.md';

export const agentSchema = z
  .object({
    id: z.string().min(1).optional(),
    agent_id: z.string().min(1).optional(),
    capabilities: z.array(z.string()).default([]),
    tags: z.array(z.string()).default([]),
    priority: z.enum(PRIORITIES).default('medium'),
    exec_env: z.string().optional(),
    entry_point: z.string().optional(),
    exec: z
      .object({ env: z.string(), entryPoint: z.string().optional(), args: z.array(z.string()).optional(), image: z.string().optional(), environment: z.record(z.string(), z.string()).optional() })
      .strict()
      .optional(),
    cpu: amount.optional(),
    gpu: amount.optional(),
    memory: amount.optional(),
    resources: z.record(z.string(), amount).default({}),
    pool: z.string().min(1).optional(),
    lifecycle: z.enum(['persistent', 'ephemeral']).default('ephemeral'),
    schedule: z.union([scheduleSchema, z.array(scheduleSchema)]).optional(),
    triggers: z.array(z.string()).default([]),
    dependsOn: z.array(z.string()).default([]),
    timeout: positiveDurationSchema.optional(),
    duration: durationSchema.optional(),
    crashRate: z.number().nonnegative().default(0),
    heartbeat: z.boolean().default(true),
  })
  .strict()
  .refine((a) => (a.id ?? a.agent_id) !== undefined, { message: 'an agent needs an id (id or agent_id)' });

export const fleetSchema = z.object({ config: fleetConfigSchema.default(fleetConfigSchema.parse({})), agents: z.array(agentSchema).min(1) }).strict();

export type FleetInput = z.input<typeof fleetSchema>;

/** kOS keys → FleetConfig (durations in ms). */
export function toFleetConfig(c: z.output<typeof fleetConfigSchema>): FleetConfig {
  return {
    maxConcurrentAgents: c.max_concurrent_agents ?? Number.POSITIVE_INFINITY,
    mode: c.scheduler_mode,
    ...(c.heartbeat_interval !== undefined ? { heartbeatIntervalMs: c.heartbeat_interval * 1000 } : {}),
    heartbeatMisses: c.heartbeat_misses,
    allowPreemption: c.allow_agent_preemption,
    ...(c.max_memory_usage !== undefined ? { maxMemoryUsage: c.max_memory_usage } : {}),
    defaultTimeoutMs: c.agent_timeout_default * 1000,
    rescheduleOnCrash: c.reschedule_on_crash,
    backoff: { initialMs: c.restart_backoff.initial * 1000, maxMs: c.restart_backoff.max * 1000, factor: c.restart_backoff.factor },
    hookTimeoutMs: { preStart: c.hook_timeout.preStart * 1000, postStart: c.hook_timeout.postStart * 1000, onShutdown: c.hook_timeout.onShutdown * 1000 },
    timezone: c.timezone,
    ...(c.log_retention_days !== undefined ? { logRetentionDays: c.log_retention_days } : {}),
  };
}

/**
 * Validate a fleet (`{ config?, agents }`) and check what crosses fields: unique ids, known
 * agents in triggers/dependsOn/conditions, cron expressions and time zones, no dependency or
 * cascade cycle. `base` prefixes field paths (`trace.registry` inside a scenario).
 */
export function parseFleet(raw: unknown, where: { file?: string; base?: string } = {}): FleetDefinition {
  const at = (path: readonly PropertyKey[]): string => formatPath(path, where.base);
  const loc = (path: readonly PropertyKey[]) => ({ ...(where.file !== undefined ? { file: where.file } : {}), field: at(path) });
  const r = fleetSchema.safeParse(raw, KEY_HINTS);
  if (!r.success) {
    const iss = firstIssue(r.error.issues) as z.core.$ZodIssue;
    // A schedule's forms are a union: its issue is worded as the form the schedule is written in.
    const at = iss.path.slice(0, 3);
    const sched = at.length === 3 && at[0] === 'agents' && at[2] === 'schedule' ? scheduleIssue(valueAt(raw, at)) : undefined;
    if (sched !== undefined) throw new ConfigError(sched.message, loc([...at, ...sched.path]));
    const msg = plainMessage(iss, AGENTS_DOC);
    // An unknown key is named by its own path (so the line is the key's, not its map's first line).
    throw new ConfigError(msg, loc(issuePath(iss)));
  }
  const config = toFleetConfig(r.data.config);
  const agents: AgentSpec[] = r.data.agents.map((a, i) => {
    const id = (a.id ?? a.agent_id) as string;
    const list = a.schedule === undefined ? [] : Array.isArray(a.schedule) ? a.schedule : [a.schedule];
    const schedules: Schedule[] = list.map((s, j) => {
      if (s.kind === 'on-demand') return { kind: 'on-demand' };
      if ('cron' in s) {
        const tz = s.timezone ?? config.timezone;
        new CronSchedule(s.cron, tz, loc(['agents', i, 'schedule', ...(Array.isArray(a.schedule) ? [j] : []), 'cron'])); // validates
        return { kind: 'cron', cron: s.cron, timezone: tz };
      }
      const { kind: _k, ...cond } = s;
      return { kind: 'condition', ...cond };
    });
    const resources: Record<string, number> = { ...(a.cpu !== undefined ? { cpu: a.cpu } : {}), ...(a.memory !== undefined ? { memory: a.memory } : {}), ...(a.gpu !== undefined ? { gpu: a.gpu } : {}), ...a.resources };
    if (!Object.values(resources).some((v) => v > 0)) throw new ConfigError('an agent needs some resources (cpu, memory, gpu or resources: {...}) to be scheduled', loc(['agents', i, 'resources']));
    return {
      id,
      capabilities: a.capabilities,
      tags: a.tags,
      priority: a.priority,
      exec: a.exec ?? { env: a.exec_env ?? 'subprocess', ...(a.entry_point !== undefined ? { entryPoint: a.entry_point } : {}) },
      resources,
      ...(a.pool !== undefined ? { pool: a.pool } : {}),
      lifecycle: a.lifecycle,
      schedules,
      triggers: a.triggers,
      dependsOn: a.dependsOn,
      ...(a.timeout !== undefined ? { timeoutMs: a.timeout * 1000 } : {}),
      ...(a.duration !== undefined ? { durationMs: a.duration * 1000 } : {}),
      crashRatePerHour: a.crashRate,
      heartbeat: a.heartbeat,
    };
  });
  // A duplicate id is named by the key written: `agent_id` (kOS) or `id` (ours).
  const idKey = (path: readonly PropertyKey[]): readonly PropertyKey[] =>
    path.length === 3 && path[2] === 'id' && r.data.agents[path[1] as number]?.id === undefined ? [path[0]!, path[1]!, 'agent_id'] : path;
  checkGraph(agents, (path) => loc(idKey(path)), (i, j) => ['agents', i, 'schedule', ...(Array.isArray(r.data.agents[i]?.schedule) ? [j] : [])]);
  return { config, agents };
}

/** The value at `path` in a parsed YAML or JSON value (undefined where there is none). */
function valueAt(v: unknown, path: readonly PropertyKey[]): unknown {
  let x = v;
  for (const p of path) x = typeof x === 'object' && x !== null ? (x as Record<PropertyKey, unknown>)[p] : undefined;
  return x;
}

/**
 * Read a fleet file (YAML); a kOS `scheduler_config.yaml` can be given as `configFile`, its keys
 * then fill `config` beside the fleet file's own (`timezone`, `restart_backoff`, ...; it used to
 * replace them, silently). A key written in both files is refused: neither is more right.
 */
export function loadFleetFile(file: string, configFile?: string): FleetDefinition {
  const main = readYaml(file);
  const raw = main.value as Record<string, unknown> | null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`expected a mapping with agents (and optionally config)${Array.isArray(raw) ? ', got a list' : ''}`, { file });
  const extra = configFile === undefined ? undefined : readYaml(configFile);
  const own = raw.config ?? undefined;
  const kos = extra?.value ?? {};
  // Is `config.<key>` (or `config` itself) read from the config file? A value that is no mapping is its own file's to explain.
  const fromKos = (key: PropertyKey | undefined): boolean => {
    if (extra === undefined || (own !== undefined && !isMapping(own))) return false;
    return !isMapping(kos) || key === undefined || Object.hasOwn(kos, key);
  };
  const lineIn = (src: { readonly doc: Document; readonly lc: LineCounter }, path: readonly PropertyKey[]) => yamlLineOf(src.doc, src.lc, path);
  if (extra !== undefined && isMapping(own) && isMapping(kos)) {
    const both = Object.keys(kos).find((k) => Object.hasOwn(own, k));
    if (both !== undefined) {
      const shown = (v: unknown) => JSON.stringify(v);
      throw new ConfigError(`set here (${shown(kos[both])}) and in ${file}:${lineIn(main, ['config', both])} (${shown(own[both])}): keep it in one of the two files`, { file: configFile as string, line: lineIn(extra, [both]), field: `config.${both}` });
    }
  }
  const config = extra === undefined ? own : isMapping(own) && isMapping(kos) ? { ...own, ...kos } : own !== undefined && !isMapping(own) ? own : kos;
  try {
    return parseFleet(config === undefined ? raw : { ...raw, config }, { file });
  } catch (e) {
    // parseFleet names the field; the line is in the file the field came from.
    if (!(e instanceof UserError) || e.location.field === undefined || e.location.line !== undefined) throw e;
    const at = fieldPath(e.location.field);
    const [src, where, inFile] = extra !== undefined && configFile !== undefined && at[0] === 'config' && fromKos(at[1]) ? [extra, at.slice(1), configFile] : [main, at, file];
    throw new ConfigError(e.detail, { file: inFile, line: lineIn(src, where), field: e.location.field });
  }
}

/** A fleet file's YAML as written (the keys an agent is written with: `gpu` or `resources.gpu`); the file was read once already. */
export function fleetFileValue(file: string): unknown {
  return readYaml(file).value;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readYaml(file: string): { readonly value: unknown; readonly doc: Document; readonly lc: LineCounter } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length > 0) throw yamlError(text, lc, doc.errors[0] as YamlIssue, file);
  return { value: yamlValue(doc, lc, file), doc, lc };
}
