import { UserError } from '../core/errors.js';
import type { Allocation, PoolSpec, Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { LeaseHeap } from './lease-heap.js';
import type { ClusterRef } from './pools.js';
import type { FairShare } from './quota.js';
import type { RecentlyEnded } from './recent.js';
import { TenantCounts } from './tenant-counts.js';
import { PREEMPTION_RETENTION, PRUNE_CHUNK, type StoredAllocation } from './store.js';
import { errorText, type Tx } from './runtime.js';
import type { AllocationInfo, PreemptionKind, PreemptionRecord } from './types.js';

/** What the scheduler keeps about a live allocation besides the cluster's own record. */
interface AllocMeta {
  readonly startMs: number;
  leaseExpiryMs: number | null;
  /** The LeaseHeap entry of the current lease (entries of earlier leases, or of an earlier allocation with this id, are stale). */
  leaseSeq: number;
  readonly borrowed: boolean;
}

/**
 * The books of live allocations: lease records and deadlines, tenant usage (FairShare), the
 * preemption log and the ended-ids memory. Each method is one transition of an allocation
 * (started, renewed, ended, evicted, expired) and keeps all of these, the operation's store
 * changes and its events in step with the cluster.
 */
export class AllocationBook {
  private readonly meta = new Map<string, AllocMeta>();
  /**
   * Lease deadlines. Entries of leases renewed or ended early stay until they reach the top, or
   * until they outnumber the live leases twice over (then `compactLeases` drops them), so a long
   * lease released early (1 h, released after a second) or renewed often costs nothing after it.
   */
  private readonly leases = new LeaseHeap();
  /** Live allocations with a lease (the heap's entries that are not stale). */
  private leased = 0;
  /** The newest preemption records (at most `preemptionLimit`, pruned in chunks), oldest first. */
  private readonly preemptionLog: PreemptionRecord[] = [];
  /** Position of `preemptionLog[0]` in the whole log (the records before it were pruned). */
  private preemptionsBefore = 0;
  /** Live allocations per tenant (kept with `meta`: the service's per-tenant limit reads it on every POST). */
  private readonly perTenant = new TenantCounts();

  constructor(
    private readonly cluster: ClusterRef,
    private readonly space: ResourceSpace,
    private readonly fair: FairShare | undefined,
    private readonly ended: RecentlyEnded,
    /** How many preemption records `preemptions()` keeps. */
    private readonly preemptionLimit: number = PREEMPTION_RETENTION,
  ) {}

  /** Re-enter stored allocations (on a cluster whose nodes are already restored) and the preemption log (`before`: the position of its first record). */
  restore(allocations: readonly StoredAllocation[], preemptions: readonly PreemptionRecord[], where: string, before = 0): void {
    const state = this.cluster.state;
    // Each lease keeps its number (its place among equal deadlines, as before the restart). A store
    // written before the numbers were kept: its leases before every numbered one, in its order,
    // numbered below -1 (-1 marks an allocation without a lease: a stale entry must never match it).
    let unnumbered = -1 - allocations.filter((a) => a.leaseExpiryMs !== null && a.leaseSeq === undefined).length;
    for (const a of allocations) {
      try {
        state.allocate(a.request, a.nodeId, a.startMs / 1000, a.id, a.devices);
      } catch (e) {
        throw new UserError(`${where}: cannot restore allocation '${a.id}' on node ${a.nodeId}: ${errorText(e)}`);
      }
      state.renew(a.id, a.leaseExpiryMs === null ? Infinity : a.leaseExpiryMs / 1000);
      const leaseSeq = a.leaseExpiryMs === null ? -1 : this.pushLease(a.leaseExpiryMs, a.id, true, a.leaseSeq ?? unnumbered++);
      this.meta.set(a.id, { startMs: a.startMs, leaseExpiryMs: a.leaseExpiryMs, leaseSeq, borrowed: a.borrowed });
      this.perTenant.add(a.request.tenant);
      this.fair?.add(a.request.tenant, a.request.demand);
    }
    this.preemptionsBefore = before;
    for (const r of preemptions) this.logPreemption(r);
  }

  /** The preemption log's newest records, oldest first (a copy). */
  preemptions(): PreemptionRecord[] {
    return [...this.preemptionLog];
  }

  /** The same records, read-only, with the position of the first one in the whole log (list cursors). */
  preemptionWindow(): { readonly first: number; readonly records: readonly PreemptionRecord[] } {
    return { first: this.preemptionsBefore, records: this.preemptionLog };
  }

  /** Append to the preemption log; past its limit (+ a chunk) the oldest records go. */
  private logPreemption(r: PreemptionRecord): void {
    this.preemptionLog.push(r);
    const limit = this.preemptionLimit;
    if (this.preemptionLog.length >= limit + Math.min(PRUNE_CHUNK, Math.max(1, limit))) {
      const drop = this.preemptionLog.length - limit;
      this.preemptionLog.splice(0, drop);
      this.preemptionsBefore += drop;
    }
  }

  /** Live allocations of `tenant` (O(1)). */
  countOf(tenant: string): number {
    return this.perTenant.of(tenant);
  }

  /** Admitted above its tenant's guaranteed share, so reclaimable by owners under guarantee. */
  isBorrowed(id: string): boolean {
    return this.meta.get(id)?.borrowed === true;
  }

  info(a: Allocation): AllocationInfo {
    const state = this.cluster.state;
    const m = this.meta.get(a.id);
    const pool = state.pools[state.nodePool(a.nodeId)] as PoolSpec;
    return {
      id: a.id,
      tenant: a.request.tenant,
      pool: pool.name,
      node: state.nodeName(a.nodeId),
      nodeId: a.nodeId,
      demand: this.space.record(a.request.demand),
      priority: a.request.priority,
      preemptible: a.request.preemptible === true,
      borrowed: m?.borrowed ?? false,
      startMs: m?.startMs ?? Math.round(a.start * 1000),
      leaseExpiryMs: m === undefined ? (Number.isFinite(a.leaseExpiry) ? Math.round(a.leaseExpiry * 1000) : null) : m.leaseExpiryMs,
      ...(a.devices !== undefined && a.devices.length > 0 ? { devices: [...a.devices] } : {}),
    };
  }

  /** Live allocations, optionally of one tenant and/or one pool (none for an unknown pool). */
  list(filter: { tenant?: string; pool?: string }): AllocationInfo[] {
    const state = this.cluster.state;
    const out: AllocationInfo[] = [];
    const pool = filter.pool === undefined ? -1 : state.poolIndex(filter.pool);
    if (filter.pool !== undefined && pool < 0) return out;
    for (const a of state.allocations()) {
      if (filter.tenant !== undefined && a.request.tenant !== filter.tenant) continue;
      if (pool >= 0 && state.nodePool(a.nodeId) !== pool) continue;
      out.push(this.info(a));
    }
    return out;
  }

  /** Book an allocation the cluster just started: lease, quota usage, store, `allocated` event. */
  start(tx: Tx, a: Allocation, leaseMs: number | null, fromQueue: boolean): void {
    const borrowed = this.fair?.wouldBorrow(a.request.tenant, a.request.demand) ?? false;
    this.fair?.add(a.request.tenant, a.request.demand);
    const leaseExpiryMs = leaseMs === null ? null : tx.now + leaseMs;
    const leaseSeq = leaseExpiryMs === null ? -1 : this.pushLease(leaseExpiryMs, a.id, true);
    this.meta.set(a.id, { startMs: tx.now, leaseExpiryMs, leaseSeq, borrowed });
    this.perTenant.add(a.request.tenant);
    tx.started.add(a.id);
    if (leaseExpiryMs !== null) {
      if (a.leaseExpiry !== leaseExpiryMs / 1000) this.cluster.state.renew(a.id, leaseExpiryMs / 1000);
    }
    const stored: StoredAllocation = {
      id: a.id,
      request: a.request,
      nodeId: a.nodeId,
      startMs: tx.now,
      leaseExpiryMs,
      borrowed,
      ...(a.devices !== undefined ? { devices: a.devices } : {}),
      ...(leaseExpiryMs !== null ? { leaseSeq } : {}),
    };
    tx.changes.push({ kind: 'put-allocation', allocation: stored });
    if (tx.listens('allocated')) {
      const info = this.info(this.cluster.state.allocation(a.id) as Allocation);
      tx.emit('allocated', { allocation: info, fromQueue });
    }
  }

  /** Set a live allocation's lease to end `durationMs` from now; undefined if there is no such allocation. */
  renew(tx: Tx, id: string, durationMs: number): AllocationInfo | undefined {
    const state = this.cluster.state;
    const a = state.allocation(id);
    const m = this.meta.get(id);
    if (a === undefined || m === undefined) return undefined;
    const expiry = tx.now + Math.round(durationMs);
    m.leaseSeq = this.pushLease(expiry, id, m.leaseExpiryMs === null);
    m.leaseExpiryMs = expiry;
    state.renew(id, expiry / 1000);
    tx.changes.push({ kind: 'lease', id, leaseExpiryMs: expiry, leaseSeq: m.leaseSeq });
    const info = this.info(state.allocation(id) as Allocation);
    tx.emit('renewed', { allocation: info });
    return info;
  }

  /** Release a live allocation (released or expired) and book it; the caller emits the event. */
  end(tx: Tx, a: Allocation, how: 'released' | 'expired'): AllocationInfo {
    const info = this.info(a);
    this.cluster.state.release(a.id);
    this.forget(a);
    tx.changes.push({ kind: 'delete-allocation', id: a.id });
    this.ended.remember(a.id, a.request.tenant, how, tx.now);
    return info;
  }

  /**
   * Push a lease deadline (`added`: one more live allocation has a lease), dropping stale entries
   * first when they pile up. Returns its sequence number (stored with the lease: `seq` restores it).
   */
  private pushLease(at: number, id: string, added: boolean, seq?: number): number {
    if (added) this.leased++;
    if (this.leases.size > 2 * this.leased + 64) this.compactLeases();
    return this.leases.push(at, id, seq);
  }

  /** Drop the heap entries of leases renewed or ended since they were pushed. */
  private compactLeases(): void {
    this.leases.compact((id, seq) => this.meta.get(id)?.leaseSeq === seq);
  }

  /** Entries in the lease heap, stale ones included (tests). */
  get leaseEntries(): number {
    return this.leases.size;
  }

  /** The earliest lease deadline in the heap (clock ms), Infinity if none; it may be stale (renewed or ended since), which `expire` skips. */
  nextExpiryAt(): number {
    return this.leases.peek()?.at ?? Infinity;
  }

  /**
   * Release (and report `expired`) every allocation whose lease ends by `asOf`; with `before`,
   * only those whose lease ended strictly before it (what every operation at `asOf` does first).
   */
  expire(tx: Tx, asOf: number, before = false): AllocationInfo[] {
    const out: AllocationInfo[] = [];
    for (;;) {
      const top = this.leases.peek();
      if (top === undefined || top.at > asOf || (before && top.at === asOf)) break;
      this.leases.pop();
      const m = this.meta.get(top.id);
      const a = this.cluster.state.allocation(top.id);
      if (m === undefined || a === undefined || m.leaseSeq !== top.seq) continue; // renewed or gone
      const info = this.end(tx, a, 'expired');
      out.push(info);
      tx.emit('expired', { allocation: info });
    }
    return out;
  }

  /** Book an allocation already released from the cluster as preempted for `forReq`. */
  evicted(tx: Tx, a: Allocation, forReq: Request, kind: PreemptionKind, reason: string): PreemptionRecord {
    const info = this.info(a);
    this.forget(a);
    const record: PreemptionRecord = {
      allocationId: a.id,
      tenant: a.request.tenant,
      pool: info.pool,
      node: info.node,
      forRequestId: forReq.id,
      forTenant: forReq.tenant,
      kind,
      reason,
      atMs: tx.now,
    };
    this.logPreemption(record);
    const position = this.preemptionsBefore + this.preemptionLog.length - 1;
    tx.changes.push({ kind: 'delete-allocation', id: a.id }, { kind: 'preemption', record, position });
    this.ended.remember(a.id, a.request.tenant, 'preempted', tx.now);
    tx.emit('preempted', { allocation: info, record });
    return record;
  }

  /** Book an allocation its failed node released (`requeued`: its request goes back to the queue, else it ends `lost`). */
  lost(tx: Tx, a: Allocation, requeued: boolean): AllocationInfo {
    const info = this.info(a);
    this.forget(a);
    tx.changes.push({ kind: 'delete-allocation', id: a.id });
    if (!requeued) this.ended.remember(a.id, a.request.tenant, 'lost', tx.now);
    tx.emit('lost', { allocation: info, requeued });
    return info;
  }

  /**
   * The books agree with the cluster: one lease record per allocation, every allocation on an up
   * node, the per-tenant counts equal to a recount, and FairShare's tenant usage equal to the sum
   * of the tenant's allocations.
   */
  checkInvariants(fail: (msg: string) => never): void {
    const state = this.cluster.state;
    if (this.meta.size !== state.allocationCount) fail(`${this.meta.size} lease records for ${state.allocationCount} allocations`);
    const usage = new Map<string, number[]>();
    for (const a of state.allocations()) {
      if (!this.meta.has(a.id)) fail(`allocation ${a.id} has no lease record`);
      if (state.nodeStatus(a.nodeId) !== 'up') fail(`allocation ${a.id} runs on a ${state.nodeStatus(a.nodeId)} node`);
      const u = usage.get(a.request.tenant) ?? new Array<number>(this.space.size).fill(0);
      a.request.demand.forEach((v, d) => (u[d] = (u[d] as number) + v));
      usage.set(a.request.tenant, u);
    }
    this.perTenant.check(tenantsOf(state.allocations()), 'live allocations', fail);
    if (this.fair !== undefined) {
      for (const [t, u] of this.fair.tenants()) {
        const want = usage.get(t) ?? new Array<number>(this.space.size).fill(0);
        for (let d = 0; d < u.length; d++) if (Math.abs((u[d] as number) - (want[d] as number)) > 1e-6) fail(`tenant ${t} usage ${u[d]} != ${want[d]} in ${this.space.names[d]}`);
      }
    }
  }

  private forget(a: Allocation): void {
    const m = this.meta.get(a.id);
    if (m !== undefined && m.leaseExpiryMs !== null) this.leased--;
    if (this.meta.delete(a.id)) this.perTenant.remove(a.request.tenant);
    this.fair?.remove(a.request.tenant, a.request.demand);
  }
}

function* tenantsOf(allocations: Iterable<Allocation>): Iterable<string> {
  for (const a of allocations) yield a.request.tenant;
}
