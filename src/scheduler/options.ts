import type { Allocator } from '../algorithms/allocator.js';
import type { AllocatorName, StrategySpec } from '../algorithms/registry.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import type { ScalingPolicyName } from '../autoscale/registry.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { QueuePolicyName } from '../queue/registry.js';
import { isPriority } from '../core/priority.js';
import type { SloWaitByClass } from './slo.js';
import type { QuotaConfig } from './quota.js';
import { UserError } from '../core/errors.js';
import { DEFAULT_DIMENSIONS, ResourceSpace } from '../core/resources.js';
import { describe, knownKeys, toPoolSpec } from './inputs.js';
import type { StateStore } from './store.js';
import { checkQueuePolicyObject, checkScalingOption, checkStrategyOption } from './strategies.js';
import type { PoolInput } from './types.js';

/** Wait-queue settings. Without a queue, a request that cannot be placed now is rejected at once. */
export interface QueueOptions {
  /** A queue policy object or a registry name (default `priority`). */
  readonly policy?: QueuePolicy | QueuePolicyName;
  /** Options for a registry policy (validated by its schema). */
  readonly options?: unknown;
  /** How long a request may wait before it times out (default 60 000 ms; per request: `queueTimeoutMs`). */
  readonly timeoutMs?: number;
  /** Requests beyond this many are rejected with `queue-full` (default 10 000). */
  readonly maxLength?: number;
  /**
   * Work evicted by priority preemption, quota reclaim or a node failure (`failNode`) goes back to
   * the queue (its request as submitted, arrival kept) instead of ending `preempted` / `lost`; as
   * the simulator does. Default false.
   */
  readonly requeuePreempted?: boolean;
}

export interface ResourceSchedulerOptions {
  /** Resource dimension names (default cpu, memory, gpu). Must match a restored state's. */
  readonly dimensions?: readonly string[];
  /** The placement strategy: a registry name, a spec, or any Allocator object (default best-fit-decreasing). */
  readonly strategy?: AllocatorName | StrategySpec | Allocator;
  /** Wrap the strategy with PreemptingAllocator (critical/high may evict lower-priority preemptible work). */
  readonly preemption?: boolean;
  /** Enable the wait queue. */
  readonly queue?: QueueOptions | QueuePolicy | QueuePolicyName;
  /** Fair-share quotas per tenant (see quota.ts for the rule). */
  readonly quotas?: QuotaConfig;
  /** Called every `intervalSeconds` (on a timer) to add and remove nodes: a policy object or a registry name with options. */
  readonly scaling?: ScalingPolicy | { readonly policy: ScalingPolicyName; readonly options?: unknown };
  /** Where state is persisted (default: a new MemoryStore). */
  readonly store?: StateStore;
  /** Pools to add at start when the store does not already have a pool of that name. */
  readonly pools?: readonly PoolInput[];
  /** Clock in milliseconds (default Date.now). Leases, timeouts and boot delays use it. */
  readonly clock?: () => number;
  /** Run background timers (lease expiry, queue timeouts, node boot, scaling). Default true; tests turn them off and call `tick`/`scale`. */
  readonly timers?: boolean;
  /** How often the background tick runs (default 250 ms). Timers are unref'd. */
  readonly tickIntervalMs?: number;
  /** Seed of the strategies' Rng (default 1). */
  readonly seed?: number | string;
  /** Allocator wall-clock budget per decision, ms (default 100). */
  readonly budgetMs?: number;
  /** Lease for requests that give none (default: no lease). */
  readonly defaultLeaseMs?: number;
  /** Id for requests that give none (default crypto.randomUUID). */
  readonly newId?: () => string;
  /** Errors thrown during background ticks (default: rethrown, i.e. an uncaught exception). */
  readonly onBackgroundError?: (error: unknown) => void;
  /** How many ended ids `status()` remembers (default 10 000; in memory only). */
  readonly recentLimit?: number;
  /** How many preemption records `getPreemptions()` keeps in memory (default 10 000; the newest; a store keeps its own `retention`). */
  readonly preemptionLimit?: number;
  /**
   * `per-operation` (default): every operation commits (and, with SqliteStore, fsyncs) before it
   * returns. `group`: operations stage their changes and one commit covers everything staged
   * in the same event-loop turn (group commit: one fsync for many operations); results and
   * events come before that commit, so acknowledge to the outside world only after
   * `await scheduler.durable()`. The HTTP service does exactly that for every response.
   */
  readonly durability?: 'per-operation' | 'group';
  /**
   * The SLO wait per priority class, ms (`{ critical: 1000, high: 2000, medium: 30_000, low: 300_000 }`),
   * as a scenario's `sloWait`: a request of the class without its own `sloWaitMs` gets it. Waits and
   * SLO outcomes are counted by the simulator's rule (see slo.ts, `sloAttainment()`, /metrics).
   */
  readonly sloWaitMs?: SloWaitByClass;
}

