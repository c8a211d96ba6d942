import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { AllocatorName, StrategySpec } from '../algorithms/registry.js';
import { ConfigError, UserError } from '../core/errors.js';
import { DEFAULT_DIMENSIONS, ResourceSpace } from '../core/resources.js';
import { emptyDocumentError, fieldPath, yamlError, yamlLineOf, yamlValue, type YamlIssue } from '../core/yaml-line.js';
import { SCALING_POLICIES, SCALING_POLICY_NAMES, type ScalingPolicyName } from '../autoscale/registry.js';
import { scalingTargetIssue } from '../autoscale/targets.js';
import { widthDimensionIssue, writtenWidthDimension } from '../queue/width.js';
import type { QueuePolicyName } from '../queue/registry.js';
import { isPriority, PRIORITIES, type Priority } from '../core/priority.js';
import { checkOptions, serveQueuePolicy, serveStrategy } from './config-strategies.js';
import { DEFAULT_LIMITS, type ServiceLimits } from './http/limits.js';
import type { Retention } from './store.js';
import { overcommittedGuarantees, type QuotaConfig } from './quota.js';
import { toPoolSpec } from './inputs.js';
import { duration, poolNodeBound, POOL_SCHEMA, toPoolInput } from './config-pools.js';
import type { PoolInput } from './types.js';

export { poolNodeBound, POOL_SCHEMA, toPoolInput } from './config-pools.js';
import { DOCS, deepestIssue, firstIssue, formatPath, issuePath, KEY_HINTS, plainMessage } from '../core/plain-issue.js';

/**
 * The `drs serve` configuration (YAML; see docs/serve.md and examples/serve-config.yaml).
 * Validated with zod; every error names the file and the field path.
 */

/** Who a bearer token speaks for: one tenant, or an admin (may do everything, for any tenant). */
export interface TokenSpec {
  readonly token: string;
  readonly tenant?: string;
  readonly admin?: boolean;
}

export interface ServeQueueConfig {
  readonly policy: QueuePolicyName;
  readonly options?: unknown;
  readonly timeoutMs?: number;
  readonly maxLength?: number;
  /** Work evicted by preemption, reclaim or a node failure goes back to the queue (ResourceSchedulerOptions.queue.requeuePreempted). */
  readonly requeuePreempted?: boolean;
}

/** The service configuration after parsing (all amounts and durations as numbers; paths absolute). */
export interface ServeConfig {
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** SQLite state file; absent = in memory (state is lost on exit). */
  readonly stateFile?: string;
  /** Largest request body in bytes (default 65 536); larger bodies get 413. */
  readonly bodyLimit?: number;
  readonly dimensions?: readonly string[];
  readonly strategy?: AllocatorName | StrategySpec;
  readonly preemption?: boolean;
  readonly queue?: ServeQueueConfig;
  readonly defaultLeaseMs?: number;
  readonly quotas?: QuotaConfig;
  /** A scaling policy from the registry, called every `intervalSeconds`. */
  readonly scaling?: { readonly policy: ScalingPolicyName; readonly options?: unknown };
  readonly tokens: readonly TokenSpec[];
  /** Serve /metrics without a token (default true); false requires an admin token. */
  readonly metricsPublic?: boolean;
  readonly pools?: readonly PoolInput[];
  /**
   * `group` (default with a state file): group commit, one fsync for all operations of an
   * event-loop turn, before any of their responses. `per-operation` (default in memory): one
   * commit (fsync) per operation.
   */
  readonly durability?: 'group' | 'per-operation';
  /** Log requests (fastify's logger, JSON to stdout). Default false. */
  readonly log?: boolean;
  /** Where SQLite group commits run: `thread` (default, off the event loop) or `inline` (for comparison). */
  readonly sqliteWriter?: 'thread' | 'inline';
  /** Limits that protect the service (defaults: DEFAULT_LIMITS in http/limits.ts). */
  readonly limits?: Partial<ServiceLimits>;
  /** How much history the state keeps: preemption records (default 10,000) and audit records (default 1,000,000; null: all). */
  readonly retention?: Retention;
  /** Shared PostgreSQL store with leader election (instead of `stateFile`); see docs/serve.md. */
  readonly postgres?: PostgresConfig;
  /** The seed of randomised strategies and scaling policies (ResourceSchedulerOptions.seed). */
  readonly seed?: number | string;
  /** The SLO wait per priority class, ms (the file's `sloWait`, as a scenario's); ResourceSchedulerOptions.sloWaitMs. */
  readonly sloWaitMs?: Readonly<Partial<Record<Priority, number>>>;
}

