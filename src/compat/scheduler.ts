import type { Allocator } from '../algorithms/allocator.js';
import type { AllocatorName, StrategySpec } from '../algorithms/registry.js';
import { UserError } from '../core/errors.js';
import { EPSILON } from '../core/resources.js';
import { PRIORITY_RANK, mayPreempt } from '../core/priority.js';
import { ResourceScheduler as Engine, type AllocationInfo, type PoolInfo, type QuotaConfig, type SchedulerRejection, type StateStore } from '../scheduler/index.js';
import {
  poolInputSchema,
  requestSchema,
  type Allocation,
  type AllocationRequest,
  type AllocationStatus,
  type CompatFailure,
  type PreemptionEvent,
  type PreemptionResult,
  type ResourcePool,
  type ResourcePoolInput,
} from './types.js';
import { iso, parse, zonedIsoMs } from './inputs.js';
import { describe, knownKeys } from '../scheduler/inputs.js';

/** The one resource dimension of compat pools: a pool's capacity is a count of units. */
const UNITS = 'units';
/** Pool labels carrying the package's fields, so they survive in any StateStore. */
const L_NAME = 'drs-compat/name';
const L_TYPE = 'drs-compat/resourceType';
const L_COST = 'drs-compat/costPerUnit';
/** The availableCapacity a pool was registered with (exact: total − hold is not it in floating point). */
const L_AVAIL = 'drs-compat/availableCapacity';
/** The tenant holding the units a pool was registered without (`totalCapacity − availableCapacity`). */
const HOLD = 'drs-compat/unavailable';
/** The last time a Date (and so an ISO 8601 `expiresAt`) can hold, ms. */
const MAX_TIME_MS = 8.64e15;

export interface CompatOptions {
  /** Placement strategy of the engine underneath (registry name, spec or Allocator). */
  readonly strategy?: AllocatorName | StrategySpec | Allocator;
  /** Fair-share quotas per agent (tenant = `requestingAgent`), in the `units` dimension. */
  readonly quotas?: QuotaConfig;
  /** Where pools, live allocations and the preemption log persist (default: in memory). */
  readonly store?: StateStore;
  /** Clock in ms (default Date.now). */
  readonly clock?: () => number;
  /** Lease when `allocate` gets no duration (default 1 h; the package's own default is not documented). */
  readonly defaultDurationMs?: number;
  /** Id generator for pools, allocations and preemption events (default crypto.randomUUID). */
  readonly newId?: () => string;
}

/**
 * The DRS resource-pool package's `ResourceScheduler`, call for call, running on this project's
 * scheduler (`src/scheduler`): each package pool is one engine pool of one node whose capacity
 * is `totalCapacity` units (price per hour = costPerUnit × totalCapacity, so the engine's cost
 * rate of a request is exactly unitsRequested × costPerUnit).
 *
 * The package's rules, checked in this order; any failure makes `allocate` return null:
 *   - the pool exists;
 *   - latency:  pool.latencyMs ≤ request.maxLatencyMs          (checked by the engine)
 *   - cost:     unitsRequested × pool.costPerUnit ≤ maxCostUsdc
 *   - capacity: pool.availableCapacity ≥ unitsRequested        (checked by the engine)
 * `allocate` never preempts; `preempt(targetId, request)` does, only for high/critical
 * requests and only over strictly lower priorities; the target's capacity goes back to the pool
 * and the request is placed in the same transaction (if it still does not fit, nothing changes).
 */
export class ResourceScheduler {
  /** The engine underneath: its observers (`on`), `listAllocations`, `status`, ... */
  readonly engine: Engine;
  /** Why the last allocate/preempt returned null, or undefined after a success. */
  lastFailure: CompatFailure | undefined;
  private readonly clock: () => number;
  private readonly newId: () => string;
  private readonly defaultDurationMs: number;
  /** Every allocation made through this object (ended ones keep their final status), in memory. */
  private readonly allocations = new Map<string, { requestId: string; costUsdc: number; status: AllocationStatus; info: AllocationInfo }>();
  private readonly preemptions: PreemptionEvent[] = [];
  /** Request id → the active allocation holding it (an id may be asked again once that one ended). */
  private readonly activeByRequest = new Map<string, string>();

