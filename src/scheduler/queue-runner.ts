import type { Allocator, AllocatorContext, SolverReport } from '../algorithms/allocator.js';
import type { Allocation, Request } from '../core/model.js';
import type { Rng } from '../core/rng.js';
import type { DependencyTracker } from '../engine/dependencies.js';
import { SchedulingPass, type PassHooks, type PassOutcome, type PassRejection } from '../engine/pass.js';
import type { FairShare } from '../engine/quota.js';
import { runRounds } from '../engine/rounds.js';
import { fcfs } from '../queue/fcfs.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { AllocationBook } from './allocations.js';
import type { ClusterRef } from './pools.js';
import type { RecentlyEnded } from './recent.js';
import type { Outcome, Tx } from './runtime.js';
import type { PreemptionRecord, SchedulerRejection } from './types.js';
import type { SloBook } from './slo.js';
import type { StateChange } from './store.js';
import type { WaitQueue, Waiting } from './wait-queue.js';

export interface QueueRunnerOptions {
  readonly policy: QueuePolicy | undefined;
  readonly queue: WaitQueue;
  readonly book: AllocationBook;
  readonly fair: FairShare | undefined;
  readonly cluster: ClusterRef;
  readonly ended: RecentlyEnded;
  readonly dependencies: DependencyTracker;
  /** The strategy as configured. */
  readonly allocator: Allocator;
  /** The strategy wrapped with PreemptingAllocator, when priority preemption is on. */
  readonly preempting: Allocator | undefined;
  /** The strategies' Rng. */
  readonly rng: Rng;
  /** Allocator wall-clock budget per decision, ms (production may stop on the wall clock). */
  readonly budgetMs: number;
  /** Every solver report, with the operation's time (results, events, metrics). */
  readonly onSolver?: (report: SolverReport, tx: Tx) => void;
  /** False while the strategy's prepare() runs: no decision is made then. */
  readonly isReady?: () => boolean;
  /**
   * Work evicted by priority preemption or reclaim goes back to the wait queue with its request
   * as submitted (its arrival kept), as in the simulator, instead of ending `preempted`.
   */
  readonly requeuePreempted?: boolean;
  /** Told of first starts and of requests that leave the queue without starting (waits, SLO outcomes). */
  readonly slo?: SloBook;
}

/** What became of a request submitted to the queue, by the end of its operation. */
export type Admission = Outcome | { readonly kind: 'queued'; readonly waiting: Waiting };

/**
 * The production driver of the engine's scheduling pass (`src/engine/pass.ts`, the same pass the
 * simulator drives): it runs passes within an operation and books what they did through the
 * pass's hooks (AllocationBook, wait queue, outcomes and events). It holds no scheduling rule.
 *
 * Without a queue policy, a request that cannot start now is rejected at once: the pass runs over
 * that one request with a non-blocking FCFS policy (`placeNow`), so quotas, reclaim and
 * preemption apply to it exactly as to queued work.
 *
 * Requests decided in the operation that submitted them ("fresh") are reported through
 * `tx.outcomes`; the others through events.
 */
export class QueueRunner {
  /** Capacity was freed since the last pass (so requests seen before may fit now). */
  private freed = false;
  /**
   * Every waiting request was offered since capacity was last freed or added: false until a pass
   * offers everything (a restored queue was never offered), and after a drain that made no
   * decision (the strategy not ready). `cancelled` skips the pass only when this holds.
   */
  private settled = false;
  private readonly o: QueueRunnerOptions;
  private readonly pass: SchedulingPass<Waiting> | undefined;
  private readonly single: SchedulingPass<Waiting>;
  /** The operation the current pass runs in. */
  private tx: Tx | undefined;
  /** Preemptions made for each request in the current pass (reported with its allocation). */
  private readonly preemptedFor = new Map<string, PreemptionRecord[]>();
  /** Entries requeued during the current pass (evicted work). */
  private requeued: Waiting[] = [];
  /** Entries of a `placeNow` pass (not in the wait queue). */
  private readonly transient = new Set<Waiting>();
  /** The committed head's id as the store has it (see `takeJournal`). */
  private storedHead: string | null = null;