export interface PostgresConfig {
  /** Connection string (`postgres://user@127.0.0.1:5432/drs`). */
  readonly url: string;
  /** The URL other replicas give clients as the leader's address (default: this replica's listening URL). */
  readonly advertiseUrl?: string;
  /** How often a standby tries to take the lead, ms (default 500). */
  readonly pollIntervalMs?: number;
}

/** Node timers run a delay beyond 2^31 − 1 ms (24.8 days) after 1 ms, and a delay of 0 at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const share = z.number().min(0).max(1);
const tenantQuota = z.object({ guaranteed: z.record(z.string(), share).optional(), max: z.record(z.string(), share).optional() }).strict();

const fileSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    stateFile: z.string().min(1).optional(),
    bodyLimit: z.number().int().min(256).max(64 * 1024 * 1024).optional(),
    dimensions: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).min(1).optional(),
    // Names are checked by serveStrategy / serveQueuePolicy (config-strategies.ts), which also read a learned model.
    strategy: z.union([z.string().min(1), z.object({ name: z.string().min(1), options: z.unknown().optional(), preemption: z.boolean().optional() }).strict()]).optional(),
    preemption: z.boolean().optional(),
    queue: z
      .union([
        z.literal(false),
        z
          .object({
            policy: z.string().min(1).optional(),
            options: z.unknown().optional(),
            timeout: duration('timeout').optional(),
            maxLength: z.number().int().min(0).optional(),
            requeuePreempted: z.boolean().optional(),
          })
          .strict(),
      ])
      .optional(),
    /** As a scenario's `sloWait`: the SLO wait per priority class (`{ high: 2s, low: 5m }`). */
    sloWait: z
      .record(z.string(), duration('wait'))
      .superRefine((r, ctx) => {
        for (const k of Object.keys(r)) if (!isPriority(k)) ctx.addIssue({ code: 'custom', path: [k], message: `'${k}' is not a priority class (${PRIORITIES.join(', ')})` });
      })
      .optional(),
    /** The seed of randomised strategies and scaling policies (ResourceSchedulerOptions.seed; default 1), as a scenario's `seed`. */
    seed: z.union([z.number().int().refine(Number.isSafeInteger, 'expected a whole number of at most 2^53'), z.string().min(1)]).optional(),
    defaultLease: duration('lease').refine((ms) => ms > 0, 'a default lease must be longer than 0 (leave it out for no lease)').optional(),
    scaling: z.object({ policy: z.enum(SCALING_POLICY_NAMES as [ScalingPolicyName, ...ScalingPolicyName[]]), options: z.unknown().optional() }).strict().optional(),
    quotas: z.object({ default: tenantQuota.optional(), tenants: z.record(z.string(), tenantQuota).optional() }).strict().optional(),
    tokens: z
      .array(
        z
          .object({
            token: z.string().min(16, 'a token must have at least 16 characters').optional(),
            tokenEnv: z.string().min(1).optional(),
            tenant: z.string().min(1).max(200).optional(),
            admin: z.boolean().optional(),
          })
          .strict()
          .refine((t) => (t.token === undefined) !== (t.tokenEnv === undefined), 'give exactly one of token and tokenEnv')
          .refine((t) => t.admin === true || t.tenant !== undefined, 'a token needs a tenant unless it is an admin token'),
      )
      .default([]),
    metrics: z.object({ public: z.boolean().optional() }).strict().optional(),
    pools: z.array(POOL_SCHEMA).optional(),
    durability: z.enum(['group', 'per-operation']).optional(),
    log: z.boolean().optional(),
    sqliteWriter: z.enum(['thread', 'inline']).optional(),
    limits: z
      .object({
        nodesPerPool: z.number().int().min(1).max(1_000_000).optional(),
        pools: z.number().int().min(1).max(100_000).optional(),
        outstandingPerTenant: z.number().int().min(1).optional(),
        requestsPerSecond: z.number().min(0).optional(),
        burst: z.number().int().min(1).optional(),
        pageSize: z.number().int().min(1).max(100_000).optional(),
      })
      .strict()
      .optional(),
    retention: z
      .object({
        preemptions: z.number().int().min(0).optional(),
        // `all`: never prune the audit log (the behaviour before retention was added).
        audit: z.union([z.number().int().min(0), z.literal('all')]).optional(),
      })
      .strict()
      .optional(),
    postgres: z
      .object({
        url: z.string().min(1).optional(),
        urlEnv: z.string().min(1).optional(),
        advertiseUrl: z.string().url().optional(),
        // A standby waits this long between tries on a timer: 0 would poll the database in a
        // tight loop, and more than 24.8 days would (as Node timers do) poll every millisecond.
        pollInterval: duration('poll interval')
          .refine((ms) => ms > 0 && ms <= MAX_TIMER_MS, 'a poll interval must be longer than 0 and at most 24.8 days (2147483647 ms)')
          .optional(),
      })
      .strict()
      .refine((p) => p.url === undefined || p.urlEnv === undefined, 'give one of url and urlEnv, not both')
      .optional(),
  })
  .strict();

