import type { NodeStatus } from '../core/cluster.js';
import type { PoolSpec, Request } from '../core/model.js';
import { UserError } from '../core/errors.js';
import type { Priority } from '../core/priority.js';
import type { EndedHow, PreemptionRecord, SchedulerEvents } from './types.js';

/**
 * Persistence for `ResourceScheduler`. The scheduler turns every operation into one list of
 * changes and hands it to `commit`, which must apply it atomically and durably before it
 * returns: an allocation the caller has been told about is on disk (SqliteStore) or in the
 * store object (MemoryStore). On start the scheduler `load`s the last committed state and
 * rebuilds the cluster from it.
 *
 * Node ids are dense (0..n-1) and never reused, so restoring nodes in id order gives every node
 * its old id back; allocations refer to nodes by id.
 */

export interface StoredPool {
  /** Position in the pool list (pools keep the order they were added in). */
  readonly index: number;
  readonly spec: PoolSpec;
  readonly primary: string;
}

export interface StoredNode {
  readonly id: number;
  readonly pool: number;
  readonly status: NodeStatus;
  /** For booting nodes: when they accept work (clock ms). */
  readonly readyAtMs: number | null;
  /** When it was provisioned (clock ms; billing starts). Null in stores written before it was kept. */
  readonly provisionedAtMs: number | null;
  /** When it was removed (clock ms; billing stops); null while it is not removed, and in older stores. */
  readonly removedAtMs: number | null;
}

export interface StoredAllocation {
  readonly id: string;
  readonly request: Request;
  readonly nodeId: number;
  readonly startMs: number;
  readonly leaseExpiryMs: number | null;
  readonly borrowed: boolean;
  /**
   * The GPU devices it holds on a node with devices (indexes on the node): restored as they were,
   * not chosen again (the default choice on a cluster without the allocations that ended since
   * could pick other devices than the ones the work runs on). Absent elsewhere, and in stores
   * written before devices were kept (then chosen again).
   */
  readonly devices?: readonly number[];
  /**
   * The place of its current lease among leases ending at the same instant: leases are numbered
   * as they are set (granted or renewed), across restarts, and equal deadlines expire in that
   * order (LeaseHeap). Absent without a lease, and in stores written before it was kept (those
   * are restored first, in the store's order).
   */
  readonly leaseSeq?: number;
}

/**
 * What the SLO figures (slo.ts) still owe a queued request, kept with it so a restart counts it
 * as the process that queued it would have:
 * - `open`: its first start is to come (its wait is observed then) and its SLO outcome, if it has
 *   an SLO, is not counted yet;
 * - `missed`: its first start is to come, and it was already counted missed (it waited past its SLO);
 * - `requeued`: it started before (evicted and requeued): nothing is counted again.
 */
export type WaitingSlo = 'open' | 'missed' | 'requeued';
export const WAITING_SLO: readonly WaitingSlo[] = ['open', 'missed', 'requeued'];

/** A request in the wait queue: restored with its place (`seq`), its timeout and its id. */
export interface StoredWaiting {
  readonly id: string;
  /** As submitted: its `arrival` is the original submission, what its wait is measured from after a restart. */
  readonly request: Request;
  /** Arrival order among waiting requests (the queue's sequence number). */
  readonly seq: number;
  readonly enqueuedAtMs: number;
  readonly timeoutAtMs: number;
  readonly leaseMs: number | null;
  /** Its SLO bookkeeping; null in stores written before it was kept (then it is not counted). */
  readonly slo: WaitingSlo | null;
}

/** SLO outcomes decided so far, per priority class (a class without any is left out). */
export interface SloCounts {
  readonly met: Readonly<Partial<Record<Priority, number>>>;
  readonly missed: Readonly<Partial<Record<Priority, number>>>;
}

/** An id that ended (so `status(id)` answers `ended` after a restart or a failover). */
export interface StoredEnded {
  readonly id: string;
  readonly tenant: string;
  readonly how: EndedHow;
  readonly atMs: number;
}

export type EventType = keyof SchedulerEvents;

/**
 * One scheduler event as the event log keeps it. `id` grows by one per event across restarts
 * and failovers (a new leader continues after the last committed id), so a stream reader can
 * resume after the last id it saw. `tenant` is null for cluster-wide events (scaling, pools).
 */
