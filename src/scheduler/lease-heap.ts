/**
 * Min-heap of (deadline ms, id): the lease deadlines of live allocations, in deadline order and,
 * at equal deadlines, in the order they were pushed (the simulator expires leases due at the same
 * instant in that order too, src/sim/leases.ts). Entries are not removed one by one: when a lease
 * is renewed or its allocation ends, the old entry stays, and the reader skips it when it comes to
 * the top (stale entries); an owner whose stale entries may pile up (a lease of an hour released
 * after a second stays an hour) drops them all at once with `compact`, which keeps each kept
 * entry's sequence number, so their order does not change.
 */
export class LeaseHeap {
  private readonly at: number[] = [];
  private readonly seqs: number[] = [];
  private readonly ids: string[] = [];
  private seq = 0;

  /**
   * Returns the entry's sequence number (its place among equal deadlines; `peek` reports it).
   * `seq`: the number to give it (an entry restored with the number it had before a restart); the
   * entries pushed after it without one come after it.
   */
  push(at: number, id: string, seq?: number): number {
    const s = seq ?? this.seq;
    this.seq = Math.max(this.seq, s + 1);
    let i = this.at.length;
    this.at.push(at);
    this.seqs.push(s);
    this.ids.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(at, s, p)) break;
      this.move(p, i);
      i = p;
    }
    this.set(i, at, s, id);
    return s;
  }

  peek(): { at: number; id: string; seq: number } | undefined {
    return this.at.length === 0 ? undefined : { at: this.at[0] as number, id: this.ids[0] as string, seq: this.seqs[0] as number };
  }

  pop(): void {
    const n = this.at.length - 1;
    if (n < 0) return;
    const lastAt = this.at[n] as number;
    const lastSeq = this.seqs[n] as number;
    const lastId = this.ids[n] as string;
    this.at.pop();
    this.seqs.pop();
    this.ids.pop();
    if (n === 0) return;
    this.siftDown(0, n, lastAt, lastSeq, lastId);
  }

  /** Put (at, seq, id) at slot `i` of a heap of the first `n` slots, moving smaller children up. */
  private siftDown(i: number, n: number, at: number, seq: number, id: string): void {
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(this.at[c + 1] as number, this.seqs[c + 1] as number, c)) c++;
      if (!this.less(c, at, seq)) break;
      this.move(c, i);
      i = c;
    }
    this.set(i, at, seq, id);
  }

  /**
   * Keep only the entries `keep(id, seq)` accepts, with their deadlines and sequence numbers (so
   * the order among them is as before), in O(size).
   */
  compact(keep: (id: string, seq: number) => boolean): void {
    let n = 0;
    for (let i = 0; i < this.at.length; i++) {
      if (!keep(this.ids[i] as string, this.seqs[i] as number)) continue;
      this.move(i, n);
      n++;
    }
    this.at.length = n;
    this.seqs.length = n;
    this.ids.length = n;
    // Floyd's heap construction: sift every inner node down, last first.
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i, n, this.at[i] as number, this.seqs[i] as number, this.ids[i] as string);
  }

  get size(): number {
    return this.at.length;
  }

  /** (at, seq) comes before entry `j`. */
  private before(at: number, seq: number, j: number): boolean {
    const aj = this.at[j] as number;
    return at < aj || (at === aj && seq < (this.seqs[j] as number));
  }

  /** Entry `j` comes before (at, seq). */
  private less(j: number, at: number, seq: number): boolean {
    const aj = this.at[j] as number;
    return aj < at || (aj === at && (this.seqs[j] as number) < seq);
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    this.ids[to] = this.ids[from] as string;
  }

  private set(i: number, at: number, seq: number, id: string): void {
    this.at[i] = at;
    this.seqs[i] = seq;
    this.ids[i] = id;
  }
}