  constructor(options: CompatOptions = {}) {
    checkOptions(options);
    // Whole milliseconds, as Date.now gives and as the ISO times reported hold: a fractional clock
    // made leases end between reported instants, so expireAllocations(a.expiresAt) missed `a`.
    const custom = options.clock;
    this.clock = custom === undefined ? Date.now : () => Math.floor(custom());
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.defaultDurationMs = options.defaultDurationMs ?? 3_600_000;
    this.engine = new Engine({
      dimensions: [UNITS],
      ...(options.strategy !== undefined ? { strategy: options.strategy } : {}),
      ...(options.quotas !== undefined ? { quotas: withHold(options.quotas) } : {}),
      ...(options.store !== undefined ? { store: options.store } : {}),
      clock: this.clock,
      // The package expires allocations only when asked (expireAllocations); so do we.
      timers: false,
      newId: () => this.newId(),
    });
    // A store's live allocations, restored by the engine: known here as they are there, so a
    // restarted process may preempt them (preempt refused them as 'no active allocation' while
    // getAllocation called them active) and sees them end. The package's request id was not
    // stored: it is the allocation's own id.
    for (const info of this.engine.listAllocations()) {
      const cost = Number(this.engine.getPool(info.pool)?.labels[L_COST]);
      if (info.tenant !== HOLD && Number.isFinite(cost)) {
        this.allocations.set(info.id, { requestId: info.id, costUsdc: (info.demand[UNITS] ?? 0) * cost, status: 'active', info });
        this.activeByRequest.set(info.id, info.id);
      }
    }
    this.engine.on('released', (e) => this.mark(e.allocation, 'released'));
    this.engine.on('expired', (e) => this.mark(e.allocation, 'expired'));
    this.engine.on('preempted', (e) => this.mark(e.allocation, 'preempted'));
  }

  /** Build a scheduler and wait for its strategy's asynchronous setup (ours: `ilp` loads HiGHS). */
  static async create(options: CompatOptions = {}): Promise<ResourceScheduler> {
    const s = new ResourceScheduler(options);
    await s.ready().catch(async (e: unknown) => {
      await s.engine.shutdown(); // as the engine's create(): release the store the caller never gets
      throw e;
    });
    return s;
  }

  /**
   * Resolves once the strategy's asynchronous setup is done (at once for most strategies; `ilp`
   * loads the HiGHS solver). Until then `allocate` and `preempt` throw a UserError saying so.
   */
  ready(): Promise<void> {
    return this.engine.ready();
  }

  // ---- pools ---------------------------------------------------------------------------------

  addPool(pool: ResourcePoolInput): ResourcePool {
    const p = parse(poolInputSchema, pool, 'pool');
    if (p.availableCapacity > p.totalCapacity) throw new UserError(`availableCapacity ${p.availableCapacity} exceeds totalCapacity ${p.totalCapacity}`, { field: 'pool.availableCapacity' });
    // The engine's price is the whole node's: checked here so the error names the caller's field, not 'pricePerHour'.
    if (!Number.isFinite(p.costPerUnit * p.totalCapacity)) {
      throw new UserError(`costPerUnit ${p.costPerUnit} × totalCapacity ${p.totalCapacity} is beyond the largest number: the pool's cost cannot be computed`, { field: 'pool.costPerUnit' });
    }
    const id = this.newId();
    this.engine.addPool({
      name: id,
      capacity: { [UNITS]: p.totalCapacity },
      nodes: 1,
      pricePerHour: p.costPerUnit * p.totalCapacity,
      latencyMs: p.latencyMs,
      labels: { [L_NAME]: p.name, [L_TYPE]: p.resourceType, [L_COST]: String(p.costPerUnit), [L_AVAIL]: String(p.availableCapacity) },
      primary: UNITS,
    });
    // A pool registered partly used: hold the difference (released by `release(id + ':unavailable')`).
    const held = p.totalCapacity - p.availableCapacity;
    if (held > 0) {
      const res = this.engine.allocate({ id: `${id}:unavailable`, tenant: HOLD, pool: id, units: held, priority: 'critical' });
      if (res.status !== 'allocated') throw new Error(`drs-compat: could not hold the ${held} unavailable units of the new pool '${p.name}': ${res.status === 'rejected' ? res.rejection.message : res.status}`);
    }
    return this.getPool(id) as ResourcePool;
  }