export interface EventRecord {
  readonly id: number;
  /** An `EventType`, or a name given to `ResourceScheduler.recordEvent` (e.g. agent state changes). */
  readonly type: EventType | (string & {});
  readonly tenant: string | null;
  readonly atMs: number;
  readonly data: unknown;
}

/** One write through the HTTP API: who asked, what, and what came of it. */
export interface AuditRecord {
  /** Position in the audit log (assigned by the store; absent when appending). */
  readonly seq?: number;
  readonly atMs: number;
  /** `admin`, or `tenant:<name>`, plus the first 8 hex digits of the token's SHA-256 (`admin#1a2b3c4d`). */
  readonly actor: string;
  readonly method: string;
  readonly route: string;
  /** The allocation, request or pool the write named, if any. */
  readonly target: string | null;
  readonly status: number;
  /** `allocated`, `queued`, `released`, a rejection or error code. */
  readonly result: string;
}

export interface StoredState {
  /** Resource dimension names the state was written with (null for a fresh store). */
  readonly dimensions: readonly string[] | null;
  readonly pools: readonly StoredPool[];
  readonly nodes: readonly StoredNode[];
  readonly allocations: readonly StoredAllocation[];
  /** The last records of the preemption log (at most the store's retention), oldest first. */
  readonly preemptions: readonly PreemptionRecord[];
  /** Position of `preemptions[0]` in the whole log (records before it were pruned); absent: 0. Keeps list cursors stable. */
  readonly preemptionsBefore?: number;
  /** The wait queue (any order; `seq` gives the arrival order). */
  readonly waiting: readonly StoredWaiting[];
  /** Recently ended ids, oldest first. */
  readonly ended: readonly StoredEnded[];
  /** Id of the last event in the event log (0 when empty). */
  readonly lastEventId: number;
  /** SLO outcomes over the store's life; null for a fresh store, or one written before they were kept. */
  readonly slo: SloCounts | null;
  /** The time the exported billing figures were last read at (clock ms; billing never restarts behind it); null if never. */
  readonly billingClockMs: number | null;
  /** The id of the queue's committed head (`headOfLine: commit`: it stays first until it starts); null or absent: none. */
  readonly committedHead?: string | null;
}

export type StateChange =
  | { readonly kind: 'dimensions'; readonly names: readonly string[] }
  | { readonly kind: 'pool'; readonly pool: StoredPool }
  | { readonly kind: 'node'; readonly node: StoredNode }
  | { readonly kind: 'put-allocation'; readonly allocation: StoredAllocation }
  | { readonly kind: 'delete-allocation'; readonly id: string }
  /** `leaseSeq`: the renewed lease's place among equal deadlines (StoredAllocation.leaseSeq). */
  | { readonly kind: 'lease'; readonly id: string; readonly leaseExpiryMs: number | null; readonly leaseSeq?: number }
  /** `position`: the record's place in the whole preemption log (0 for the first ever), as list cursors name it. */
  | { readonly kind: 'preemption'; readonly record: PreemptionRecord; readonly position?: number }
  | { readonly kind: 'put-waiting'; readonly waiting: StoredWaiting }
  | { readonly kind: 'delete-waiting'; readonly id: string }
  | { readonly kind: 'ended'; readonly ended: StoredEnded }
  | { readonly kind: 'event'; readonly event: EventRecord }
  | { readonly kind: 'audit'; readonly record: AuditRecord }
  /** The SLO counts as they are now (the whole of them: the last one committed wins). */
  | { readonly kind: 'slo'; readonly counts: SloCounts }
  /** Billing figures were exported as of `atMs` (`ResourceScheduler.listPoolsDurably`). */
  | { readonly kind: 'billing-clock'; readonly atMs: number }
  /** The queue's committed head is now `id` (null: none). */
  | { readonly kind: 'committed-head'; readonly id: string | null };

/** Filters of `readAudit` (newest last; `afterSeq` is the cursor). */
export interface AuditQuery {
  readonly afterSeq?: number;
  readonly limit: number;
  readonly actor?: string;
}

