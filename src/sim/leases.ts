import type { ClusterState } from '../core/cluster.js';
import { UserError } from '../core/errors.js';
import type { Allocation } from '../core/model.js';
import { Kernel } from './kernel.js';

/** A trace's lease renewal: at time `at` (s), the running request `request` gets a lease ending `duration` s later. */
export interface LeaseRenewal {
  readonly at: number;
  readonly request: string;
  readonly duration: number;
}

/** Check a renewal list; a bad entry is a UserError naming `renewals[i].<field>`. */
export function checkRenewals(renewals: readonly LeaseRenewal[]): void {
  renewals.forEach((r, i) => {
    if (!(Number.isFinite(r.at) && r.at >= 0)) throw new UserError(`renewal ${i}: 'at' must be a time ≥ 0 in seconds, got ${r.at}`, { field: `renewals[${i}].at` });
    if (!(Number.isFinite(r.duration) && r.duration > 0)) throw new UserError(`renewal ${i}: 'duration' must be a positive number of seconds, got ${r.duration}`, { field: `renewals[${i}].duration` });
    if (typeof r.request !== 'string' || r.request === '') throw new UserError(`renewal ${i}: 'request' must name a request id`, { field: `renewals[${i}].request` });
  });
}

const NONE: readonly number[] = [];

interface LeaseEntry {
  readonly id: string;
}

/**
 * The simulator's leases. Deadlines are kept in the order production's `AllocationBook` keeps
 * them: by expiry, then in the order the leases were set (start or renewal); a lease expiry
 * releases every lease due by then in that order, before one scheduling pass, as production's
 * `tick()` does. Entries are never removed early: a renewed or ended allocation's entry is
 * skipped when it comes to the top. With renewals, it also knows which allocation runs each
 * request (what a renewal names).
 */
export class SimLeases {
  private readonly heap = new Kernel<LeaseEntry>(0);
  /** Each leased allocation's current entry (older ones, and those of ended work, are stale). */
  private readonly current = new Map<string, LeaseEntry>();
  /** With renewals: request id → its running allocation's id, and the ids that arrived. */
  private readonly byRequest: Map<string, string> | undefined;
  private readonly arrivedIds: Set<string> | undefined;
  /** With renewals: request id → the kernel events of its renewals (withdrawn once it has ended for good). */
  private readonly renewalEvents: Map<string, number[]> | undefined;

  constructor(readonly renewals: readonly LeaseRenewal[] = []) {
    checkRenewals(renewals);
    if (renewals.length > 0) {
      this.byRequest = new Map();
      this.arrivedIds = new Set();
      this.renewalEvents = new Map();
    }
  }

  /** Schedule every renewal through `schedule` (which returns the kernel event's id). */
  scheduleRenewals(schedule: (at: number, i: number) => number): void {
    this.renewals.forEach((r, i) => {
      const ev = schedule(r.at, i);
      const list = this.renewalEvents?.get(r.request);
      if (list === undefined) this.renewalEvents?.set(r.request, [ev]);
      else list.push(ev);
    });
  }

  /**
   * Request `id` ended for good (completed, expired or rejected): the kernel events of its
   * renewals, to withdraw. They would renew nothing (production answers not-found), but a void
   * event still moves the clock: one after the last work stretched the run, and every node's bill.
   */
  over(id: string): readonly number[] {
    const list = this.renewalEvents?.get(id);
    if (list === undefined) return NONE;
    this.renewalEvents?.delete(id);
    return list;
  }

  arrived(id: string): void {
    this.arrivedIds?.add(id);
  }

  /** `a` started or was renewed: record its lease if it can end the allocation (before or when the work ends). */
  started(a: Allocation): void {
    this.byRequest?.set(a.request.id, a.id);
    if (Number.isFinite(a.leaseExpiry) && a.leaseExpiry <= a.start + a.request.duration) {
      const entry: LeaseEntry = { id: a.id };
      this.current.set(a.id, entry);
      this.heap.schedule(a.leaseExpiry, entry);
    } else this.current.delete(a.id);
  }

  ended(a: Allocation): void {
    this.byRequest?.delete(a.request.id);
    this.current.delete(a.id);
  }

  /** The live allocations whose lease ends by `now`, in deadline order. */
  due(state: ClusterState, now: number): Allocation[] {
    const out: Allocation[] = [];
    while (this.heap.peek() <= now) {
      const entry = this.heap.step() as LeaseEntry;
      const a = this.current.get(entry.id) === entry ? state.allocation(entry.id) : undefined;
      if (a !== undefined) {
        out.push(a);
        this.current.delete(a.id);
      }
    }
    return out;
  }

  /** The allocation renewal `i` applies to (undefined: the request is queued or ended). */
  target(i: number): string | undefined {
    const r = this.renewals[i] as LeaseRenewal;
    const id = this.byRequest?.get(r.request);
    if (id === undefined && this.arrivedIds?.has(r.request) !== true) {
      throw new UserError(`renewal ${i} at ${r.at}s names request '${r.request}', which has not arrived by then`, { field: `renewals[${i}].request` });
    }
    return id;
  }
}
