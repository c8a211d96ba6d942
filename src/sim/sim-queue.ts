import type { Request } from '../core/model.js';
import { staticCompare, type QueuedRequest } from '../queue/policy.js';

/** The replay's queue entry: what the queue policy sees, plus the request's index in the log. */
export interface SimEntry extends QueuedRequest {
  readonly idx: number;
  /** Still waiting (entries that started or were rejected are dropped lazily). */
  live: boolean;
}

/**
 * The simulator's wait queue. With a policy that publishes a static key, entries are kept
 * sorted by (key, tie key, seq) on insert (binary search), so a pass needs no sort. Entries that leave
 * are marked dead and swept out once they are half the array. `fresh` lists the entries added
 * since the last pass (a pass with nothing freed offers only those).
 */
export class SimQueue {
  private items: SimEntry[] = [];
  private dead = 0;
  /** No entry before this index is live (a lower bound of the first live one; see `from`). */
  private head = 0;
  private seq = 0;
  fresh: SimEntry[] = [];
  /** Entries added while a pass runs (work it evicted), held back until `endPass`. */
  private readonly held: SimEntry[] = [];
  private inPass = false;

  /** The policy's order by its static key (and tie key), when it has one. */
  private readonly compare: ((a: QueuedRequest, b: QueuedRequest) => number) | undefined;

  constructor(staticKey: ((q: QueuedRequest) => number) | undefined, staticTie?: (q: QueuedRequest) => number) {
    this.compare = staticKey === undefined ? undefined : staticCompare(staticKey, staticTie);
  }

  /** Kept in policy order (static key) rather than arrival order. */
  get sorted(): boolean {
    return this.compare !== undefined;
  }

  get entries(): readonly SimEntry[] {
    return this.items;
  }

  /**
   * The index of the first live entry of `entries` (its length when none is): entries start from
   * the front under a blocking policy, so the dead ones collect there until `compact` sweeps them,
   * and a pass that skipped them one by one would cost the queue's length at every event.
   */
  get from(): number {
    const items = this.items;
    let h = this.head;
    while (h < items.length && !(items[h] as SimEntry).live) h++;
    this.head = h;
    return h;
  }

  get live(): number {
    return this.items.length - this.dead;
  }

  add(request: Request, idx: number, now: number, attempts: number): SimEntry {
    const e: SimEntry = { request, enqueuedAt: now, seq: this.seq++, attempts, idx, live: true };
    this.fresh.push(e);
    if (this.inPass) this.held.push(e);
    else this.insert(e);
    return e;
  }

  /**
   * A pass is about to run over `entries`: entries added until `endPass` (work the pass evicts
   * and requeues) are kept out of the array it iterates, so the pass sees the queue as it was when
   * it began, as production's does (its pass orders a copy). They are offered by the next pass.
   */
  beginPass(): void {
    this.inPass = true;
  }

  endPass(): void {
    this.inPass = false;
    if (this.held.length === 0) return;
    for (const e of this.held) this.insert(e);
    this.held.length = 0;
  }

  private insert(e: SimEntry): void {
    const compare = this.compare;
    if (compare === undefined) {
      this.items.push(e);
      return;
    }
    const items = this.items;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(items[mid] as SimEntry, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === items.length) items.push(e);
    else items.splice(lo, 0, e);
    if (lo < this.head) this.head = lo;
  }

  drop(e: SimEntry): void {
    if (!e.live) return;
    e.live = false;
    this.dead++;
  }

  /** Sweep dead entries once they are at least half the array. */
  compact(): void {
    if (this.dead > 0 && this.dead * 2 >= this.items.length) {
      this.items = this.items.filter((e) => e.live);
      this.dead = 0;
      this.head = 0;
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
    const items = this.items;
    for (let i = this.from; i < items.length; i++) if ((items[i] as SimEntry).live) out.push((items[i] as SimEntry).request);
    return out;
  }
}