  getPool(poolId: string): ResourcePool | undefined {
    const info = this.engine.getPool(poolId);
    return info === undefined || info.labels[L_NAME] === undefined ? undefined : this.toPool(info);
  }

  listPools(): ResourcePool[] {
    return this.engine.listPools().filter((p) => p.labels[L_NAME] !== undefined).map((p) => this.toPool(p));
  }

  /**
   * A pool as the package shows it. While the hold of a partly used pool is in place, its
   * availableCapacity is the registered one less the units in use besides the hold: total −
   * allocated gave 1 − (1 − 0.1) = 0.09999999999999998 for a pool registered with 0.1.
   */
  private toPool(info: PoolInfo): ResourcePool {
    const total = info.capacity[UNITS] ?? 0;
    const allocated = info.allocated[UNITS] ?? 0;
    const registered = Number(info.labels[L_AVAIL]);
    const hold = this.engine.getAllocation(`${info.name}:unavailable`)?.demand[UNITS];
    const availableCapacity = hold !== undefined && Number.isFinite(registered) ? registered - (allocated - hold) : total - allocated;
    return {
      id: info.name,
      name: info.labels[L_NAME] as string,
      resourceType: info.labels[L_TYPE] as string,
      totalCapacity: total,
      availableCapacity,
      costPerUnit: Number(info.labels[L_COST]),
      latencyMs: info.latencyMs,
    };
  }

  // ---- allocations ---------------------------------------------------------------------------

  /** Allocate from `request.poolId`; null when a rule fails (see `lastFailure` for which). */
  allocate(request: AllocationRequest, durationMs?: number): Allocation | null {
    const r = parse(requestSchema, request, 'request');
    const lease = this.lease(durationMs);
    if (this.activeByRequest.has(r.id)) return this.duplicate(r.id);
    const pool = this.getPool(r.poolId);
    if (pool === undefined) return this.fail(r.id, 'pool', `no pool '${r.poolId}'`);
    const cost = r.unitsRequested * pool.costPerUnit;
    const pre = this.precheck(r, pool, cost);
    if (pre !== undefined) return pre;
    const id = this.newId();
    const res = this.engine.allocate(this.toEngine(id, r), lease);
    switch (res.status) {
      case 'allocated':
        return this.record(res.allocation, r.id, cost);
      case 'queued': // no wait queue is configured; handled for exhaustiveness
        this.engine.release(res.requestId);
        return this.fail(r.id, 'capacity', res.reason.message);
      case 'rejected':
        return this.fail(r.id, ruleOf(res.rejection), res.rejection.message);
      case 'preempted': // started, then taken back by higher-priority work in the same call
        return this.fail(r.id, 'capacity', 'preempted at once by higher-priority work');
    }
  }

  /** Release an allocation and return its units to the pool; false if it is not active. */
  release(allocationId: string): boolean {
    const res = this.engine.release(allocationId);
    return res.status === 'released';
  }

