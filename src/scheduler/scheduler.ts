import type { Allocator, SolverReport } from '../algorithms/allocator.js';
import type { AllocatorName, StrategySpec } from '../algorithms/registry.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import type { ScalingPolicyName } from '../autoscale/registry.js';
import { UserError } from '../core/errors.js';
import type { Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { Rng } from '../core/rng.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { QueuePolicyName } from '../queue/registry.js';
import type { AllocationBook } from './allocations.js';
import { TypedEmitter } from './emitter.js';
import { EVENT_TYPES } from './event-log.js';
import { RequestBuilder, toPoolSpec } from './inputs.js';
import { DependencyTracker } from '../engine/dependencies.js';
import { eligiblePools } from '../core/eligibility.js';
import { Placer, preemptionRefusal, toSchedulerRejection } from './placement.js';
import type { Pools } from './pools.js';
import { QueueRunner } from './queue-runner.js';
import type { QuotaConfig } from './quota.js';
import { RecentlyEnded } from './recent.js';
import { restore } from './restore.js';
import { Runtime, type Tx } from './runtime.js';
import { Autoscaler } from './scaling.js';
import { MemoryStore, type AuditRecord, type EventRecord, type StateStore } from './store.js';
import { resolveQueuePolicy, resolveScalingPolicy, resolveStrategy } from './strategies.js';
import type { AllocateResult, AllocationInfo, PoolInfo, PoolInput, PreemptionRecord, ReleaseResult, RenewResult, RequestStatus, ScaleEvent, ScheduleRequest, SchedulerEvents, SchedulerRejection } from './types.js';
import { WaitQueue } from './wait-queue.js';

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
   * Work evicted by priority preemption or quota reclaim goes back to the queue (its request as
   * submitted, arrival kept) instead of ending `preempted`; as the simulator does. Default false.
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
  private readonly runtime: Runtime;
  private readonly requests: RequestBuilder;
  private readonly pools: Pools;
  private readonly ended: RecentlyEnded;
  private readonly book: AllocationBook;
  private readonly placer: Placer;
  private readonly queue: WaitQueue;
  private readonly queueRunner: QueueRunner;
  private readonly dependencies: DependencyTracker;
  /** The strategy's prepare() has finished (or it has none). */
  private prepared = true;
  private prepareError: UserError | undefined;
  private readonly preparing: Promise<void> | undefined;
  /** Solver reports of the decisions made so far, counted by status (also on /metrics). */
  readonly solverStatus: Record<string, number> = {};
  /** The last solver report (a batch strategy's last decision), if any. */
  lastSolverReport: SolverReport | undefined;
  private readonly autoscaler: Autoscaler | undefined;

  constructor(options: ResourceSchedulerOptions = {}) {
    this.store = options.store ?? new MemoryStore();
    const clock = options.clock ?? Date.now;
    this.runtime = new Runtime(this.store, clock, this.events, options.durability === 'group', options.onBackgroundError);
    this.ended = new RecentlyEnded(options.recentLimit ?? 10_000);

    // Strategies.
    const { allocator, preempting } = resolveStrategy(options.strategy ?? 'best-fit-decreasing', options.preemption);
    this.allocator = allocator;
    // H1: the strategy's asynchronous setup starts now; decisions wait for it (see ready()).
    // (The preemption wrapper delegates to the same strategy, so preparing the strategy is enough.)
    if (allocator.prepare !== undefined) {
      this.prepared = false;
      this.preparing = allocator.prepare().then(
        () => {
          this.prepared = true;
        },
        (e: unknown) => {
          this.prepareError = new UserError(`strategy '${allocator.name}' cannot run: its setup failed (${e instanceof Error ? e.message : String(e)})`, { field: 'strategy' });
        },
      );
    }
    // As in the simulator: the strategy's randomness is a fork of the run's seed named after it.
    // Named after the allocator the pass offers its batches to (the simulator's `allocator`).
    const lead = options.quotas === undefined && preempting !== undefined ? preempting : allocator;
    const rng = new Rng(options.seed ?? 1).fork(`allocator:${lead.name}`);
    const q = options.queue;
    const qo: QueueOptions | undefined = q === undefined ? undefined : typeof q === 'string' ? { policy: q } : 'order' in q ? { policy: q } : q;
    this.queuePolicy = qo === undefined ? undefined : resolveQueuePolicy(qo.policy ?? 'priority', qo.options);
    this.queue = new WaitQueue(qo?.timeoutMs ?? 60_000, qo?.maxLength ?? 10_000);
    this.scalingPolicy = options.scaling === undefined ? undefined : resolveScalingPolicy(options.scaling, options.seed ?? 1);
    this.autoscaler = this.scalingPolicy === undefined ? undefined : new Autoscaler(this.scalingPolicy);

    const { space, fair, pools, book, snapshot, initial } = restore(this.store, { dimensions: options.dimensions, quotas: options.quotas, ended: this.ended });
    // H4: the wait queue, the ended ids and the event log continue where the store left off.
    this.queue.restore(snapshot.waiting);
    this.runtime.lastEventId = snapshot.lastEventId;
    this.runtime.addJournal(() => this.queue.takeJournal());
    this.runtime.addJournal(() => this.ended.takeJournal());
    if (initial.length > 0) this.runtime.append(initial);
    this.space = space;
    this.pools = pools;
    this.book = book;
    const budgetMs = options.budgetMs ?? 100;
    this.placer = new Placer({ cluster: pools, book, fair, allocator, rng, budgetMs });
    // H1: dependencies are found in the scheduler itself (queued, live, or recently ended ids).
    this.dependencies = new DependencyTracker((id) => {
      if (this.queue.has(id) || this.pools.state.allocation(id) !== undefined) return { state: 'pending' };
      const e = this.ended.get(id);
      if (e === undefined) return undefined;
      return e.how === 'released' ? { state: 'completed' } : { state: 'failed', how: e.how === 'rejected' ? 'was rejected' : e.how };
    });
    this.queueRunner = new QueueRunner({
      policy: this.queuePolicy,
      queue: this.queue,
      book,
      fair,
      cluster: pools,
      ended: this.ended,
      dependencies: this.dependencies,
      allocator,
      preempting,
      rng,
      budgetMs,
      onSolver: (report, tx) => this.solverReport(report, tx),
      isReady: () => this.prepared,
      requeuePreempted: qo?.requeuePreempted === true,
    });
    this.requests = new RequestBuilder({ space, pools, newId: options.newId ?? (() => crypto.randomUUID()), clock, defaultLeaseMs: options.defaultLeaseMs });

    for (const p of options.pools ?? []) if (this.pools.state.poolIndex(p.name) < 0) this.addPool(p);

    if (options.timers !== false) {
      this.runtime.every(options.tickIntervalMs ?? 250, () => this.tick());
      if (this.scalingPolicy !== undefined) this.runtime.every(Math.max(1, this.scalingPolicy.intervalSeconds * 1000), () => this.scale());
    }
  }

  /** Build a scheduler and run the strategy's asynchronous `prepare` (e.g. loading a WASM solver). */
  static async create(options: ResourceSchedulerOptions = {}): Promise<ResourceScheduler> {
    const s = new ResourceScheduler(options);
    await s.ready();
    return s;
  }

  /**
   * Resolves once the strategy's asynchronous setup (`prepare`, e.g. loading the HiGHS WASM
   * solver for `ilp`) is done; the constructor starts it. Rejects with a UserError naming the
   * strategy if the setup failed. Until it resolves, `allocate` refuses with a UserError that says
   * to await this, and the queue makes no decision.
   */
  async ready(): Promise<void> {
    await this.preparing;
    if (this.prepareError !== undefined) throw this.prepareError;
  }

  /** Throws the UserError that explains why no decision can be made yet (see `ready`). */
  private assertPrepared(): void {
    if (this.prepared) return;
    throw (
      this.prepareError ??
      new UserError(
        `strategy '${this.allocator.name}' is still loading (its prepare(), e.g. the HiGHS solver, has not finished): await scheduler.ready() before the first allocate, or build the scheduler with await ResourceScheduler.create(options)`,
        { field: 'strategy' },
      )
    );
  }

  // ---- observers ---------------------------------------------------------------------------

  on<K extends keyof SchedulerEvents>(name: K, listener: (payload: SchedulerEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  off<K extends keyof SchedulerEvents>(name: K, listener: (payload: SchedulerEvents[K]) => void): void {
    this.events.off(name, listener);
  }

  // ---- H4: event log, audit, service helpers -------------------------------------------------

  /** `fn` gets every event as logged (with its id) once its commit is durable; returns an unsubscribe function. */
  onCommitted(fn: (records: readonly EventRecord[]) => void): () => void {
    return this.runtime.onCommitted(fn);
  }

  /** Id of the last event recorded (committed once `durable()` resolves). */
  get lastEventId(): number {
    return this.runtime.lastEventId;
  }

  /**
   * Append another component's event to the event log (so it reaches `onCommitted` and
   * `GET /v1/events`): `type` must not be one of the scheduler's own event names; `tenant`
   * null makes it visible to every token. Returns the record (its id).
   */
  recordEvent(type: string, tenant: string | null, data: unknown): EventRecord {
    this.runtime.assertUsable();
    if (!/^[a-z][a-z0-9.-]{0,63}$/.test(type) || (EVENT_TYPES as readonly string[]).includes(type)) {
      throw new UserError(`event type '${type}' must be 1-64 lowercase letters, digits, '.', '-' and not one of the scheduler's own (${EVENT_TYPES.join(', ')})`, { field: 'type' });
    }
    return this.runtime.record(type, tenant, data);
  }

  /** Append a record to the store's audit log (committed with the next commit; await `durable()`). */
  appendAudit(record: AuditRecord): void {
    this.runtime.append([{ kind: 'audit', record }]);
  }

  /** Queued requests in arrival order, optionally of one tenant. */
  listQueued(filter: { tenant?: string } = {}): Extract<RequestStatus, { status: 'queued' }>[] {
    const out: Extract<RequestStatus, { status: 'queued' }>[] = [];
    this.queue.entries.forEach((w, position) => {
      if (filter.tenant !== undefined && w.request.tenant !== filter.tenant) return;
      out.push({ status: 'queued', requestId: w.request.id, tenant: w.request.tenant, enqueuedAtMs: w.enqueuedAtMs, timeoutAtMs: w.timeoutAtMs, position });
    });
    return out;
  }

  /** Live allocations plus queued requests of `tenant` (the service's per-tenant limit). */
  outstanding(tenant: string): number {
    let n = 0;
    for (const a of this.pools.state.allocations()) if (a.request.tenant === tenant) n++;
    for (const w of this.queue.entries) if (w.request.tenant === tenant) n++;
    return n;
  }

  /** Stop the timers, commit what is staged, wait for it and close the store (use this with asynchronous stores). */
  shutdown(): Promise<void> {
    return this.runtime.shutdown();
  }

  // ---- pools -------------------------------------------------------------------------------

  /** Add a pool with its initial nodes up. Throws UserError for a bad spec or a duplicate name. */
  addPool(input: PoolInput): PoolInfo {
    this.runtime.assertUsable();
    const spec = toPoolSpec(input, this.space);
    const primary = input.primary ?? (this.space.names[0] as string);
    if (!this.space.has(primary)) throw new UserError(`unknown resource dimension '${primary}'`, { field: 'primary' });
    if (this.pools.state.poolIndex(spec.name) >= 0) throw new UserError(`a pool named '${spec.name}' already exists`, { field: 'name' });
    return this.runtime.run((tx) => {
      const index = this.pools.add(tx, spec, primary);
      this.queueRunner.drain(tx, true);
      const info = this.pools.info(index);
      tx.emit('pool-added', { pool: info }); // H4: event log
      return info;
    });
  }

  getPool(name: string): PoolInfo | undefined {
    const i = this.pools.state.poolIndex(name);
    return i < 0 ? undefined : this.pools.info(i);
  }

  listPools(): PoolInfo[] {
    return this.pools.state.pools.map((_p, i) => this.pools.info(i));
  }

  // ---- allocations -------------------------------------------------------------------------

  /**
   * Ask for capacity. `durationMs` (or `request.durationMs`, or the default lease) sets a lease;
   * without one the allocation lives until released. The result says what happened: allocated
   * (with any work preempted for it), queued (when the scheduler has a queue and it must wait),
   * or rejected with the structured reason.
   */
  allocate(request: ScheduleRequest, durationMs?: number): AllocateResult {
    this.runtime.assertUsable();
    this.assertPrepared();
    const built = this.requests.build(request, durationMs);
    this.dependencies.validate(built.request);
    return this.runtime.run((tx) => {
      const r = built.request;
      this.autoscaler?.noteArrival();
      if (this.pools.state.allocation(r.id) !== undefined || this.queue.has(r.id)) {
        return this.reportRejection(tx, r, { requestId: r.id, code: 'duplicate', permanent: true, message: `id '${r.id}' is already ${this.queue.has(r.id) ? 'queued' : 'allocated'}` });
      }
      if (this.queuePolicy === undefined) {
        const out = this.queueRunner.placeNow(tx, r, built.leaseMs);
        if (out.kind === 'allocated') return { status: 'allocated', allocation: out.allocation, preempted: out.preempted };
        return this.reportRejection(tx, r, out.rejection);
      }
      // As in the simulator: a request no pool can ever host is rejected before it queues, and
      // the queue is passed again (its dependents are rejected at once).
      const elig = eligiblePools(this.pools.state, r);
      if ('rejection' in elig) {
        const res = this.reportRejection(tx, r, toSchedulerRejection(elig.rejection));
        this.queueRunner.drain(tx, true);
        return res;
      }
      const out = this.queueRunner.admit(tx, r, built.leaseMs, built.queueTimeoutMs);
      if (out.kind === 'allocated') return { status: 'allocated', allocation: out.allocation, preempted: out.preempted };
      if (out.kind === 'rejected') return this.reportRejection(tx, r, out.rejection);
      const { reason, timeoutAtMs } = out.waiting;
      tx.emit('queued', { requestId: r.id, tenant: r.tenant, reason, timeoutAtMs });
      return { status: 'queued', requestId: r.id, tenant: r.tenant, reason, timeoutAtMs };
    });
  }

  /** End an allocation (or take a queued request out of the queue). */
  release(id: string): ReleaseResult {
    this.runtime.assertUsable();
    return this.runtime.run((tx): ReleaseResult => {
      const a = this.pools.state.allocation(id);
      if (a !== undefined) {
        const info = this.book.end(tx, a, 'released');
        tx.emit('released', { allocation: info });
        this.queueRunner.drain(tx, true);
        return { status: 'released', allocation: info };
      }
      const w = this.queue.get(id);
      if (w !== undefined) {
        this.queue.remove(w);
        this.ended.remember(id, w.request.tenant, 'cancelled', tx.now);
        this.queueRunner.drain(tx, true);
        return { status: 'cancelled', requestId: id, tenant: w.request.tenant };
      }
      return { status: 'not-found', id };
    });
  }

  /** Extend (or set) a lease: it now expires `durationMs` from now. */
  renew(id: string, durationMs: number): RenewResult {
    this.runtime.assertUsable();
    if (!(Number.isFinite(durationMs) && durationMs > 0)) throw new UserError(`durationMs must be a positive number of milliseconds, got ${durationMs}`, { field: 'durationMs' });
    return this.runtime.run((tx): RenewResult => {
      const info = this.book.renew(tx, id, durationMs);
      return info === undefined ? { status: 'not-found', id } : { status: 'renewed', allocation: info };
    });
  }

  /**
   * Evict `targetId` and place `request` with the capacity it frees. The documented rule holds:
   * the request must be critical or high, and the target preemptible and of strictly lower
   * priority (else `not-preemptible`). The strategy chooses the node. If the request still cannot
   * be placed, the target is left running and the allocator's rejection is returned.
   */
  preempt(targetId: string, request: ScheduleRequest, durationMs?: number): AllocateResult {
    this.runtime.assertUsable();
    this.assertPrepared();
    const built = this.requests.build(request, durationMs);
    return this.runtime.run((tx): AllocateResult => {
      const r = built.request;
      const target = this.pools.state.allocation(targetId);
      const no = (code: 'not-found' | 'not-preemptible' | 'duplicate', message: string): AllocateResult => this.reportRejection(tx, r, { requestId: r.id, code, permanent: true, message });
      if (target === undefined) return no('not-found', `no allocation '${targetId}'`);
      if (this.pools.state.allocation(r.id) !== undefined || this.queue.has(r.id)) return no('duplicate', `id '${r.id}' is already in use`);
      const refusal = preemptionRefusal(r, target);
      if (refusal !== undefined) return no('not-preemptible', refusal);
      const att = this.placer.replace(tx, target, r, built.leaseMs);
      if (att.placed === undefined) return this.reportRejection(tx, r, att.rejection);
      this.queueRunner.drain(tx, true);
      return { status: 'allocated', allocation: this.book.info(att.placed), preempted: att.preempted };
    });
  }

  /** Release every allocation whose lease has expired by `asOf` (default now). Returns them. */
  expireAllocations(asOf?: number): AllocationInfo[] {
    this.runtime.assertUsable();
    return this.runtime.run((tx) => {
      const out = this.book.expire(tx, asOf ?? tx.now);
      if (out.length > 0) this.queueRunner.drain(tx, true);
      return out;
    });
  }

  getAllocation(id: string): AllocationInfo | undefined {
    const a = this.pools.state.allocation(id);
    return a === undefined ? undefined : this.book.info(a);
  }

  listAllocations(filter: { tenant?: string; pool?: string } = {}): AllocationInfo[] {
    return this.book.list(filter);
  }

  /** The preemption log (restored from the store on restart), oldest first. */
  getPreemptions(): readonly PreemptionRecord[] {
    return this.book.preemptions();
  }

  /** Live, queued, recently ended, or unknown. */
  status(id: string): RequestStatus {
    const a = this.pools.state.allocation(id);
    if (a !== undefined) return { status: 'allocated', allocation: this.book.info(a) };
    const w = this.queue.get(id);
    if (w !== undefined) {
      return { status: 'queued', requestId: id, tenant: w.request.tenant, enqueuedAtMs: w.enqueuedAtMs, timeoutAtMs: w.timeoutAtMs, position: this.queue.position(w) };
    }
    const e = this.ended.get(id);
    if (e !== undefined) return { status: 'ended', id, tenant: e.tenant, how: e.how, atMs: e.atMs };
    return { status: 'unknown', id };
  }

  get queueLength(): number {
    return this.queue.length;
  }

  get allocationCount(): number {
    return this.pools.state.allocationCount;
  }

  /** False after an operation failed midway (restart to restore) or after close(). */
  get healthy(): boolean {
    return this.runtime.healthy;
  }

  // ---- time-driven work --------------------------------------------------------------------

  /**
   * The background step (run on a timer, or by hand with timers off): booting nodes whose boot
   * time has passed come up, expired leases are released, queued requests past their timeout
   * leave with `timed-out`, and the queue is retried if anything changed.
   */
  tick(): void {
    this.runtime.assertUsable();
    this.runtime.run((tx) => {
      let changed = false;
      if (this.pools.bootFinished(tx) > 0) changed = true;
      if (this.book.expire(tx, tx.now).length > 0) changed = true;
      if (this.queueRunner.timeOut(tx)) changed = true;
      // Anything that changed freed capacity (or added it), so every waiting request is offered.
      if (changed) this.queueRunner.drain(tx, true);
    });
  }

  /**
   * One scaling step (run every `intervalSeconds` on a timer, or by hand): ask the policy, then
   * provision nodes (booting for the pool's boot time; up at once if it is 0) or retire idle ones.
   * Returns what changed.
   */
  scale(): ScaleEvent[] {
    this.runtime.assertUsable();
    const autoscaler = this.autoscaler;
    if (autoscaler === undefined) return [];
    return this.runtime.run((tx) => {
      const steps = autoscaler.plan(this.pools.state, this.queue.requests(), tx.now);
      const out = this.pools.applyScaleSteps(tx, steps);
      if (out.length > 0) this.queueRunner.drain(tx, true);
      return out;
    });
  }

  /**
   * Resolves once every change made so far is committed to the store (at once in
   * `per-operation` mode). Rejects if the commit failed; the scheduler then refuses further calls.
   */
  durable(): Promise<void> {
    return this.runtime.durable();
  }

  /** Stop the timers, commit anything staged, and close the store. Further calls throw. */
  close(): void {
    this.runtime.close();
  }

  /**
   * Consistency check for tests: no node over capacity (ClusterState.checkInvariants), and the
   * scheduler's own books (lease metadata, tenant usage, queue index) agree with the cluster.
   */
  checkInvariants(): void {
    const state = this.pools.state;
    state.checkInvariants();
    const fail = (msg: string): never => {
      throw new Error(`scheduler invariant: ${msg}`);
    };
    this.book.checkInvariants(fail);
    this.queue.checkInvariants(state, fail);
  }

  // ---- internals ---------------------------------------------------------------------------

  /** A batch strategy's report on one decision: counted, kept, and emitted as a `solver` event. */
  private solverReport(report: SolverReport, tx: Tx): void {
    this.solverStatus[report.status] = (this.solverStatus[report.status] ?? 0) + 1;
    this.lastSolverReport = report;
    tx.emit('solver', { report, atMs: tx.now });
  }

  private reportRejection(tx: Tx, r: Request, rejection: SchedulerRejection): AllocateResult {
    // A duplicate id names someone else's live or queued request: its status stays theirs.
    if (rejection.code !== 'duplicate') this.ended.remember(r.id, r.tenant, 'rejected', tx.now);
    tx.emit('rejected', { requestId: r.id, tenant: r.tenant, rejection });
    return { status: 'rejected', requestId: r.id, tenant: r.tenant, rejection };
  }
}