/** The `queue` option in its long form (a bare policy object or registry name becomes `{ policy }`). */
export function queueOptionsOf(q: ResourceSchedulerOptions['queue']): QueueOptions | undefined {
  return q === undefined ? undefined : typeof q === 'string' ? { policy: q } : 'order' in q ? { policy: q } : q;
}

const OPTION_FIELDS = ['dimensions', 'strategy', 'preemption', 'queue', 'quotas', 'scaling', 'store', 'pools', 'clock', 'timers', 'tickIntervalMs', 'seed', 'budgetMs', 'defaultLeaseMs', 'newId', 'onBackgroundError', 'recentLimit', 'preemptionLimit', 'durability', 'sloWaitMs'] as const;
const QUEUE_FIELDS = ['policy', 'options', 'timeoutMs', 'maxLength', 'requeuePreempted'] as const;

/**
 * The options a caller gives `ResourceScheduler` (from JavaScript as much as TypeScript), checked
 * before anything is built: an unknown or misspelt key (`preemtion`, `queue.timeout`), a value of
 * the wrong kind or out of range, a pool listed twice or invalid (`pools[0].capacity`), a strategy,
 * queue policy or scaling policy object that breaks its contract, scaling options naming a pool or
 * dimension the scheduler will not have; each a UserError naming the field. Registry options are
 * checked by their schemas, quota shares by FairShare. Without a `store` the pools at start are
 * `pools` and the dimensions `dimensions` (default cpu, memory, gpu); with one, what it holds
 * counts too, so only `dimensions` (when given) are checked against here, and the rest by
 * checkScalingTargets once the store's state is restored.
 */