  /**
   * Take `targetId`'s units for `request`. Only `high`/`critical` requests may preempt, and only
   * allocations of strictly lower priority; the request must pass the latency and cost rules.
   * Returns null (and changes nothing) otherwise.
   */
  preempt(targetId: string, request: AllocationRequest, durationMs?: number): PreemptionResult | null {
    const r = parse(requestSchema, request, 'request');
    const lease = this.lease(durationMs);
    if (this.activeByRequest.has(r.id)) return this.duplicate(r.id);
    if (!mayPreempt(r.priority)) return this.fail(r.id, 'priority', `a ${r.priority} request may not preempt (only high and critical may)`);
    const target = this.engine.getAllocation(targetId);
    if (target === undefined || !this.allocations.has(targetId)) return this.fail(r.id, 'target', `no active allocation '${targetId}'`);
    if (PRIORITY_RANK[target.priority] <= PRIORITY_RANK[r.priority]) return this.fail(r.id, 'priority', `target '${targetId}' is ${target.priority}, not lower than ${r.priority}`);
    const pool = this.getPool(r.poolId);
    if (pool === undefined) return this.fail(r.id, 'pool', `no pool '${r.poolId}'`);
    // Evicting work in another pool frees nothing the request can use: refused before anything changes.
    if (target.pool !== r.poolId) return this.fail(r.id, 'target', `target '${targetId}' is in pool '${target.pool}', not in the request's pool '${r.poolId}'`);
    const cost = r.unitsRequested * pool.costPerUnit;
    const pre = this.precheck(r, pool, cost);
    if (pre !== undefined) return pre;
    const id = this.newId();
    const res = this.engine.preempt(targetId, this.toEngine(id, r), lease);
    if (res.status === 'preempted') return this.fail(r.id, 'capacity', 'preempted at once by higher-priority work');
    if (res.status !== 'allocated') return this.fail(r.id, res.status === 'rejected' ? ruleOf(res.rejection) : 'capacity', res.status === 'rejected' ? res.rejection.message : res.reason.message);
    const allocation = this.record(res.allocation, r.id, cost);
    const rec = res.preempted.find((p) => p.allocationId === targetId) ?? res.preempted[0];
    const preemption: PreemptionEvent = {
      id: this.newId(),
      preemptedAllocationId: targetId,
      preemptedAgent: target.tenant,
      preemptingAgent: r.requestingAgent,
      preemptingRequestId: r.id,
      poolId: target.pool,
      reason: rec?.reason ?? `preempted by ${r.priority} request '${r.id}'`,
      preemptedAt: iso(rec?.atMs ?? this.clock()),
    };
    this.preemptions.push(preemption);
    return { preemption, allocation };
  }

  /** Expire every active allocation whose `expiresAt` ≤ `asOf` (default now); returns how many. */
  expireAllocations(asOf?: Date | string | number): number {
    const at = asOf === undefined ? this.clock() : asOf instanceof Date ? asOf.getTime() : typeof asOf === 'string' ? zonedIsoMs(asOf, 'asOf') : asOf;
    if (!Number.isFinite(at)) throw new UserError(`asOf must be a Date, an ISO time or epoch ms, got ${String(asOf)}`, { field: 'asOf' });
    return this.engine.expireEarly(at).length;
  }

  /** An allocation made through this scheduler, active or ended (with its final status). */
  getAllocation(id: string): Allocation | undefined {
    const rec = this.allocations.get(id);
    return rec === undefined ? undefined : toAllocation(rec.info, rec.requestId, rec.costUsdc, rec.status);
  }

