import { chooseDevices, devicesFit, gpuShape, milliPerDevice, type GpuShape } from '../core/gpu.js';
import { EPSILON } from '../core/resources.js';

/** A release of running work: when it is expected, its demand, and on a GPU device node its devices. */
export interface ProfileRelease {
  readonly at: number;
  readonly demand: ArrayLike<number>;
  readonly devices?: readonly number[] | undefined;
}

/** The GPU devices of a device node (core/gpu.ts): the demand dimension that is GPUs and each device's free milli now. */
export interface ProfileDevices {
  readonly dim: number;
  readonly freeNow: ArrayLike<number>;
}

/**
 * A free-capacity profile of one node (or one machine) over future time: a step function,
 * segment i covers [time(i), time(i+1)) and the last segment runs for ever. Built from the
 * capacity free now plus the *expected* releases of running work (start + requested duration),
 * then reservations are carved out of it. Used by conservative backfilling (generic and batch).
 *
 * Every operation is O(segments · dimensions); segments ≤ 1 + releases + 2 · reservations.
 * Storage is flat typed arrays (segment i's free vector at [i·D, (i+1)·D)), grown by doubling.
 *
 * On a GPU device node (`devices` given) each segment also keeps every device's free milli, and
 * a demand fits a window only when one device choice fits in *all* of its segments: a share
 * needs one device with that much free throughout, k whole GPUs need k devices idle throughout
 * (the per-device minimum over the window, checked by core/gpu.ts's `devicesFit`). A reservation
 * then takes specific devices. The scalar GPU free alone would promise a 0.8 share on two
 * devices with 0.4 each, or two whole GPUs on four half-used ones. Then `earliestStart` tries
 * every segment start (O(segments² · devices)): a window that fails at segment k may still
 * succeed from a start before k on other devices.
 */
export class ResourceProfile {
  private times: Float64Array;
  private free: Float64Array;
  /** Free milli per device per segment (segment i's devices at [i·G, (i+1)·G)); undefined on a scalar node. */
  private dev: Int32Array | undefined;
  private n = 0;
  private readonly D: number;
  private readonly G: number;
  private readonly gpuDim: number;

