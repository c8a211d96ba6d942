import type { Priority } from './priority.js';
import type { ResourceVector } from './resources.js';

/**
 * Times in the model are seconds (simulated time, or seconds since the scheduler's epoch).
 * Money is in the scenario's currency; prices are per node-hour.
 */

export interface RequestConstraints {
  /** Only pools whose latency is at most this many milliseconds. */
  maxLatencyMs?: number;
  /** Only placements whose cost rate is at most this much per hour (see `requestCostRate`). */
  maxCostPerHour?: number;
  /** Only these pools (by name). */
  pools?: readonly string[];
  /** Only pools carrying all these labels. */
  labels?: Readonly<Record<string, string>>;
}

export interface Request {
  readonly id: string;
  /** Tenant, team or agent the work belongs to (fairness is measured across tenants). */
  readonly tenant: string;
  /** Arrival (submit) time, seconds. */
  readonly arrival: number;
  /** Demand per resource dimension. */
  readonly demand: ResourceVector;
  /** Actual run time once started, seconds (known to the simulator from the trace, not to allocators). */
  readonly duration: number;
  /** The user's estimate of the run time, seconds (what schedulers may look at). Defaults to `duration`. */
  readonly requestedDuration?: number;
  readonly priority: Priority;
  readonly constraints?: RequestConstraints;
  /** SLO: the request should start within this many seconds of arrival. */
  readonly sloWait?: number;
  /** SLO: the request should finish by this absolute time, seconds. */
  readonly deadline?: number;
  /** May be evicted by critical/high work. Default false. */
  readonly preemptible?: boolean;
  /** Lease: the allocation expires this many seconds after start, even if the work is not done. */
  readonly lease?: number;
  /** Ids of requests that must complete before this one may start. */
  readonly dependsOn?: readonly string[];
  /**
   * A concurrency group: this request starts only while fewer than `limit` requests of `group`
   * hold an allocation (it waits, never rejected for it). An agent fleet's `max_concurrent_agents`.
   */
  readonly concurrency?: ConcurrencyGroup;
  /** Only nodes with one of these GPU models (pool `gpus.model` or `gpuModel` label). */
  readonly gpuModels?: readonly string[];
}

/** At most `limit` requests of `group` running at once (`Request.concurrency`); limit a whole number ≥ 1. */
export interface ConcurrencyGroup {
  readonly group: string;
  readonly limit: number;
}

/** How a pool declares its nodes' GPUs as devices (see core/gpu.ts). */
export interface GpuDeviceSpec {
  readonly count: number;
  /** GPU model (e.g. 'V100M16'); requests may be restricted to models. */
  readonly model?: string;
  /** Device memory, MiB, when known (informational). */
  readonly memoryMib?: number;
}

export interface PoolSpec {
  readonly name: string;
  /** Capacity of one node, per dimension. */
  readonly capacity: ResourceVector;
  readonly nodes: { readonly min: number; readonly max: number; readonly initial: number };
  /** Price of one node for one hour. */
  readonly pricePerHour: number;
  /** Network/serving latency a request sees on this pool, milliseconds. */
  readonly latencyMs: number;
  /** Seconds from asking for a node to it accepting work. */
  readonly bootSeconds: number;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * GPU devices of each node (see core/gpu.ts); `capacity[gpu]` must equal `gpus.count`.
   * Absent: the node's GPU is a plain scalar.
   */
  readonly gpus?: GpuDeviceSpec;
  /** Names of the pool's first nodes, in creation order (an inventory's host names); default `<pool>-<id>`. */
  readonly nodeNames?: readonly string[];
}

export interface Allocation {
  readonly id: string;
  readonly request: Request;
  readonly nodeId: number;
  /** Start time, seconds. */
  readonly start: number;
  /** When the lease (if any) expires, seconds; Infinity without a lease. */
  readonly leaseExpiry: number;
  /** GPU device indexes taken on a device node (a share: one index; k whole GPUs: k). */
  readonly devices?: readonly number[];
}

/** Estimated run time an allocator may use: requested if given, else actual. */
export function estimatedDuration(r: Request): number {
  return r.requestedDuration ?? r.duration;
}
