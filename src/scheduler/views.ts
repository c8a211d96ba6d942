import type { DependencyState } from '../engine/dependencies.js';
import type { AllocationBook } from './allocations.js';
import type { Pools } from './pools.js';
import type { RecentlyEnded } from './recent.js';
import type { AllocationInfo, RequestStatus } from './types.js';
import type { WaitQueue } from './wait-queue.js';

export type QueuedStatus = Extract<RequestStatus, { status: 'queued' }>;

/**
 * Read-only answers about requests (live, queued, recently ended) from the scheduler's books;
 * nothing here changes state or needs a transaction.
 */
export class SchedulerViews {
  constructor(
    private readonly pools: Pools,
    private readonly book: AllocationBook,
    private readonly queue: WaitQueue,
    private readonly ended: RecentlyEnded,
  ) {}

  /** Live, queued, recently ended, or unknown. */
  status(id: string): RequestStatus {
    const a = this.pools.state.allocation(id);
    if (a !== undefined) return { status: 'allocated', allocation: this.book.info(a) };
    const w = this.queue.get(id);
    if (w !== undefined) {
      return { status: 'queued', requestId: id, tenant: w.request.tenant, enqueuedAtMs: w.enqueuedAtMs, timeoutAtMs: w.timeoutAtMs, position: this.queue.position(w) };
    }
    const e = this.ended.get(id);
    if (e !== undefined) return { status: 'ended', id, tenant: e.tenant, how: e.how, atMs: e.atMs };
    return { status: 'unknown', id };
  }

  getAllocation(id: string): AllocationInfo | undefined {
    const a = this.pools.state.allocation(id);
    return a === undefined ? undefined : this.book.info(a);
  }

  /** Queued requests in arrival order, optionally of one tenant. */
  listQueued(filter: { tenant?: string } = {}): QueuedStatus[] {
    const out: QueuedStatus[] = [];
    this.queue.entries.forEach((w, position) => {
      if (filter.tenant !== undefined && w.request.tenant !== filter.tenant) return;
      out.push({ status: 'queued', requestId: w.request.id, tenant: w.request.tenant, enqueuedAtMs: w.enqueuedAtMs, timeoutAtMs: w.timeoutAtMs, position });
    });
    return out;
  }

  /** Live allocations plus queued requests of `tenant` (the service's per-tenant limit): O(1), from the per-tenant counts. */
  outstanding(tenant: string): number {
    return this.book.countOf(tenant) + this.queue.countOf(tenant);
  }

  /** H1: a dependency's state as the scheduler knows it (queued, live, or recently ended ids). */
  dependency(id: string): { readonly state: DependencyState; readonly how?: string } | undefined {
    if (this.queue.has(id) || this.pools.state.allocation(id) !== undefined) return { state: 'pending' };
    const e = this.ended.get(id);
    if (e === undefined) return undefined;
    return e.how === 'released' ? { state: 'completed' } : { state: 'failed', how: e.how === 'rejected' ? 'was rejected' : e.how };
  }

  /** ResourceScheduler.checkInvariants: the cluster's own check, then the books against it. */
  checkInvariants(): void {
    const state = this.pools.state;
    state.checkInvariants();
    const fail = (msg: string): never => {
      throw new Error(`scheduler invariant: ${msg}`);
    };
    this.book.checkInvariants(fail);
    this.queue.checkInvariants(state, fail);
  }
}
