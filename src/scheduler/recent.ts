import type { StateChange, StoredEnded } from './store.js';
import type { EndedHow } from './types.js';

export interface Ended {
  readonly tenant: string;
  readonly how: EndedHow;
  readonly atMs: number;
}

/**
 * Ids kept in two generations: when the newer one reaches half the limit it becomes the older
 * one and the previous older one is dropped, so between limit/2 and limit ids are kept.
 */
class Generations {
  private recent = new Map<string, Ended>();
  private older = new Map<string, Ended>();

  constructor(private readonly limit: number) {}

  put(id: string, e: Ended): void {
    this.recent.set(id, e);
    if (this.recent.size >= Math.max(1, this.limit >> 1)) {
      this.older = this.recent;
      this.recent = new Map();
    }
  }

  get(id: string): Ended | undefined {
    return this.recent.get(id) ?? this.older.get(id);
  }

  get size(): number {
    return this.recent.size + this.older.size;
  }
}

/**
 * What `status()` and `dependsOn` know about ids that ended (persisted through the store's
 * `ended` records, so it survives restarts and failovers). A client polls `status(id)` for the
 * outcome of work it was not told about in an answer (a queued request that started or timed
 * out, a lease that expired, work preempted or lost), and a dependent names the ids it waits for.
 *
 * Rejections are kept apart, `limit` of each: a client retrying refused requests in a loop
 * (never-fits, quota, queue-full: each a new id, each answered in its own response) would
 * otherwise push out the ids of work that ran, and a client asking about a request it just
 * released would get `unknown`. The stores prune the two kinds apart the same way
 * (ENDED_RETENTION each).
 */
export class RecentlyEnded {
  private readonly ran: Generations;
  private readonly rejected: Generations;
  /** What was remembered since the last `takeJournal` (persisted with the operation). */
  private journal: StateChange[] = [];

  /** `limit` ≤ 0 remembers nothing. */
  constructor(private readonly limit: number) {
    this.ran = new Generations(limit);
    this.rejected = new Generations(limit);
  }

  remember(id: string, tenant: string, how: EndedHow, atMs: number): void {
    if (this.limit <= 0) return;
    this.journal.push({ kind: 'ended', ended: { id, tenant, how, atMs } });
    this.put(id, { tenant, how, atMs });
  }

  /** Restore what a store kept (oldest first). */
  restore(stored: readonly StoredEnded[]): void {
    if (this.limit <= 0) return;
    for (const e of stored) this.put(e.id, { tenant: e.tenant, how: e.how, atMs: e.atMs });
  }

  takeJournal(): StateChange[] {
    const out = this.journal;
    this.journal = [];
    return out;
  }

  private put(id: string, e: Ended): void {
    (e.how === 'rejected' ? this.rejected : this.ran).put(id, e);
  }

  /** The newest record of `id` (an id may have ended twice: rejected once, then run under the same id). */
  get(id: string): Ended | undefined {
    const a = this.ran.get(id);
    const b = this.rejected.get(id);
    if (a === undefined || b === undefined) return a ?? b;
    return b.atMs > a.atMs ? b : a;
  }

  /** Ids kept: of work that ran, and of rejected requests (tests). */
  get sizes(): { readonly ran: number; readonly rejected: number } {
    return { ran: this.ran.size, rejected: this.rejected.size };
  }
}