  /**
   * @param now        the profile's start
   * @param freeNow    capacity free at `now` (per dimension)
   * @param releases   expected releases; an `at` ≤ `now` counts as released at `now`
   * @param devices    on a GPU device node: its devices (releases then name theirs)
   */
  constructor(now: number, freeNow: ArrayLike<number>, releases: readonly ProfileRelease[], devices?: ProfileDevices) {
    const D = freeNow.length;
    this.D = D;
    this.G = devices?.freeNow.length ?? 0;
    this.gpuDim = devices?.dim ?? -1;
    const cap = Math.max(8, 2 * releases.length + 2);
    this.times = new Float64Array(cap);
    this.free = new Float64Array(cap * D);
    if (devices !== undefined) {
      this.dev = new Int32Array(cap * this.G);
      for (let g = 0; g < this.G; g++) this.dev[g] = devices.freeNow[g] as number;
    }
    this.n = 1;
    this.times[0] = now;
    for (let d = 0; d < D; d++) this.free[d] = freeNow[d] as number;
    const later: ProfileRelease[] = [];
    for (const r of releases) {
      if (r.at > now) later.push(r);
      else this.add(0, r.demand, 1, r.devices);
    }
    later.sort((a, b) => a.at - b.at);
    for (const r of later) {
      const last = this.n - 1;
      if (r.at !== this.times[last]) {
        this.times[this.n] = r.at;
        this.copySegment(last, this.n);
        this.n++;
      }
      this.add(this.n - 1, r.demand, 1, r.devices);
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

  /** True when `demand` fits in every segment overlapping [start, start + duration) (on devices: one device choice for all of them). */
  fitsDuring(demand: ArrayLike<number>, start: number, duration: number): boolean {
    let i = this.segmentAt(start);
    const end = start + Math.max(0, duration);
    if (!this.fits(i, demand)) return false;
    for (i++; i < this.n && (this.times[i] as number) < end; i++) if (!this.fits(i, demand)) return false;
    return this.devicesDuring(demand, start, duration) !== undefined;
  }

  /**
   * On a device node, the devices `demand` would take over [start, start + duration): the default
   * choice (core/gpu.ts `chooseDevices`) among the devices free enough in every segment of the
   * window and, when `alsoFree` is given, in it too (e.g. what is free now); undefined when no
   * choice fits. [] on a scalar node or for a demand without GPUs. Scalar dimensions not checked.
   */
  devicesDuring(demand: ArrayLike<number>, start: number, duration: number, alsoFree?: ArrayLike<number>): readonly number[] | undefined {
    const dev = this.dev;
    if (dev === undefined) return [];
    const shape = gpuShape(demand[this.gpuDim] ?? 0);
    if (shape.kind === 'none') return [];
    const G = this.G;
    const low = new Int32Array(G);
    let i = this.segmentAt(start);
    for (let g = 0; g < G; g++) low[g] = Math.min(dev[i * G + g] as number, alsoFree === undefined ? Infinity : (alsoFree[g] as number));
    const end = start + Math.max(0, duration);
    for (i++; i < this.n && (this.times[i] as number) < end; i++) for (let g = 0; g < G; g++) low[g] = Math.min(low[g] as number, dev[i * G + g] as number);
    return devicesFit(low, shape) ? chooseDevices(low, shape) : undefined;
  }

  /**
   * Earliest start time t ≥ the profile's start at which `demand` fits for `duration` seconds
   * (only segment starts can be the answer), or Infinity if it never fits.
   */
  earliestStart(demand: ArrayLike<number>, duration: number): number {
    const n = this.n;
    const d = Math.max(0, duration);
    if (this.dev !== undefined && gpuShape(demand[this.gpuDim] ?? 0).kind !== 'none') {
      for (let i = 0; i < n; i++) if (this.fitsDuring(demand, this.times[i] as number, d)) return this.times[i] as number;
      return Infinity;
    }
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

  /**
   * Take `demand` out of [start, start + duration). `start` must be ≥ the profile's start. On a
   * device node the GPU share comes from `devices` (default: `devicesDuring`'s choice; a demand
   * that fits no device choice is a bug and throws). Returns the devices taken ([] when none).
   */
  reserve(demand: ArrayLike<number>, start: number, duration: number, devices?: readonly number[]): readonly number[] {
    const taken = devices ?? this.devicesDuring(demand, start, duration);
    if (taken === undefined) throw new RangeError(`profile: no device choice holds ${demand[this.gpuDim]} GPU over [${start}, ${start + duration})`);
    if (!(duration > 0)) return taken;
    const i = this.split(start);
    const j = this.split(start + duration);
    for (let k = i; k < j; k++) this.add(k, demand, -1, taken);
    return taken;
  }

  /** Free milli of each device at time `t` (a copy), or undefined on a scalar node. */
  devicesAt(t: number): Int32Array | undefined {
    if (this.dev === undefined) return undefined;
    const i = this.segmentAt(t);
    return this.dev.slice(i * this.G, (i + 1) * this.G);
  }

  private fits(i: number, demand: ArrayLike<number>): boolean {
    const base = i * this.D;
    for (let d = 0; d < this.D; d++) if ((demand[d] as number) > (this.free[base + d] as number) + EPSILON) return false;
    return true;
  }

  private add(i: number, v: ArrayLike<number>, sign: 1 | -1, devices: readonly number[] | undefined): void {
    const base = i * this.D;
    for (let d = 0; d < this.D; d++) {
      let x = (this.free[base + d] as number) + sign * (v[d] ?? 0);
      if (x < 0 && x > -EPSILON) x = 0;
      this.free[base + d] = x;
    }
    const dev = this.dev;
    if (dev === undefined || devices === undefined || devices.length === 0) return;
    const shape: GpuShape = gpuShape(v[this.gpuDim] ?? 0);
    const m = sign * milliPerDevice(shape);
    for (const g of devices) dev[i * this.G + g] = (dev[i * this.G + g] as number) + m;
  }

  /** Segment `to` := segment `from` (free vector and devices). */
  private copySegment(from: number, to: number): void {
    const D = this.D;
    this.free.copyWithin(to * D, from * D, from * D + D);
    const G = this.G;
    if (this.dev !== undefined) this.dev.copyWithin(to * G, from * G, from * G + G);
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
      if (this.dev !== undefined) {
        const dev = new Int32Array(this.n * 2 * this.G);
        dev.set(this.dev);
        this.dev = dev;
      }
    }
    const D = this.D;
    const G = this.G;
    this.times.copyWithin(i + 2, i + 1, this.n);
    this.free.copyWithin((i + 2) * D, (i + 1) * D, this.n * D);
    if (this.dev !== undefined) this.dev.copyWithin((i + 2) * G, (i + 1) * G, this.n * G);
    this.times[i + 1] = t;
    this.copySegment(i, i + 1);
    this.n++;
    return i + 1;
  }
}
