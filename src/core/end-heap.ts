/**
 * A min-heap of (time, item), at equal times in the order pushed: the running jobs of a small
 * protocol simulation ordered by their end (the learned queue's planner, src/queue/learned-planner.ts,
 * and the benches' simulator, bench/imitate/sim.ts). `clone` copies it for a rollout.
 */
export class EndHeap<T> {
  private times: number[] = [];
  private ranks: number[] = [];
  private items: T[] = [];
  private rank = 0;

  get size(): number {
    return this.times.length;
  }

  /** The earliest time, Infinity when empty. */
  get first(): number {
    return this.times.length > 0 ? (this.times[0] as number) : Infinity;
  }

  /** The items in heap order (not sorted). */
  get all(): readonly T[] {
    return this.items;
  }

  clone(): EndHeap<T> {
    const c = new EndHeap<T>();
    c.times = this.times.slice();
    c.ranks = this.ranks.slice();
    c.items = this.items.slice();
    c.rank = this.rank;
    return c;
  }

  push(time: number, item: T): void {
    const { times, ranks, items } = this;
    const r = this.rank++;
    let i = times.length;
    times.push(time);
    ranks.push(r);
    items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((times[p] as number) < time || ((times[p] as number) === time && (ranks[p] as number) < r)) break;
      times[i] = times[p] as number;
      ranks[i] = ranks[p] as number;
      items[i] = items[p] as T;
      i = p;
    }
    times[i] = time;
    ranks[i] = r;
    items[i] = item;
  }

  /** Remove and return the item with the earliest time (the first pushed of equal ones); the heap must not be empty. */
  pop(): T {
    const { times, ranks, items } = this;
    const top = items[0] as T;
    const t = times.pop() as number;
    const r = ranks.pop() as number;
    const it = items.pop() as T;
    const n = times.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const a = 2 * i + 1;
      if (a >= n) break;
      const b = a + 1;
      const c = b < n && ((times[b] as number) < (times[a] as number) || ((times[b] as number) === (times[a] as number) && (ranks[b] as number) < (ranks[a] as number))) ? b : a;
      if ((times[c] as number) > t || ((times[c] as number) === t && (ranks[c] as number) > r)) break;
      times[i] = times[c] as number;
      ranks[i] = ranks[c] as number;
      items[i] = items[c] as T;
      i = c;
    }
    times[i] = t;
    ranks[i] = r;
    items[i] = it;
    return top;
  }
}
