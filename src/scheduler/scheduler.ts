import type { Allocator, AllocatorContext } from '../algorithms/allocator.js';
import { decideAndApply, type AppliedDecision } from '../algorithms/decide.js';
import { PreemptingAllocator } from '../algorithms/preemption.js';
import { createAllocator, isAllocatorName, type AllocatorName, type StrategySpec } from '../algorithms/registry.js';
import type { DemandSample, ScalingPolicy } from '../autoscale/policy.js';
import { createScalingPolicy, isScalingPolicyName, type ScalingPolicyName } from '../autoscale/registry.js';
import { ClusterState } from '../core/cluster.js';
import { UserError } from '../core/errors.js';
import type { Allocation, PoolSpec, Request, RequestConstraints } from '../core/model.js';
import { isPriority, mayPreempt, PRIORITY_RANK, type Priority } from '../core/priority.js';
import { isPermanent, type Rejection } from '../core/rejection.js';
import { DEFAULT_DIMENSIONS, ResourceSpace } from '../core/resources.js';
import { Rng } from '../core/rng.js';
import type { QueuePolicy, QueuedRequest } from '../queue/policy.js';
import { createQueuePolicy, isQueuePolicyName, type QueuePolicyName } from '../queue/registry.js';
import { TypedEmitter } from './emitter.js';
import { FairShare, planReclaim, type QuotaConfig } from './quota.js';
import { planScaleSteps, poolScalingStates } from '../autoscale/observe.js';
import { MemoryStore, type StateChange, type StateStore, type StoredAllocation } from './store.js';
import type {
  AllocateResult,
  AllocationInfo,
  EndedHow,
  PoolInfo,
  PoolInput,
  PreemptionKind,
  PreemptionRecord,
  ReleaseResult,
  RenewResult,
  RequestStatus,
  ScaleEvent,
  ScheduleRequest,
  SchedulerEvents,
  SchedulerRejection,
} from './types.js';

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

interface Ended {
  readonly tenant: string;
  readonly how: EndedHow;
  readonly atMs: number;
}

interface AllocMeta {
  readonly startMs: number;
  leaseExpiryMs: number | null;
  readonly borrowed: boolean;
}

interface Waiting extends QueuedRequest {
  readonly enqueuedAtMs: number;
  readonly timeoutAtMs: number;
  readonly leaseMs: number | null;
  fresh: boolean;
  reason: SchedulerRejection;
}

/** Changes and events of one operation: changes are committed together, then events are emitted. */
interface Tx {
  readonly now: number;
  readonly changes: StateChange[];
  readonly events: (() => void)[];
  /** Outcomes of requests decided in this operation (for `allocate` to report on its own). */
  readonly outcomes: Map<string, Outcome>;
}

type Outcome = { readonly kind: 'allocated'; readonly allocation: AllocationInfo; readonly preempted: PreemptionRecord[] } | { readonly kind: 'rejected'; readonly rejection: SchedulerRejection };

/** Placement attempt result, before it is reported. */
type Attempt = { readonly placed: Allocation; readonly preempted: PreemptionRecord[] } | { readonly placed?: undefined; readonly rejection: SchedulerRejection };

/**
 * The production embedding: any allocator, queue policy and scaling policy of this project (the
 * very objects the simulator runs) behind an API agent platforms can call.
 *
 * Every change to the cluster goes through `decideAndApply` (placements, priority preemption) or
 * through ClusterState's own refusing methods (release, expiry, reclaim), so no node is ever
 * over-allocated. Each public operation is one transaction: its changes are committed to the
 * StateStore (durably, for SqliteStore) before it returns, and only then are events emitted.
 * If an operation throws midway (a bug in a strategy, a failing disk), the scheduler refuses all
 * further calls: restart it and it restores the last committed state from the store.
 *
 * Time: the model's clock is seconds (`clock() / 1000`); leases, timeouts and boot delays are
 * kept in exact milliseconds alongside.
 */
export class ResourceScheduler {
  readonly space: ResourceSpace;
  readonly store: StateStore;
  /** The strategy as given (without the preemption wrapper). */
  readonly allocator: Allocator;
  readonly queuePolicy: QueuePolicy | undefined;
  readonly scalingPolicy: ScalingPolicy | undefined;
  private readonly events = new TypedEmitter<SchedulerEvents>();
  private readonly preempting: Allocator | undefined;
  private readonly clock: () => number;
  private readonly rng: Rng;
  private readonly budgetMs: number;
  private readonly defaultLeaseMs: number | undefined;
  private readonly newId: () => string;
  private readonly queueTimeoutMs: number;
  private readonly queueMax: number;
  private readonly fair: FairShare | undefined;
  private readonly recentLimit: number;
  private readonly onBackgroundError: (error: unknown) => void;

  private state: ClusterState;
  private primaries: string[] = [];
  private readonly readyAt = new Map<number, number>();
  private readonly meta = new Map<string, AllocMeta>();
  private readonly leases = new LeaseHeap();
  private readonly preemptionLog: PreemptionRecord[] = [];
  private waiting: Waiting[] = [];
  private readonly waitingById = new Map<string, Waiting>();
  private committedHead: Waiting | undefined;
  private seq = 0;
  private freed = false;
  /** Recently ended ids in two generations (the older one is dropped when the newer fills up). */
  private recent = new Map<string, Ended>();
  private recentOld = new Map<string, Ended>();
  private readonly history: DemandSample[] = [];
  private arrivalsSinceScale = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private broken: unknown;
  private closed = false;
  private readonly groupCommit: boolean;
  private staged: StateChange[] = [];
  private flushing: Promise<void> | undefined;

