import path from 'node:path';
import { agentTraceFleet } from '../agents/workload.js';
import { ConfigError } from '../core/errors.js';
import type { PoolSpec } from '../core/model.js';
import { PRIORITIES, type Priority } from '../core/priority.js';
import { AZURE_DEFAULT_PRIORITIES } from '../traces/azure-llm.js';
import { parseTraceSpec } from '../traces/registry.js';
import { SYNTHETIC_PRESETS } from '../traces/synthetic.js';
import type { PriorityShare } from '../traces/reading.js';
import type { ResourceSpace } from '../core/resources.js';
import { strategyRows, type StrategyRow } from './rows.js';
import type { Scenario } from './schema.js';

/**
 * One row of a scenario's comparison as a `drs serve` configuration (docs/serve.md, "From a
 * scenario to production"): the document a serve config file holds, in its own shape, so that
 * `parseServeConfig` builds a ResourceScheduler running that row's allocator (+ options),
 * preemption, queue policy (+ options), quotas and scaling policy on the scenario's pools, exactly
 * as the simulator ran it. What has no production meaning is listed (`notCarried`), never dropped
 * silently; what cannot be served is refused with the field.
 *
 * Decisions, per item:
 * - `protocol:` refused: it evaluates a queue policy on windows of an SWF log, each on an empty
 *   machine sized from the log's header, with the protocol's own reference policies.
 * - trace, horizon, failures, decisionBudget: listed (a service serves the requests
 *   its clients send, for as long as it runs; its nodes fail for real, `POST .../fail`).
 * - the SLO wait per priority class the simulator measured SLA attainment against (`classSloWait`):
 *   the config's `sloWait`, so production counts attainment by the same rule. An SLO the trace
 *   gives request by request (a CSV column) has no class value: listed (clients send `sloWaitMs`).
 * - the queue: the simulator never times queued work out nor refuses it for length, production
 *   needs both bounds: `timeout` is set to NO_TIMEOUT (a year: never, for any run the simulator
 *   measured) and `maxLength` to the service's default; work evicted by preemption, reclaim or a
 *   node failure is queued again (`requeuePreempted`), as the simulator does.
 * - a `scheduled` policy's `offsetSeconds` and `startDayOfWeek` place the simulator's t = 0 on the
 *   calendar; production reads the wall clock (UTC), so they are left out and its rules fire at
 *   the times and days they name.
 * - pools read from a node list (`pools: { kind: alibaba-nodes }`) are written out one by one
 *   (their node names are not: production names nodes `<pool>-<id>`).
 * - tokens: `tokenEnv` only, DRS_ADMIN_TOKEN and one DRS_TOKEN_<TENANT> per tenant the scenario
 *   names (its trace's tenants or agents, its quotas' tenants); never a literal secret.
 */

/** A queued request's timeout standing for "never" (the simulator has no queue timeout). */
export const NO_TIMEOUT = '365d';
/** The service's default queue length (src/scheduler/assembly.ts), written out so it is seen. */
export const SERVE_QUEUE_MAX_LENGTH = 10_000;
/** The service's default limits (src/scheduler/http/limits.ts); raised when a scenario's pools need more. */
const SERVE_LIMITS = { nodesPerPool: 10_000, pools: 1000 } as const;
/** The serve config's pool names (src/scheduler/config.ts). */
const SERVE_POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** The scheduler's timezone-free clock: `scheduled` options that place the simulator's t = 0. */
const CLOCK_ORIGIN_OPTIONS = ['offsetSeconds', 'startDayOfWeek'] as const;

export interface ServeExport {
  readonly row: StrategyRow;
  /** The serve config (plain data, as YAML would hold it). */
  readonly document: Record<string, unknown>;
  /** What the simulator ran that the config does not hold, one line each. */
  readonly notCarried: readonly string[];
  /** Settings production needs that the simulation has no counterpart for, one line each. */
  readonly productionOnly: readonly string[];
  /** The environment variables the tokens read: name → who it speaks for. */
  readonly tokenEnv: readonly { readonly env: string; readonly tenant?: string }[];
}

export interface ServeExportOptions {
  /** The scenario file (errors name it). */
  readonly file: string;
  /** The folder the config will be read from: learned model files are written relative to it (absolute when undefined). */
  readonly configDir?: string;
}

/** The labels of a scenario's rows, as `drs run` prints them. */
export function rowLabels(sc: Scenario): string[] {
  return strategyRows(sc).map((r) => r.label);
}