export interface StateStore {
  /** Human-readable kind and location, for logs (`memory`, `sqlite:/var/lib/drs/state.db`). */
  readonly description: string;
  load(): StoredState;
  /**
   * Apply all changes atomically; durable when this returns. Throws if it could not. A store
   * that can only commit asynchronously (PostgreSQL) throws here and must be used with
   * `durability: 'group'`.
   */
  commit(changes: readonly StateChange[]): void;
  /**
   * Apply all changes atomically, with the wait for durability off the event loop's critical path
   * (an fsync on a libuv thread, a database round trip); durable when the promise resolves.
   * Calls never overlap (the scheduler waits for one to finish before the next) unless the store
   * is `pipelined`. Used by group commit when present.
   */
  commitAsync?(changes: readonly StateChange[]): Promise<void>;
  /**
   * `commitAsync` calls may overlap: the store applies them in call order (each sees the ones
   * before it) and settles them in that order, each once it and every earlier one are durable;
   * after one fails, every later one fails. The runtime then applies the next group while the
   * previous one's fsync is in flight (SqliteStore with its WAL flusher).
   */
  readonly pipelined?: boolean;
  /** Block until no `commitAsync` is in flight (so `commit` may run, e.g. at close). */
  drainSync?(): void;
  /** Only `commitAsync` works (the scheduler then requires group commit). */
  readonly asyncOnly?: boolean;
  /** Durable events with id > `afterId`, oldest first, at most `limit` (never one whose commit is still being flushed). */
  readEvents(afterId: number, limit: number): Promise<EventRecord[]>;
  /** Audit records, oldest first. */
  readAudit(q: AuditQuery): Promise<AuditRecord[]>;
  /** Release the store (and its lock). Waits for a commit in flight. */
  close(): void | Promise<void>;
}

/** How many events the stores keep (older ones are pruned; a reader further behind gets a gap notice). */
export const EVENT_RETENTION = 100_000;
/** How many ended ids the stores keep: this many rejected ones, and this many of work that ran (see RecentlyEnded). */
export const ENDED_RETENTION = 10_000;
/** How many preemption records the stores keep and load by default (older ones are pruned: a restart loads no more than this). */
export const PREEMPTION_RETENTION = 10_000;
/** How many audit records the stores keep by default (older ones are pruned); `null` in `Retention.audit` keeps all. */
export const AUDIT_RETENTION = 1_000_000;

/**
 * How much history a store keeps, for the logs whose history is a feature (each pruned oldest
 * first, in chunks). The event log (EVENT_RETENTION) and the ended ids (ENDED_RETENTION) are fixed.
 */
export interface Retention {
  /** Preemption records kept (default PREEMPTION_RETENTION); also the most a restart loads. */
  readonly preemptions?: number;
  /** Audit records kept (default AUDIT_RETENTION); null: every record, never pruned. */
  readonly audit?: number | null;
}

/** `r` with its defaults, checked (a whole number ≥ 0 each; UserError naming the field). */
export function retentionOf(r: Retention | undefined): { readonly preemptions: number; readonly audit: number | null } {
  const preemptions = r?.preemptions ?? PREEMPTION_RETENTION;
  const audit = r?.audit === undefined ? AUDIT_RETENTION : r.audit;
  for (const [field, v] of [['retention.preemptions', preemptions], ['retention.audit', audit]] as const) {
    if (v !== null && !(Number.isInteger(v) && v >= 0)) throw new UserError(`${field} must be a whole number ≥ 0, got ${String(v)}`, { field });
  }
  return { preemptions, audit };
}

/** Rows pruned together: a store prunes a log once it holds this many records past its retention. */
export const PRUNE_CHUNK = 1000;

/**
 * Keeps the committed state in memory: for tests and for embedding where losing state on exit is
 * fine. A second scheduler built on the same MemoryStore object restores from it, which is how
 * tests check restore without a disk.
 */
export class MemoryStore implements StateStore {
  readonly description = 'memory';
  private dimensions: readonly string[] | null = null;
  private readonly pools = new Map<number, StoredPool>();
  private readonly nodes = new Map<number, StoredNode>();
  private readonly allocations = new Map<string, StoredAllocation>();
  private readonly preemptions: PreemptionRecord[] = [];
  private readonly waiting = new Map<string, StoredWaiting>();
  /** Ended ids: of rejected requests, and of the rest, each pruned to ENDED_RETENTION (see RecentlyEnded). */
  private readonly ended = { rejected: new Map<string, StoredEnded>(), ran: new Map<string, StoredEnded>() };
  private readonly events: EventRecord[] = [];
  private readonly audit: AuditRecord[] = [];
  private lastEventId = 0;
  private auditSeq = 0;
  private slo: SloCounts | null = null;
  private billingClockMs: number | null = null;
  private committedHead: string | null = null;
  /** Preemption records pruned so far (the position of `preemptions[0]` in the whole log). */
  private preemptionsBefore = 0;
  private readonly retention: { readonly preemptions: number; readonly audit: number | null };
  /** Number of successful commits (tests look at it). */
  commits = 0;