/**
 * Validate a parsed YAML/JSON document. `file` names the source in errors; relative paths
 * (stateFile) are resolved against `baseDir`; `tokenEnv` entries are read from `env`.
 * `storeByFlag`: the command line attaches a store (`drs serve --state` / `--postgres`) that
 * the file does not name, so its pools and dimensions are not all known here.
 */
export function parseServeConfig(raw: unknown, file: string, baseDir: string, env: Readonly<Record<string, string | undefined>> = process.env, storeByFlag = false): ServeConfig {
  const res = fileSchema.safeParse(raw ?? {}, KEY_HINTS);
  if (!res.success) {
    const first = firstIssue(res.error.issues);
    const issue = first === undefined ? undefined : deepestIssue(first);
    const field = issue === undefined ? undefined : formatPath(issuePath(issue));
    throw new ConfigError(issue === undefined ? 'invalid configuration' : plainMessage(issue, DOCS.serve), { file, ...(field ? { field } : {}) });
  }
  const c = res.data;
  const tokens: TokenSpec[] = c.tokens.map((t, i) => {
    let token = t.token;
    if (t.tokenEnv !== undefined) {
      token = env[t.tokenEnv];
      if (token === undefined || token.length < 16) {
        throw new ConfigError(`environment variable ${t.tokenEnv} ${token === undefined ? 'is not set' : 'holds fewer than 16 characters'}`, { file, field: `tokens[${i}].tokenEnv` });
      }
    }
    return { token: token as string, ...(t.tenant !== undefined ? { tenant: t.tenant } : {}), ...(t.admin === true ? { admin: true } : {}) };
  });
  const seen = new Set<string>();
  tokens.forEach((t, i) => {
    if (seen.has(t.token)) throw new ConfigError('the same token is listed twice', { file, field: `tokens[${i}]` });
    seen.add(t.token);
  });
  const strategy = c.strategy === undefined ? undefined : serveStrategy(c.strategy, file, baseDir);
  const queue = c.queue === undefined || c.queue === false ? undefined : serveQueuePolicy(c.queue.policy, c.queue.options, file, baseDir);
  if (c.scaling?.options !== undefined) {
    checkOptions(SCALING_POLICIES[c.scaling.policy].options, c.scaling.options, 'scaling.options', (message, field) => {
      throw new ConfigError(message, { file, field });
    });
  }
  if (c.scaling !== undefined) {
    // Against what the scheduler starts with, where the config alone says it: a state file or
    // PostgreSQL may hold more pools and, without `dimensions`, its own dimensions (the scheduler
    // checks those once it has restored them).
    const stored = storeByFlag || c.stateFile !== undefined || c.postgres !== undefined;
    const poolNames = stored ? undefined : (c.pools ?? []).map((p) => p.name);
    const issue = scalingTargetIssue(c.scaling.policy, c.scaling.options ?? {}, poolNames, c.dimensions ?? (stored ? undefined : DEFAULT_DIMENSIONS));
    if (issue !== undefined) throw new ConfigError(issue.message, { file, field: `scaling.options.${issue.field}` });
  }
  const width = writtenWidthDimension(queue?.options);
  const widthDims = c.dimensions ?? (storeByFlag || c.stateFile !== undefined || c.postgres !== undefined ? undefined : DEFAULT_DIMENSIONS);
  const widthIssue = width === undefined || widthDims === undefined ? undefined : widthDimensionIssue(width, widthDims);
  if (widthIssue !== undefined) throw new ConfigError(widthIssue, { file, field: 'queue.options.widthDimension' });
  if (c.postgres !== undefined && c.stateFile !== undefined) throw new ConfigError('give either stateFile (SQLite) or postgres, not both', { file, field: 'postgres' });
  let postgres: PostgresConfig | undefined;
  if (c.postgres !== undefined) {
    // `drs serve --postgres URL` overrides the URL (docs/serve.md): the section may then name none,
    // or an environment variable this shell does not set; the command line fills `url` in.
    const url = c.postgres.url ?? (c.postgres.urlEnv !== undefined ? env[c.postgres.urlEnv] : undefined) ?? '';
    if (url === '' && !storeByFlag) {
      if (c.postgres.urlEnv === undefined) throw new ConfigError('give url or urlEnv (or drs serve --postgres URL)', { file, field: 'postgres' });
      throw new ConfigError(`environment variable ${c.postgres.urlEnv} is not set`, { file, field: 'postgres.urlEnv' });
    }
    postgres = { url, ...(c.postgres.advertiseUrl !== undefined ? { advertiseUrl: c.postgres.advertiseUrl } : {}), ...(c.postgres.pollInterval !== undefined ? { pollIntervalMs: c.postgres.pollInterval } : {}) };
  }
  const limits = { ...DEFAULT_LIMITS, ...(c.limits ?? {}) };
  if ((c.pools ?? []).length > limits.pools) throw new ConfigError(`${(c.pools ?? []).length} pools exceed limits.pools (${limits.pools})`, { file, field: 'pools' });
  (c.pools ?? []).forEach((p, i) => {
    const n = poolNodeBound(p.nodes);
    if (n > limits.nodesPerPool) throw new ConfigError(`${n} nodes exceed limits.nodesPerPool (${limits.nodesPerPool})`, { file, field: `pools[${i}].nodes` });
  });
  const names = new Set<string>();
  (c.pools ?? []).forEach((p, i) => {
    if (names.has(p.name)) throw new ConfigError(`pool '${p.name}' is listed twice`, { file, field: `pools[${i}].name` });
    names.add(p.name);
  });
  const dims = c.dimensions ?? ['cpu', 'memory', 'gpu'];
  if (new Set(dims).size !== dims.length) throw new ConfigError(`a dimension is listed twice: ${dims.join(', ')}`, { file, field: 'dimensions' });
  const checkDims = (rec: Readonly<Record<string, unknown>> | undefined, at: string): void => {
    for (const k of Object.keys(rec ?? {})) if (!dims.includes(k)) throw new ConfigError(`unknown resource dimension '${k}' (known: ${dims.join(', ')})`, { file, field: `${at}.${k}` });
  };
  (c.pools ?? []).forEach((p, i) => {
    checkDims(p.capacity, `pools[${i}].capacity`);
    if (p.primary !== undefined && !dims.includes(p.primary)) throw new ConfigError(`unknown resource dimension '${p.primary}' (known: ${dims.join(', ')})`, { file, field: `pools[${i}].primary` });
    if (p.primary !== undefined && !((p.capacity[p.primary] ?? 0) > 0) && !(p.primary === 'gpu' && p.gpus !== undefined)) {
      throw new ConfigError(`primary '${p.primary}': the pool's nodes have no ${p.primary}, so every 'units' request would never fit`, { file, field: `pools[${i}].primary` });
    }
  });
  // What addPool would refuse (gpus.count against capacity.gpu, node counts, no capacity), here with the file and line.
  const space = new ResourceSpace(dims);
  (c.pools ?? []).forEach((p, i) => {
    try {
      toPoolSpec(toPoolInput(p), space);
    } catch (e) {
      if (!(e instanceof UserError) || e.location.field === undefined) throw e;
      throw new ConfigError(e.detail, { file, field: `pools[${i}].${e.location.field}` });
    }
  });
  checkDims(c.quotas?.default?.guaranteed, 'quotas.default.guaranteed');
  checkDims(c.quotas?.default?.max, 'quotas.default.max');
  for (const [t, q] of Object.entries(c.quotas?.tenants ?? {})) {
    checkDims(q.guaranteed, `quotas.tenants.${t}.guaranteed`);
    checkDims(q.max, `quotas.tenants.${t}.max`);
    for (const [d, g] of Object.entries(q.guaranteed ?? {})) {
      const m = q.max?.[d] ?? 1;
      if (g > m) throw new ConfigError(`guaranteed share ${g} exceeds the max share ${m}`, { file, field: `quotas.tenants.${t}.guaranteed.${d}` });
    }
  }
  const over = c.quotas?.tenants !== undefined ? overcommittedGuarantees(dims, { tenants: c.quotas.tenants }) : undefined;
  if (over !== undefined) throw new ConfigError(over, { file, field: 'quotas.tenants' });
  return {
    ...(c.host !== undefined ? { host: c.host } : {}),
    ...(c.port !== undefined ? { port: c.port } : {}),
    ...(c.stateFile !== undefined ? { stateFile: resolve(baseDir, c.stateFile) } : {}),
    ...(c.bodyLimit !== undefined ? { bodyLimit: c.bodyLimit } : {}),
    ...(c.dimensions !== undefined ? { dimensions: c.dimensions } : {}),
    ...(strategy !== undefined ? { strategy } : {}),
    ...(c.preemption !== undefined ? { preemption: c.preemption } : {}),
    ...(c.queue !== undefined && c.queue !== false && queue !== undefined
      ? {
          queue: {
            ...queue,
            ...(c.queue.timeout !== undefined ? { timeoutMs: c.queue.timeout } : {}),
            ...(c.queue.maxLength !== undefined ? { maxLength: c.queue.maxLength } : {}),
            ...(c.queue.requeuePreempted !== undefined ? { requeuePreempted: c.queue.requeuePreempted } : {}),
          },
        }
      : {}),
    ...(c.defaultLease !== undefined ? { defaultLeaseMs: c.defaultLease } : {}),
    ...(c.seed !== undefined ? { seed: c.seed } : {}),
    ...(c.sloWait !== undefined ? { sloWaitMs: c.sloWait as Partial<Record<Priority, number>> } : {}),
    ...(c.scaling !== undefined ? { scaling: { policy: c.scaling.policy, ...(c.scaling.options !== undefined ? { options: c.scaling.options } : {}) } } : {}),
    ...(c.quotas !== undefined ? { quotas: { tenants: c.quotas.tenants ?? {}, ...(c.quotas.default !== undefined ? { default: c.quotas.default } : {}) } } : {}),
    tokens,
    ...(c.metrics?.public !== undefined ? { metricsPublic: c.metrics.public } : {}),
    ...(c.pools !== undefined ? { pools: c.pools.map(toPoolInput) } : {}),
    ...(c.durability !== undefined ? { durability: c.durability } : {}),
    ...(c.log !== undefined ? { log: c.log } : {}),
    ...(c.limits !== undefined ? { limits: c.limits } : {}),
    ...(c.sqliteWriter !== undefined ? { sqliteWriter: c.sqliteWriter } : {}),
    ...(c.retention !== undefined
      ? { retention: { ...(c.retention.preemptions !== undefined ? { preemptions: c.retention.preemptions } : {}), ...(c.retention.audit !== undefined ? { audit: c.retention.audit === 'all' ? null : c.retention.audit } : {}) } }
      : {}),
    ...(postgres !== undefined ? { postgres } : {}),
  };
}

