import type { ClusterView } from '../core/cluster.js';
import { estimatedDuration } from '../core/model.js';

/** Longest duration a feature counts (a production request without an estimate is infinite). */
export const MAX_FEATURE_SECONDS = 1e7;

/** Width a running job (or a pick that starts) gives back, at its requested end. */
export interface Release {
  readonly end: number;
  readonly width: number;
}

/**
 * What `learned-queue` knows of the machine while it builds one order: a copy of the up nodes'
 * free capacity, consumed as picks are made, and the width each running job gives back at its
 * *requested* end (what a scheduler can know; the actual end is unknown until it happens).
 *
 * `timeToFit(width)` is the wait a job of that width would have if it were committed as the
 * head now: the seconds until the free width plus the width released by the running jobs, in
 * order of requested end, reaches it, the way the EASY reservation is computed (protocol rule 4).
 * On a one-node machine (the SWF protocol) this is exact under requested times; on several
 * nodes it adds widths across nodes, an estimate that ignores fragmentation (a job that does
 * not fit now waits at least until the next release).
 */
export class FreeCopy {
  readonly free: Float64Array[] = [];
  capacity = 0;
  freeWidth = 0;
  /** Requested end and width of each running job (and of each pick of this order that starts). */
  private readonly releases: Release[] = [];
  private sorted = true;
  /** The running jobs' releases are read at the first `timeToFit` (most orders never ask). */
  private running = false;

  constructor(
    private readonly view: ClusterView | undefined,
    private readonly dim: number,
    private readonly now = 0,
  ) {
    if (view === undefined) return;
    for (let p = 0; p < view.pools.length; p++) {
      for (const id of view.upNodes(p)) {
        const f = Float64Array.from(view.free(id));
        this.free.push(f);
        this.capacity += view.capacity(id)[dim] ?? 0;
        this.freeWidth += f[dim] ?? 0;
      }
    }
  }

  /** Index of the first node the demand fits on, −1 if none; with no cluster, everything fits. */
  find(demand: readonly number[]): number {
    if (this.capacity === 0) return 0;
    for (let k = 0; k < this.free.length; k++) {
      const f = this.free[k] as Float64Array;
      let ok = true;
      for (let d = 0; d < f.length; d++) if ((demand[d] ?? 0) > (f[d] as number)) ok = false;
      if (ok) return k;
    }
    return -1;
  }

  /** A pick that starts now: its demand leaves the free copy and comes back at its requested end. */
  take(node: number, demand: readonly number[], requested: number): void {
    if (this.capacity === 0) return;
    const f = this.free[node] as Float64Array;
    for (let d = 0; d < f.length; d++) f[d] = (f[d] as number) - (demand[d] ?? 0);
    this.freeWidth -= demand[this.dim] ?? 0;
    this.release(this.now, demand[this.dim] ?? 0, requested);
  }

  /**
   * Seconds until `width` could start (0 when `fitsNow`), capped at MAX_FEATURE_SECONDS; a width
   * the releases never reach (wider than the machine) gets the cap.
   */
  timeToFit(width: number, fitsNow: boolean): number {
    if (fitsNow || this.capacity === 0) return 0;
    this.readRunning();
    if (!this.sorted) {
      this.releases.sort((a, b) => a.end - b.end);
      this.sorted = true;
    }
    let acc = this.freeWidth;
    for (const r of this.releases) {
      acc += r.width;
      if (acc >= width) return Math.min(MAX_FEATURE_SECONDS, Math.max(0, r.end - this.now));
    }
    return MAX_FEATURE_SECONDS;
  }

  /** The running jobs' releases and those of this order's picks so far (in no particular order). */
  allReleases(): readonly Release[] {
    this.readRunning();
    return this.releases;
  }

  private readRunning(): void {
    if (this.running) return;
    this.running = true;
    for (const a of this.view?.allocations() ?? []) this.release(a.start, a.request.demand[this.dim] ?? 0, estimatedDuration(a.request));
  }

  private release(start: number, width: number, requested: number): void {
    if (width <= 0) return;
    this.releases.push({ end: start + Math.min(MAX_FEATURE_SECONDS, Math.max(0, requested)), width });
    this.sorted = false;
  }
}