  /** `retention`: how many preemption and audit records it keeps (the audit log in memory: at most EVENT_RETENTION unless set). */
  constructor(options: { readonly retention?: Retention } = {}) {
    this.retention = retentionOf({ audit: EVENT_RETENTION, ...options.retention });
  }

  load(): StoredState {
    return {
      dimensions: this.dimensions,
      pools: [...this.pools.values()].sort((a, b) => a.index - b.index),
      nodes: [...this.nodes.values()].sort((a, b) => a.id - b.id),
      allocations: [...this.allocations.values()],
      preemptions: [...this.preemptions],
      preemptionsBefore: this.preemptionsBefore,
      waiting: [...this.waiting.values()],
      ended: [...this.ended.ran.values(), ...this.ended.rejected.values()], // each kind oldest first (RecentlyEnded keeps them apart)
      lastEventId: this.lastEventId,
      slo: this.slo,
      billingClockMs: this.billingClockMs,
      committedHead: this.committedHead,
    };
  }

  readEvents(afterId: number, limit: number): Promise<EventRecord[]> {
    // Ids are consecutive, so the first wanted one sits at a computable index.
    const first = this.events[0]?.id ?? 0;
    const from = Math.max(0, afterId + 1 - first);
    return Promise.resolve(this.events.slice(from, from + limit));
  }

  readAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for (const r of this.audit) {
      if ((r.seq as number) <= (q.afterSeq ?? 0) || (q.actor !== undefined && r.actor !== q.actor)) continue;
      out.push(r);
      if (out.length >= q.limit) break;
    }
    return Promise.resolve(out);
  }

  commit(changes: readonly StateChange[]): void {
    for (const c of changes) {
      switch (c.kind) {
        case 'dimensions':
          this.dimensions = [...c.names];
          break;
        case 'pool':
          this.pools.set(c.pool.index, c.pool);
          break;
        case 'node':
          this.nodes.set(c.node.id, c.node);
          break;
        case 'put-allocation':
          this.allocations.set(c.allocation.id, c.allocation);
          break;
        case 'delete-allocation':
          this.allocations.delete(c.id);
          break;
        case 'lease': {
          const a = this.allocations.get(c.id);
          if (a !== undefined) this.allocations.set(c.id, { ...a, leaseExpiryMs: c.leaseExpiryMs, ...(c.leaseSeq === undefined ? {} : { leaseSeq: c.leaseSeq }) });
          break;
        }
        case 'preemption':
          this.preemptions.push(c.record);
          if (this.preemptions.length >= this.retention.preemptions + PRUNE_CHUNK || (this.retention.preemptions === 0 && this.preemptions.length > 0)) {
            const drop = this.preemptions.length - this.retention.preemptions;
            this.preemptions.splice(0, drop);
            this.preemptionsBefore += drop;
          }
          break;
        case 'put-waiting':
          this.waiting.set(c.waiting.id, c.waiting);
          break;
        case 'delete-waiting':
          this.waiting.delete(c.id);
          break;
        case 'ended': {
          this.ended.rejected.delete(c.ended.id);
          this.ended.ran.delete(c.ended.id);
          const kept = c.ended.how === 'rejected' ? this.ended.rejected : this.ended.ran;
          kept.set(c.ended.id, c.ended);
          if (kept.size > ENDED_RETENTION) kept.delete(kept.keys().next().value as string);
          break;
        }
        case 'event':
          this.events.push(c.event);
          this.lastEventId = c.event.id;
          // Pruned in chunks (a shift of the whole array per event would cost O(retention)).
          if (this.events.length >= EVENT_RETENTION + 10_000) this.events.splice(0, this.events.length - EVENT_RETENTION);
          break;
        case 'audit':
          this.auditSeq++;
          this.audit.push({ ...c.record, seq: this.auditSeq });
          // In memory the log is bounded (by default like the event log).
          if (this.retention.audit !== null && this.audit.length >= this.retention.audit + PRUNE_CHUNK) this.audit.splice(0, this.audit.length - this.retention.audit);
          break;
        case 'slo':
          this.slo = c.counts;
          break;
        case 'billing-clock':
          this.billingClockMs = c.atMs;
          break;
        case 'committed-head':
          this.committedHead = c.id;
          break;
      }
    }
    this.commits++;
  }

  close(): void {}
}