export function checkSchedulerOptions(o: ResourceSchedulerOptions): void {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) fail('options', `the options must be an object, got ${describe(o)}`);
  knownKeys(o, OPTION_FIELDS, '');
  const d = o.dimensions as unknown;
  if (d !== undefined && (!Array.isArray(d) || d.length === 0 || d.some((x) => typeof x !== 'string' || x === ''))) fail('dimensions', `dimensions must be a non-empty list of names, got ${describe(d)}`);
  if (Array.isArray(d) && new Set(d).size !== d.length) fail('dimensions', `a dimension is listed twice: ${d.join(', ')}`);
  for (const k of ['preemption', 'timers'] as const) if (o[k] !== undefined && typeof o[k] !== 'boolean') fail(k, `${k} must be true or false, got ${describe(o[k])}`);
  number(o.tickIntervalMs, 'tickIntervalMs', { min: 0, open: true });
  number(o.budgetMs, 'budgetMs', { min: 0, open: true });
  number(o.defaultLeaseMs, 'defaultLeaseMs', { min: 0, open: true });
  number(o.recentLimit, 'recentLimit', { min: 0, integer: true });
  number(o.preemptionLimit, 'preemptionLimit', { min: 0, integer: true });
  if (o.durability !== undefined && o.durability !== 'per-operation' && o.durability !== 'group') fail('durability', `durability must be 'per-operation' or 'group', got ${describe(o.durability)}`);
  checkSloWait(o.sloWaitMs as unknown);
  const seed = o.seed as unknown;
  if (seed !== undefined && !(typeof seed === 'string' || (typeof seed === 'number' && Number.isFinite(seed)))) fail('seed', `seed must be a number or a string, got ${describe(seed)}`);
  if (o.strategy !== undefined) checkStrategyOption(o.strategy);
  const quotas = o.quotas as unknown;
  if (quotas !== undefined) checkQuotas(quotas);
  const q = o.queue as unknown;
  // A queue given as a policy object (it has `order`) keeps the QueuePolicy contract; a registry name is checked when resolved.
  if (typeof q === 'object' && q !== null && 'order' in q) checkQueuePolicyObject(q, 'queue');
  else if (q !== undefined && typeof q !== 'string') {
    if (typeof q !== 'object' || q === null || Array.isArray(q)) fail('queue', `queue must be a policy name, a policy object or { policy, timeoutMs, maxLength, ... }, got ${describe(q)}`);
    knownKeys(q, QUEUE_FIELDS, 'queue.');
    const qo = q as QueueOptions;
    if (qo.policy !== undefined && typeof qo.policy !== 'string') checkQueuePolicyObject(qo.policy, 'queue.policy');
    number(qo.timeoutMs, 'queue.timeoutMs', { min: 0 });
    number(qo.maxLength, 'queue.maxLength', { min: 0, integer: true }); // 0, as the serve config allows: nothing may wait
    if (qo.requeuePreempted !== undefined && typeof qo.requeuePreempted !== 'boolean') fail('queue.requeuePreempted', `requeuePreempted must be true or false, got ${describe(qo.requeuePreempted)}`);
  }
  const pools = o.pools as unknown;
  if (pools !== undefined) {
    if (!Array.isArray(pools)) fail('pools', `pools must be a list, got ${describe(pools)}`);
    const seen = new Map<unknown, number>();
    pools.forEach((p: unknown, i) => {
      const name = (p as { name?: unknown } | null)?.name;
      const first = seen.get(name);
      if (first !== undefined) fail(`pools[${i}].name`, `pool '${String(name)}' is listed twice (also pools[${first}])`);
      seen.set(name, i);
    });
  }
  // What the cluster will have at start, where the options alone say it (a store may hold more).
  const dimensions = o.dimensions ?? (o.store === undefined ? DEFAULT_DIMENSIONS : undefined);
  if (Array.isArray(pools)) checkPools(pools, dimensions);
  const poolNames = o.store === undefined ? ((pools as readonly PoolInput[] | undefined) ?? []).map((p) => p.name) : undefined;
  if (o.scaling !== undefined) checkScalingOption(o.scaling, { pools: poolNames, dimensions });
}

/**
 * The scaling options against what the scheduler starts with, once a store's state is restored:
 * the pools it holds (`restored`) and those of `pools`, and its dimensions. With a store,
 * checkSchedulerOptions could not know them; a name missing here would otherwise reach the
 * policy (a scheduled rule's first decision stopped the scheduler; reactive never scaled).
 */
export function checkScalingTargets(o: ResourceSchedulerOptions, restored: readonly string[], dimensions: readonly string[]): void {
  if (o.scaling === undefined) return;
  const pools = [...new Set([...restored, ...(o.pools ?? []).map((p) => p.name)])];
  checkScalingOption(o.scaling, { pools, dimensions });
}

/**
 * Each pool of `pools` as `addPool` checks it, the field under `pools[i]`. Without known
 * dimensions (a store brings them), every dimension a pool names passes here; `addPool` checks them.
 */
