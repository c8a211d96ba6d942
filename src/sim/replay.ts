import type { AllocatorContext, SolverReport } from '../algorithms/allocator.js';
import { WORK_BUDGET } from '../algorithms/allocator.js';
import { ClusterState } from '../core/cluster.js';
import { eligiblePools } from '../core/eligibility.js';
import type { Allocation, PoolSpec, Request } from '../core/model.js';
import { Rng } from '../core/rng.js';
import { DependencyTracker } from '../engine/dependencies.js';
import { SchedulingPass, type PassHooks, type PassRejection } from '../engine/pass.js';
import { runRounds } from '../engine/rounds.js';
import { ArrivalStream } from './arrivals.js';
import { FailureInjector } from './failures.js';
import { Kernel } from './kernel.js';
import { SimLeases, type LeaseRenewal } from './leases.js';
import { EV, EventLog } from './log.js';
import { DependencyStates } from './dependency-states.js';
import { reorderEnds, requestedEnd } from './end-order.js';
import { QuotaBooks } from './quota-books.js';
import type { ReplayOptions, ReplayOutcome } from './replay-options.js';
import { Autoscaling } from './replay-scaling.js';
import { RunEnd } from './run-end.js';
import { RunningWork, type Running, type SimEvent } from './running.js';
import { SimQueue, type SimEntry } from './sim-queue.js';

export type { ReplayOptions, ReplayOutcome } from './replay-options.js';

/**
 * Replay a request stream against modelled pools with one allocator and one queue policy: the
 * discrete-event driver around the engine's scheduling pass (`src/engine/pass.ts`), which holds
 * every scheduling rule. This driver only moves time and books what happened: one small handler
 * per event kind (arrival, end, node ready, scaling tick, failure, renewal) and the pass's hooks
 * (start, reject, evict).
 *
 * Order at equal times: pending kernel events (completions, expiries, node changes) come before
 * an arrival at the same time unless `ties: 'arrivals-first'`; among kernel events, the order
 * they were scheduled in, except that the ends due at a node failure's instant come before it
 * (work done at t is done, its room offered at once, as production's release drains the queue
 * before a failNode at t), and before a scaling tick (the policy sees them done, as production's
 * scale() does); a scheduling pass runs once the
 * clock is about to move on (or after every event with `passes: 'per-event'`).
 */
export async function replay(opts: ReplayOptions): Promise<ReplayOutcome> {
  const run = new ReplayRun(opts);
  await opts.allocator.prepare?.();
  await opts.preempting?.prepare?.();
  return run.run();
}

class ReplayRun {
  readonly state: ClusterState;
  readonly log: EventLog;
  readonly kernel = new Kernel<SimEvent>(0);
  private readonly queue: SimQueue;
  private readonly pass: SchedulingPass<SimEntry>;
  private readonly running: RunningWork;
  private readonly leases: SimLeases;
  private readonly depStates: DependencyStates;
  private readonly deps: DependencyTracker;
  private readonly quota: QuotaBooks | undefined;
  private readonly failures: FailureInjector;
  private readonly scaling: Autoscaling | undefined;
  private readonly allocRng: Rng;
  private readonly horizon: number;
  private freed = true;
  private now = 0;
  private passes = 0;
  private decisions = 0;
  private readonly solverStatus: Record<string, number> = {};
  private readonly solverReports: { time: number; report: SolverReport }[] = [];
  private arrivals = 0;
  /** The trace has no more arrivals. */
  private streamOver = false;
  private readonly end: RunEnd;