  /** Every preemption made through `preempt`, oldest first. */
  getPreemptions(): PreemptionEvent[] {
    return [...this.preemptions];
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Latency and cost, the two rules that do not depend on what is running. */
  private precheck(r: AllocationRequest, pool: ResourcePool, cost: number): null | undefined {
    if (pool.latencyMs > r.maxLatencyMs) return this.fail(r.id, 'latency', `pool latency ${pool.latencyMs} ms > maxLatencyMs ${r.maxLatencyMs}`);
    // With the engine's tolerance (eligibility: cost ≤ budget + EPSILON): 3 × 0.1 is 0.30000000000000004 in floating point, yet within a budget of 0.3.
    if (cost > r.maxCostUsdc + EPSILON) return this.fail(r.id, 'cost', `cost ${cost} USDC (${r.unitsRequested} × ${pool.costPerUnit}) > maxCostUsdc ${r.maxCostUsdc}`);
    return undefined;
  }

  private toEngine(id: string, r: AllocationRequest) {
    return { id, tenant: r.requestingAgent, pool: r.poolId, units: r.unitsRequested, priority: r.priority, maxLatencyMs: r.maxLatencyMs, preemptible: true } as const;
  }

  private lease(durationMs: number | undefined): number {
    const d = durationMs ?? this.defaultDurationMs;
    const field = durationMs === undefined ? 'defaultDurationMs' : 'durationMs';
    if (!(typeof d === 'number' && Number.isFinite(d) && d > 0)) throw new UserError(`${field} must be a positive number of milliseconds, got ${describe(d)}`, { field });
    // expiresAt is an ISO time: past year 275760 there is none, and toISOString threw a RangeError after the units were taken.
    if (Number.isNaN(new Date(this.clock() + d).getTime())) throw new UserError(`${field} ${d} ms ends after the last representable time (${iso(MAX_TIME_MS)})`, { field });
    return d;
  }

  private record(info: AllocationInfo, requestId: string, costUsdc: number): Allocation {
    this.allocations.set(info.id, { requestId, costUsdc, status: 'active', info });
    this.activeByRequest.set(requestId, info.id);
    this.lastFailure = undefined;
    return toAllocation(info, requestId, costUsdc, 'active');
  }

  private mark(info: AllocationInfo, status: AllocationStatus): void {
    const rec = this.allocations.get(info.id);
    if (rec !== undefined && rec.status === 'active') {
      rec.status = status;
      if (this.activeByRequest.get(rec.requestId) === info.id) this.activeByRequest.delete(rec.requestId);
    }
  }

  /**
   * A request id an active allocation holds, asked for again: refused as the engine refuses an id
   * in use. Taken, a retried call booked the units twice and two active allocations (and the
   * preemption log) answered to one request id.
   */
  private duplicate(requestId: string): null {
    const held = this.activeByRequest.get(requestId) as string;
    const rec = this.allocations.get(held);
    const what = rec === undefined ? '' : ` (agent '${rec.info.tenant}', ${rec.info.demand[UNITS] ?? 0} units of pool '${rec.info.pool}' since ${iso(rec.info.startMs)})`;
    return this.fail(requestId, 'duplicate', `request id '${requestId}' is already held by active allocation '${held}'${what}: each request needs its own id; release '${held}' first to reuse it`);
  }

  private fail(requestId: string, rule: CompatFailure['rule'], message: string): null {
    this.lastFailure = { requestId, rule, message };
    return null;
  }
}

/**
 * The quotas with the hold tenant fully guaranteed: under a `default` max it was refused (the
 * pool then showed all its units available), and as borrowed capacity a covered request could
 * reclaim it (units that do not exist). Anything but `{ tenants: {...} }` goes to the engine as
 * given, which names what is wrong.
 */
function withHold(q: QuotaConfig): QuotaConfig {
  const t = (q as { tenants?: unknown } | null)?.tenants;
  if (typeof q !== 'object' || q === null || typeof t !== 'object' || t === null || Array.isArray(t)) return q;
  return { ...q, tenants: { ...q.tenants, [HOLD]: { guaranteed: { [UNITS]: 1 }, max: { [UNITS]: 1 } } } };
}

const OPTION_FIELDS = ['strategy', 'quotas', 'store', 'clock', 'defaultDurationMs', 'newId'] as const;

/**
 * The compat options, checked as the main ResourceScheduler checks its own: a misspelt or
 * unsupported key (`strategey`, `preemption`, `queue`) would otherwise be dropped without a word,
 * and a non-number `defaultDurationMs` only failed at the first allocate, under `durationMs`.
 * `strategy`, `quotas` and `store` are checked by the engine underneath.
 */
function checkOptions(o: CompatOptions): void {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new UserError(`the options must be an object, got ${describe(o)}`, { field: 'options' });
  knownKeys(o, OPTION_FIELDS, '');
  for (const k of ['clock', 'newId'] as const) if (o[k] !== undefined && typeof o[k] !== 'function') throw new UserError(`${k} must be a function, got ${describe(o[k])}`, { field: k });
  const d = o.defaultDurationMs as unknown;
  if (d !== undefined && !(typeof d === 'number' && Number.isFinite(d) && d > 0)) throw new UserError(`defaultDurationMs must be a positive number of milliseconds, got ${describe(d)}`, { field: 'defaultDurationMs' });
}

function ruleOf(rej: SchedulerRejection): CompatFailure['rule'] {
  switch (rej.code) {
    case 'latency':
      return 'latency';
    case 'over-budget':
      return 'cost';
    case 'wait':
    case 'never-fits':
    case 'quota':
      return 'capacity';
    case 'duplicate':
      return 'duplicate';
    case 'infeasible':
      return 'pool';
    default:
      return 'other';
  }
}

function toAllocation(info: AllocationInfo, requestId: string, costUsdc: number, status: AllocationStatus): Allocation {
  return {
    id: info.id,
    requestId,
    agentId: info.tenant,
    poolId: info.pool,
    unitsAllocated: info.demand[UNITS] ?? 0,
    costUsdc,
    allocatedAt: iso(info.startMs),
    expiresAt: iso(info.leaseExpiryMs ?? info.startMs),
    status,
  };
}

