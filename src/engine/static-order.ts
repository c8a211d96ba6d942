import { staticCompare, type QueuedRequest } from '../queue/policy.js';

/**
 * A driver's waiting entries as a scheduling pass reads them with `sorted: true`: kept in the
 * policy's static order, (key, tie key, seq) by `staticCompare`, on insert (binary search), so a
 * pass needs no sort; without a static key, in arrival order. Both drivers keep one (SimQueue,
 * and production's WaitQueue under a policy with a static key).
 *
 * Entries that leave are not removed: `isLive` says which still wait, a pass skips the others, and
 * `compact` sweeps them out when the driver says so. `from` is the index of the first live entry
 * (a blocking policy starts from the front, so the dead collect there). Entries added between
 * `beginPass` and `endPass` (work the pass evicted and requeued) are held back until `endPass`: the
 * pass iterates the array it was given as it was when it began.
 */
export class StaticOrder<E extends QueuedRequest> {
  private items: E[] = [];
  /** No entry before this index is live (a lower bound of the first live one; see `from`). */
  private head = 0;
  private readonly held: E[] = [];
  private inPass = false;
  private readonly compare: ((a: QueuedRequest, b: QueuedRequest) => number) | undefined;

  constructor(
    staticKey: ((q: QueuedRequest) => number) | undefined,
    staticTie: ((q: QueuedRequest) => number) | undefined,
    private readonly isLive: (e: E) => boolean,
  ) {
    this.compare = staticKey === undefined ? undefined : staticCompare(staticKey, staticTie);
  }

  /** Kept in policy order (static key) rather than arrival order. */
  get sorted(): boolean {
    return this.compare !== undefined;
  }

  /** The entries in order, live or not (not those held back during a pass). */
  get entries(): readonly E[] {
    return this.items;
  }

  /** Slots of `entries` (live and dead). */
  get length(): number {
    return this.items.length;
  }

  /**
   * The index of the first live entry of `entries` (its length when none is): a pass that skipped
   * the dead front one by one would cost the queue's length at every event.
   */
  get from(): number {
    const items = this.items;
    let h = this.head;
    while (h < items.length && !this.isLive(items[h] as E)) h++;
    this.head = h;
    return h;
  }

  add(e: E): void {
    if (this.inPass) this.held.push(e);
    else this.insert(e);
  }

  beginPass(): void {
    this.inPass = true;
  }

  endPass(): void {
    this.inPass = false;
    if (this.held.length === 0) return;
    for (const e of this.held) this.insert(e);
    this.held.length = 0;
  }

  private insert(e: E): void {
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
      if (compare(items[mid] as E, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === items.length) items.push(e);
    else items.splice(lo, 0, e);
    if (lo < this.head) this.head = lo;
  }

  /** Every entry (live or not) after the one before it, as `staticCompare` orders (checks). */
  isSorted(): boolean {
    const compare = this.compare;
    if (compare === undefined) return true;
    for (let i = 1; i < this.items.length; i++) if (compare(this.items[i - 1] as E, this.items[i] as E) >= 0) return false;
    return true;
  }

  /** Drop the entries that are no longer live (a new array: one a finished pass was given is left as it was). */
  compact(): void {
    this.items = this.items.filter((e) => this.isLive(e));
    this.head = 0;
  }
}
