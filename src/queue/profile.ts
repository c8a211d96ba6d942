import { EPSILON } from '../core/resources.js';

/**
 * A free-capacity profile of one node (or one machine) over future time: a step function,
 * segment i covers [time(i), time(i+1)) and the last segment runs for ever. Built from the
 * capacity free now plus the *expected* releases of running work (start + requested duration),
 * then reservations are carved out of it. Used by conservative backfilling (generic and batch).
 *
 * Every operation is O(segments · dimensions); segments ≤ 1 + releases + 2 · reservations.
 * Storage is flat typed arrays (segment i's free vector at [i·D, (i+1)·D)), grown by doubling.
 */
export class ResourceProfile {
  private times: Float64Array;
  private free: Float64Array;
  private n = 0;
  private readonly D: number;

  /**
   * @param now        the profile's start
   * @param freeNow    capacity free at `now` (per dimension)
   * @param releases   expected releases; an `at` ≤ `now` counts as released at `now`
   */
  constructor(now: number, freeNow: ArrayLike<number>, releases: readonly { readonly at: number; readonly demand: ArrayLike<number> }[]) {
    const D = freeNow.length;
    this.D = D;
    const cap = Math.max(8, 2 * releases.length + 2);
    this.times = new Float64Array(cap);
    this.free = new Float64Array(cap * D);
    this.n = 1;
    this.times[0] = now;
    for (let d = 0; d < D; d++) this.free[d] = freeNow[d] as number;
    const later: { readonly at: number; readonly demand: ArrayLike<number> }[] = [];
    for (const r of releases) {
      if (r.at > now) later.push(r);
      else this.add(0, r.demand, 1);
    }
    later.sort((a, b) => a.at - b.at);
    for (const r of later) {
      const last = this.n - 1;
      if (r.at !== this.times[last]) {
        this.times[this.n] = r.at;
        this.free.copyWithin(this.n * D, last * D, last * D + D);
        this.n++;
      }
      this.add(this.n - 1, r.demand, 1);
    }
  }

  get segments(): number {
    return this.n;
  }

  /** Free capacity at time `t` (≥ the profile's start); a copy. */
  freeAt(t: number): Float64Array {
    const i = this.segmentAt(t);
    return this.free.slice(i * this.D, i * this.D + this.D);
  }

  /** True when `demand` fits in every segment overlapping [start, start + duration). */
  fitsDuring(demand: ArrayLike<number>, start: number, duration: number): boolean {
    let i = this.segmentAt(start);
    const end = start + Math.max(0, duration);
    if (!this.fits(i, demand)) return false;
    for (i++; i < this.n && (this.times[i] as number) < end; i++) if (!this.fits(i, demand)) return false;
    return true;
  }

  /**
   * Earliest start time t ≥ the profile's start at which `demand` fits for `duration` seconds
   * (only segment starts can be the answer), or Infinity if it never fits.
   */
  earliestStart(demand: ArrayLike<number>, duration: number): number {
    const n = this.n;
    const d = Math.max(0, duration);
    let i = 0;
    outer: while (i < n) {
      if (!this.fits(i, demand)) {
        i++;
        continue;
      }
      const start = this.times[i] as number;
      const end = start + d;
      for (let k = i + 1; k < n && (this.times[k] as number) < end; k++) {
        if (!this.fits(k, demand)) {
          i = k + 1;
          continue outer;
        }
      }
      return start;
    }
    return Infinity;
  }

  /** Take `demand` out of [start, start + duration). `start` must be ≥ the profile's start. */
  reserve(demand: ArrayLike<number>, start: number, duration: number): void {
    if (!(duration > 0)) return;
    const i = this.split(start);
    const j = this.split(start + duration);
    for (let k = i; k < j; k++) this.add(k, demand, -1);
  }

  private fits(i: number, demand: ArrayLike<number>): boolean {
    const base = i * this.D;
    for (let d = 0; d < this.D; d++) if ((demand[d] as number) > (this.free[base + d] as number) + EPSILON) return false;
    return true;
  }

  private add(i: number, v: ArrayLike<number>, sign: 1 | -1): void {
    const base = i * this.D;
    for (let d = 0; d < this.D; d++) {
      let x = (this.free[base + d] as number) + sign * (v[d] ?? 0);
      if (x < 0 && x > -EPSILON) x = 0;
      this.free[base + d] = x;
    }
  }

  private segmentAt(t: number): number {
    // Last segment whose start ≤ t (binary search).
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.times[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Make `t` a segment boundary; returns the index of the segment starting at `t`. */
  private split(t: number): number {
    const i = this.segmentAt(t);
    if (this.times[i] === t) return i;
    if ((this.times[i] as number) > t) throw new RangeError(`profile: time ${t} is before the profile's start ${this.times[0]}`);
    if (this.n === this.times.length) {
      const times = new Float64Array(this.n * 2);
      times.set(this.times);
      const free = new Float64Array(this.n * 2 * this.D);
      free.set(this.free);
      this.times = times;
      this.free = free;
    }
    const D = this.D;
    this.times.copyWithin(i + 2, i + 1, this.n);
    this.free.copyWithin((i + 2) * D, (i + 1) * D, this.n * D);
    this.times[i + 1] = t;
    this.free.copyWithin((i + 1) * D, i * D, i * D + D);
    this.n++;
    return i + 1;
  }
}
