import type { ClusterState } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import type { QueuedRequest } from '../queue/policy.js';
import { LeaseHeap } from './lease-heap.js';
import { TenantCounts } from './tenant-counts.js';
import type { StateChange, StoredWaiting, WaitingSlo } from './store.js';
import type { SchedulerRejection } from './types.js';

/** A queued request with what the scheduler keeps about it. */
export interface Waiting extends QueuedRequest {
  readonly enqueuedAtMs: number;
  readonly timeoutAtMs: number;
  readonly leaseMs: number | null;
  /** Submitted in the current operation (its caller hears the outcome directly, not by event). */
  fresh: boolean;
  /** Why it is still waiting (reported when it is queued or rejected). */
  reason: SchedulerRejection;
  /** What the SLO figures still owe it (stored with it; null: restored from a store that did not keep it). */
  slo: WaitingSlo | null;
}

/**
 * The waiting requests, in arrival order, with an index by id and their timeouts. Ordering them
 * is the queue policy's job (see QueueRunner); this class only holds them.
 */
export class WaitQueue {
  private readonly items: Waiting[] = [];
  private readonly byId = new Map<string, Waiting>();
  /** Waiting requests per tenant (kept with `byId`: the service's per-tenant limit reads it on every POST). */
  private readonly perTenant = new TenantCounts();
  /**
   * Every request's timeout, earliest first; entries of requests that left stay until they reach
   * the top, or until they outnumber the waiting requests twice over (then it is rebuilt), so a
   * stream of requests passing a long-blocked head cannot grow it without bound.
   */
  private deadlines = new LeaseHeap();
  /** With a `commit` head-of-line policy: the head chosen when it first blocked, until it starts. */
  committedHead: Waiting | undefined;
  private seq = 0;
  /** H4 (durable queue): every add/remove as a store change, taken by the runtime at the end of each operation. */
  private journal: StateChange[] = [];

  constructor(
    /** Timeout of requests that give none, ms. */
    private readonly defaultTimeoutMs: number,
    /** More waiting requests than this are refused (`queue-full`). */
    readonly maxLength: number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** In arrival order. */
  get entries(): readonly Waiting[] {
    return this.items;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Waiting | undefined {
    return this.byId.get(id);
  }

  /** Waiting requests of `tenant` (O(1)). */
  countOf(tenant: string): number {
    return this.perTenant.of(tenant);
  }

  /** Position in arrival order (what `status()` reports). */
  position(w: Waiting): number {
    return this.items.indexOf(w);
  }

  requests(): Request[] {
    return this.items.map((w) => w.request);
  }

  /** `slo`: `open` for a request submitted now, `requeued` for work put back after it started. */
  add(r: Request, nowMs: number, leaseMs: number | null, timeoutMs: number | undefined, slo: WaitingSlo = 'open'): Waiting {
    const w: Waiting = {
      request: r,
      enqueuedAt: nowMs / 1000,
      enqueuedAtMs: nowMs,
      seq: this.seq++,
      attempts: 0,
      timeoutAtMs: nowMs + (timeoutMs ?? this.defaultTimeoutMs),
      leaseMs,
      fresh: true,
      reason: { requestId: r.id, code: 'wait', permanent: false, message: 'waiting for its turn' },
      slo,
    };
    if (this.deadlines.size > 2 * this.items.length + 64) this.rebuildDeadlines();
    this.items.push(w);
    this.byId.set(r.id, w);
    this.perTenant.add(r.tenant);
    this.deadlines.push(w.timeoutAtMs, r.id);
    this.journalPut(w);
    return w;
  }

  /** The waiting request `id` was counted as having missed its SLO: its row says so (nothing if it is not queued). */
  sloMissed(id: string): void {
    const w = this.byId.get(id);
    if (w === undefined || w.slo === 'missed') return;
    w.slo = 'missed';
    this.journalPut(w);
  }

  private journalPut(w: Waiting): void {
    const r = w.request;
    this.journal.push({ kind: 'put-waiting', waiting: { id: r.id, request: r, seq: w.seq, enqueuedAtMs: w.enqueuedAtMs, timeoutAtMs: w.timeoutAtMs, leaseMs: w.leaseMs, slo: w.slo } });
  }

  remove(w: Waiting): void {
    const i = this.items.indexOf(w);
    if (i >= 0) this.items.splice(i, 1);
    if (this.byId.delete(w.request.id)) {
      this.perTenant.remove(w.request.tenant);
      this.journal.push({ kind: 'delete-waiting', id: w.request.id });
    }
    if (this.committedHead === w) this.committedHead = undefined;
  }

  // ---- H4: persistence of the queue (store journal and restore) ----
  /** The store changes recorded since the last call. */
  takeJournal(): StateChange[] {
    const out = this.journal;
    this.journal = [];
    return out;
  }

  /** Put back the requests a store kept, in their old order, with their ids, places and timeouts. */
  restore(stored: readonly StoredWaiting[]): void {
    for (const s of [...stored].sort((a, b) => a.seq - b.seq)) {
      const w: Waiting = {
        request: s.request,
        enqueuedAt: s.enqueuedAtMs / 1000,
        enqueuedAtMs: s.enqueuedAtMs,
        seq: s.seq,
        attempts: 0,
        timeoutAtMs: s.timeoutAtMs,
        leaseMs: s.leaseMs,
        fresh: false,
        reason: { requestId: s.id, code: 'wait', permanent: false, message: 'waiting (restored after a restart)' },
        slo: s.slo,
      };
      this.items.push(w);
      this.byId.set(s.id, w);
      this.perTenant.add(s.request.tenant);
      this.deadlines.push(w.timeoutAtMs, s.id);
      this.seq = Math.max(this.seq, s.seq + 1);
    }
  }
  // ---- end H4 ----

  /** The heap of deadlines again from the waiting requests alone (the new request's is pushed after). */
  private rebuildDeadlines(): void {
    this.deadlines = new LeaseHeap();
    for (const w of this.items) this.deadlines.push(w.timeoutAtMs, w.request.id);
  }

  /** Entries in the deadline heap, stale ones included (tests). */
  get deadlineEntries(): number {
    return this.deadlines.size;
  }

  /** The earliest timeout among the waiting requests (clock ms), Infinity if none waits. */
  nextTimeoutAt(): number {
    for (;;) {
      const top = this.deadlines.peek();
      if (top === undefined) return Infinity;
      // Stale: the request left the queue (an id queued again has an entry of its own).
      if (this.byId.get(top.id)?.timeoutAtMs === top.at) return top.at;
      this.deadlines.pop();
    }
  }

  /** Remove and return, in arrival order, the requests whose timeout has passed at `nowMs` (strictly before it with `strict`). */
  takeTimedOut(nowMs: number, strict = false): Waiting[] {
    const out: Waiting[] = [];
    for (const w of [...this.items]) {
      if (w.timeoutAtMs > nowMs || (strict && w.timeoutAtMs === nowMs)) continue;
      this.remove(w);
      out.push(w);
    }
    return out;
  }

  /** Mark every waiting request as no longer fresh (at the end of an operation's queue pass). */
  markAllSeen(): void {
    for (const w of this.items) w.fresh = false;
  }

  checkInvariants(state: ClusterState, fail: (msg: string) => never): void {
    if (this.byId.size !== this.items.length) fail('queue index out of step');
    this.perTenant.check(this.items.map((w) => w.request.tenant), 'queued requests', fail);
    for (const w of this.items) if (state.allocation(w.request.id) !== undefined) fail(`queued ${w.request.id} is also allocated`);
  }
}