  constructor(options: ResourceSchedulerOptions = {}) {
    this.store = options.store ?? new MemoryStore();
    this.clock = options.clock ?? Date.now;
    this.budgetMs = options.budgetMs ?? 100;
    this.defaultLeaseMs = options.defaultLeaseMs;
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.recentLimit = options.recentLimit ?? 10_000;
    this.groupCommit = options.durability === 'group';
    this.onBackgroundError =
      options.onBackgroundError ??
      ((e) => {
        throw e;
      });

    // Strategy.
    const strategy = options.strategy ?? 'best-fit-decreasing';
    if (typeof strategy === 'string') {
      if (!isAllocatorName(strategy)) throw new UserError(`unknown strategy '${strategy}'`, { field: 'strategy' });
      this.allocator = createAllocator({ name: strategy });
    } else if ('allocate' in strategy) {
      this.allocator = strategy;
    } else {
      this.allocator = createAllocator({ ...strategy, preemption: false });
    }
    // As in the simulator: the strategy's randomness is a fork of the run's seed named after it.
    this.rng = new Rng(options.seed ?? 1).fork(`allocator:${this.allocator.name}`);
    const wantPreemption = options.preemption === true || (typeof strategy === 'object' && !('allocate' in strategy) && strategy.preemption === true);
    this.preempting = wantPreemption ? new PreemptingAllocator(this.allocator) : undefined;

    // Queue.
    const q = options.queue;
    const qo: QueueOptions | undefined = q === undefined ? undefined : typeof q === 'string' ? { policy: q } : 'order' in q ? { policy: q } : q;
    if (qo !== undefined) {
      const p = qo.policy ?? 'priority';
      if (typeof p === 'string') {
        if (!isQueuePolicyName(p)) throw new UserError(`unknown queue policy '${p}'`, { field: 'queue.policy' });
        this.queuePolicy = createQueuePolicy(p, qo.options ?? {});
      } else this.queuePolicy = p;
    }
    this.queueTimeoutMs = qo?.timeoutMs ?? 60_000;
    this.queueMax = qo?.maxLength ?? 10_000;
    const sc = options.scaling;
    if (sc !== undefined && 'decide' in sc) this.scalingPolicy = sc;
    else if (sc !== undefined) {
      if (!isScalingPolicyName(sc.policy)) throw new UserError(`unknown scaling policy '${String(sc.policy)}'`, { field: 'scaling.policy' });
      this.scalingPolicy = createScalingPolicy(sc.policy, sc.options ?? {}, { seed: String(options.seed ?? 1) });
    }

    // Restore.
    const snap = this.store.load();
    const dims = options.dimensions ?? snap.dimensions ?? DEFAULT_DIMENSIONS;
    if (snap.dimensions !== null && dims.join(',') !== snap.dimensions.join(',')) {
      throw new UserError(`${this.store.description} was written with resource dimensions [${snap.dimensions.join(', ')}], but [${dims.join(', ')}] are configured`, { field: 'dimensions' });
    }
    this.space = new ResourceSpace(dims);
    this.fair = options.quotas === undefined ? undefined : new FairShare(this.space, options.quotas);
    this.state = this.restore(snap);
    if (snap.dimensions === null) this.store.commit([{ kind: 'dimensions', names: this.space.names }]);
    for (const p of options.pools ?? []) if (this.state.poolIndex(p.name) < 0) this.addPool(p);

    if (options.timers !== false) {
      const every = options.tickIntervalMs ?? 250;
      this.timers.push(setInterval(() => this.background(() => this.tick()), every).unref());
      if (this.scalingPolicy !== undefined) {
        this.timers.push(setInterval(() => this.background(() => this.scale()), Math.max(1, this.scalingPolicy.intervalSeconds * 1000)).unref());
      }
    }
  }

  /** Build a scheduler and run the strategy's asynchronous `prepare` (e.g. loading a WASM solver). */
  static async create(options: ResourceSchedulerOptions = {}): Promise<ResourceScheduler> {
    const s = new ResourceScheduler(options);
    await s.allocator.prepare?.();
    return s;
  }

  // ---- observers ---------------------------------------------------------------------------

