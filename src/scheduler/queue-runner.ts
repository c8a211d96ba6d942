import type { Allocator } from '../algorithms/allocator.js';
import type { Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { AllocationBook } from './allocations.js';
import { toSchedulerRejection, type Placer } from './placement.js';
import type { ClusterRef } from './pools.js';
import type { FairShare } from './quota.js';
import type { RecentlyEnded } from './recent.js';
import type { Outcome, Tx } from './runtime.js';
import type { PreemptionRecord, SchedulerRejection } from './types.js';
import type { WaitQueue, Waiting } from './wait-queue.js';

export interface QueueRunnerOptions {
  readonly policy: QueuePolicy | undefined;
  readonly queue: WaitQueue;
  readonly placer: Placer;
  readonly book: AllocationBook;
  readonly fair: FairShare | undefined;
  readonly cluster: ClusterRef;
  readonly space: ResourceSpace;
  readonly ended: RecentlyEnded;
}

/** What became of a request submitted to the queue, by the end of its operation. */
export type Admission = Outcome | { readonly kind: 'queued'; readonly waiting: Waiting };

/**
 * The wait queue at work within an operation: admitting a request, timing out those that waited
 * too long, and scheduling passes.
 *
 * A pass runs as the simulator runs one: the queue policy orders the waiting requests; without
 * head-of-line blocking every waiting request is offered (only the new ones if nothing was freed
 * since the last pass); with blocking, requests are offered from the head in chunks until one
 * must wait, then the policy's backfilling may start others. Quotas: a request over its
 * tenant's maximum is skipped (it does not hold the head). Then, with quotas, requests still
 * waiting (only the head when blocking) may reclaim borrowed capacity or preempt (see
 * `Placer.escalate`); if that starts the head, the pass repeats.
 *
 * Requests decided in the operation that submitted them ("fresh") are reported through
 * `tx.outcomes`; the others through events.
 */
export class QueueRunner {
  /** Capacity was freed since the last pass (so requests seen before may fit now). */
  private freed = false;
  private readonly o: QueueRunnerOptions;

  constructor(o: QueueRunnerOptions) {
    this.o = o;
  }

  /** Enqueue `r` (unless the queue is full) and run a pass; say what became of it. */
  admit(tx: Tx, r: Request, leaseMs: number | null, timeoutMs: number | undefined): Admission {
    const { queue } = this.o;
    if (queue.length >= queue.maxLength) {
      return { kind: 'rejected', rejection: { requestId: r.id, code: 'queue-full', permanent: false, message: `the wait queue is full (${queue.maxLength} requests)` } };
    }
    const w = queue.add(r, tx.now, leaseMs, timeoutMs);
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

  /** Requests past their timeout leave the queue (`timed-out`). Returns whether any did. */
  timeOut(tx: Tx): boolean {
    let any = false;
    for (const w of this.o.queue.takeTimedOut(tx.now)) {
      this.o.ended.remember(w.request.id, w.request.tenant, 'timed-out', tx.now);
      tx.emit('timed-out', { requestId: w.request.id, tenant: w.request.tenant, waitedMs: tx.now - w.enqueuedAtMs });
      any = true;
    }
    return any;
  }

  /**
   * Run scheduling passes until the head stops starting. `freed`: capacity was freed or added
   * since the last pass, so requests that could not start before are offered again.
   */
  drain(tx: Tx, freed = false): void {
    if (freed) this.freed = true;
    const { policy, queue } = this.o;
    if (policy === undefined) return;
    for (let round = 0; round <= queue.length && queue.length > 0; round++) {
      const headStarted = this.pass(tx, policy);
      if (!headStarted) break;
    }
    queue.markAllSeen();
    this.freed = false;
  }

  private pass(tx: Tx, policy: QueuePolicy): boolean {
    const { queue, placer, fair } = this.o;
    const nowSec = tx.now / 1000;
    let ordered = policy.order(queue.entries, nowSec, this.o.cluster.state) as Waiting[];
    const head = queue.committedHead;
    if (head !== undefined && ordered[0] !== head) ordered = [head, ...ordered.filter((w) => w !== head)];
    // Quota screen: cumulative per tenant in queue order.
    const extra = new Map<string, Float64Array>();
    const eligible: Waiting[] = [];
    for (const w of ordered) {
      if (fair !== undefined) {
        const t = w.request.tenant;
        const ex = extra.get(t) ?? new Float64Array(this.o.space.size);
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
    const batchAllocator = placer.batchAllocator;
    const waiting = (w: Waiting): boolean => queue.has(w.request.id);
    let stillWaiting: Waiting[];
    if (!policy.blocking) {
      const cand = this.freed ? eligible : eligible.filter((w) => w.fresh);
      this.offer(tx, batchAllocator, cand, false);
      stillWaiting = eligible.filter(waiting);
    } else {
      const CHUNK = 64;
      let i = 0;
      let blocked = false;
      while (i < eligible.length && !blocked) {
        const chunk = eligible.slice(i, i + CHUNK).filter(waiting);
        i += CHUNK;
        blocked = this.offer(tx, batchAllocator, chunk, true);
      }
      stillWaiting = eligible.filter(waiting);
      const first = stillWaiting[0];
      if (blocked && first !== undefined) {
        if (policy.headOfLine === 'commit') queue.committedHead = first;
        if (policy.backfill !== undefined && stillWaiting.length > 1) {
          const picked = policy.backfill.select(stillWaiting, this.o.cluster.state, nowSec) as Waiting[];
          this.offer(
            tx,
            batchAllocator,
            picked.filter((w) => w !== first && waiting(w)),
            false,
          );
        }
      }
      stillWaiting = stillWaiting.filter(waiting);
      if (stillWaiting.length > 0) stillWaiting = [stillWaiting[0] as Waiting];
    }
    if (fair === undefined) return false;
    // Quota owners under their guarantee may reclaim; priority preemption after that.
    let headStarted = false;
    for (const w of stillWaiting) {
      if (!waiting(w)) continue;
      const quota = fair.checkMax(w.request);
      if (quota !== undefined) continue;
      const att = placer.escalate(tx, w.request, w.leaseMs, !fromQueue(w), false, w.reason);
      if (att.placed !== undefined) {
        queue.remove(w);
        if (!fromQueue(w)) tx.outcomes.set(w.request.id, { kind: 'allocated', allocation: this.o.book.info(att.placed), preempted: att.preempted });
        if (policy.blocking) headStarted = true;
      }
    }
    return headStarted;
  }

  /** Offer `batch` (policy order) to `allocator`; returns true when some request must wait. */
  private offer(tx: Tx, allocator: Allocator, batch: readonly Waiting[], blocking: boolean): boolean {
    if (batch.length === 0) return false;
    const { queue, book } = this.o;
    const byId = new Map<string, Waiting>();
    for (const w of batch) byId.set(w.request.id, w);
    const res = this.o.placer.decide(
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
      const record = book.evicted(tx, e.allocation, forReq, 'priority', e.preemption.reason);
      const pre = preemptedFor.get(forReq.id) ?? [];
      pre.push(record);
      preemptedFor.set(forReq.id, pre);
    }
    for (const a of res.started) {
      const w = byId.get(a.request.id) as Waiting;
      queue.remove(w);
      const isFromQueue = fromQueue(w);
      book.start(tx, a, w.leaseMs, isFromQueue);
      if (!isFromQueue) tx.outcomes.set(a.id, { kind: 'allocated', allocation: book.info(a), preempted: preemptedFor.get(a.id) ?? [] });
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
    this.o.queue.remove(w);
    const r = w.request;
    if (!fromQueue(w)) tx.outcomes.set(r.id, { kind: 'rejected', rejection: rej });
    else {
      this.o.ended.remember(r.id, r.tenant, 'rejected', tx.now);
      tx.emit('rejected', { requestId: r.id, tenant: r.tenant, rejection: rej });
    }
  }
}

/** A request offered in the operation that enqueued it is "fresh"; its caller hears the outcome directly. */
function fromQueue(w: Waiting): boolean {
  return !w.fresh;
}
