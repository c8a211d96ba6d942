import type { ClusterState } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import { StaticOrder } from '../engine/static-order.js';
import type { QueuePolicy, QueuedRequest } from '../queue/policy.js';
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

/** What a slot of `WaitQueue.items` holds once its request left (until the slots are compacted). */
const DEAD = Object.freeze({}) as Waiting;

/**
 * The waiting requests, in arrival order, with an index by id and their timeouts. Ordering them
 * is the queue policy's job (see QueueRunner). Under a policy with a static key, this class also
 * keeps them in that order (`policyOrder`, sorted on insert as the simulator's queue is), so a
 * pass need not sort the whole queue at every operation.
 *
 * A request leaves in O(log n) wherever it is (a cancel, a timeout, a start past a blocked head),
 * not by `indexOf` + `splice`: arrival order is `seq` order (every add takes the next seq), so its
 * slot is found by binary search in `seqs` and marked DEAD; the dead slots are squeezed out when
 * `items` is next read (a pointer test per slot, no more than the splices it replaces) or when
 * they outnumber the waiting. `entries` is then exactly the old spliced array.
 */
export class WaitQueue {
  /** Waiting requests in arrival (= seq) order, and DEAD slots not yet compacted away. */
  private readonly items: Waiting[] = [];
  /** The seq of each slot of `items` (a DEAD slot keeps the seq of the request that left it). */
  private readonly seqs: number[] = [];
  /** DEAD slots in `items`. */
  private dead = 0;
  private readonly byId = new Map<string, Waiting>();
  /** Waiting requests per tenant (kept with `byId`: the service's per-tenant limit reads it on every POST). */
  private readonly perTenant = new TenantCounts();
  /**
   * Every request's timeout, earliest first; entries of requests that left stay until they reach
   * the top, or until they outnumber the waiting requests twice over (then it is rebuilt), so a
   * stream of requests passing a long-blocked head cannot grow it without bound.
   */
  private deadlines = new LeaseHeap();
  private seq = 0;
  /** Requests added since `markAllSeen`, in arrival order (some may have left or been marked not fresh since). */
  private added: Waiting[] = [];
  /** H4 (durable queue): every add/remove as a store change, taken by the runtime at the end of each operation. */
  private journal: StateChange[] = [];
  /**
   * With a policy that has a static key: every waiting request in its order, and requests that
   * left not yet swept out (skipped as not waiting; swept once they outnumber the waiting).
   */
  readonly policyOrder: StaticOrder<Waiting> | undefined;

  constructor(
    /** Timeout of requests that give none, ms. */
    private readonly defaultTimeoutMs: number,
    /** More waiting requests than this are refused (`queue-full`). */
    readonly maxLength: number,
    /** The queue policy: with a `staticKey`, the queue is also kept in its order (`policyOrder`). */
    policy?: Pick<QueuePolicy, 'staticKey' | 'staticTie'>,
  ) {
    const key = policy?.staticKey;
    this.policyOrder = key === undefined ? undefined : new StaticOrder<Waiting>(key, policy?.staticTie, (w) => this.live(w));
  }

  get length(): number {
    return this.byId.size;
  }

  /** In arrival order. */
  get entries(): readonly Waiting[] {
    this.compact();
    return this.items;
  }

  /** Whether `w` is waiting. */
  private live(w: Waiting): boolean {
    return this.byId.get(w.request.id) === w;
  }