/** A label in a message: 'as is', or as a JSON string when it holds a quote or a control character (a line break would split the message). */
function quoteLabel(label: string): string {
  return /['\p{Cc}\u2028\u2029]/u.test(label) ? JSON.stringify(label) : `'${label}'`;
}

/** Pick the row named `label` (exactly as `drs run` prints it); undefined picks the only row. */
export function pickRow(sc: Scenario, label: string | undefined, file: string): StrategyRow {
  const rows = strategyRows(sc);
  const known = rows.map((r) => quoteLabel(r.label)).join(', ');
  if (label === undefined) {
    if (rows.length === 1) return rows[0] as StrategyRow;
    throw new ConfigError(`the scenario compares ${rows.length} strategies: choose one with --strategy LABEL (labels: ${known})`, { file });
  }
  const row = rows.find((r) => r.label === label);
  if (row === undefined) throw new ConfigError(`--strategy ${quoteLabel(label)}: no row of the scenario has this label (labels, as drs run prints them: ${known})`, { file });
  return row;
}

/** What a service cannot run, refused before the scenario is built (a protocol reads its whole log). */
export function refuseUnservable(sc: Scenario, file: string): void {
  if (sc.protocol === undefined) return;
  throw new ConfigError(
    "protocol rlscheduler cannot be served: it runs each window of an SWF log alone on an empty machine sized from the log's header, with the protocol's own queue policies; export a scenario without protocol: (same pools, queue and strategy) instead",
    { file, field: 'protocol' },
  );
}

/**
 * The serve config for `row` of `sc` on `pools` (the scenario's pools as the simulator built them,
 * node lists expanded). Refuses (ConfigError naming the field) what production cannot serve.
 */
export function serveExport(sc: Scenario, pools: readonly PoolSpec[], space: ResourceSpace, row: StrategyRow, opts: ServeExportOptions): ServeExport {
  const { file } = opts;
  refuseUnservable(sc, file);
  pools.forEach((p, i) => {
    if (!SERVE_POOL_NAME.test(p.name)) {
      throw new ConfigError(`pool name '${p.name}' cannot be served: drs serve's pool names are 1-100 letters, digits, . _ - (starting with a letter or digit); rename the pool in the scenario`, { file, field: Array.isArray(sc.pools) ? `pools[${i}].name` : 'pools' });
    }
  });
  const notCarried: string[] = [];
  const productionOnly: string[] = [];
  const model = (ref: { name: string; options?: unknown }): { name: string; options?: unknown } => withModelPath(ref, opts.configDir);

  const strat = model({ name: row.name, ...(row.options !== undefined ? { options: row.options } : {}) });
  const queueRef = model(row.queue.ref);
  const quotas = row.quotas === 'none' ? undefined : (row.quotas ?? sc.quotas);
  let scaling: { policy: string; options?: unknown } | undefined;
  if (row.scaling !== undefined) {
    const { policy, options } = row.scaling.ref;
    let opt = options;
    if (policy === 'scheduled' && isRecord(options)) {
      const dropped = CLOCK_ORIGIN_OPTIONS.filter((k) => options[k] !== undefined);
      if (dropped.length > 0) {
        opt = Object.fromEntries(Object.entries(options).filter(([k]) => !(CLOCK_ORIGIN_OPTIONS as readonly string[]).includes(k)));
        notCarried.push(`scaling.options ${dropped.map((k) => `${k} ${JSON.stringify(options[k])}`).join(', ')}: they place the simulator's t = 0 on the calendar; production reads the wall clock (UTC), so the rules fire at the times and days they name`);
      }
    }
    scaling = { policy, ...(opt !== undefined ? { options: opt } : {}) };
  }

  const tokenEnv = tokenEnvs(tenantsOf(sc, file, quotas));
  const slo = classSloWait(sc, file);
  const maxNodes = Math.max(0, ...pools.map((p) => Math.max(p.nodes.max, p.nodes.initial)));
  const limits = {
    ...(maxNodes > SERVE_LIMITS.nodesPerPool ? { nodesPerPool: maxNodes } : {}),
    ...(pools.length > SERVE_LIMITS.pools ? { pools: pools.length } : {}),
  };
  const document: Record<string, unknown> = {
    dimensions: [...space.names],
    strategy: strat.options === undefined ? strat.name : strat,
    preemption: row.preemption,
    seed: sc.seed,
    queue: { policy: queueRef.name, ...(queueRef.options !== undefined ? { options: queueRef.options } : {}), timeout: NO_TIMEOUT, maxLength: SERVE_QUEUE_MAX_LENGTH, requeuePreempted: true },
    ...(quotas !== undefined ? { quotas: { ...(quotas.default !== undefined ? { default: quotas.default } : {}), tenants: quotas.tenants } } : {}),
    ...(scaling !== undefined ? { scaling } : {}),
    ...(Object.keys(slo.byClass).length > 0 ? { sloWait: Object.fromEntries(Object.entries(slo.byClass).map(([p, v]) => [p, duration(v)])) } : {}),
    tokens: tokenEnv.map((t) => (t.tenant === undefined ? { tokenEnv: t.env, admin: true } : { tokenEnv: t.env, tenant: t.tenant })),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    pools: pools.map((p) => servePool(p, space)),
  };

  productionOnly.push(`queue.timeout ${NO_TIMEOUT}: the simulator never times queued work out; this stands for "never" (lower it to bound a wait)`);
  productionOnly.push(`queue.maxLength ${SERVE_QUEUE_MAX_LENGTH}: the simulator's queue has no bound; drs serve's default`);
  productionOnly.push('queue.requeuePreempted true: work evicted by preemption, quota reclaim or a node failure waits again, as in the simulator');
  if (Object.keys(limits).length > 0) productionOnly.push(`limits ${Object.entries(limits).map(([k, v]) => `${k} ${v}`).join(', ')}: raised from the service's default so the scenario's pools fit`);
  productionOnly.push(`tokens: read from ${tokenEnv.map((t) => t.env).join(', ')} (set each to at least 16 characters, e.g. openssl rand -hex 24)`);

  notCarried.push(`trace (kind ${sc.trace.kind}): production serves the requests its clients send`);
  if (sc.horizon !== undefined) notCarried.push(`horizon ${duration(sc.horizon)}: the service runs until stopped`);
  if (sc.failures !== undefined) notCarried.push('failures: nodes fail for real in production (report one with POST /v1/pools/POOL/nodes/NODE/fail)');
  notCarried.push(...slo.notCarried);
  notCarried.push(`decisionBudget ${sc.decisionBudget}s: the simulator counts a decision's work, drs serve gives each decision 100 ms of wall-clock time`);
  if (!Array.isArray(sc.pools)) notCarried.push(`pools: the node list's host names (${(sc.pools as { kind: string }).kind}); its ${pools.length} pool(s) are written out, their nodes named <pool>-<id>`);
  const others = strategyRows(sc).filter((r) => r.index !== row.index);
  if (others.length > 0) notCarried.push(`the other rows: ${others.map((r) => r.label).join(', ')}`);
  return { row, document, notCarried, productionOnly, tokenEnv };
}

/**
 * The SLO wait (seconds) per priority class of the scenario's requests, as the simulator gives them:
 * the class's value in the trace (a `priorities[i].sloWait` of synthetic, demand-series and
 * azure-llm and llm traces, with their presets' and the LLM readers' defaults; alibaba-gpu's `sloWait`;
 * a CSV trace's `defaults.sloWait`, for every class), else the scenario's `sloWait` for the class
 * (applied where the trace gives none, src/scenario/build.ts). A CSV `sloWait` column sets it per
 * request: said in `notCarried`.
 */
export function classSloWait(sc: Scenario, file: string): { readonly byClass: Partial<Record<Priority, number>>; readonly notCarried: readonly string[] } {
  const fromTrace: Partial<Record<Priority, number>> = {};
  const notCarried: string[] = [];
  const classes = (list: readonly PriorityShare[] | undefined): void => {
    for (const c of list ?? []) if (c.sloWait !== undefined) fromTrace[c.priority] = c.sloWait;
  };
  if (sc.trace.kind !== 'agents') {
    const t = parseTraceSpec(sc.trace, file);
    switch (t.kind) {
      case 'synthetic':
      case 'demand-series':
        classes(t.priorities ?? (t.preset !== undefined ? SYNTHETIC_PRESETS[t.preset]({}).priorities : undefined));
        break;
      case 'azure-llm':
      case 'llm':
        classes(t.priorities ?? AZURE_DEFAULT_PRIORITIES);
        break;
      case 'alibaba-gpu':
        Object.assign(fromTrace, t.sloWait ?? {});
        break;
      case 'csv': {
        const d = t.defaults?.sloWait;
        if (d !== undefined) for (const p of PRIORITIES) fromTrace[p] = d;
        if (t.columns.sloWait !== undefined) {
          const col = typeof t.columns.sloWait === 'string' ? t.columns.sloWait : t.columns.sloWait.column;
          notCarried.push(`trace.columns.sloWait: the simulator read each request's SLO wait from column '${col}'${d !== undefined ? ' (the class values written are the defaults.sloWait for rows without one)' : ''}; production requests give theirs as sloWaitMs`);
        }
        break;
      }
      case 'swf':
        break;
      default: {
        // A new trace kind must say here which SLO classes it carries (one once fell through silently).
        const unhandled: never = t;
        throw new Error(`classSloWait: trace kind ${(unhandled as { kind: string }).kind} not handled`);
      }
    }
  }
  const byClass: Partial<Record<Priority, number>> = {};
  for (const p of PRIORITIES) {
    const v = fromTrace[p] ?? sc.sloWait?.[p];
    if (v !== undefined) byClass[p] = v;
  }
  return { byClass, notCarried };
}

/** A pool as a serve config writes it (capacity in the config's units: memory in Gi). */
function servePool(p: PoolSpec, space: ResourceSpace): Record<string, unknown> {
  const capacity: Record<string, number | string> = {};
  space.names.forEach((d, i) => {
    const v = p.capacity[i] as number;
    if (v === 0 || (p.gpus !== undefined && d === 'gpu')) return; // gpus.count sets capacity.gpu
    capacity[d] = d === 'memory' || d === 'mem' ? gibibytes(v) : v;
  });
  const { min, max, initial } = p.nodes;
  const labels = Object.fromEntries(Object.entries(p.labels).filter(([k, v]) => !(k === 'gpuModel' && p.gpus?.model === v)));
  return {
    name: p.name,
    capacity,
    ...(p.gpus !== undefined ? { gpus: { ...p.gpus } } : {}),
    nodes: min === max && max === initial ? initial : { min, max, initial },
    pricePerHour: p.pricePerHour,
    latencyMs: p.latencyMs,
    ...(p.bootSeconds > 0 ? { boot: duration(p.bootSeconds) } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
  };
}

/** GiB (the internal unit) as `NTi` or `NGi`, read back exactly by parseQuantity. */
function gibibytes(v: number): string {
  return v >= 1024 && v % 1024 === 0 ? `${v / 1024}Ti` : `${v}Gi`;
}

/** Seconds as the shortest whole unit (`5m`, `90s`, `1.5s`), read back exactly by parseDuration. */
function duration(s: number): string {
  for (const [u, n] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (s % n === 0) return `${s / n}${u}`;
  return `${s}s`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A learned strategy's model file (absolute in a loaded scenario) relative to the config's folder,
 * where the serve config resolves it; a shipped model's name stays as it is.
 */
function withModelPath(ref: { name: string; options?: unknown }, configDir: string | undefined): { name: string; options?: unknown } {
  const { name, options } = ref;
  const m = isRecord(options) ? options.model : undefined;
  if (typeof m !== 'string' || !m.endsWith('.json') || !path.isAbsolute(m) || configDir === undefined) return options === undefined ? { name } : { name, options };
  const rel = path.relative(configDir, m);
  return { name, options: { ...(options as Record<string, unknown>), model: rel.startsWith('.') || path.isAbsolute(rel) ? rel : `./${rel}` } };
}

/** The tenants the scenario names: its trace's (tenants, tenant, agents) and its quotas'. In order, once each. */
function tenantsOf(sc: Scenario, file: string, quotas: { readonly tenants: Readonly<Record<string, unknown>> } | undefined): string[] {
  const out = new Set<string>();
  const trace = sc.trace as Record<string, unknown>;
  for (const t of Array.isArray(trace.tenants) ? trace.tenants : []) {
    const name = typeof t === 'string' ? t : isRecord(t) ? t.name : undefined;
    if (typeof name === 'string') out.add(name);
  }
  if (typeof trace.tenant === 'string') out.add(trace.tenant);
  const defaults = trace.defaults;
  if (isRecord(defaults) && typeof defaults.tenant === 'string') out.add(defaults.tenant);
  // An agent fleet (inline or in its own file): each agent is its requests' tenant (src/agents/workload.ts).
  if (sc.trace.kind === 'agents') for (const a of agentTraceFleet(sc.trace, { baseDir: path.dirname(path.resolve(file)), file }).fleet.agents) out.add(a.id);
  for (const t of Object.keys(quotas?.tenants ?? {})) out.add(t);
  for (const t of Object.keys(sc.quotas?.tenants ?? {})) out.add(t);
  return [...out];
}

/** DRS_ADMIN_TOKEN, then DRS_TOKEN_<TENANT> per tenant (upper snake case; `_2`, `_3` on a clash). */
function tokenEnvs(tenants: readonly string[]): { env: string; tenant?: string }[] {
  const out: { env: string; tenant?: string }[] = [{ env: 'DRS_ADMIN_TOKEN' }];
  const taken = new Set(['DRS_ADMIN_TOKEN']);
  for (const t of tenants) {
    const base = `DRS_TOKEN_${t.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'TENANT'}`;
    let env = base;
    for (let k = 2; taken.has(env); k++) env = `${base}_${k}`;
    taken.add(env);
    out.push({ env, tenant: t });
  }
  return out;
}
