import type { EndedHow } from './types.js';

export interface Ended {
  readonly tenant: string;
  readonly how: EndedHow;
  readonly atMs: number;
}

/**
 * What `status()` remembers about ids that ended (in memory only): two generations; when the
 * newer one reaches half the limit it becomes the older one and the previous older one is dropped.
 */
export class RecentlyEnded {
  private recent = new Map<string, Ended>();
  private older = new Map<string, Ended>();

  /** `limit` ≤ 0 remembers nothing. */
  constructor(private readonly limit: number) {}

  remember(id: string, tenant: string, how: EndedHow, atMs: number): void {
    if (this.limit <= 0) return;
    this.recent.set(id, { tenant, how, atMs });
    if (this.recent.size >= Math.max(1, this.limit >> 1)) {
      this.older = this.recent;
      this.recent = new Map();
    }
  }

  get(id: string): Ended | undefined {
    return this.recent.get(id) ?? this.older.get(id);
  }
}
