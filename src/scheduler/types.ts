import type { Priority } from '../core/priority.js';
import type { SolverReport } from '../algorithms/allocator.js';
import type { Rejection, RejectionCode } from '../core/rejection.js';

/**
 * The public shapes of `ResourceScheduler`. Times are milliseconds of the scheduler's clock
 * (`Date.now()` unless a clock is injected); amounts are in the units of the resource dimensions
 * (cpu cores, memory GiB, GPUs by default).
 */

/** What a caller asks for. Either `units` or `demand` (or both, for different dimensions). */
export interface ScheduleRequest {
  /** Allocation id (unique among live allocations and queued requests). Generated if absent. */
  readonly id?: string;
  /** Run only on this pool; leave it out to let the strategy choose among all pools. */
  readonly pool?: string;
  /** Run only on one of these pools (combines with `pool`: both must allow it). */
  readonly pools?: readonly string[];
  /**
   * Shorthand for an amount of the primary dimension: the `primary` dimension of the named
   * `pool` if one is named (set when the pool was added; default the first dimension), else the
   * scheduler's first dimension (`cpu` by default).
   */
  readonly units?: number;
  /** Amount per dimension by name; missing dimensions are 0. */
  readonly demand?: Readonly<Record<string, number>>;
  /** Default `medium`. */
  readonly priority?: Priority;
  /** Default `default`. Quotas, fairness and the HTTP service's ownership checks are per tenant. */
  readonly tenant?: string;
  readonly maxLatencyMs?: number;
  readonly maxCostPerHour?: number;
  /** Only pools carrying all these labels. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Only nodes with one of these GPU models (pools' `gpus.model` or `gpuModel` label). */
  readonly gpuModels?: readonly string[];
  /** May be evicted by critical/high work (priority preemption). Default false. */
  readonly preemptible?: boolean;
  /** Lease length; `allocate(request, durationMs)` overrides it. No lease (and no default) = never expires. */
  readonly durationMs?: number;
  /** The caller's estimate of how long the work runs, for queue policies and strategies that look at it. */
  readonly estimatedDurationMs?: number;
  /** How long it may wait in the queue (when the scheduler has one). Default: the queue's timeout. */
  readonly queueTimeoutMs?: number;
  /**
   * Its SLO: it should start within this many ms of submission (default: its class's, from
   * `ResourceSchedulerOptions.sloWaitMs`; none = no SLO). Counted in `sloAttainment()` and /metrics.
   */
  readonly sloWaitMs?: number;
  /**
   * Ids of requests that must complete (be released by their owner) before this one may start.
   * Each must be known (queued, allocated or recently ended); one that ends otherwise (rejected,
   * expired, preempted, timed out, cancelled) rejects this one with `dependency-failed`.
   */
  readonly dependsOn?: readonly string[];
  /**
   * A concurrency group: it starts only while fewer than `limit` allocations of `group` run; until
   * then it waits in the queue (without a queue it is rejected for now, code `wait`).
   */
  readonly concurrency?: { readonly group: string; readonly limit: number };
}

/** A live allocation as callers see it. */
export interface AllocationInfo {
  readonly id: string;
  readonly tenant: string;
  readonly pool: string;
  readonly node: string;
  readonly nodeId: number;
  readonly demand: Readonly<Record<string, number>>;
  readonly priority: Priority;
  readonly preemptible: boolean;
  /** Admitted above its tenant's guaranteed share (see quota.ts): reclaimable by owners under guarantee. */
  readonly borrowed: boolean;
  readonly startMs: number;
  /** When the lease expires; null = no lease. */
  readonly leaseExpiryMs: number | null;
  /**
   * On a node with GPU devices (a pool with `gpus`), the devices it holds: their indexes on the
   * node (0 … gpus.count − 1; a share of one device, or k whole devices), e.g. for
   * CUDA_VISIBLE_DEVICES. Absent on other nodes and for work without GPUs.
   */
  readonly devices?: readonly number[];
}

/** Scheduler-level reasons besides the allocator's codes. */
export type SchedulerRejectionCode =
  | RejectionCode
  /** Over the tenant's maximum share (transient unless the demand alone exceeds it). */
  | 'quota'
  /** The id is already a live allocation or a queued request. */
  | 'duplicate'
  /** The wait queue is full. */
  | 'queue-full'
  /** preempt(): the target does not exist. */
  | 'not-found'
  /** preempt(): the rule does not allow this request to evict the target. */
  | 'not-preemptible';