  constructor(private readonly opts: ReplayOptions) {
    this.state = new ClusterState(opts.space, opts.pools);
    this.log = new EventLog(opts.pools);
    this.depStates = new DependencyStates(this.log.store);
    this.deps = new DependencyTracker((id) => this.depStates.lookup(id));
    const rng = new Rng(opts.seed);
    this.allocRng = rng.fork(`allocator:${opts.allocator.name}`);
    this.horizon = opts.horizon ?? Infinity;
    this.end = new RunEnd(this.horizon);
    this.queue = new SimQueue(opts.queue.staticKey, opts.queue.staticTie);
    this.quota = opts.quotas === undefined ? undefined : new QuotaBooks(opts.space, opts.quotas);
    this.pass = new SchedulingPass<SimEntry>(
      {
        allocator: opts.allocator,
        policy: opts.queue,
        dependencies: this.deps,
        ...(this.quota === undefined ? {} : { quotas: this.quota.fair }),
        ...(opts.preempting === undefined ? {} : { preempting: opts.preempting }),
      },
      this.hooks(),
    );
    opts.pools.forEach((p, i) => {
      for (let k = 0; k < p.nodes.initial; k++) this.provision(i, 'up', 0);
    });
    this.failures = new FailureInjector(opts.failures, this.state, this.log, rng.fork('failures'), {
      schedule: (at, run) => this.kernel.schedule(at, { k: 'failure', run }),
      cancel: (id) => this.kernel.cancel(id),
      evict: (a, now) => this.requeue(a, EV.failEvict, now),
      // The work done at the failure's instant ends first, and its room is offered (production's
      // release, or the tick that expires a lease, drains the queue before a failNode at that time).
      endsDue: () => {
        if (this.dueNow()) this.schedule();
      },
      // The engine's rule (as ResourceScheduler.failNode): with quotas, the shares shrank with the
      // capacity, so the next pass offers everything, whether or not the node ran any work.
      failed: () => {
        if (this.pass.nodeFailureOffersAll()) this.freed = true;
      },
      freed: () => (this.freed = true),
      busy: () => this.state.allocationCount > 0,
      waiting: () => this.queue.live > 0,
    });
    this.leases = new SimLeases(opts.renewals);
    this.running = new RunningWork(this.kernel, this.leases);
    this.leases.scheduleRenewals((at, i) => this.kernel.schedule(at, { k: 'renew', i }));
    this.scaling =
      opts.scaling === undefined
        ? undefined
        : new Autoscaling(opts.scaling, this.state, {
            provision: (pool, now) => {
              const id = this.provision(pool, 'booting', now);
              this.kernel.schedule(now + (opts.pools[pool] as PoolSpec).bootSeconds, { k: 'nodeReady', node: id });
            },
            remove: (id, now) => {
              this.log.push(EV.nodeRemove, now, this.state.nodePool(id), id);
              this.failures.nodeRemoved(id, now);
            },
            next: (at) => this.kernel.schedule(at, { k: 'scale' }),
            waiting: () => this.queue.liveRequests(),
            active: () => this.running.size > 0 || this.queue.live > 0,
            busy: () => this.running.size > 0,
            record: (t, demand, forecast) => void this.log.scaleTicks.push({ t, demand, forecast }),
          }, this.horizon);
  }

  // ---- the pass's hooks --------------------------------------------------------------------

  private hooks(): PassHooks<SimEntry> {
    return {
      // Deterministic budget: the simulator never reads a clock (same scenario and seed, same JSON).
      context: (blocking): AllocatorContext => ({ now: this.now, rng: this.allocRng, budget: WORK_BUDGET, blocking }),
      isWaiting: (e) => e.live,
      allocationId: (e) => `${e.request.id}#${e.attempts}`,
      start: (e, a) => this.onStart(e, a),
      reject: (e, rej) => this.onReject(e, rej),
      evict: (a) => {
        this.requeue(a, EV.preempt, this.now);
        this.freed = true;
      },
      solver: (report) => {
        this.solverStatus[report.status] = (this.solverStatus[report.status] ?? 0) + 1;
        this.solverReports.push({ time: this.now, report });
      },
      isBorrowed: (a) => this.quota?.isBorrowed(a) ?? false,
    };
  }

  private onStart(e: SimEntry, a: Allocation): void {
    const now = this.now;
    this.queue.drop(e);
    const run: Running = { idx: e.idx, entry: e };
    this.running.set(a.id, run);
    this.quota?.started(a);
    this.log.push(EV.start, now, e.idx, a.nodeId);
    if (a.devices !== undefined && a.devices.length > 0) this.log.devices.set(this.log.length - 1, a.devices);
    this.running.scheduleEnd(a, run);
  }

  private onReject(e: SimEntry, rej: PassRejection): void {
    this.queue.drop(e);
    this.rejectIdx(e.idx, rej.code);
  }

