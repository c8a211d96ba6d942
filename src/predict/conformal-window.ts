/**
 * The last `capacity` errors of one forecast step, in arrival order and in sorted order, so the
 * conformal quantile of a sliding window is a lookup instead of a copy and a sort per query.
 *
 * The predictive policy with `intervals: conformal` (src/autoscale/predictive.ts) adds one error
 * per step h = 1 … H at every closed bin and reads the quantile of every step at every bin: with
 * conformalQuantile that is H sorts of up to `capacity` numbers per bin. Here a push is two binary
 * searches and one shift of the numbers between the error that leaves and the one that enters
 * (at most `capacity`, a memmove's worth), and quantile() reads one index.
 *
 * Exactly conformalQuantile's number. conformalQuantile sorts a copy with (a, b) => a − b, a
 * stable sort: errors the comparator calls equal (the same value, or −0 and 0) keep their arrival
 * order. `sorted` keeps that order too: a new error goes after every error equal to it (upper
 * bound), and the error that leaves, the oldest of the window, is the first of the errors equal to
 * it (lower bound). So `sorted` is, at every moment, the array conformalQuantile would sort, and
 * the same index k − 1 (k = ⌈(n + 1) ℓ⌉, clamped to n) gives the same number, −0 included.
 * (NaN has no place in a sorted order: the policy's errors are y − ŷ of finite forecasts and
 * demand means, and a NaN would make conformalQuantile's own order engine-defined.)
 */
export class ConformalWindow implements Iterable<number> {
  /** Arrival order: a ring once full, the oldest at `head`. */
  private readonly ring: number[] = [];
  private head = 0;
  /** The same errors, ascending; equal ones in arrival order. */
  private readonly sorted: number[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ConformalWindow: capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number {
    return this.sorted.length;
  }

  /** Add an error; past `capacity`, the oldest leaves. */
  push(e: number): void {
    const s = this.sorted;
    if (this.ring.length < this.capacity) {
      this.ring.push(e);
      const j = upperBound(s, e);
      s.splice(j, 0, e);
      return;
    }
    const old = this.ring[this.head] as number;
    this.ring[this.head] = e;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    const i = indexOfOldest(s, old);
    // Where e goes once `old` is out: after the errors equal to it.
    const up = upperBound(s, e);
    if (up > i) {
      const j = up - 1;
      for (let k = i; k < j; k++) s[k] = s[k + 1] as number;
      s[j] = e;
    } else {
      for (let k = i; k > up; k--) s[k] = s[k - 1] as number;
      s[up] = e;
    }
  }

  /** conformalQuantile(errors, level): the ⌈(n + 1) · level⌉-th smallest, the largest when that is past n; NaN when empty. */
  quantile(level: number): number {
    const n = this.sorted.length;
    if (n === 0) return Number.NaN;
    const k = Math.ceil((n + 1) * level);
    return this.sorted[Math.min(k, n) - 1] as number;
  }

  /** The errors, oldest first. */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.ring.length;
    for (let i = 0; i < n; i++) yield this.ring[(this.head + i) % n] as number;
  }
}

/** First index whose value is greater than v (where v goes after its equals). */
function upperBound(s: readonly number[], v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((s[mid] as number) - v > 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Index of `old` in s: the first value not less than it (the oldest of its equals); a scan if that is not it (NaN). */
function indexOfOldest(s: readonly number[], old: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((s[mid] as number) - old < 0) lo = mid + 1;
    else hi = mid;
  }
  if (Object.is(s[lo], old)) return lo;
  const i = s.findIndex((x) => Object.is(x, old));
  if (i < 0) throw new Error(`ConformalWindow: the leaving error ${old} is not in the sorted window`);
  return i;
}
