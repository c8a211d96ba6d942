import type { Allocator } from '../algorithms/allocator.js';
import type { AllocatorName, StrategySpec } from '../algorithms/registry.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import type { ScalingPolicyName } from '../autoscale/registry.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { QueuePolicyName } from '../queue/registry.js';
import type { QuotaConfig } from './quota.js';
import { UserError } from '../core/errors.js';
import { describe, knownKeys } from './inputs.js';
import type { StateStore } from './store.js';
import { checkQueuePolicyObject } from './strategies.js';
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
  /**
   * `per-operation` (default): every operation commits (and, with SqliteStore, fsyncs) before it
   * returns. `group`: operations stage their changes and one commit covers everything staged
   * in the same event-loop turn (group commit: one fsync for many operations); results and
   * events come before that commit, so acknowledge to the outside world only after
   * `await scheduler.durable()`. The HTTP service does exactly that for every response.
   */
  readonly durability?: 'per-operation' | 'group';
}

/** The `queue` option in its long form (a bare policy object or registry name becomes `{ policy }`). */
export function queueOptionsOf(q: ResourceSchedulerOptions['queue']): QueueOptions | undefined {
  return q === undefined ? undefined : typeof q === 'string' ? { policy: q } : 'order' in q ? { policy: q } : q;
}

const OPTION_FIELDS = ['dimensions', 'strategy', 'preemption', 'queue', 'quotas', 'scaling', 'store', 'pools', 'clock', 'timers', 'tickIntervalMs', 'seed', 'budgetMs', 'defaultLeaseMs', 'newId', 'onBackgroundError', 'recentLimit', 'durability'] as const;
const QUEUE_FIELDS = ['policy', 'options', 'timeoutMs', 'maxLength', 'requeuePreempted'] as const;

/**
 * The options a caller gives `ResourceScheduler` (from JavaScript as much as TypeScript), checked
 * before anything is built: an unknown or misspelt key (`preemtion`, `queue.timeout`), a value of
 * the wrong kind or out of range, a pool listed twice, each a UserError naming the field. Strategy,
 * queue policy, scaling and quota contents are checked by their own registries.
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
  if (o.durability !== undefined && o.durability !== 'per-operation' && o.durability !== 'group') fail('durability', `durability must be 'per-operation' or 'group', got ${describe(o.durability)}`);
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
}

function number(v: unknown, field: string, r: { readonly min: number; readonly open?: boolean; readonly integer?: boolean }): void {
  if (v === undefined) return;
  const ok = typeof v === 'number' && Number.isFinite(v) && (r.open === true ? v > r.min : v >= r.min) && (r.integer !== true || Number.isInteger(v));
  if (!ok) fail(field, `${field} must be ${r.integer === true ? 'a whole number' : 'a number'} ${r.open === true ? '>' : '≥'} ${r.min}, got ${describe(v)}`);
}

function fail(field: string, message: string): never {
  throw new UserError(message, { field });
}
