/**
 * Min-heap of (deadline ms, id): the lease deadlines of live allocations. Entries are never
 * removed early: when a lease is renewed or its allocation ends, the old entry stays, and the
 * reader skips it when it comes to the top (stale entries).
 */
export class LeaseHeap {
  private readonly at: number[] = [];
  private readonly ids: string[] = [];

  push(at: number, id: string): void {
    let i = this.at.length;
    this.at.push(at);
    this.ids.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((this.at[p] as number) <= at) break;
      this.at[i] = this.at[p] as number;
      this.ids[i] = this.ids[p] as string;
      i = p;
    }
    this.at[i] = at;
    this.ids[i] = id;
  }

  peek(): { at: number; id: string } | undefined {
    return this.at.length === 0 ? undefined : { at: this.at[0] as number, id: this.ids[0] as string };
  }

  pop(): void {
    const n = this.at.length - 1;
    if (n < 0) return;
    const lastAt = this.at[n] as number;
    const lastId = this.ids[n] as string;
    this.at.pop();
    this.ids.pop();
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (this.at[c + 1] as number) < (this.at[c] as number)) c++;
      if ((this.at[c] as number) >= lastAt) break;
      this.at[i] = this.at[c] as number;
      this.ids[i] = this.ids[c] as string;
      i = c;
    }
    this.at[i] = lastAt;
    this.ids[i] = lastId;
  }

  get size(): number {
    return this.at.length;
  }
}
