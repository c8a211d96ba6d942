/**
 * The discrete-event kernel: a priority queue of events ordered by (time, sequence number), and
 * four verbs: `schedule`, `peek`, `step`, `run` (and `cancel`, to withdraw a pending event). The
 * sequence number makes events at equal times come out in the order they were scheduled, so runs
 * are deterministic. It knows nothing of
 * allocators, clusters or metrics: new behaviour arrives as new event payloads, handled by the
 * driver's `handle` function.
 *
 * Layout: a binary min-heap over parallel arrays (times in a Float64Array, sequence numbers in a
 * Float64Array, payloads in a plain array), moved with the "hole" technique to halve writes.
 */
export class Kernel<E> {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private items: (E | undefined)[] = new Array<E | undefined>(1024);
  private n = 0;
  private seq = 0;
  private clock: number;
  private stopped = false;
  /** Sequence numbers of pending events withdrawn by `cancel`; the heap's top is never one of them. */
  private readonly cancelled = new Set<number>();

  constructor(startTime = 0) {
    this.clock = startTime;
  }

  /** Current simulated time. */
  get now(): number {
    return this.clock;
  }

  /** Number of pending events. */
  get pending(): number {
    return this.n - this.cancelled.size;
  }

  /** Schedule `event` at absolute time `at` (≥ now); returns its id, for `cancel`. */
  schedule(at: number, event: E): number {
    if (!(at >= this.clock)) {
      throw new RangeError(Number.isNaN(at) ? 'cannot schedule an event at NaN' : `cannot schedule an event at t=${at}, before now (t=${this.clock}); negative delay ${at - this.clock}`);
    }
    if (this.n === this.times.length) this.grow();
    const s = this.seq++;
    // Sift up from the new leaf.
    let i = this.n++;
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < at || (pt === at && (seqs[parent] as number) < s)) break;
      times[i] = pt;
      seqs[i] = seqs[parent] as number;
      items[i] = items[parent];
      i = parent;
    }
    times[i] = at;
    seqs[i] = s;
    items[i] = event;
    return s;
  }

  /**
   * Withdraw the pending event `id` (what `schedule` returned): it is never returned and never
   * moves the clock, so a void event (a repair of a node retired meanwhile) cannot stretch a run.
   * An id that is not pending (it ran, or was cancelled) is ignored. O(pending): for rare use.
   */
  cancel(id: number): void {
    if (this.cancelled.has(id)) return;
    for (let i = 0; i < this.n; i++) {
      if (this.seqs[i] !== id) continue;
      this.cancelled.add(id);
      this.dropCancelled();
      return;
    }
  }

  /** Keep the top live: pop withdrawn events off it (the clock does not move). */
  private dropCancelled(): void {
    while (this.n > 0 && this.cancelled.delete(this.seqs[0] as number)) this.pop();
  }

  /**
   * Drop the next events while `isVoid` says they are void (made so since they were scheduled: the
   * end of work that ended otherwise); the clock does not move, so a void event cannot stretch a
   * run. Cheaper than `cancel` for a driver that can tell a void event when it sees one.
   */
  dropWhile(isVoid: (event: E) => boolean): void {
    while (this.n > 0 && isVoid(this.items[0] as E)) {
      this.pop();
      if (this.cancelled.size > 0) this.dropCancelled();
    }
  }

  /**
   * Withdraw and return, in kernel order (sequence number), the pending events at the current
   * time that `pick` selects, for a driver that must handle some kinds of event of this instant
   * before the one it is handling (the end of work before a node failure at the same time). The
   * heap is walked only where times equal now: O(events at this instant).
   */
  takeNow(pick: (event: E) => boolean): E[] {
    const found: number[] = [];
    const stack = this.n > 0 ? [0] : [];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      if ((this.times[i] as number) !== this.clock) continue; // its subtree is later
      if (!this.cancelled.has(this.seqs[i] as number) && pick(this.items[i] as E)) found.push(i);
      for (const c of [2 * i + 1, 2 * i + 2]) if (c < this.n) stack.push(c);
    }
    found.sort((x, y) => (this.seqs[x] as number) - (this.seqs[y] as number));
    const out = found.map((i) => this.items[i] as E);
    for (const s of found.map((i) => this.seqs[i] as number)) this.cancelled.add(s);
    this.dropCancelled();
    return out;
  }

  /**
   * Whether every pending event (withdrawn ones aside) satisfies `pick`: for a driver deciding
   * whether what is left can still matter (at a run's end). O(pending).
   */
  allPending(pick: (event: E) => boolean): boolean {
    for (let i = 0; i < this.n; i++) if (!this.cancelled.has(this.seqs[i] as number) && !pick(this.items[i] as E)) return false;
    return true;
  }

  /** Time of the next event, or Infinity. */
  peek(): number {
    return this.n > 0 ? (this.times[0] as number) : Infinity;
  }

  /** Remove the next event, advance the clock to its time, and return it (undefined if none). */
  step(): E | undefined {
    if (this.n === 0) return undefined;
    this.clock = this.times[0] as number;
    const top = this.pop();
    if (this.cancelled.size > 0) this.dropCancelled();
    return top;
  }

  /** Remove the top of the heap and return its payload. */
  private pop(): E {
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const top = items[0] as E;
    const last = --this.n;
    const lt = times[last] as number;
    const ls = seqs[last] as number;
    const li = items[last];
    items[last] = undefined;
    if (last > 0) {
      // Sift the last element down from the root.
      let i = 0;
      const half = last >> 1;
      while (i < half) {
        let c = 2 * i + 1;
        let ct = times[c] as number;
        let cs = seqs[c] as number;
        const r = c + 1;
        if (r < last) {
          const rt = times[r] as number;
          const rs = seqs[r] as number;
          if (rt < ct || (rt === ct && rs < cs)) {
            c = r;
            ct = rt;
            cs = rs;
          }
        }
        if (lt < ct || (lt === ct && ls < cs)) break;
        times[i] = ct;
        seqs[i] = cs;
        items[i] = items[c];
        i = c;
      }
      times[i] = lt;
      seqs[i] = ls;
      items[i] = li;
    }
    return top;
  }

  /**
   * Process events in order until none is left, the next one is later than `until`, or `stop()`
   * is called. An exception from `handle` stops the run and propagates (nothing is swallowed).
   */
  run(handle: (event: E, now: number) => void, until = Infinity): void {
    this.stopped = false;
    while (this.n > 0 && !this.stopped && (this.times[0] as number) <= until) {
      const e = this.step() as E;
      handle(e, this.clock);
    }
    if (!this.stopped && until !== Infinity && until > this.clock && Number.isFinite(until)) this.clock = until;
  }

  /** Move the clock forward to `t` with no event in between (e.g. to an external arrival). */
  advanceTo(t: number): void {
    if (t < this.clock) throw new RangeError(`cannot move the clock back from t=${this.clock} to t=${t}`);
    if (this.n > 0 && (this.times[0] as number) < t) throw new RangeError(`cannot skip the pending event at t=${this.times[0]} on the way to t=${t}`);
    this.clock = t;
  }

  /** Ask `run` to return after the current event. */
  stop(): void {
    this.stopped = true;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    const s = new Float64Array(cap);
    s.set(this.seqs);
    this.times = t;
    this.seqs = s;
    this.items.length = cap;
  }
}
