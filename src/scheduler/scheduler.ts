import type { Allocator, SolverReport } from '../algorithms/allocator.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import { UserError } from '../core/errors.js';
import type { ResourceSpace } from '../core/resources.js';
import type { DependencyTracker } from '../engine/dependencies.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { AllocationBook } from './allocations.js';
import { assembleScheduler } from './assembly.js';
import { Background } from './background.js';
import { reconcileConfiguredPools } from './configured-pools.js';
import { TypedEmitter } from './emitter.js';
import { checkEventType } from './event-log.js';
import { newPoolOf, type RequestBuilder } from './inputs.js';
import type { NodeOperations } from './nodes.js';
import type { RequestOperations } from './operations.js';
import { checkSchedulerOptions, type ResourceSchedulerOptions } from './options.js';
import type { Pools } from './pools.js';
import type { StrategyPreparation } from './preparation.js';
import type { QueueRunner } from './queue-runner.js';
import type { RecentlyEnded } from './recent.js';
import type { Runtime, Tx } from './runtime.js';
import type { AuditRecord, EventRecord, StateStore } from './store.js';
import type { AllocateResult, AllocationInfo, NodeFailResult, NodeRepairResult, PoolInfo, PoolInput, PreemptionRecord, ReleaseResult, RenewResult, RequestStatus, ScaleEvent, ScheduleRequest, SchedulerEvents } from './types.js';
import type { SloAttainment, SloBook, SloObserver } from './slo.js';
import type { SchedulerViews } from './views.js';
import type { WaitQueue } from './wait-queue.js';