  private rejectIdx(idx: number, code: PassRejection['code']): void {
    this.log.reject(this.now, idx, code);
    this.depStates.failed(idx, `was rejected (${code})`);
    if (this.leases.renewals.length > 0) for (const ev of this.leases.over(this.log.store.id(idx))) this.kernel.cancel(ev);
    // Dependents waiting on it are rejected at the next pass.
    this.freed = true;
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private provision(pool: number, status: 'booting' | 'up', now: number): number {
    const id = this.state.addNode(pool, status);
    this.log.nodePool[id] = pool;
    this.log.push(EV.nodeProvision, now, pool, id);
    if (status === 'up') this.log.push(EV.nodeUp, now, pool, id);
    return id;
  }

  /** Take `a` off the cluster's books (already released) and put its request back in the queue. */
  private requeue(a: Allocation, kind: typeof EV.preempt | typeof EV.failEvict, now: number): void {
    const run = this.running.get(a.id);
    if (run === undefined) return;
    this.running.delete(a.id);
    this.leases.ended(a);
    this.quota?.ended(a);
    this.log.push(kind, now, run.idx, a.nodeId);
    this.queue.add(run.entry.request, run.idx, now, run.entry.attempts + 1);
  }

  // ---- one handler per event kind ----------------------------------------------------------

  private onArrival(r: Request): void {
    const now = this.now;
    const idx = this.log.addRequest(r);
    this.log.push(EV.arrive, now, idx);
    this.depStates.arrive(idx, r);
    this.leases.arrived(r.id);
    this.deps.validate(r);
    // A request no pool can ever host (pool specs do not change during a run) is rejected on
    // arrival, so it never waits behind a blocked head.
    const elig = eligiblePools(this.state, r);
    if ('rejection' in elig) this.rejectIdx(idx, elig.rejection.code);
    else this.queue.add(r, idx, now, 0);
    this.arrivals++;
    this.scaling?.noteArrival();
    if (this.opts.onProgress !== undefined && (this.arrivals & 4095) === 0) this.opts.onProgress(this.arrivals, now);
  }

  /** The work is done, or a lease ran out: then every lease due by now ends (SimLeases.due). */
  private onEnd(e: Extract<SimEvent, { k: 'end' }>): void {
    if (this.running.isStale(e)) return; // evicted, ended or renewed since
    if (!e.expired) return this.finish1(e.a, false);
    for (const a of this.leases.due(this.state, this.now)) this.finish1(a, true);
  }

  private finish1(a: Allocation, expired: boolean): void {
    const run = this.running.get(a.id) as Running;
    this.running.delete(a.id);
    this.leases.ended(a);
    for (const ev of this.leases.over(a.request.id)) this.kernel.cancel(ev);
    this.state.release(a.id);
    this.quota?.ended(a);
    this.log.push(expired ? EV.expire : EV.complete, this.now, run.idx, a.nodeId);
    if (expired) this.depStates.failed(run.idx, 'expired (its lease ran out before the work was done)');
    else this.depStates.completed(run.idx);
    this.freed = true;
  }

  /** A renewal: the request's running allocation expires `duration` s from now (ClusterState.renew, as production's). */
  private onRenew(i: number): void {
    const id = this.leases.target(i);
    if (id === undefined) return; // queued or ended: nothing to renew (production answers not-found)
    const a = this.state.renew(id, this.now + (this.leases.renewals[i] as LeaseRenewal).duration);
    this.running.scheduleEnd(a, this.running.get(id) as Running);
  }

  private onNodeReady(node: number): void {
    if (this.state.nodeStatus(node) !== 'booting') return;
    this.state.bringUp(node);
    this.log.push(EV.nodeUp, this.now, this.state.nodePool(node), node);
    this.freed = true;
    this.failures.upChanged(this.now);
  }

  /**
   * Whether `e` became void since it was scheduled: the end of work that was evicted, ended or
   * renewed since, the boot of a node scale-in cancelled. Such events are dropped without moving
   * the clock (`Kernel.dropWhile`): one after the last real event stretched the run, and every
   * node's bill, to it.
   */
  private readonly isVoid = (e: SimEvent): boolean =>
    e.k === 'end' ? this.running.isStale(e) : e.k === 'nodeReady' && this.state.nodeStatus(e.node) !== 'booting';

  private handle(e: SimEvent): void {
    switch (e.k) {
      case 'end':
        return this.onEnd(e);
      case 'nodeReady':
        return this.onNodeReady(e.node);
      case 'scale':
        // The policy decides on the cluster after what fell due at this instant is done and the
        // work that can start now has started (the pass otherwise due when the clock moves on),
        // as production's scale() does (catchUp, then drain): work whose end falls now has ended,
        // though a tick is scheduled one interval ahead, before work that started since (so
        // before its end); a node whose boot ends now is up with queued work on it (its boot was
        // scheduled by an earlier tick, before this one, so it comes first in kernel order).
        this.dueNow();
        this.schedule();
        return this.scaling?.tick(this.now);
      case 'failure':
        return e.run();
      case 'renew':
        return this.onRenew(e.i);
    }
  }

  /** Handle now the ends due at this instant, in kernel order; whether there was one. */
  private dueNow(): boolean {
    const due = this.kernel.takeNow((e) => e.k === 'end');
    for (const e of due) if (!this.isVoid(e)) this.handle(e);
    return due.length > 0;
  }

  // ---- the scheduling pass -----------------------------------------------------------------

  /**
   * Scheduling passes at the current time, as the engine's `runRounds` runs them (and
   * ResourceScheduler's drain, src/scheduler/queue-runner.ts): one, then another while the last
   * started something through reclaim/preemption (`again`, everything is offered), or while work
   * evicted by the last pass was requeued (offered at once as new work, nothing freed).
   */
  private schedule(): void {
    const q = this.queue;
    q.compact();
    const fresh = q.takeFresh();
    if (q.live === 0 || (!this.freed && fresh.length === 0)) return;
    this.passes++;
    runRounds(() => q.live, { freed: this.freed, fresh }, (freed, offered) => {
      this.quota?.capacityChanged(this.state);
      q.beginPass();
      const out = this.pass.run(this.state, { now: this.now, waiting: q.entries, sorted: q.sorted, from: q.from, freed, fresh: offered });
      q.endPass();
      const walked = this.opts.queue.backfill?.takeWalked?.();
      if (walked !== undefined) reorderEnds(this.running, walked, (id) => requestedEnd(this.state.allocation(id) as Allocation), (run) => this.running.rescheduleEnd(run));
      this.decisions += out.decisions;
      // What this pass requeued (work it evicted) is all that was added since the pass began.
      return { out, requeued: q.takeFresh() };
    });
    q.takeFresh();
    this.freed = false;
    this.quota?.roundDone();
  }

  // ---- main loop ---------------------------------------------------------------------------

  async run(): Promise<ReplayOutcome> {
    const { opts, kernel } = this;
    const arrivalsFirst = opts.ties === 'arrivals-first';
    const perEvent = opts.passes === 'per-event';
    const arrivals = await ArrivalStream.open(opts.requests, opts.lateArrivals);
    // A stream with no request at all (a demand series of zeros) is done before the first event:
    // said so now, as after the last arrival, or the scaling ticks would go on for ever.
    if (arrivals.done) this.streamDone();
    // Run a pass when the clock is about to move past `now` (or after every event).
    const step = (): void => {
      kernel.dropWhile(this.isVoid);
      const nextArrival = arrivals.time;
      if (!perEvent && Math.min(kernel.peek(), nextArrival) <= this.now) return;
      this.schedule();
      // The state at `now` is final (every event of this instant handled, the passes run).
      this.failures.settle();
      this.end.settled(this.now, this.streamOver && this.running.size === 0 && this.queue.live === 0);
    };
    if (opts.scaling !== undefined) kernel.schedule(0, { k: 'scale' });
    for (;;) {
      const tArr = arrivals.time;
      for (;;) {
        kernel.dropWhile(this.isVoid);
        if (!(kernel.pending > 0 && (arrivalsFirst ? kernel.peek() < tArr : kernel.peek() <= tArr) && kernel.peek() <= this.horizon)) break;
        if (this.end.over(kernel, this.now)) break;
        const e = kernel.step() as SimEvent;
        this.now = kernel.now;
        this.end.stepping(e);
        this.handle(e);
        // A policy's off-path work (an async forecaster fit) lands before the next event: deterministic.
        if (e.k === 'scale' && opts.scaling?.settle !== undefined) await opts.scaling.settle();
        step();
      }
      if (arrivals.done || tArr > this.horizon) break;
      const r = arrivals.take();
      // A late arrival (lateArrivals: 'now') arrives at the clock: no kernel event came before it above.
      this.now = Math.max(r.arrival, kernel.now);
      this.onArrival(r);
      if (await arrivals.pull()) this.streamDone();
      kernel.advanceTo(this.now);
      step();
    }
    this.streamDone();
    return this.finish();
  }

  private streamDone(): void {
    this.streamOver = true;
    this.failures.streamDone();
    this.scaling?.streamDone();
  }

  private finish(): ReplayOutcome {
    const { log, state } = this;
    // With a horizon the run covers [0, horizon] whatever the last event: nodes up until then are
    // billed and count as capacity, and every strategy of a comparison shares the window.
    const endTime = Number.isFinite(this.horizon) ? this.horizon : this.kernel.now;
    for (const e of this.queue.entries) if (e.live) log.push(EV.unfinished, endTime, e.idx);
    for (const run of this.running.values()) log.push(EV.unfinished, endTime, run.idx);
    for (let id = 0; id < state.nodeCount; id++) {
      if (state.nodeStatus(id) !== 'removed') log.push(EV.nodeRemove, endTime, state.nodePool(id), id);
    }
    return { log, endTime, passes: this.passes, decisions: this.decisions, solverStatus: this.solverStatus, solverReports: this.solverReports, notes: this.end.notes(endTime) };
  }
}