  on<K extends keyof SchedulerEvents>(name: K, listener: (payload: SchedulerEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  off<K extends keyof SchedulerEvents>(name: K, listener: (payload: SchedulerEvents[K]) => void): void {
    this.events.off(name, listener);
  }

  // ---- pools -------------------------------------------------------------------------------

  /** Add a pool with its initial nodes up. Throws UserError for a bad spec or a duplicate name. */
  addPool(input: PoolInput): PoolInfo {
    this.assertUsable();
    const spec = this.poolSpec(input);
    const primary = input.primary ?? (this.space.names[0] as string);
    if (!this.space.has(primary)) throw new UserError(`unknown resource dimension '${primary}'`, { field: 'primary' });
    if (this.state.poolIndex(spec.name) >= 0) throw new UserError(`a pool named '${spec.name}' already exists`, { field: 'name' });
    return this.op((tx) => {
      const pools = [...this.state.pools, spec];
      const index = pools.length - 1;
      this.state = rebuild(this.state, this.space, pools);
      this.primaries.push(primary);
      tx.changes.push({ kind: 'pool', pool: { index, spec, primary } });
      for (let k = 0; k < spec.nodes.initial; k++) {
        const id = this.state.addNode(index, 'up');
        tx.changes.push({ kind: 'node', node: { id, pool: index, status: 'up', readyAtMs: null } });
      }
      this.capacityChanged();
      this.freed = true;
      this.drain(tx);
      return this.poolInfo(index);
    });
  }

  getPool(name: string): PoolInfo | undefined {
    const i = this.state.poolIndex(name);
    return i < 0 ? undefined : this.poolInfo(i);
  }

  listPools(): PoolInfo[] {
    return this.state.pools.map((_p, i) => this.poolInfo(i));
  }

  // ---- allocations -------------------------------------------------------------------------

  /**
   * Ask for capacity. `durationMs` (or `request.durationMs`, or the default lease) sets a lease;
   * without one the allocation lives until released. The result says what happened: allocated
   * (with any work preempted for it), queued (when the scheduler has a queue and it must wait),
   * or rejected with the structured reason.
   */
  allocate(request: ScheduleRequest, durationMs?: number): AllocateResult {
    this.assertUsable();
    const built = this.buildRequest(request, durationMs);
    return this.op((tx) => {
      const r = built.request;
      this.arrivalsSinceScale++;
      if (this.state.allocation(r.id) !== undefined || this.waitingById.has(r.id)) {
        return this.reportRejection(tx, r, { requestId: r.id, code: 'duplicate', permanent: true, message: `id '${r.id}' is already ${this.waitingById.has(r.id) ? 'queued' : 'allocated'}` });
      }
      if (this.queuePolicy === undefined) {
        const att = this.placeOne(tx, r, built.leaseMs, true);
        if (att.placed !== undefined) return { status: 'allocated', allocation: this.info(att.placed), preempted: att.preempted };
        return this.reportRejection(tx, r, att.rejection);
      }
      if (this.waiting.length >= this.queueMax) {
        return this.reportRejection(tx, r, { requestId: r.id, code: 'queue-full', permanent: false, message: `the wait queue is full (${this.queueMax} requests)` });
      }
      const w = this.enqueue(tx, r, built.leaseMs, built.queueTimeoutMs);
      this.drain(tx);
      const out = tx.outcomes.get(r.id);
      if (out?.kind === 'allocated') return { status: 'allocated', allocation: out.allocation, preempted: out.preempted };
      if (out?.kind === 'rejected') return this.reportRejection(tx, r, out.rejection);
      const reason = w.reason;
      if (w.timeoutAtMs <= tx.now) {
        // queueTimeoutMs: 0 asks not to wait at all.
        this.unqueue(w);
        return this.reportRejection(tx, r, reason);
      }
      tx.events.push(() => this.events.emit('queued', { requestId: r.id, tenant: r.tenant, reason, timeoutAtMs: w.timeoutAtMs }));
      return { status: 'queued', requestId: r.id, tenant: r.tenant, reason, timeoutAtMs: w.timeoutAtMs };
    });
  }

  /** End an allocation (or take a queued request out of the queue). */
  release(id: string): ReleaseResult {
    this.assertUsable();
    return this.op((tx): ReleaseResult => {
      const a = this.state.allocation(id);
      if (a !== undefined) {
        const info = this.end(tx, a, 'released');
        tx.events.push(() => this.events.emit('released', { allocation: info }));
        this.drain(tx);
        return { status: 'released', allocation: info };
      }
      const w = this.waitingById.get(id);
      if (w !== undefined) {
        this.unqueue(w);
        this.remember(id, w.request.tenant, 'cancelled', tx.now);
        this.freed = true;
        this.drain(tx);
        return { status: 'cancelled', requestId: id, tenant: w.request.tenant };
      }
      return { status: 'not-found', id };
    });
  }

  /** Extend (or set) a lease: it now expires `durationMs` from now. */
  renew(id: string, durationMs: number): RenewResult {
    this.assertUsable();
    if (!(Number.isFinite(durationMs) && durationMs > 0)) throw new UserError(`durationMs must be a positive number of milliseconds, got ${durationMs}`, { field: 'durationMs' });
    return this.op((tx): RenewResult => {
      const a = this.state.allocation(id);
      const m = this.meta.get(id);
      if (a === undefined || m === undefined) return { status: 'not-found', id };
      const expiry = tx.now + Math.round(durationMs);
      m.leaseExpiryMs = expiry;
      this.state.renew(id, expiry / 1000);
      this.leases.push(expiry, id);
      tx.changes.push({ kind: 'lease', id, leaseExpiryMs: expiry });
      const info = this.info(this.state.allocation(id) as Allocation);
      tx.events.push(() => this.events.emit('renewed', { allocation: info }));
      return { status: 'renewed', allocation: info };
    });
  }

  /**
   * Evict `targetId` and place `request` with the capacity it frees. The documented rule holds:
   * the request must be critical or high, and the target preemptible and of strictly lower
   * priority (else `not-preemptible`). The strategy chooses the node. If the request still cannot
   * be placed, the target is left running and the allocator's rejection is returned.
   */
  preempt(targetId: string, request: ScheduleRequest, durationMs?: number): AllocateResult {
    this.assertUsable();
    const built = this.buildRequest(request, durationMs);
    return this.op((tx): AllocateResult => {
      const r = built.request;
      const target = this.state.allocation(targetId);
      const no = (code: 'not-found' | 'not-preemptible' | 'duplicate', message: string): AllocateResult => this.reportRejection(tx, r, { requestId: r.id, code, permanent: true, message });
      if (target === undefined) return no('not-found', `no allocation '${targetId}'`);
      if (this.state.allocation(r.id) !== undefined || this.waitingById.has(r.id)) return no('duplicate', `id '${r.id}' is already in use`);
      const tp = target.request.priority;
      if (!mayPreempt(r.priority) || target.request.preemptible !== true || PRIORITY_RANK[tp] <= PRIORITY_RANK[r.priority]) {
        return no(
          'not-preemptible',
          `a ${r.priority} request may not preempt ${target.request.preemptible === true ? '' : 'non-preemptible '}${tp} allocation '${targetId}' (only critical/high requests may preempt preemptible work of lower priority)`,
        );
      }
      const minus = r.tenant === target.request.tenant ? target.request.demand.map((v) => -v) : undefined;
      const quota = this.fair?.checkMax(r, minus);
      if (quota !== undefined) return this.reportRejection(tx, r, quota);
      this.state.release(targetId);
      const res = this.decide(this.allocator, [r], false, tx.now);
      const placed = res.started[0];
      if (placed === undefined) {
        restoreAllocation(this.state, target);
        return this.reportRejection(tx, r, toSchedulerRejection(res.rejections[0] as Rejection));
      }
      const record = this.finishEviction(tx, target, r, 'explicit', `explicit preemption of ${tp} '${targetId}' for ${r.priority} '${r.id}'`);
      this.startAllocation(tx, placed, built.leaseMs, false);
      this.freed = true;
      this.drain(tx);
      return { status: 'allocated', allocation: this.info(placed), preempted: [record] };
    });
  }

  /** Release every allocation whose lease has expired by `asOf` (default now). Returns them. */
  expireAllocations(asOf?: number): AllocationInfo[] {
    this.assertUsable();
    return this.op((tx) => {
      const out = this.expire(tx, asOf ?? tx.now);
      if (out.length > 0) this.drain(tx);
      return out;
    });
  }

  getAllocation(id: string): AllocationInfo | undefined {
    const a = this.state.allocation(id);
    return a === undefined ? undefined : this.info(a);
  }

  listAllocations(filter: { tenant?: string; pool?: string } = {}): AllocationInfo[] {
    const out: AllocationInfo[] = [];
    const pool = filter.pool === undefined ? -1 : this.state.poolIndex(filter.pool);
    if (filter.pool !== undefined && pool < 0) return out;
    for (const a of this.state.allocations()) {
      if (filter.tenant !== undefined && a.request.tenant !== filter.tenant) continue;
      if (pool >= 0 && this.state.nodePool(a.nodeId) !== pool) continue;
      out.push(this.info(a));
    }
    return out;
  }

  /** The preemption log (restored from the store on restart), oldest first. */
  getPreemptions(): readonly PreemptionRecord[] {
    return [...this.preemptionLog];
  }

  /** Live, queued, recently ended, or unknown. */
  status(id: string): RequestStatus {
    const a = this.state.allocation(id);
    if (a !== undefined) return { status: 'allocated', allocation: this.info(a) };
    const w = this.waitingById.get(id);
    if (w !== undefined) {
      return { status: 'queued', requestId: id, tenant: w.request.tenant, enqueuedAtMs: w.enqueuedAtMs, timeoutAtMs: w.timeoutAtMs, position: this.waiting.indexOf(w) };
    }
    const e = this.recent.get(id) ?? this.recentOld.get(id);
    if (e !== undefined) return { status: 'ended', id, tenant: e.tenant, how: e.how, atMs: e.atMs };
    return { status: 'unknown', id };
  }

  get queueLength(): number {
    return this.waiting.length;
  }

  get allocationCount(): number {
    return this.state.allocationCount;
  }

  /** False after an operation failed midway (restart to restore) or after close(). */
  get healthy(): boolean {
    return this.broken === undefined && !this.closed;
  }

  // ---- time-driven work --------------------------------------------------------------------

  /**
   * The background step (run on a timer, or by hand with timers off): booting nodes whose boot
   * time has passed come up, expired leases are released, queued requests past their timeout
   * leave with `timed-out`, and the queue is retried if anything changed.
   */
  tick(): void {
    this.assertUsable();
    this.op((tx) => {
      let changed = false;
      for (const [id, at] of this.readyAt) {
        if (at > tx.now) continue;
        this.readyAt.delete(id);
        if (this.state.nodeStatus(id) !== 'booting') continue;
        this.state.bringUp(id);
        const pool = this.state.nodePool(id);
        tx.changes.push({ kind: 'node', node: { id, pool, status: 'up', readyAtMs: null } });
        const ev: ScaleEvent = { pool: (this.state.pools[pool] as PoolSpec).name, action: 'up', node: this.state.nodeName(id), nodeId: id, reason: 'boot finished' };
        tx.events.push(() => this.events.emit('scaled', ev));
        changed = true;
      }
      if (changed) {
        this.capacityChanged();
        this.freed = true;
      }
      if (this.expire(tx, tx.now).length > 0) changed = true;
      for (const w of [...this.waiting]) {
        if (w.timeoutAtMs > tx.now) continue;
        this.unqueue(w);
        this.remember(w.request.id, w.request.tenant, 'timed-out', tx.now);
        const waited = tx.now - w.enqueuedAtMs;
        tx.events.push(() => this.events.emit('timed-out', { requestId: w.request.id, tenant: w.request.tenant, waitedMs: waited }));
        this.freed = true;
        changed = true;
      }
      if (changed) this.drain(tx);
    });
  }

  /**
   * One scaling step (run every `intervalSeconds` on a timer, or by hand): ask the policy, then
   * provision nodes (booting for the pool's boot time; up at once if it is 0) or retire idle ones.
   * Returns what changed.
   */
  scale(): ScaleEvent[] {
    this.assertUsable();
    const policy = this.scalingPolicy;
    if (policy === undefined) return [];
    return this.op((tx) => {
      const nowSec = tx.now / 1000;
      const pools = poolScalingStates(this.state, this.waiting.map((w) => w.request));
      this.history.push({ time: nowSec, demandNodes: pools.map((p) => p.queuedNodes + p.runningNodes), arrivals: this.arrivalsSinceScale });
      if (this.history.length > 10_000) this.history.splice(0, this.history.length - 10_000);
      this.arrivalsSinceScale = 0;
      const steps = planScaleSteps(this.state, policy.decide({ now: nowSec, pools, history: this.history }));
      const out: ScaleEvent[] = [];
      for (const s of steps) {
        if (s.kind === 'provision') {
          const spec = this.state.pools[s.pool] as PoolSpec;
          const up = spec.bootSeconds <= 0;
          const id = this.state.addNode(s.pool, up ? 'up' : 'booting');
          const readyAtMs = up ? null : tx.now + spec.bootSeconds * 1000;
          if (readyAtMs !== null) this.readyAt.set(id, readyAtMs);
          tx.changes.push({ kind: 'node', node: { id, pool: s.pool, status: up ? 'up' : 'booting', readyAtMs } });
          out.push({ pool: spec.name, action: 'provision', node: this.state.nodeName(id), nodeId: id, reason: s.reason });
          if (up) out.push({ pool: spec.name, action: 'up', node: this.state.nodeName(id), nodeId: id, reason: 'no boot time' });
        } else {
          const pool = this.state.nodePool(s.nodeId);
          this.state.removeNode(s.nodeId);
          this.readyAt.delete(s.nodeId);
          tx.changes.push({ kind: 'node', node: { id: s.nodeId, pool, status: 'removed', readyAtMs: null } });
          out.push({ pool: (this.state.pools[pool] as PoolSpec).name, action: 'remove', node: this.state.nodeName(s.nodeId), nodeId: s.nodeId, reason: s.reason });
        }
      }
      if (out.length > 0) {
        this.capacityChanged();
        this.freed = true;
        for (const ev of out) tx.events.push(() => this.events.emit('scaled', ev));
        this.drain(tx);
      }
      return out;
    });
  }

  /**
   * Resolves once every change made so far is committed to the store (at once in
   * `per-operation` mode). Rejects if the commit failed; the scheduler then refuses further calls.
   */
  durable(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken instanceof Error ? this.broken : new Error(String(this.broken)));
    if (this.staged.length === 0) return this.flushing ?? Promise.resolve();
    this.flushing ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.flushing = undefined;
        try {
          this.flush();
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    return this.flushing;
  }

  /** Commit what is staged (group mode) now. */
  private flush(): void {
    if (this.staged.length === 0) return;
    const batch = this.staged;
    this.staged = [];
    try {
      this.store.commit(batch);
    } catch (e) {
      this.broken = e;
      throw e;
    }
  }

  /** Stop the timers, commit anything staged, and close the store. Further calls throw. */
  close(): void {
    if (this.closed) return;
    if (this.broken === undefined) this.flush();
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.store.close();
  }

  /**
   * Consistency check for tests: no node over capacity (ClusterState.checkInvariants), and the
   * scheduler's own books (lease metadata, tenant usage, queue index) agree with the cluster.
   */
  checkInvariants(): void {
    this.state.checkInvariants();
    const fail = (msg: string): never => {
      throw new Error(`scheduler invariant: ${msg}`);
    };
    if (this.meta.size !== this.state.allocationCount) fail(`${this.meta.size} lease records for ${this.state.allocationCount} allocations`);
    const usage = new Map<string, number[]>();
    for (const a of this.state.allocations()) {
      if (!this.meta.has(a.id)) fail(`allocation ${a.id} has no lease record`);
      if (this.state.nodeStatus(a.nodeId) !== 'up') fail(`allocation ${a.id} runs on a ${this.state.nodeStatus(a.nodeId)} node`);
      const u = usage.get(a.request.tenant) ?? new Array<number>(this.space.size).fill(0);
      a.request.demand.forEach((v, d) => (u[d] = (u[d] as number) + v));
      usage.set(a.request.tenant, u);
    }
    if (this.fair !== undefined) {
      for (const [t, u] of this.fair.tenants()) {
        const want = usage.get(t) ?? new Array<number>(this.space.size).fill(0);
        for (let d = 0; d < u.length; d++) if (Math.abs((u[d] as number) - (want[d] as number)) > 1e-6) fail(`tenant ${t} usage ${u[d]} != ${want[d]} in ${this.space.names[d]}`);
      }
    }
    if (this.waitingById.size !== this.waiting.length) fail('queue index out of step');
    for (const w of this.waiting) if (this.state.allocation(w.request.id) !== undefined) fail(`queued ${w.request.id} is also allocated`);
  }

  // ---- internals: operations ---------------------------------------------------------------

  private assertUsable(): void {
    if (this.closed) throw new Error('the scheduler is closed');
    if (this.broken !== undefined) {
      throw new Error(`the scheduler stopped after an internal error (${errorText(this.broken)}); restart it to restore the last committed state from ${this.store.description}`);
    }
  }

  /** Run one operation: mutate, commit its changes, then emit its events. */
  private op<T>(fn: (tx: Tx) => T): T {
    const tx: Tx = { now: this.clock(), changes: [], events: [], outcomes: new Map() };
    let result: T;
    try {
      result = fn(tx);
      if (!this.groupCommit) this.store.commit(tx.changes);
      else if (tx.changes.length > 0) {
        for (const c of tx.changes) this.staged.push(c);
        this.durable().catch(() => {}); // schedule the group commit; failures mark the scheduler broken
      }
    } catch (e) {
      this.broken = e;
      throw e;
    }
    let first: { error: unknown } | undefined;
    for (const emit of tx.events) {
      try {
        emit();
      } catch (error) {
        first ??= { error };
      }
    }
    if (first !== undefined) throw first.error;
    return result;
  }

  private background(fn: () => void): void {
    if (this.closed || this.broken !== undefined) return;
    try {
      fn();
    } catch (e) {
      this.onBackgroundError(e);
    }
  }

  private ctx(now: number, blocking: boolean): AllocatorContext {
    return { now: now / 1000, rng: this.rng, budgetMs: this.budgetMs, clock: wallClock, blocking };
  }

  private decide(allocator: Allocator, requests: readonly Request[], blocking: boolean, now: number): AppliedDecision {
    return decideAndApply(allocator, requests, this.state, this.ctx(now, blocking));
  }

  /**
   * Place one request: the strategy (with priority preemption when enabled), then, for a tenant
   * under its guarantee, reclaim of borrowed capacity before priority preemption.
   */
  private placeOne(tx: Tx, r: Request, leaseMs: number | null, fresh: boolean): Attempt {
    const quota = this.fair?.checkMax(r);
    if (quota !== undefined) return { rejection: quota };
    const guaranteeFirst = this.fair !== undefined && this.fair.withinGuarantee(r.tenant, r.demand);
    const first = guaranteeFirst || this.preempting === undefined ? this.allocator : this.preempting;
    const res = this.decide(first, [r], false, tx.now);
    const placed = res.started[0];
    if (placed !== undefined) {
      const preempted = this.finishDecisionEvictions(tx, res, r);
      this.startAllocation(tx, placed, leaseMs, !fresh);
      return { placed, preempted };
    }
    const rej = toSchedulerRejection(res.rejections[0] as Rejection);
    if (rej.permanent) return { rejection: rej };
    return this.escalate(tx, r, leaseMs, fresh, first === this.preempting, rej);
  }

  /** After the strategy said `wait`: reclaim borrowed capacity (guarantee owners), then priority preemption. */
  private escalate(tx: Tx, r: Request, leaseMs: number | null, fresh: boolean, triedPreemption: boolean, rej: SchedulerRejection): Attempt {
    const fair = this.fair;
    if (fair !== undefined && fair.withinGuarantee(r.tenant, r.demand)) {
      const plan = planReclaim(this.state, fair, r, (a) => this.meta.get(a.id)?.borrowed === true);
      if (plan !== undefined) {
        for (const v of plan.victims) this.state.release(v.id);
        const res = this.decide(this.allocator, [r], false, tx.now);
        const placed = res.started[0];
        if (placed !== undefined) {
          const preempted = plan.victims.map((v) =>
            this.finishEviction(tx, v, r, 'reclaim', `tenant '${r.tenant}' (under its guarantee) reclaims capacity borrowed by '${v.request.tenant}'`),
          );
          preempted.push(...this.finishDecisionEvictions(tx, res, r));
          this.startAllocation(tx, placed, leaseMs, !fresh);
          return { placed, preempted };
        }
        for (const v of plan.victims) restoreAllocation(this.state, v);
      }
    }
    if (this.preempting !== undefined && !triedPreemption && mayPreempt(r.priority)) {
      const res = this.decide(this.preempting, [r], false, tx.now);
      const placed = res.started[0];
      if (placed !== undefined) {
        const preempted = this.finishDecisionEvictions(tx, res, r);
        this.startAllocation(tx, placed, leaseMs, !fresh);
        return { placed, preempted };
      }
    }
    return { rejection: rej };
  }

  /** Book a started allocation: lease, quota usage, store, event. */
  private startAllocation(tx: Tx, a: Allocation, leaseMs: number | null, fromQueue: boolean): void {
    const borrowed = this.fair?.wouldBorrow(a.request.tenant, a.request.demand) ?? false;
    this.fair?.add(a.request.tenant, a.request.demand);
    const leaseExpiryMs = leaseMs === null ? null : tx.now + leaseMs;
    this.meta.set(a.id, { startMs: tx.now, leaseExpiryMs, borrowed });
    if (leaseExpiryMs !== null) {
      this.leases.push(leaseExpiryMs, a.id);
      if (a.leaseExpiry !== leaseExpiryMs / 1000) this.state.renew(a.id, leaseExpiryMs / 1000);
    }
    const stored: StoredAllocation = { id: a.id, request: a.request, nodeId: a.nodeId, startMs: tx.now, leaseExpiryMs, borrowed };
    tx.changes.push({ kind: 'put-allocation', allocation: stored });
    if (this.events.has('allocated')) {
      const info = this.info(this.state.allocation(a.id) as Allocation);
      tx.events.push(() => this.events.emit('allocated', { allocation: info, fromQueue }));
    }
  }

  /** Book evictions a decision already applied (priority preemption). */
  private finishDecisionEvictions(tx: Tx, res: AppliedDecision, r: Request): PreemptionRecord[] {
    return res.evicted.map((e) => this.finishEviction(tx, e.allocation, r, 'priority', e.preemption.reason));
  }

  /** Book an allocation already released from the cluster as preempted. */
  private finishEviction(tx: Tx, a: Allocation, forReq: Request, kind: PreemptionKind, reason: string): PreemptionRecord {
    const info = this.info(a);
    this.forget(a);
    const record: PreemptionRecord = {
      allocationId: a.id,
      tenant: a.request.tenant,
      pool: info.pool,
      node: info.node,
      forRequestId: forReq.id,
      forTenant: forReq.tenant,
      kind,
      reason,
      atMs: tx.now,
    };
    this.preemptionLog.push(record);
    tx.changes.push({ kind: 'delete-allocation', id: a.id }, { kind: 'preemption', record });
    this.remember(a.id, a.request.tenant, 'preempted', tx.now);
    tx.events.push(() => this.events.emit('preempted', { allocation: info, record }));
    return record;
  }

  /** Release a live allocation (released or expired) and book it. */
  private end(tx: Tx, a: Allocation, how: 'released' | 'expired'): AllocationInfo {
    const info = this.info(a);
    this.state.release(a.id);
    this.forget(a);
    tx.changes.push({ kind: 'delete-allocation', id: a.id });
    this.remember(a.id, a.request.tenant, how, tx.now);
    this.freed = true;
    return info;
  }

  private forget(a: Allocation): void {
    this.meta.delete(a.id);
    this.fair?.remove(a.request.tenant, a.request.demand);
  }

  private expire(tx: Tx, asOf: number): AllocationInfo[] {
    const out: AllocationInfo[] = [];
    for (;;) {
      const top = this.leases.peek();
      if (top === undefined || top.at > asOf) break;
      this.leases.pop();
      const m = this.meta.get(top.id);
      const a = this.state.allocation(top.id);
      if (m === undefined || a === undefined || m.leaseExpiryMs !== top.at) continue; // renewed or gone
      const info = this.end(tx, a, 'expired');
      out.push(info);
      tx.events.push(() => this.events.emit('expired', { allocation: info }));
    }
    return out;
  }

  private reportRejection(tx: Tx, r: Request, rejection: SchedulerRejection): AllocateResult {
    // A duplicate id names someone else's live or queued request: its status stays theirs.
    if (rejection.code !== 'duplicate') this.remember(r.id, r.tenant, 'rejected', tx.now);
    tx.events.push(() => this.events.emit('rejected', { requestId: r.id, tenant: r.tenant, rejection }));
    return { status: 'rejected', requestId: r.id, tenant: r.tenant, rejection };
  }

  private remember(id: string, tenant: string, how: EndedHow, atMs: number): void {
    if (this.recentLimit <= 0) return;
    this.recent.set(id, { tenant, how, atMs });
    if (this.recent.size >= Math.max(1, this.recentLimit >> 1)) {
      this.recentOld = this.recent;
      this.recent = new Map();
    }
  }

  // ---- internals: the queue ----------------------------------------------------------------

  private enqueue(tx: Tx, r: Request, leaseMs: number | null, timeoutMs: number | undefined): Waiting {
    const w: Waiting = {
      request: r,
      enqueuedAt: tx.now / 1000,
      enqueuedAtMs: tx.now,
      seq: this.seq++,
      attempts: 0,
      timeoutAtMs: tx.now + (timeoutMs ?? this.queueTimeoutMs),
      leaseMs,
      fresh: true,
      reason: { requestId: r.id, code: 'wait', permanent: false, message: 'waiting for its turn' },
    };
    this.waiting.push(w);
    this.waitingById.set(r.id, w);
    return w;
  }

  private unqueue(w: Waiting): void {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
    this.waitingById.delete(w.request.id);
    if (this.committedHead === w) this.committedHead = undefined;
  }

  /**
   * A scheduling pass over the queue, as the simulator runs one: the queue policy orders the
   * waiting requests; without head-of-line blocking every waiting request is offered (only the
   * new ones if nothing was freed since the last pass); with blocking, requests are offered from
   * the head in chunks until one must wait, then the policy's backfilling may start others.
   * Quotas: a request over its tenant's maximum is skipped (it does not hold the head). Then,
   * with quotas, requests still waiting (only the head when blocking) may reclaim borrowed
   * capacity or preempt (see `escalate`); if that starts the head, the pass repeats.
   */
  private drain(tx: Tx): void {
    const policy = this.queuePolicy;
    if (policy === undefined) return;
    for (let round = 0; round <= this.waiting.length && this.waiting.length > 0; round++) {
      const headStarted = this.pass(tx, policy);
      if (!headStarted) break;
    }
    for (const w of this.waiting) w.fresh = false;
    this.freed = false;
  }

  private pass(tx: Tx, policy: QueuePolicy): boolean {
    const nowSec = tx.now / 1000;
    let ordered = policy.order(this.waiting, nowSec) as Waiting[];
    const head = this.committedHead;
    if (head !== undefined && ordered[0] !== head) ordered = [head, ...ordered.filter((w) => w !== head)];
    // Quota screen: cumulative per tenant in queue order.
    const extra = new Map<string, Float64Array>();
    const eligible: Waiting[] = [];
    for (const w of ordered) {
      const fair = this.fair;
      if (fair !== undefined) {
        const t = w.request.tenant;
        const ex = extra.get(t) ?? new Float64Array(this.space.size);
        const q = fair.checkMax(w.request, ex);
        if (q !== undefined) {
          if (q.permanent) this.rejectWaiting(tx, w, q);
          else w.reason = q;
          continue;
        }
        for (let d = 0; d < ex.length; d++) ex[d] = (ex[d] as number) + (w.request.demand[d] as number);
        extra.set(t, ex);
      }
      eligible.push(w);
    }
    const batchAllocator = this.fair === undefined && this.preempting !== undefined ? this.preempting : this.allocator;
    let stillWaiting: Waiting[];
    if (!policy.blocking) {
      const cand = this.freed ? eligible : eligible.filter((w) => w.fresh);
      this.offer(tx, batchAllocator, cand, false);
      stillWaiting = eligible.filter((w) => this.waitingById.has(w.request.id));
    } else {
      const CHUNK = 64;
      let i = 0;
      let blocked = false;
      while (i < eligible.length && !blocked) {
        const chunk = eligible.slice(i, i + CHUNK).filter((w) => this.waitingById.has(w.request.id));
        i += CHUNK;
        blocked = this.offer(tx, batchAllocator, chunk, true);
      }
      stillWaiting = eligible.filter((w) => this.waitingById.has(w.request.id));
      const first = stillWaiting[0];
      if (blocked && first !== undefined) {
        if (policy.headOfLine === 'commit') this.committedHead = first;
        if (policy.backfill !== undefined && stillWaiting.length > 1) {
          const picked = policy.backfill.select(stillWaiting, this.state, nowSec) as Waiting[];
          this.offer(
            tx,
            batchAllocator,
            picked.filter((w) => w !== first && this.waitingById.has(w.request.id)),
            false,
          );
        }
      }
      stillWaiting = stillWaiting.filter((w) => this.waitingById.has(w.request.id));
      if (stillWaiting.length > 0) stillWaiting = [stillWaiting[0] as Waiting];
    }
    if (this.fair === undefined) return false;
    // Quota owners under their guarantee may reclaim; priority preemption after that.
    let headStarted = false;
    for (const w of stillWaiting) {
      if (!this.waitingById.has(w.request.id)) continue;
      const quota = this.fair.checkMax(w.request);
      if (quota !== undefined) continue;
      const att = this.escalate(tx, w.request, w.leaseMs, !this.isFromQueue(w), false, w.reason);
      if (att.placed !== undefined) {
        this.unqueue(w);
        if (!this.isFromQueue(w)) tx.outcomes.set(w.request.id, { kind: 'allocated', allocation: this.info(att.placed), preempted: att.preempted });
        if (policy.blocking) headStarted = true;
      }
    }
    return headStarted;
  }

  /** A request offered in the operation that enqueued it is "fresh"; its caller hears the outcome directly. */
  private isFromQueue(w: Waiting): boolean {
    return !w.fresh;
  }

  /** Offer `batch` (policy order) to `allocator`; returns true when some request must wait. */
  private offer(tx: Tx, allocator: Allocator, batch: readonly Waiting[], blocking: boolean): boolean {
    if (batch.length === 0) return false;
    const byId = new Map<string, Waiting>();
    for (const w of batch) byId.set(w.request.id, w);
    const res = this.decide(
      allocator,
      batch.map((w) => w.request),
      blocking,
      tx.now,
    );
    // Evictions are booked against the request they were made for.
    const preemptedFor = new Map<string, PreemptionRecord[]>();
    for (const e of res.evicted) {
      const forReq = byId.get(e.preemption.forRequestId)?.request;
      if (forReq === undefined) continue;
      const record = this.finishEviction(tx, e.allocation, forReq, 'priority', e.preemption.reason);
      const pre = preemptedFor.get(forReq.id) ?? [];
      pre.push(record);
      preemptedFor.set(forReq.id, pre);
    }
    for (const a of res.started) {
      const w = byId.get(a.request.id) as Waiting;
      this.unqueue(w);
      const fromQueue = this.isFromQueue(w);
      this.startAllocation(tx, a, w.leaseMs, fromQueue);
      if (!fromQueue) tx.outcomes.set(a.id, { kind: 'allocated', allocation: this.info(a), preempted: preemptedFor.get(a.id) ?? [] });
    }
    let mustWait = false;
    for (const j of res.rejections) {
      const w = byId.get(j.requestId) as Waiting;
      const rej = toSchedulerRejection(j);
      if (rej.permanent) this.rejectWaiting(tx, w, rej);
      else {
        w.reason = rej;
        mustWait = true;
      }
    }
    if (res.evicted.length > 0) this.freed = true;
    return mustWait;
  }

  private rejectWaiting(tx: Tx, w: Waiting, rej: SchedulerRejection): void {
    this.unqueue(w);
    const r = w.request;
    if (!this.isFromQueue(w)) tx.outcomes.set(r.id, { kind: 'rejected', rejection: rej });
    else {
      this.remember(r.id, r.tenant, 'rejected', tx.now);
      tx.events.push(() => this.events.emit('rejected', { requestId: r.id, tenant: r.tenant, rejection: rej }));
    }
  }

  // ---- internals: building and reporting ---------------------------------------------------

  private buildRequest(input: ScheduleRequest, durationMs: number | undefined): { request: Request; leaseMs: number | null; queueTimeoutMs: number | undefined } {
    if (typeof input !== 'object' || input === null) bad('request', 'a request must be an object');
    const id = input.id ?? this.newId();
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) bad('id', 'id must be a string of 1 to 200 characters');
    const tenant = input.tenant ?? 'default';
    if (typeof tenant !== 'string' || tenant.length === 0) bad('tenant', 'tenant must be a non-empty string');
    const priority: Priority = input.priority ?? 'medium';
    if (!isPriority(priority)) bad('priority', `priority must be one of critical, high, medium, low, background; got '${String(priority)}'`);
    const demand = new Array<number>(this.space.size).fill(0);
    for (const [k, v] of Object.entries(input.demand ?? {})) {
      const d = this.space.indexOf(k);
      if (d < 0) bad(`demand.${k}`, `unknown resource dimension '${k}' (known: ${this.space.names.join(', ')})`);
      demand[d] = nonNeg(`demand.${k}`, v);
    }
    if (input.units !== undefined) {
      const units = nonNeg('units', input.units);
      const pool = input.pool === undefined ? -1 : this.state.poolIndex(input.pool);
      const dim = pool >= 0 ? (this.primaries[pool] as string) : (this.space.names[0] as string);
      const d = this.space.indexOf(dim);
      if (input.demand?.[dim] !== undefined) bad('units', `units and demand.${dim} both set the primary dimension '${dim}'; give one`);
      demand[d] = units;
    }
    let any = false;
    for (let d = 0; d < demand.length; d++) if ((demand[d] as number) > 0) any = true;
    if (!any) bad('demand', 'a request needs units or a demand with some positive amount');
    let pools = input.pools;
    if (pools !== undefined && (!Array.isArray(pools) || pools.some((p) => typeof p !== 'string'))) bad('pools', 'pools must be a list of pool names');
    if (input.pool !== undefined) {
      if (typeof input.pool !== 'string') bad('pool', 'pool must be a pool name');
      pools = pools === undefined ? [input.pool] : pools.includes(input.pool) ? [input.pool] : [];
    }
    const constraints: { -readonly [K in keyof RequestConstraints]: RequestConstraints[K] } = {};
    let constrained = false;
    if (pools !== undefined) {
      constraints.pools = pools;
      constrained = true;
    }
    if (input.labels !== undefined) {
      constraints.labels = input.labels;
      constrained = true;
    }
    if (input.maxLatencyMs !== undefined) {
      constraints.maxLatencyMs = nonNeg('maxLatencyMs', input.maxLatencyMs);
      constrained = true;
    }
    if (input.maxCostPerHour !== undefined) {
      constraints.maxCostPerHour = nonNeg('maxCostPerHour', input.maxCostPerHour);
      constrained = true;
    }
    const leaseRaw = durationMs ?? input.durationMs ?? this.defaultLeaseMs;
    const leaseMs = leaseRaw === undefined ? null : Math.max(1, Math.round(positive('durationMs', leaseRaw)));
    const estimated = input.estimatedDurationMs === undefined ? undefined : positive('estimatedDurationMs', input.estimatedDurationMs);
    const queueTimeoutMs = input.queueTimeoutMs === undefined ? undefined : nonNeg('queueTimeoutMs', input.queueTimeoutMs);
    const request: { -readonly [K in keyof Request]: Request[K] } = {
      id,
      tenant,
      arrival: this.clock() / 1000,
      demand,
      duration: estimated !== undefined ? estimated / 1000 : leaseMs !== null ? leaseMs / 1000 : Infinity,
      priority,
    };
    if (estimated !== undefined) request.requestedDuration = estimated / 1000;
    if (constrained) request.constraints = constraints;
    if (input.preemptible === true) request.preemptible = true;
    if (leaseMs !== null) request.lease = leaseMs / 1000;
    return { request, leaseMs, queueTimeoutMs };
  }

  private poolSpec(input: PoolInput): PoolSpec {
    if (typeof input.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(input.name)) bad('name', 'a pool name must be 1-100 characters of letters, digits, . _ - (starting with a letter or digit)');
    const capacity = new Array<number>(this.space.size).fill(0);
    for (const [k, v] of Object.entries(input.capacity ?? {})) {
      const d = this.space.indexOf(k);
      if (d < 0) bad(`capacity.${k}`, `unknown resource dimension '${k}' (known: ${this.space.names.join(', ')})`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`capacity.${k}`, `capacity must be a finite number ≥ 0, got ${String(v)}`);
      capacity[d] = v;
    }
    if (!capacity.some((v) => v > 0)) bad('capacity', 'a node needs some positive capacity');
    const n = input.nodes;
    const nodes = typeof n === 'number' ? { min: n, max: n, initial: n } : { min: n.min ?? 0, max: n.max ?? n.initial, initial: n.initial };
    for (const [k, v] of Object.entries(nodes)) if (!Number.isInteger(v) || v < 0) bad(`nodes.${k}`, `node counts must be whole numbers ≥ 0, got ${v}`);
    if (!(nodes.min <= nodes.initial && nodes.initial <= nodes.max)) bad('nodes', `need min ≤ initial ≤ max, got ${nodes.min}, ${nodes.initial}, ${nodes.max}`);
    const num = (field: string, v: number | undefined): number => {
      if (v === undefined) return 0;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(field, `${field} must be a finite number ≥ 0, got ${String(v)}`);
      return v;
    };
    return {
      name: input.name,
      capacity,
      nodes,
      pricePerHour: num('pricePerHour', input.pricePerHour),
      latencyMs: num('latencyMs', input.latencyMs),
      bootSeconds: num('bootSeconds', input.bootSeconds),
      labels: { ...(input.labels ?? {}) },
    };
  }

  private info(a: Allocation): AllocationInfo {
    const m = this.meta.get(a.id);
    const pool = this.state.pools[this.state.nodePool(a.nodeId)] as PoolSpec;
    return {
      id: a.id,
      tenant: a.request.tenant,
      pool: pool.name,
      node: this.state.nodeName(a.nodeId),
      nodeId: a.nodeId,
      demand: this.space.record(a.request.demand),
      priority: a.request.priority,
      preemptible: a.request.preemptible === true,
      borrowed: m?.borrowed ?? false,
      startMs: m?.startMs ?? Math.round(a.start * 1000),
      leaseExpiryMs: m === undefined ? (Number.isFinite(a.leaseExpiry) ? Math.round(a.leaseExpiry * 1000) : null) : m.leaseExpiryMs,
    };
  }

  private poolInfo(i: number): PoolInfo {
    const spec = this.state.pools[i] as PoolSpec;
    const D = this.space.size;
    const cap = new Array<number>(D).fill(0);
    const used = new Array<number>(D).fill(0);
    let allocations = 0;
    const up = this.state.upNodes(i);
    for (const id of up) {
      const c = this.state.capacity(id);
      const f = this.state.free(id);
      for (let d = 0; d < D; d++) {
        cap[d] = (cap[d] as number) + (c[d] as number);
        used[d] = (used[d] as number) + (c[d] as number) - (f[d] as number);
      }
      for (const _a of this.state.allocationsOn(id)) allocations++;
    }
    return {
      name: spec.name,
      primary: this.primaries[i] as string,
      nodeCapacity: this.space.record(spec.capacity),
      nodes: { ...spec.nodes, up: up.length, booting: this.state.countNodes(i, 'booting') },
      pricePerHour: spec.pricePerHour,
      latencyMs: spec.latencyMs,
      bootSeconds: spec.bootSeconds,
      labels: spec.labels,
      capacity: this.space.record(cap),
      allocated: this.space.record(used.map((v) => (Math.abs(v) < 1e-9 ? 0 : v))),
      utilization: this.space.record(cap.map((c, d) => (c > 0 ? (used[d] as number) / c : 0))),
      allocations,
    };
  }

  /** Recompute the cluster capacity the quotas are shares of (Σ over up nodes). */
  private capacityChanged(): void {
    if (this.fair === undefined) return;
    const total = new Array<number>(this.space.size).fill(0);
    for (let p = 0; p < this.state.pools.length; p++) {
      for (const id of this.state.upNodes(p)) {
        const c = this.state.capacity(id);
        for (let d = 0; d < total.length; d++) total[d] = (total[d] as number) + (c[d] as number);
      }
    }
    this.fair.setCapacity(total);
  }

  private restore(snap: ReturnType<StateStore['load']>): ClusterState {
    snap.pools.forEach((p, i) => {
      if (p.index !== i) throw new Error(`${this.store.description}: pool indexes are not dense (found ${p.index} at position ${i})`);
    });
    const state = new ClusterState(this.space, snap.pools.map((p) => p.spec));
    this.primaries = snap.pools.map((p) => p.primary);
    for (const n of snap.nodes) {
      if (n.id !== state.nodeCount) throw new Error(`${this.store.description}: node ids are not dense (expected ${state.nodeCount}, found ${n.id})`);
      state.addNode(n.pool, n.status === 'up' ? 'up' : 'booting');
      if (n.status === 'removed') state.removeNode(n.id);
      else if (n.status === 'failed') state.failNode(n.id);
      else if (n.status === 'booting') this.readyAt.set(n.id, n.readyAtMs ?? 0);
    }
    this.state = state;
    this.capacityChanged();
    for (const a of snap.allocations) {
      try {
        state.allocate(a.request, a.nodeId, a.startMs / 1000, a.id);
      } catch (e) {
        throw new Error(`${this.store.description}: cannot restore allocation '${a.id}' on node ${a.nodeId}: ${errorText(e)}`);
      }
      state.renew(a.id, a.leaseExpiryMs === null ? Infinity : a.leaseExpiryMs / 1000);
      this.meta.set(a.id, { startMs: a.startMs, leaseExpiryMs: a.leaseExpiryMs, borrowed: a.borrowed });
      if (a.leaseExpiryMs !== null) this.leases.push(a.leaseExpiryMs, a.id);
      this.fair?.add(a.request.tenant, a.request.demand);
    }
    this.preemptionLog.push(...snap.preemptions);
    state.checkInvariants();
    return state;
  }
}

function wallClock(): number {
  return performance.now();
}

function bad(field: string, message: string): never {
  throw new UserError(message, { field });
}

function nonNeg(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(field, `${field} must be a finite number ≥ 0, got ${String(v)}`);
  return v as number;
}

function positive(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(field, `${field} must be a number > 0, got ${String(v)}`);
  return v as number;
}

function toSchedulerRejection(j: Rejection): SchedulerRejection {
  return { ...j, permanent: isPermanent(j.code) };
}

/** Put an allocation we released a moment ago back exactly as it was (nothing else changed since). */
function restoreAllocation(state: ClusterState, a: Allocation): void {
  state.allocate(a.request, a.nodeId, a.start, a.id);
  state.renew(a.id, a.leaseExpiry);
}

/** A copy of `old` with a new pool list (pools only ever get appended): same node ids, same allocations. */
function rebuild(old: ClusterState, space: ResourceSpace, pools: readonly PoolSpec[]): ClusterState {
  const s = new ClusterState(space, pools);
  for (let id = 0; id < old.nodeCount; id++) {
    const st = old.nodeStatus(id);
    s.addNode(old.nodePool(id), st === 'up' ? 'up' : 'booting');
    if (st === 'removed') s.removeNode(id);
    else if (st === 'failed') s.failNode(id);
  }
  for (const a of old.allocations()) {
    s.allocate(a.request, a.nodeId, a.start, a.id);
    s.renew(a.id, a.leaseExpiry);
  }
  return s;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Min-heap of (lease expiry ms, allocation id); stale entries (renewed, released) are skipped by the reader. */
class LeaseHeap {
  private readonly at: number[] = [];
  private readonly ids: string[] = [];

  push(at: number, id: string): void {
    let i = this.at.length;
    this.at.push(at);
    this.ids.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((this.at[p] as number) <= at) break;
      this.at[i] = this.at[p] as number;
      this.ids[i] = this.ids[p] as string;
      i = p;
    }
    this.at[i] = at;
    this.ids[i] = id;
  }

  peek(): { at: number; id: string } | undefined {
    return this.at.length === 0 ? undefined : { at: this.at[0] as number, id: this.ids[0] as string };
  }

  pop(): void {
    const n = this.at.length - 1;
    if (n < 0) return;
    const lastAt = this.at[n] as number;
    const lastId = this.ids[n] as string;
    this.at.pop();
    this.ids.pop();
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (this.at[c + 1] as number) < (this.at[c] as number)) c++;
      if ((this.at[c] as number) >= lastAt) break;
      this.at[i] = this.at[c] as number;
      this.ids[i] = this.ids[c] as string;
      i = c;
    }
    this.at[i] = lastAt;
    this.ids[i] = lastId;
  }

  get size(): number {
    return this.at.length;
  }
}