/** Read and validate a YAML (or JSON) config file. */
export function loadServeConfig(file: string, env: Readonly<Record<string, string | undefined>> = process.env, storeByFlag = false): ServeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError('config file not found', { file });
    if (code === 'EISDIR') throw new ConfigError('is a folder, not a config file', { file });
    throw new ConfigError(`cannot read the config file: ${code ?? String(e)}`, { file });
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  // As scenario, sweep and training files word it (a repeated key, a second document, bad syntax).
  if (doc.errors.length > 0) throw yamlError(text, lc, doc.errors[0] as YamlIssue, file);
  // An empty file would start a service with no tokens that refuses every request.
  const empty = emptyDocumentError(doc, file, 'a serve config, a mapping of its fields (tokens, pools, strategy, ...; see docs/serve.md and examples/serve-config.yaml)');
  if (empty !== undefined) throw empty;
  try {
    return parseServeConfig(yamlValue(doc, lc, file), file, dirname(resolve(file)), env, storeByFlag);
  } catch (e) {
    // parseServeConfig names the field; the line is the YAML's.
    if (!(e instanceof ConfigError) || e.location.field === undefined || e.location.line !== undefined) throw e;
    const path = fieldPath(e.location.field);
    // An unknown key is on its own line (its value may start on the next).
    const last = path[path.length - 1];
    const line = e.detail.startsWith('unknown key') && typeof last === 'string' ? yamlLineOf(doc, lc, path.slice(0, -1), last) : yamlLineOf(doc, lc, path);
    throw new ConfigError(e.detail, { ...e.location, ...(line !== undefined ? { line } : {}) });
  }
}