/** A rejection: the allocator's structured `Rejection`, or one of the scheduler's own. */
export interface SchedulerRejection extends Omit<Rejection, 'code'> {
  readonly code: SchedulerRejectionCode;
  /** True when waiting cannot help (the request will never be placed as things are configured). */
  readonly permanent: boolean;
}

export type PreemptionKind =
  /** A critical/high request evicted lower-priority preemptible work (PreemptingAllocator). */
  | 'priority'
  /** A tenant under its guarantee reclaimed capacity borrowed by another tenant. */
  | 'reclaim'
  /** `preempt(targetId, request)` was called. */
  | 'explicit';

export interface PreemptionRecord {
  readonly allocationId: string;
  readonly tenant: string;
  readonly pool: string;
  readonly node: string;
  /** The request the capacity was freed for. */
  readonly forRequestId: string;
  readonly forTenant: string;
  readonly kind: PreemptionKind;
  readonly reason: string;
  readonly atMs: number;
}

/** The outcome of `allocate` and `preempt`, tagged by `status`; handle every case. */
export type AllocateResult =
  | { readonly status: 'allocated'; readonly allocation: AllocationInfo; readonly preempted: readonly PreemptionRecord[] }
  | { readonly status: 'queued'; readonly requestId: string; readonly tenant: string; readonly reason: SchedulerRejection; readonly timeoutAtMs: number }
  | { readonly status: 'rejected'; readonly requestId: string; readonly tenant: string; readonly rejection: SchedulerRejection }
  /**
   * The request started, and the same call's queue pass took its capacity back at once: a waiting
   * request of higher priority could preempt it (a `preempted` event says by whom). Nothing is
   * held; `allocated` would name an allocation that no longer exists.
   */
  | { readonly status: 'preempted'; readonly allocation: AllocationInfo; readonly preempted: readonly PreemptionRecord[] };

export type ReleaseResult =
  | { readonly status: 'released'; readonly allocation: AllocationInfo }
  /** The id was a queued request; it left the queue. */
  | { readonly status: 'cancelled'; readonly requestId: string; readonly tenant: string }
  | { readonly status: 'not-found'; readonly id: string };

export type RenewResult = { readonly status: 'renewed'; readonly allocation: AllocationInfo } | { readonly status: 'not-found'; readonly id: string };

/** What is known about an id: live, queued, or recently ended (kept for a while, in memory only). */
export type RequestStatus =
  | { readonly status: 'allocated'; readonly allocation: AllocationInfo }
  | { readonly status: 'queued'; readonly requestId: string; readonly tenant: string; readonly enqueuedAtMs: number; readonly timeoutAtMs: number; readonly position: number }
  | { readonly status: 'ended'; readonly id: string; readonly tenant: string; readonly how: EndedHow; readonly atMs: number }
  | { readonly status: 'unknown'; readonly id: string };

/** `lost`: its node failed (`failNode`) and the scheduler does not requeue evicted work. */
export type EndedHow = 'released' | 'expired' | 'preempted' | 'timed-out' | 'rejected' | 'cancelled' | 'lost';

/** A node as `failNode` / `repairNode` name it: its pool, its name and id. */
export interface NodeRef {
  readonly pool: string;
  readonly node: string;
  readonly nodeId: number;
}

/**
 * The outcome of `failNode`: the node failed and the work on it was evicted (in the node's order;
 * requeued when the scheduler requeues evicted work, else ended `lost`), or it was not up.
 */
export type NodeFailResult =
  | (NodeRef & { readonly status: 'failed'; readonly lost: readonly AllocationInfo[]; readonly requeued: boolean })
  | (NodeRef & { readonly status: 'not-up'; readonly nodeStatus: string });

/** The outcome of `repairNode`: the failed node is up again, or it was not failed. */
export type NodeRepairResult = (NodeRef & { readonly status: 'repaired' }) | (NodeRef & { readonly status: 'not-failed'; readonly nodeStatus: string });