  constructor(o: QueueRunnerOptions) {
    this.o = o;
    const rules = {
      allocator: o.fair === undefined ? (o.preempting ?? o.allocator) : o.allocator,
      dependencies: o.dependencies,
      ...(o.fair === undefined ? {} : { quotas: o.fair }),
      ...(o.fair !== undefined && o.preempting !== undefined ? { preempting: o.preempting } : {}),
    };
    const hooks = this.hooks();
    this.pass = o.policy === undefined ? undefined : new SchedulingPass<Waiting>({ ...rules, policy: o.policy }, hooks);
    this.single = new SchedulingPass<Waiting>({ ...rules, policy: fcfs({ blocking: false }) }, hooks);
  }

  private get txNow(): Tx {
    return this.tx as Tx;
  }

  private hooks(): PassHooks<Waiting> {
    return {
      context: (blocking): AllocatorContext => ({
        now: this.txNow.now / 1000,
        rng: this.o.rng,
        budget: { kind: 'wall', ms: this.o.budgetMs, clock: wallClock },
        blocking,
      }),
      isWaiting: (w) => (this.transient.has(w) ? true : this.o.queue.get(w.request.id) === w),
      start: (w, a) => this.started(w, a),
      reject: (w, rej) => this.rejectWaiting(w, toSchedulerRejection(rej)),
      wait: (w, rej) => {
        w.reason = toSchedulerRejection(rej);
      },
      evict: (a, forEntry, kind, message) => {
        const record = this.o.book.evicted(this.txNow, a, forEntry.request, kind, message);
        if (this.o.requeuePreempted === true && this.pass !== undefined) this.requeue(a);
        const list = this.preemptedFor.get(forEntry.request.id) ?? [];
        list.push(record);
        this.preemptedFor.set(forEntry.request.id, list);
        this.freed = true;
      },
      solver: (report) => this.o.onSolver?.(report, this.txNow),
      isBorrowed: (a) => this.o.book.isBorrowed(a.id) && !this.txNow.started.has(a.id),
    };
  }

  /**
   * The committed head the store kept (`headOfLine: commit`), back in place if it still waits and
   * the policy still commits: a restart must not let work queued after it overtake it.
   */
  restoreCommittedHead(id: string | null | undefined): void {
    this.storedHead = id ?? null;
    const w = id == null ? undefined : this.o.queue.get(id);
    if (w !== undefined && this.pass !== undefined && this.o.policy?.headOfLine === 'commit') this.pass.committedHead = w;
  }

  /** The store change for the committed head, if it changed since the last call (taken at the end of each operation). */
  takeJournal(): StateChange[] {
    const head = this.pass?.committedHead;
    // The pass forgets a head that started or left only at its next pass: the store never keeps it.
    const id = head !== undefined && this.o.queue.get(head.request.id) === head ? head.request.id : null;
    if (id === this.storedHead) return [];
    this.storedHead = id;
    return [{ kind: 'committed-head', id }];
  }

  /** Evicted work (preemption, reclaim, a failed node) goes back to the wait queue. */
  get requeues(): boolean {
    return this.o.requeuePreempted === true && this.pass !== undefined;
  }

  /**
   * Work its failed node released (already booked by `AllocationBook.lost`) goes back to the
   * queue in the node's order and is offered at once as new work (with quotas, with everything
   * else: `nodeFailureOffersAll`): what the simulator does with a failure's evictions.
   */
  requeueLost(tx: Tx, lost: readonly Allocation[]): void {
    this.tx = tx;
    try {
      for (const a of lost) this.requeue(a);
    } finally {
      this.tx = undefined;
    }
    const fresh = this.requeued;
    this.requeued = [];
    this.drain(tx, this.nodeFailureOffersAll, fresh);
  }

  /** The engine's rule (SchedulingPass.nodeFailureOffersAll): with quotas, a node failure offers every waiting request. */
  get nodeFailureOffersAll(): boolean {
    return this.single.nodeFailureOffersAll();
  }