function checkPools(pools: readonly unknown[], dimensions: readonly string[] | undefined): void {
  pools.forEach((p, i) => {
    const capacity = (p as { capacity?: unknown } | null)?.capacity;
    const named = typeof capacity === 'object' && capacity !== null ? Object.keys(capacity) : [];
    const space = new ResourceSpace(dimensions ?? [...new Set([...DEFAULT_DIMENSIONS, ...named])]);
    try {
      const spec = toPoolSpec(p as PoolInput, space);
      const primary = (p as PoolInput).primary;
      if (primary !== undefined && dimensions !== undefined) {
        if (!space.has(primary)) fail('primary', `unknown resource dimension '${primary}' (known: ${space.names.join(', ')})`);
        if (!((spec.capacity[space.indexOf(primary)] ?? 0) > 0)) fail('primary', `primary '${primary}': the pool's nodes have no ${primary}, so every 'units' request would never fit`);
      }
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      const at = e.location.field;
      throw new UserError(e.detail, { field: at === undefined || at === 'pool' ? `pools[${i}]` : `pools[${i}].${at}` });
    }
  });
}

/** `quotas`: `{ tenants: { NAME: { guaranteed?, max? } }, default? }` (the shares are checked by FairShare). */
function checkQuotas(quotas: unknown): void {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const tenant = (t: unknown, field: string): void => {
    if (!isObject(t)) fail(field, `a tenant's quota must be { guaranteed, max } (shares 0..1 per dimension), got ${describe(t)}`);
    knownKeys(t, ['guaranteed', 'max'], `${field}.`);
    for (const k of ['guaranteed', 'max'] as const) if (t[k] !== undefined && !isObject(t[k])) fail(`${field}.${k}`, `${k} must map dimensions to shares 0..1 (e.g. { cpu: 0.5 }), got ${describe(t[k])}`);
  };
  if (!isObject(quotas)) fail('quotas', `quotas must be { tenants: { NAME: { guaranteed, max } }, default }, got ${describe(quotas)}`);
  knownKeys(quotas, ['tenants', 'default'], 'quotas.');
  if (quotas.tenants === undefined) fail('quotas.tenants', 'missing: the tenants and their quotas ({ NAME: { guaranteed, max } }; {} for none, with only a default)');
  if (!isObject(quotas.tenants)) fail('quotas.tenants', `tenants must map tenant names to { guaranteed, max }, got ${describe(quotas.tenants)}`);
  for (const [name, t] of Object.entries(quotas.tenants)) tenant(t, `quotas.tenants.${name}`);
  if (quotas.default !== undefined) tenant(quotas.default, 'quotas.default');
}

/** `sloWaitMs`: `{ PRIORITY: ms ≥ 0 }`. */
function checkSloWait(slo: unknown): void {
  if (slo === undefined) return;
  if (typeof slo !== 'object' || slo === null || Array.isArray(slo)) fail('sloWaitMs', `sloWaitMs must map priority classes to milliseconds (e.g. { high: 2000 }), got ${describe(slo)}`);
  for (const [k, v] of Object.entries(slo)) {
    if (!isPriority(k)) fail(`sloWaitMs.${k}`, `'${k}' is not a priority class (critical, high, medium, low, background)`);
    number(v, `sloWaitMs.${k}`, { min: 0 });
  }
}

function number(v: unknown, field: string, r: { readonly min: number; readonly open?: boolean; readonly integer?: boolean }): void {
  if (v === undefined) return;
  const ok = typeof v === 'number' && Number.isFinite(v) && (r.open === true ? v > r.min : v >= r.min) && (r.integer !== true || Number.isInteger(v));
  if (!ok) fail(field, `${field} must be ${r.integer === true ? 'a whole number' : 'a number'} ${r.open === true ? '>' : '≥'} ${r.min}, got ${describe(v)}`);
}

function fail(field: string, message: string): never {
  throw new UserError(message, { field });
}
