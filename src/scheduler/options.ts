import type { Allocator } from '../algorithms/allocator.js';
import type { AllocatorName, StrategySpec } from '../algorithms/registry.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import type { ScalingPolicyName } from '../autoscale/registry.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { QueuePolicyName } from '../queue/registry.js';
import type { QuotaConfig } from './quota.js';
import type { StateStore } from './store.js';
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