  /** Put evicted work back in the queue (offered again by a pass at the same time, see `drain`). */
  private requeue(a: Allocation): void {
    const w = this.o.queue.add(a.request, this.txNow.now, a.request.lease === undefined ? null : Math.round(a.request.lease * 1000), undefined, 'requeued');
    w.fresh = false;
    this.requeued.push(w);
  }

  private started(w: Waiting, a: Allocation): void {
    const tx = this.txNow;
    if (this.transient.has(w)) this.transient.delete(w);
    else this.o.queue.remove(w);
    const fromQueue = !w.fresh;
    this.o.book.start(tx, a, w.leaseMs, fromQueue);
    this.o.slo?.started(w.request, tx.now);
    const preempted = this.preemptedFor.get(a.request.id) ?? [];
    this.preemptedFor.delete(a.request.id);
    if (!fromQueue) tx.outcomes.set(a.request.id, { kind: 'allocated', allocation: this.o.book.info(a), preempted });
  }

  private rejectWaiting(w: Waiting, rej: SchedulerRejection): void {
    const tx = this.txNow;
    if (this.transient.has(w)) this.transient.delete(w);
    else this.o.queue.remove(w);
    const r = w.request;
    // The event is recorded now, in decision order (the simulator's log order), also for a
    // request submitted in this operation (its caller hears the outcome from `tx.outcomes` too).
    if (w.fresh) tx.outcomes.set(r.id, { kind: 'rejected', rejection: rej, reported: true });
    this.o.ended.remember(r.id, r.tenant, 'rejected', tx.now);
    this.o.slo?.left(r, 'rejected', tx.now);
    tx.emit('rejected', { requestId: r.id, tenant: r.tenant, rejection: rej });
  }

  /**
   * Place `r` now or reject it (no wait queue): one pass over this request alone. The outcome
   * is in `tx.outcomes` (allocated, or rejected with the reason it could not start).
   */
  placeNow(tx: Tx, r: Request, leaseMs: number | null): Outcome {
    const w: Waiting = {
      request: r,
      enqueuedAt: tx.now / 1000,
      enqueuedAtMs: tx.now,
      seq: 0,
      attempts: 0,
      timeoutAtMs: tx.now,
      leaseMs,
      fresh: true,
      reason: { requestId: r.id, code: 'wait', permanent: false, message: 'no capacity free now' },
      slo: 'open',
    };
    this.transient.add(w);
    this.tx = tx;
    try {
      for (let round = 0; this.transient.has(w) && round < 2; round++) {
        const out = this.single.run(this.o.cluster.state, { now: tx.now / 1000, waiting: [w], sorted: true, freed: true, fresh: [w] });
        if (!out.again) break;
      }
    } finally {
      this.tx = undefined;
      this.transient.delete(w);
    }
    return tx.outcomes.get(r.id) ?? { kind: 'rejected', rejection: w.reason };
  }

  /** Enqueue `r` (unless the queue is full) and run a pass; say what became of it. */
  admit(tx: Tx, r: Request, leaseMs: number | null, timeoutMs: number | undefined): Admission {
    const { queue } = this.o;
    if (queue.length >= queue.maxLength) {
      return { kind: 'rejected', rejection: { requestId: r.id, code: 'queue-full', permanent: false, message: `the wait queue is full (${queue.maxLength} requests)` } };
    }
    const w = queue.add(r, tx.now, leaseMs, timeoutMs, 'open');
    this.drain(tx);
    const out = tx.outcomes.get(r.id);
    if (out !== undefined) return out;
    if (w.timeoutAtMs <= tx.now) {
      // queueTimeoutMs: 0 asks not to wait at all.
      queue.remove(w);
      return { kind: 'rejected', rejection: w.reason };
    }
    return { kind: 'queued', waiting: w };
  }

  /** How many requests wait. */
  get waiting(): number {
    return this.o.queue.length;
  }