  /** The slot of `items` holding seq `seq` (binary search; items.length if none). */
  private slotOf(seq: number): number {
    const seqs = this.seqs;
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((seqs[mid] as number) < seq) lo = mid + 1;
      else hi = mid;
    }
    return seqs[lo] === seq ? lo : seqs.length;
  }

  /** Drop the DEAD slots from `items`, in place (what a reader holds sees the queue as it is). */
  private compact(): void {
    if (this.dead === 0) return;
    const { items, seqs } = this;
    let k = 0;
    for (let i = 0; i < items.length; i++) {
      const w = items[i] as Waiting;
      if (w === DEAD) continue;
      items[k] = w;
      seqs[k++] = seqs[i] as number;
    }
    items.length = k;
    seqs.length = k;
    this.dead = 0;
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

  /** Position in arrival order (what `status()` reports), -1 if `w` is not waiting. */
  position(w: Waiting): number {
    if (!this.live(w)) return -1;
    this.compact();
    const i = this.slotOf(w.seq);
    return this.items[i] === w ? i : -1;
  }

  requests(): Request[] {
    return this.entries.map((w) => w.request);
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
    if (this.deadlines.size > 2 * this.length + 64) this.rebuildDeadlines();
    this.items.push(w);
    this.seqs.push(w.seq);
    this.added.push(w);
    this.byId.set(r.id, w);
    this.perTenant.add(r.tenant);
    this.deadlines.push(w.timeoutAtMs, r.id);
    this.policyOrder?.add(w);
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

  /** `w` leaves the queue (nothing if it is not waiting). O(1) amortised: see the class comment. */
  remove(w: Waiting): void {
    if (this.live(w)) {
      const i = this.slotOf(w.seq);
      if (this.items[i] !== w) throw new Error(`WaitQueue: ${w.request.id} (seq ${w.seq}) is not in its slot`);
      this.items[i] = DEAD;
      this.byId.delete(w.request.id);
      this.perTenant.remove(w.request.tenant);
      this.journal.push({ kind: 'delete-waiting', id: w.request.id });
      this.dead++;
      // The dead never outnumber the waiting for long: `items` stays within twice the queue.
      if (this.dead > this.byId.size + 64) this.compact();
      // Nor in `policyOrder` (a new array: a pass running over the old one is not disturbed).
      const order = this.policyOrder;
      if (order !== undefined && order.length > 2 * this.byId.size + 64) order.compact();
    }
  }

  // ---- H4: persistence of the queue (store journal and restore) ----
  /** The store changes recorded since the last call. */
  takeJournal(): StateChange[] {
    const out = this.journal;
    this.journal = [];
    return out;
  }

  /** Put back the requests a store kept, in their old order, with their ids, places and timeouts (into an empty queue). */
  restore(stored: readonly StoredWaiting[]): void {
    if (this.items.length > 0) throw new Error('WaitQueue.restore: the queue is not empty');
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
      this.seqs.push(w.seq);
      this.byId.set(s.id, w);
      this.perTenant.add(s.request.tenant);
      this.deadlines.push(w.timeoutAtMs, s.id);
      // The policy's order rebuilt by its keys and the stored seqs: what the sort gave before the restart.
      this.policyOrder?.add(w);
      this.seq = Math.max(this.seq, s.seq + 1);
    }
  }
  // ---- end H4 ----

  /** The heap of deadlines again from the waiting requests alone (the new request's is pushed after). */
  private rebuildDeadlines(): void {
    this.deadlines = new LeaseHeap();
    for (const w of this.entries) this.deadlines.push(w.timeoutAtMs, w.request.id);
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

  /**
   * Remove and return, in arrival order, the requests whose timeout has passed at `nowMs` (strictly
   * before it with `strict`): taken from the deadline heap, so k of them cost O(k log n), not a scan.
   */
  takeTimedOut(nowMs: number, strict = false): Waiting[] {
    const due = new Set<Waiting>();
    for (;;) {
      const top = this.deadlines.peek();
      if (top === undefined || top.at > nowMs || (strict && top.at === nowMs)) break;
      this.deadlines.pop();
      // A stale entry (the request left) is dropped; a live one's request is due.
      const w = this.byId.get(top.id);
      if (w !== undefined && w.timeoutAtMs === top.at) due.add(w);
    }
    const out = [...due].sort((a, b) => a.seq - b.seq);
    for (const w of out) this.remove(w);
    return out;
  }

  /**
   * The waiting requests still `fresh`, in arrival order: `entries.filter((w) => w.fresh)`, read
   * from the requests added since `markAllSeen` (only `add` makes a fresh one), not the whole queue.
   */
  freshEntries(): Waiting[] {
    return this.added.filter((w) => w.fresh && this.live(w));
  }

  /** Requests added since `markAllSeen` still held for `freshEntries` (tests: at most one operation's adds). */
  get addedSinceSeen(): number {
    return this.added.length;
  }

  /** Mark every waiting request as no longer fresh (at the end of an operation's queue pass): only those added since the last call can be. */
  markAllSeen(): void {
    for (const w of this.added) w.fresh = false;
    this.added = [];
  }

  checkInvariants(state: ClusterState, fail: (msg: string) => never): void {
    const live = this.items.filter((w) => w !== DEAD);
    if (this.byId.size !== live.length || !live.every((w) => this.live(w))) fail('queue index out of step');
    if (this.items.length - live.length !== this.dead) fail(`queue counts ${this.dead} dead slots, holds ${this.items.length - live.length}`);
    if (this.seqs.length !== this.items.length) fail('queue seqs out of step');
    this.items.forEach((w, i) => {
      if (w !== DEAD && w.seq !== this.seqs[i]) fail(`queue slot ${i} holds seq ${w.seq}, recorded ${this.seqs[i]}`);
      if (i > 0 && (this.seqs[i] as number) <= (this.seqs[i - 1] as number)) fail('queue not in arrival (seq) order');
    });
    this.perTenant.check(live.map((w) => w.request.tenant), 'queued requests', fail);
    const order = this.policyOrder;
    if (order !== undefined) {
      const inOrder = order.entries.filter((w) => this.live(w));
      if (inOrder.length !== live.length || new Set(inOrder).size !== live.length) fail(`the policy order holds ${inOrder.length} waiting requests, the queue ${live.length}`);
      if (!order.isSorted()) fail('the policy order is out of order');
    }
    for (const w of live) if (state.allocation(w.request.id) !== undefined) fail(`queued ${w.request.id} is also allocated`);
  }
}
