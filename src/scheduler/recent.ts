import type { StateChange, StoredEnded } from './store.js';
import type { EndedHow } from './types.js';

export interface Ended {
  readonly tenant: string;
  readonly how: EndedHow;
  readonly atMs: number;
}

/**
 * What `status()` remembers about ids that ended (persisted through the store's `ended` records,
 * so it survives restarts and failovers): two generations; when the
 * newer one reaches half the limit it becomes the older one and the previous older one is dropped.
 */
export class RecentlyEnded {
  private recent = new Map<string, Ended>();
  private older = new Map<string, Ended>();
  /** What was remembered since the last `takeJournal` (persisted with the operation). */
  private journal: StateChange[] = [];

  /** `limit` ≤ 0 remembers nothing. */
  constructor(private readonly limit: number) {}

  remember(id: string, tenant: string, how: EndedHow, atMs: number): void {
    if (this.limit <= 0) return;
    this.journal.push({ kind: 'ended', ended: { id, tenant, how, atMs } });
    this.put(id, { tenant, how, atMs });
  }

  /** Restore what a store kept (oldest first). */
  restore(stored: readonly StoredEnded[]): void {
    for (const e of stored) this.put(e.id, { tenant: e.tenant, how: e.how, atMs: e.atMs });
  }

  takeJournal(): StateChange[] {
    const out = this.journal;
    this.journal = [];
    return out;
  }

  private put(id: string, e: Ended): void {
    this.recent.set(id, e);
    if (this.recent.size >= Math.max(1, this.limit >> 1)) {
      this.older = this.recent;
      this.recent = new Map();
    }
  }

  get(id: string): Ended | undefined {
    return this.recent.get(id) ?? this.older.get(id);
  }
}
