import type { Request } from '../core/model.js';
import { StaticOrder } from '../engine/static-order.js';
import type { QueuedRequest } from '../queue/policy.js';

/** The replay's queue entry: what the queue policy sees, plus the request's index in the log. */
export interface SimEntry extends QueuedRequest {
  readonly idx: number;
  /** Still waiting (entries that started or were rejected are dropped lazily). */
  live: boolean;
}

/**
 * The simulator's wait queue. With a policy that publishes a static key, entries are kept
 * sorted by (key, tie key, seq) on insert (StaticOrder), so a pass needs no sort. Entries that leave
 * are marked dead and swept out once they are half the array. `fresh` lists the entries added
 * since the last pass (a pass with nothing freed offers only those).
 */
export class SimQueue {
  private readonly order: StaticOrder<SimEntry>;
  private dead = 0;
  private seq = 0;
  fresh: SimEntry[] = [];

  constructor(staticKey: ((q: QueuedRequest) => number) | undefined, staticTie?: (q: QueuedRequest) => number) {
    this.order = new StaticOrder<SimEntry>(staticKey, staticTie, (e) => e.live);
  }

  /** Kept in policy order (static key) rather than arrival order. */
  get sorted(): boolean {
    return this.order.sorted;
  }

  get entries(): readonly SimEntry[] {
    return this.order.entries;
  }

  /**
   * The index of the first live entry of `entries` (its length when none is): entries start from
   * the front under a blocking policy, so the dead ones collect there until `compact` sweeps them.
   */
  get from(): number {
    return this.order.from;
  }

  get live(): number {
    return this.order.length - this.dead;
  }

  add(request: Request, idx: number, now: number, attempts: number): SimEntry {
    const e: SimEntry = { request, enqueuedAt: now, seq: this.seq++, attempts, idx, live: true };
    this.fresh.push(e);
    this.order.add(e);
    return e;
  }

  /**
   * A pass is about to run over `entries`: entries added until `endPass` (work the pass evicts
   * and requeues) are kept out of the array it iterates, so the pass sees the queue as it was when
   * it began, as production's does. They are offered by the next pass.
   */
  beginPass(): void {
    this.order.beginPass();
  }

  endPass(): void {
    this.order.endPass();
  }

  drop(e: SimEntry): void {
    if (!e.live) return;
    e.live = false;
    this.dead++;
  }

  /** Sweep dead entries once they are at least half the array. */
  compact(): void {
    if (this.dead > 0 && this.dead * 2 >= this.order.length) {
      this.order.compact();
      this.dead = 0;
    }
  }

  /** The entries added since the last call (new arrivals, requeued work), and start a new list. */
  takeFresh(): SimEntry[] {
    const f = this.fresh;
    if (f.length > 0) this.fresh = [];
    return f;
  }

  liveRequests(): Request[] {
    const out: Request[] = [];
    const items = this.order.entries;
    for (let i = this.order.from; i < items.length; i++) if ((items[i] as SimEntry).live) out.push((items[i] as SimEntry).request);
    return out;
  }
}