export type { QueueOptions, ResourceSchedulerOptions } from './options.js';

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
  /** The ended-ids memory (read by tests). */
  private readonly ended: RecentlyEnded;
  private readonly book: AllocationBook;
  private readonly queue: WaitQueue;
  private readonly queueRunner: QueueRunner;
  private readonly dependencies: DependencyTracker;
  private readonly operations: RequestOperations;
  private readonly nodes: NodeOperations;
  private readonly views: SchedulerViews;
  private readonly preparation: StrategyPreparation;
  private readonly slo: SloBook;
  /** The time-driven work: what falls due (boots, lease ends, queue timeouts), a restored queue's first offer, scaling. */
  private readonly background: Background;
  /** Solver reports of the decisions made so far, counted by status (also on /metrics). */
  readonly solverStatus: Record<string, number> = {};
  /** The last solver report (a batch strategy's last decision), if any. */
  lastSolverReport: SolverReport | undefined;
  /** Queued requests the store held that ended `timed-out` at start (`queue: false` now: nothing would offer them capacity; H4). */
  readonly restoredTimedOut: number = 0;
  /** Configured pools that differ from the pools of those names in the store (which are kept), in words. */
  readonly poolDrift: string[];

  constructor(options: ResourceSchedulerOptions = {}) {
    checkSchedulerOptions(options);
    const parts = assembleScheduler(options, this.events, (report, tx) => this.solverReport(report, tx));
    ({ store: this.store, runtime: this.runtime, ended: this.ended, allocator: this.allocator, preparation: this.preparation, queue: this.queue, space: this.space, pools: this.pools, book: this.book } = parts);
    ({ scalingPolicy: this.scalingPolicy, queuePolicy: this.queuePolicy, views: this.views, dependencies: this.dependencies, queueRunner: this.queueRunner, operations: this.operations, nodes: this.nodes, requests: this.requests, slo: this.slo } = parts);
    this.poolDrift = reconcileConfiguredPools(options.pools ?? [], this.pools, this.space, (p) => this.addPool(p));
    this.background = new Background(parts); // reads (background.current) use it: none may come before this
    this.restoredTimedOut = this.background.settleRestoredQueue();
    if (options.timers !== false) this.background.startTimers(options.tickIntervalMs ?? 250, () => this.tick(), () => this.scale());
  }

  /** Build a scheduler and run the strategy's asynchronous `prepare` (e.g. loading a WASM solver). */
  static async create(options: ResourceSchedulerOptions = {}): Promise<ResourceScheduler> {
    const s = new ResourceScheduler(options);
    await s.ready().catch(async (e: unknown) => {
      await s.shutdown(); // the caller never gets it: stop its timers, release its store (the lock)
      throw e;
    });
    if (s.background.pendingRestoredOffer) s.tick();
    return s;
  }

  /**
   * Resolves once the strategy's asynchronous setup (`prepare`, e.g. loading the HiGHS WASM
   * solver for `ilp`) is done; the constructor starts it. Rejects with a UserError naming the
   * strategy if the setup failed. Until it resolves, `allocate` refuses with a UserError that says
   * to await this, and the queue makes no decision.
   */
  ready(): Promise<void> {
    return this.preparation.ready();
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

  /** `fn` gets the error once, when the scheduler stops (`healthy` false) after an internal error or a failed commit. */
  onFailure(fn: (error: unknown) => void): () => void {
    return this.runtime.onFailure(fn);
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
    checkEventType(type);
    return this.runtime.record(type, tenant, data);
  }

  /** Append a record to the store's audit log (committed with the next commit; await `durable()`). */
  appendAudit(record: AuditRecord): void {
    this.runtime.append([{ kind: 'audit', record }]);
  }

  /** Queued requests in arrival order, optionally of one tenant. */
  listQueued(filter: { tenant?: string } = {}): Extract<RequestStatus, { status: 'queued' }>[] {
    this.background.current();
    return this.views.listQueued(filter);
  }

  /** Live allocations plus queued requests of `tenant` (the service's per-tenant limit). */
  outstanding(tenant: string): number {
    this.background.current();
    return this.views.outstanding(tenant);
  }

  /** Stop the timers, commit what is staged, wait for it and close the store (use this with asynchronous stores). */
  shutdown(): Promise<void> {
    return this.runtime.shutdown();
  }

  // ---- pools -------------------------------------------------------------------------------

  /** Add a pool with its initial nodes up. Throws UserError for a bad spec or a duplicate name. */
  addPool(input: PoolInput): PoolInfo {
    this.runtime.assertUsable();
    const { spec, primary } = newPoolOf(input, this.space, (name) => this.pools.state.poolIndex(name) >= 0);
    return this.runtime.run((tx) => this.nodes.addPool(tx, spec, primary));
  }

  getPool(name: string): PoolInfo | undefined {
    this.background.current();
    const i = this.pools.state.poolIndex(name);
    return i < 0 ? undefined : this.pools.info(i);
  }

  listPools(): PoolInfo[] {
    this.background.current();
    return this.pools.state.pools.map((_p, i) => this.pools.info(i));
  }

  /**
   * `listPools()` with billing as of a time made durable first (what /metrics exports): a restart
   * resumes billing at or after it, so the exported counters never go down, even on a clock behind
   * the old one (a standby's, a clock stepped back). At most one write per second (`durableBilling`).
   * A stopped scheduler (or one whose commit fails now) writes nothing: then as `listPools()`.
   */
  listPoolsDurably(): Promise<PoolInfo[]> {
    this.background.current();
    return this.pools.infosDurably(this.runtime);
  }

  /** The up node `node` (name or id) of `pool` fails: its work is requeued or ends `lost` (see NodeOperations). */
  failNode(pool: string, node: string | number): NodeFailResult {
    this.runtime.assertUsable();
    const ref = this.nodes.ref(pool, node);
    return this.operation((tx) => this.nodes.fail(tx, ref));
  }

  /** The failed node `node` of `pool` is up again; the queue is offered everything. */
  repairNode(pool: string, node: string | number): NodeRepairResult {
    this.runtime.assertUsable();
    const ref = this.nodes.ref(pool, node);
    return this.operation((tx) => this.nodes.repair(tx, ref));
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
    this.preparation.assertPrepared();
    const built = this.requests.build(request, durationMs);
    this.dependencies.validate(built.request);
    return this.operation((tx) => this.operations.allocate(tx, built));
  }

  /** End an allocation (or take a queued request out of the queue). */
  release(id: string): ReleaseResult {
    this.runtime.assertUsable();
    return this.operation((tx) => this.operations.release(tx, id));
  }

  /** Extend (or set) a lease: it now expires `durationMs` from now. */
  renew(id: string, durationMs: number): RenewResult {
    this.runtime.assertUsable();
    if (!(Number.isFinite(durationMs) && durationMs > 0)) throw new UserError(`durationMs must be a positive number of milliseconds, got ${durationMs}`, { field: 'durationMs' });
    return this.operation((tx): RenewResult => {
      const info = this.book.renew(tx, id, durationMs);
      return info === undefined ? { status: 'not-found', id } : { status: 'renewed', allocation: info };
    });
  }

  /**
   * Evict `targetId` and place `request` with the capacity it frees. The documented rule holds:
   * the request must be critical or high, and the target preemptible and of strictly lower
   * priority (else `not-preemptible`). The strategy chooses the node. If the request still cannot
   * be placed, the target is left running and the allocator's rejection is returned. It places
   * now or not at all, so a request with `dependsOn` or `concurrency` (which may have to wait) is
   * refused: submit it with `allocate` instead.
   */
  preempt(targetId: string, request: ScheduleRequest, durationMs?: number): AllocateResult {
    this.runtime.assertUsable();
    this.preparation.assertPrepared();
    const given = request as Partial<ScheduleRequest> | null | undefined; // from JavaScript, anything: build() names what is wrong
    for (const field of ['dependsOn', 'concurrency'] as const) {
      if (given?.[field] !== undefined) throw new UserError(`preempt places the request now, so it takes no ${field} (it could have to wait): submit it with allocate`, { field });
    }
    const built = this.requests.build(request, durationMs);
    return this.operation((tx) => this.operations.preempt(tx, targetId, built));
  }

  /**
   * Release every allocation whose lease has expired by `asOf` (default now; ms). Returns them. A
   * lease running out after now has not expired: a later `asOf` is refused (`UserError`).
   */
  expireAllocations(asOf?: number): AllocationInfo[] {
    return this.background.expireBy(asOf, false);
  }

  /** For the compat package only: its contract (docs/compat.md) expires leases ending by any `asOf`, a future one too (early, stamped now). */
  expireEarly(asOf: number): AllocationInfo[] {
    return this.background.expireBy(asOf, true);
  }

  getAllocation(id: string): AllocationInfo | undefined {
    this.background.current();
    return this.views.getAllocation(id);
  }

  listAllocations(filter: { tenant?: string; pool?: string } = {}): AllocationInfo[] {
    this.background.current();
    return this.book.list(filter);
  }

  /** The preemption log's newest records (at most `preemptionLimit`; restored from the store on restart), oldest first. */
  getPreemptions(): readonly PreemptionRecord[] {
    this.background.current();
    return this.book.preemptions();
  }

  /** The same records without a copy, and the position of the first one in the whole log (records before it were pruned): what list cursors key on. */
  preemptionWindow(): { readonly first: number; readonly records: readonly PreemptionRecord[] } {
    this.background.current();
    return this.book.preemptionWindow();
  }

  /** Live, queued, recently ended, or unknown. */
  status(id: string): RequestStatus {
    this.background.current();
    return this.views.status(id);
  }

  get queueLength(): number {
    this.background.current();
    return this.queue.length;
  }

  get allocationCount(): number {
    this.background.current();
    return this.pools.state.allocationCount;
  }

  /** False after an operation failed midway (restart to restore) or after close(). */
  get healthy(): boolean {
    return this.runtime.healthy;
  }

  // ---- time-driven work --------------------------------------------------------------------

  /**
   * The background step (run on a timer, or by hand with timers off): what fell due by now is
   * done in time order (`catchUp`, ./due-work.ts: booting nodes come up, expired leases are released, queued
   * requests past their timeout leave with `timed-out`, each change offered to the queue), and at
   * the first tick after a restart the queue is offered what is free if requests were restored.
   */
  tick(): void {
    this.runtime.assertUsable();
    this.background.tick();
  }

  /** SLO outcomes so far by priority class (slo.ts): met, missed, attainment, how many are undecided; like every read, after what fell due (`Background.current`). */
  sloAttainment(): SloAttainment {
    this.background.current();
    return this.slo.attainment();
  }

  /** `o` hears every first start's wait and every SLO outcome as it is decided (/metrics uses it); returns an unsubscribe function. */
  observeSlo(o: SloObserver): () => void {
    return this.slo.observe(o);
  }

  /**
   * One scaling step (run every `intervalSeconds` on a timer, or by hand): do what fell due
   * (as `tick()`), ask the policy, then
   * provision nodes (booting for the pool's boot time; up at once if it is 0) or retire idle ones.
   * Returns what changed. The policy decides before the transaction: a policy that throws has
   * changed nothing, so its error reaches the caller without stopping the scheduler.
   */
  scale(): ScaleEvent[] {
    this.runtime.assertUsable();
    return this.background.scale();
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
    this.views.checkInvariants();
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * One operation's transaction, after what fell due strictly before now, done as the timer's
   * `tick()` would have done it at its time (`catchUp`, ./due-work.ts): a lease that ran out is not
   * renewed or released afterwards (`renew` answers `not-found`, the allocation ended `expired`),
   * and its room, like a node whose boot finished, goes to the queue before a newcomer. What falls
   * due exactly now is left to `tick()`, so operations at one instant keep their order. Reads do
   * the same catch-up first (`Background.current`).
   */
  private operation<T>(fn: (tx: Tx) => T): T {
    return this.runtime.run((tx) => {
      this.background.catchUpOverdue(tx);
      return fn(tx);
    });
  }

  /** A batch strategy's report on one decision: counted, kept, and emitted as a `solver` event. */
  private solverReport(report: SolverReport, tx: Tx): void {
    this.solverStatus[report.status] = (this.solverStatus[report.status] ?? 0) + 1;
    this.lastSolverReport = report;
    tx.emit('solver', { report, atMs: tx.now });
  }
}
