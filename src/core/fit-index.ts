/**
 * The nodes of one pool sorted by a scalar "free size" key, ascending, ties by node id.
 *
 *   key(node) = Σ_d free_d / ref_d        (ref_d = largest node capacity of dimension d in the cluster)
 *
 * Because fitting needs free_d ≥ demand_d in every d, it implies key(node) ≥ Σ_d demand_d / ref_d,
 * so a search may start at that lower bound (binary search) and walk up: the first node that fits
 * in every dimension is the *best fit* (least free size left), and walking down from the top gives
 * the *worst fit*. Updates are a binary search plus a typed-array shift: O(log n + n/memmove),
 * a few microseconds at 10,000 nodes, instead of a linear scan of every node per decision.
 */
export class FitIndex {
  private keys = new Float64Array(16);
  private ids = new Int32Array(16);
  private n = 0;

  get size(): number {
    return this.n;
  }

  keyAt(i: number): number {
    return this.keys[i] as number;
  }

  idAt(i: number): number {
    return this.ids[i] as number;
  }

  /** Position of the first entry with (key, id) ≥ (k, id). */
  private position(k: number, id: number): number {
    let lo = 0;
    let hi = this.n;
    const keys = this.keys;
    const ids = this.ids;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const mk = keys[mid] as number;
      if (mk < k || (mk === k && (ids[mid] as number) < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of the first entry with key ≥ k. */
  lowerBound(k: number): number {
    return this.position(k, -1);
  }

  insert(id: number, key: number): void {
    if (this.n === this.keys.length) {
      const k2 = new Float64Array(this.keys.length * 2);
      k2.set(this.keys);
      const i2 = new Int32Array(this.ids.length * 2);
      i2.set(this.ids);
      this.keys = k2;
      this.ids = i2;
    }
    const p = this.position(key, id);
    this.keys.copyWithin(p + 1, p, this.n);
    this.ids.copyWithin(p + 1, p, this.n);
    this.keys[p] = key;
    this.ids[p] = id;
    this.n++;
  }

  remove(id: number, key: number): void {
    const p = this.position(key, id);
    if (p >= this.n || this.ids[p] !== id || this.keys[p] !== key) {
      throw new Error(`FitIndex: node ${id} with key ${key} is not indexed`);
    }
    this.keys.copyWithin(p, p + 1, this.n);
    this.ids.copyWithin(p, p + 1, this.n);
    this.n--;
  }
}
