import { UserError } from '../core/errors.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { AllocationBook } from './allocations.js';
import { catchUp, type DueWork } from './due-work.js';
import type { Pools } from './pools.js';
import type { StrategyPreparation } from './preparation.js';
import type { QueueRunner } from './queue-runner.js';
import type { Runtime, Tx } from './runtime.js';
import type { Autoscaler } from './scaling.js';
import type { SloBook } from './slo.js';
import type { AllocationInfo, ScaleEvent } from './types.js';
import type { WaitQueue } from './wait-queue.js';

export interface BackgroundParts {
  readonly runtime: Runtime;
  readonly pools: Pools;
  readonly book: AllocationBook;
  readonly queue: WaitQueue;
  readonly queueRunner: QueueRunner;
  readonly preparation: StrategyPreparation;
  readonly slo: SloBook;
  readonly queuePolicy: QueuePolicy | undefined;
  readonly autoscaler: Autoscaler | undefined;
}

/**
 * The scheduler's time-driven work (`ResourceScheduler.tick`, `scale` and the catch-up every
 * operation does first): what falls due with time (boots, lease ends, queue timeouts: `catchUp`,
 * ./due-work.ts), a restored queue's first offer, SLO deadlines, the scaling policy's steps, the
 * timers that run them, and lease ends as of a given time (`expireBy`).
 */
export class Background {
  private readonly due: DueWork;
  /** A restored queue not yet offered the capacity it found (see `tick`). */
  private restoredToOffer: boolean;

  constructor(private readonly p: BackgroundParts) {
    this.due = { pools: p.pools, book: p.book, queueRunner: p.queueRunner };
    this.restoredToOffer = p.queuePolicy !== undefined && p.queue.length > 0;
  }

  /**
   * H4: a restored queue is offered what is free at the first tick once the strategy is ready;
   * without a queue now (`queue: false`), its requests end `timed-out` at once, each with its
   * event. Returns how many did.
   */
  settleRestoredQueue(): number {
    const { queue, queuePolicy, runtime, queueRunner } = this.p;
    if (queuePolicy !== undefined || queue.length === 0) return 0;
    const n = queue.length;
    runtime.run((tx) => queueRunner.timeOut(tx, true));
    return n;
  }

  /**
   * The timers (unless `timers: false`): `tick` every `tickIntervalMs`; with a scaling policy,
   * `scale` once at start (the simulator's first scaling tick is at t = 0), then every interval.
   */
  startTimers(tickIntervalMs: number, tick: () => void, scale: () => void): void {
    const { runtime, autoscaler } = this.p;
    runtime.every(tickIntervalMs, tick);
    if (autoscaler !== undefined) runtime.every(Math.max(1, autoscaler.policy.intervalSeconds * 1000), scale, true);
  }

  /** Whether a restored queue still waits for its first offer (create() ticks at once then). */
  get pendingRestoredOffer(): boolean {
    return this.restoredToOffer;
  }

  /** What fell due strictly before now, done first in every operation (see ResourceScheduler.operation). */
  catchUpOverdue(tx: Tx): void {
    catchUp(tx, true, this.due);
  }

  /**
   * Before every read of the scheduler's state: what fell due strictly before now, done as an
   * operation does it first (in a transaction of its own, committed, with its events), if anything
   * did. Else a scheduler restarted after downtime showed leases that ran out meanwhile as held
   * until its first tick (never, with timers off), and so did a running one between two ticks: the
   * service's per-tenant limit, read before the write, refused a POST for capacity the tenant no
   * longer held. A stopped (closed or broken) scheduler answers from its books as they are, and so
   * does a read inside an operation (an observer told of a start mid-pass): a catch-up there would
   * run a queue pass nested in the operation's and commit its half-made changes with its own.
   */
  current(): void {
    const { runtime, pools, book, queueRunner, slo, queue } = this.p;
    if (!runtime.healthy || runtime.inOperation) return;
    // A renewed or ended lease's old deadline counts too, once: the catch-up drops it (and
    // `settle` the SLO deadline of a request that started or left).
    if (Math.min(pools.nextReadyAt(), book.nextExpiryAt(), queueRunner.nextTimeoutAt(), slo.nextDeadlineAt()) < runtime.now()) {
      runtime.run((tx) => {
        catchUp(tx, true, this.due);
        // What fell due is done: a request still waiting past its SLO can only miss it (as `tick`).
        for (const id of slo.settle(tx.now)) queue.sloMissed(id);
      });
    }
  }

  /** ResourceScheduler.tick: what fell due by now, a restored queue's first offer, then SLO deadlines that passed. */
  tick(): void {
    const { runtime, preparation, queueRunner, slo, queue } = this.p;
    runtime.run((tx) => {
      catchUp(tx, false, this.due);
      if (this.restoredToOffer && preparation.prepared) {
        this.restoredToOffer = false;
        queueRunner.drain(tx, true);
      }
      // What fell due is done: a request still waiting past its SLO can only miss it (its queue row says so).
      for (const id of slo.settle(tx.now)) queue.sloMissed(id);
    });
  }

  /** ResourceScheduler.scale: what fell due, then the policy's plan (decided outside a transaction), applied. */
  scale(): ScaleEvent[] {
    const { runtime, pools, queue, queueRunner, autoscaler } = this.p;
    if (autoscaler === undefined) return [];
    // What fell due by now first, as tick() would (and the simulator, whose pass at a boot's end
    // runs before a scaling tick at the same instant): the policy sees a node whose boot ended as
    // up, with the work it took running, not as booting beside that work still queued.
    runtime.run((tx) => catchUp(tx, false, this.due));
    const steps = autoscaler.plan(pools.state, queue.requests(), runtime.now());
    return runtime.run((tx) => {
      const out = pools.applyScaleSteps(tx, steps);
      if (out.length > 0) queueRunner.drain(tx, true);
      return out;
    });
  }

  /**
   * ResourceScheduler.expireAllocations (and, with `early`, expireEarly): release every allocation
   * whose lease has expired by `asOf` (default now; ms), then offer the queue what that freed.
   */
  expireBy(asOf: number | undefined, early: boolean): AllocationInfo[] {
    const { runtime, book, queueRunner } = this.p;
    runtime.assertUsable();
    if (asOf !== undefined && !(typeof asOf === 'number' && Number.isFinite(asOf))) throw new UserError(`asOf must be a time in milliseconds, got ${String(asOf)}`, { field: 'asOf' });
    const now = runtime.now();
    if (!early && asOf !== undefined && asOf > now) throw new UserError(`asOf ${asOf} is later than now (${now}): a lease that runs out after now has not expired (release or renew it instead)`, { field: 'asOf' });
    return runtime.run((tx) => {
      const out = book.expire(tx, asOf ?? tx.now);
      if (out.length > 0) queueRunner.drain(tx, true);
      return out;
    });
  }
}
