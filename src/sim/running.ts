import type { Allocation } from '../core/model.js';
import type { Kernel } from './kernel.js';
import type { SimLeases } from './leases.js';
import type { SimEntry } from './sim-queue.js';

/** Kernel events. Arrivals do not go through the heap: they are pulled from the stream in order. */
export type SimEvent =
  | { readonly k: 'end'; readonly a: Allocation; readonly expired: boolean }
  | { readonly k: 'nodeReady'; readonly node: number }
  | { readonly k: 'scale' }
  | { readonly k: 'failure'; readonly run: () => void }
  | { readonly k: 'renew'; readonly i: number };

export interface Running {
  readonly idx: number;
  readonly entry: SimEntry;
  /** The end event scheduled last (a renewal schedules a new one; older ones are stale). */
  end?: SimEvent;
}

/**
 * The replay's running work, by allocation id, in start order (`reorderEnds` may reorder it), and
 * when each ends: the one end event per allocation that counts; every older one is void.
 */
export class RunningWork extends Map<string, Running> {
  constructor(
    private readonly kernel: Kernel<SimEvent>,
    private readonly leases: SimLeases,
  ) {
    super();
  }

  /** The event that ends `a`: its lease expiry if that comes before the work is done, else its completion. */
  scheduleEnd(a: Allocation, run: Running): void {
    const end = a.start + a.request.duration;
    this.leases.started(a);
    run.end = a.leaseExpiry < end ? { k: 'end', a, expired: true } : { k: 'end', a, expired: false };
    this.kernel.schedule(a.leaseExpiry < end ? a.leaseExpiry : end, run.end);
  }

  /** `run`'s end event again, at the same time: it now comes after the events scheduled before it (`reorderEnds`). */
  rescheduleEnd(run: Running): void {
    const { a, expired } = run.end as Extract<SimEvent, { k: 'end' }>;
    run.end = { k: 'end', a, expired };
    this.kernel.schedule(Math.min(a.leaseExpiry, a.start + a.request.duration), run.end);
  }

  /** Whether the end event `e` is void: its work was evicted, ended or renewed since. */
  isStale(e: Extract<SimEvent, { k: 'end' }>): boolean {
    return this.get(e.a.id)?.end !== e;
  }
}