/** Input of `addPool`. Amounts may be numbers only here; the config loader parses `16Gi` etc. */
export interface PoolInput {
  readonly name: string;
  /** Capacity of one node per dimension; missing dimensions are 0. */
  readonly capacity: Readonly<Record<string, number>>;
  /** Node count: a number (fixed) or min/max/initial for autoscaling. */
  readonly nodes: number | { readonly min?: number; readonly max?: number; readonly initial: number };
  readonly pricePerHour?: number;
  readonly latencyMs?: number;
  readonly bootSeconds?: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** The dimension `units` refers to for requests naming this pool. Default: the first dimension. */
  readonly primary?: string;
  /**
   * GPUs as devices (core/gpu.ts): a request's gpu demand is then a share of ONE device (< 1) or
   * whole devices; `capacity.gpu` defaults to `gpus.count` and must equal it.
   */
  readonly gpus?: { readonly count: number; readonly model?: string; readonly memoryMib?: number };
}

export interface PoolInfo {
  readonly name: string;
  readonly primary: string;
  /** Per node. */
  readonly nodeCapacity: Readonly<Record<string, number>>;
  /** The configured min/max/initial, and how many nodes are up, booting, and failed (down until repaired). */
  readonly nodes: { readonly min: number; readonly max: number; readonly initial: number; readonly up: number; readonly booting: number; readonly failed: number };
  readonly pricePerHour: number;
  readonly latencyMs: number;
  readonly bootSeconds: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Σ capacity of the up nodes. */
  readonly capacity: Readonly<Record<string, number>>;
  readonly allocated: Readonly<Record<string, number>>;
  /**
   * allocated ÷ capacity per dimension; null where the capacity is 0 (the pool's nodes have none
   * of the dimension, e.g. gpu on a CPU pool, or no node is up): no utilization, not 0 %.
   */
  readonly utilization: Readonly<Record<string, number | null>>;
  readonly allocations: number;
  /**
   * Cost by the simulator's billing rule (a node is billed from provisioning to removal at
   * `pricePerHour`, booting and failed time included), on the scheduler's clock: node-hours and
   * cost accumulated since the pool's first node (kept in the store, so a restart continues
   * them), the $/h of the nodes billed now, and how many they are.
   */
  readonly billing: PoolBilling;
}

/** What a pool's nodes cost so far (`PoolInfo.billing`). */
export interface PoolBilling {
  /** Node-hours billed: Σ over the pool's nodes of (removal, or now) − provisioning. */
  readonly nodeHours: number;
  /** nodeHours × the pool's pricePerHour. */
  readonly cost: number;
  /** $/h now: the nodes billed now (booting, up or failed) × pricePerHour. */
  readonly costPerHour: number;
  /** Nodes billed now. */
  readonly billedNodes: number;
}

export interface ScaleEvent {
  readonly pool: string;
  readonly action: 'provision' | 'up' | 'remove';
  readonly node: string;
  readonly nodeId: number;
  readonly reason: string;
}

/** Events for observers, by name. Emitted after the change is committed to the store. */
export interface SchedulerEvents {
  allocated: { readonly allocation: AllocationInfo; readonly fromQueue: boolean };
  released: { readonly allocation: AllocationInfo };
  preempted: { readonly allocation: AllocationInfo; readonly record: PreemptionRecord };
  expired: { readonly allocation: AllocationInfo };
  renewed: { readonly allocation: AllocationInfo };
  rejected: { readonly requestId: string; readonly tenant: string; readonly rejection: SchedulerRejection };
  queued: { readonly requestId: string; readonly tenant: string; readonly reason: SchedulerRejection; readonly timeoutAtMs: number };
  'timed-out': { readonly requestId: string; readonly tenant: string; readonly waitedMs: number };
  /** A queued request was withdrawn (`release` of its id, `DELETE /v1/allocations/:id`) before it started. */
  cancelled: { readonly requestId: string; readonly tenant: string; readonly waitedMs: number };
  scaled: ScaleEvent;
  /** Its node failed: the allocation ended (`requeued`: its request is back in the wait queue). */
  lost: { readonly allocation: AllocationInfo; readonly requeued: boolean };
  /** A node failed (`failNode`, `POST /v1/pools/:pool/nodes/:node/fail`); `lost` allocations were on it. */
  'node-failed': NodeRef & { readonly lost: number };
  /** A failed node is up again (`repairNode`). */
  'node-repaired': NodeRef;
  /** A pool was added (`addPool`, `POST /v1/pools`, or from the config at start). */
  'pool-added': { readonly pool: PoolInfo };
  /** H1: a batch strategy's report on one decision (status, objective, bound, which budget stopped it). */
  solver: { readonly report: SolverReport; readonly atMs: number };
}
