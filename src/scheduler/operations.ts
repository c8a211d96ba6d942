import type { Request } from '../core/model.js';
import { eligiblePools } from '../core/eligibility.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { AllocationBook } from './allocations.js';
import type { BuiltRequest } from './inputs.js';
import { preemptionRefusal, toSchedulerRejection, type Placer } from './placement.js';
import type { Pools } from './pools.js';
import type { QueueRunner } from './queue-runner.js';
import type { RecentlyEnded } from './recent.js';
import type { Tx } from './runtime.js';
import type { Autoscaler } from './scaling.js';
import type { SloBook } from './slo.js';
import type { AllocateResult, AllocationInfo, PreemptionRecord, ReleaseResult, SchedulerRejection } from './types.js';
import type { WaitQueue } from './wait-queue.js';

export interface RequestOperationsParts {
  readonly pools: Pools;
  readonly book: AllocationBook;
  readonly queue: WaitQueue;
  readonly ended: RecentlyEnded;
  readonly placer: Placer;
  readonly queueRunner: QueueRunner;
  /** Undefined: no wait queue (a request that cannot be placed now is rejected at once). */
  readonly queuePolicy: QueuePolicy | undefined;
  readonly autoscaler: Autoscaler | undefined;
  /** Waits and SLO outcomes: told of each request submitted, started here, or refused. */
  readonly slo: SloBook;
}

/**
 * The bodies of the request-changing operations (allocate, release, preempt), each run inside the
 * transaction `ResourceScheduler` opens for it: admission to the cluster or the wait queue, and the
 * structured rejection (remembered as ended, emitted as `rejected`).
 */
export class RequestOperations {
  constructor(private readonly p: RequestOperationsParts) {}

  allocate(tx: Tx, built: BuiltRequest): AllocateResult {
    const { pools, queue, queueRunner } = this.p;
    const r = built.request;
    this.p.autoscaler?.noteArrival();
    if (pools.state.allocation(r.id) !== undefined || queue.has(r.id)) {
      return this.reportRejection(tx, r, { requestId: r.id, code: 'duplicate', permanent: true, message: `id '${r.id}' is already ${queue.has(r.id) ? 'queued' : 'allocated'}` });
    }
    this.p.slo.submitted(r);
    if (this.p.queuePolicy === undefined) {
      const out = queueRunner.placeNow(tx, r, built.leaseMs);
      if (out.kind === 'allocated') return this.started(out.allocation, out.preempted);
      this.noteTurnedAway(r, out.rejection);
      return out.reported === true ? rejected(r, out.rejection) : this.reportRejection(tx, r, out.rejection);
    }
    // As in the simulator: a request no pool can ever host is rejected before it queues, and
    // the queue is passed again (its dependents are rejected at once).
    const elig = eligiblePools(pools.state, r);
    if ('rejection' in elig) {
      const res = this.reportRejection(tx, r, toSchedulerRejection(elig.rejection));
      queueRunner.drain(tx, true);
      return res;
    }
    const out = queueRunner.admit(tx, r, built.leaseMs, built.queueTimeoutMs);
    if (out.kind === 'allocated') return this.started(out.allocation, out.preempted);
    if (out.kind === 'rejected') {
      this.noteTurnedAway(r, out.rejection);
      return out.reported === true ? rejected(r, out.rejection) : this.reportRejection(tx, r, out.rejection);
    }
    const { reason, timeoutAtMs } = out.waiting;
    tx.emit('queued', { requestId: r.id, tenant: r.tenant, reason, timeoutAtMs });
    return { status: 'queued', requestId: r.id, tenant: r.tenant, reason, timeoutAtMs };
  }

  /**
   * A request refused because nothing was free now (`wait`: no queue or a zero timeout;
   * `queue-full`) is demand the scaling policy must see; a quota or a permanent refusal is not.
   */
  private noteTurnedAway(r: Request, rej: SchedulerRejection): void {
    if (!rej.permanent && (rej.code === 'wait' || rej.code === 'queue-full')) this.p.autoscaler?.noteTurnedAway(r);
  }

  release(tx: Tx, id: string): ReleaseResult {
    const { pools, book, queue, queueRunner } = this.p;
    const a = pools.state.allocation(id);
    if (a !== undefined) {
      const info = book.end(tx, a, 'released');
      tx.emit('released', { allocation: info });
      queueRunner.drain(tx, true);
      return { status: 'released', allocation: info };
    }
    const w = queue.get(id);
    if (w !== undefined) {
      queue.remove(w);
      this.p.ended.remember(id, w.request.tenant, 'cancelled', tx.now);
      this.p.slo.left(w.request, 'cancelled', tx.now);
      tx.emit('cancelled', { requestId: id, tenant: w.request.tenant, waitedMs: tx.now - w.enqueuedAtMs });
      queueRunner.cancelled(tx);
      return { status: 'cancelled', requestId: id, tenant: w.request.tenant };
    }
    return { status: 'not-found', id };
  }

  preempt(tx: Tx, targetId: string, built: BuiltRequest): AllocateResult {
    const { pools, queue } = this.p;
    const r = built.request;
    const target = pools.state.allocation(targetId);
    const no = (code: 'not-found' | 'not-preemptible' | 'duplicate', message: string): AllocateResult => this.reportRejection(tx, r, { requestId: r.id, code, permanent: true, message });
    if (target === undefined) return no('not-found', `no allocation '${targetId}'`);
    if (pools.state.allocation(r.id) !== undefined || queue.has(r.id)) return no('duplicate', `id '${r.id}' is already in use`);
    const refusal = preemptionRefusal(r, target);
    if (refusal !== undefined) return no('not-preemptible', refusal);
    // Misuse (no such target, an id in use, a target it may not evict) is the caller's error; from here it is a request like any other.
    this.p.slo.submitted(r);
    const att = this.p.placer.replace(tx, target, r, built.leaseMs);
    if (att.placed === undefined) return this.reportRejection(tx, r, att.rejection);
    this.p.slo.started(r, tx.now);
    this.p.queueRunner.drain(tx, true);
    return this.started(this.p.book.info(att.placed), att.preempted);
  }

  /** A request that started in this call: `allocated` if it still holds its capacity after the call's queue passes, else `preempted`. */
  private started(allocation: AllocationInfo, preempted: readonly PreemptionRecord[]): AllocateResult {
    return this.p.pools.state.allocation(allocation.id) !== undefined ? { status: 'allocated', allocation, preempted } : { status: 'preempted', allocation, preempted };
  }

  private reportRejection(tx: Tx, r: Request, rejection: SchedulerRejection): AllocateResult {
    // A duplicate id names someone else's live or queued request: its status stays theirs.
    if (rejection.code !== 'duplicate') {
      this.p.ended.remember(r.id, r.tenant, 'rejected', tx.now);
      this.p.slo.left(r, 'rejected', tx.now);
    }
    tx.emit('rejected', { requestId: r.id, tenant: r.tenant, rejection });
    return rejected(r, rejection);
  }
}

function rejected(r: Request, rejection: SchedulerRejection): AllocateResult {
  return { status: 'rejected', requestId: r.id, tenant: r.tenant, rejection };
}