  /** The earliest timeout of a waiting request (clock ms), Infinity if none waits. */
  nextTimeoutAt(): number {
    return this.o.queue.nextTimeoutAt();
  }

  /**
   * Requests whose timeout came by `upTo` (strictly before it with `strict`) leave the queue
   * (`timed-out`); with `all`, every request does (a restored queue under a configuration
   * without one). Returns whether any did.
   */
  timeOut(tx: Tx, all = false, upTo = tx.now, strict = false): boolean {
    let any = false;
    for (const w of this.o.queue.takeTimedOut(all ? Infinity : upTo, strict && !all)) {
      this.o.ended.remember(w.request.id, w.request.tenant, 'timed-out', tx.now);
      this.o.slo?.left(w.request, 'timed-out', tx.now);
      tx.emit('timed-out', { requestId: w.request.id, tenant: w.request.tenant, waitedMs: tx.now - w.enqueuedAtMs });
      any = true;
    }
    return any;
  }

  /**
   * Waiting requests left the queue without starting (cancelled, or timed out: `left`): the pass
   * that may follow. It offers every waiting request only where that can start something
   * (`SchedulingPass.leavingOffersAll`); otherwise only requests not yet offered are, usually
   * none, and the queue is not read.
   */
  cancelled(tx: Tx): void {
    this.left(tx);
  }

  /** See `cancelled`: a timeout frees no capacity either (due-work.ts calls this after `timeOut`). */
  left(tx: Tx): void {
    this.drain(tx, !this.settled || this.pass === undefined || this.pass.leavingOffersAll());
  }

  /**
   * Run scheduling passes until the head stops starting. `freed`: capacity was freed or added
   * since the last pass, so requests that could not start before are offered again. `requeued`:
   * entries put back in the queue by this operation, offered as new work.
   */
  drain(tx: Tx, freed = false, requeued: readonly Waiting[] = []): void {
    if (freed) this.freed = true;
    const { queue } = this.o;
    const pass = this.pass;
    if (pass === undefined || this.o.isReady?.() === false) {
      this.settled = false;
      return;
    }
    this.tx = tx;
    try {
      // The engine's rounds (runRounds): another pass while the last started something through
      // reclaim/preemption (`again`), or while work it evicted was requeued (offered as new work).
      const fresh = requeued.length === 0 ? queue.freshEntries() : [...queue.freshEntries(), ...requeued];
      runRounds(() => queue.length, { freed: this.freed, fresh }, (freed, offered) => {
        this.requeued = [];
        const out = this.runPass(pass, tx.now / 1000, freed, offered);
        return { out, requeued: this.requeued.filter((w) => this.o.queue.get(w.request.id) === w) };
      });
      this.requeued = [];
    } finally {
      this.tx = undefined;
      this.preemptedFor.clear();
    }
    queue.markAllSeen();
    if (this.freed || queue.length === 0) this.settled = true;
    this.freed = false;
  }

  /**
   * One pass over the queue. Under a policy with a static key the queue is kept in its order
   * (`WaitQueue.policyOrder`), so the pass needs no sort; work it evicts and requeues is held out
   * of that order until it ends. Otherwise the pass orders the waiting requests itself.
   * `waiting` is read only by a pass that offers more than the new entries (a cancel's usually does not).
   */
  private runPass(pass: SchedulingPass<Waiting>, now: number, freed: boolean, fresh: readonly Waiting[]): PassOutcome {
    const { queue } = this.o;
    const order = queue.policyOrder;
    if (order === undefined) return pass.run(this.o.cluster.state, { now, get waiting() { return queue.entries; }, sorted: false, freed, fresh });
    order.beginPass();
    try {
      return pass.run(this.o.cluster.state, { now, get waiting() { return order.entries; }, sorted: true, get from() { return order.from; }, freed, fresh });
    } finally {
      order.endPass();
    }
  }
}

export function toSchedulerRejection(j: PassRejection | SchedulerRejection): SchedulerRejection {
  return j as SchedulerRejection;
}

function wallClock(): number {
  return performance.now();
}
