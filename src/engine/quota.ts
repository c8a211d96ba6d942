import type { ClusterState, ClusterView } from '../core/cluster.js';
import { eligiblePools } from '../core/eligibility.js';
import { FreedRoom, neededVictims } from '../core/freed-room.js';
import type { Allocation, Request } from '../core/model.js';
import { PRIORITY_RANK } from '../core/priority.js';
import { EPSILON, type ResourceSpace, type ResourceVector } from '../core/resources.js';
import type { Rejection } from '../core/rejection.js';

/** A rejection with whether waiting can help (the pass keeps a non-permanent one in the queue). */
export interface QuotaRejection extends Rejection {
  readonly permanent: boolean;
}

/**
 * Fair-share quotas per tenant.
 *
 * Shares are fractions (0..1) of the cluster's capacity C_d: the sum over all up nodes of every
 * pool, per dimension. For tenant t with usage U_t (Σ demand of its live allocations):
 *
 * - **Maximum.** A request of demand q is admitted only if U_t,d + q_d ≤ max_t,d · C_d for every
 *   dimension d with q_d > 0. Otherwise it is refused with code `quota` (it may wait in the queue;
 *   it is permanent when q_d > max_t,d · K_d alone, K being the capacity the pools reach as
 *   configured: every node up and each pool at its largest size. A limit that shrank because a
 *   node failed or a pool is scaled down grows back, so work over it waits instead).
 * - **Guarantee and borrowing.** Capacity is not reserved: idle capacity is lent to anyone under
 *   their maximum. A tenant's *guaranteed dimensions* G_t are those with a guaranteed share > 0
 *   (e.g. only `gpu`). A request is *covered* by the guarantee when it demands some d ∈ G_t and
 *   U_t,d + q_d ≤ guaranteed_t,d · C_d for every d ∈ G_t it demands; other dimensions (the cpu
 *   and memory a GPU job also needs) do not count. An allocation admitted uncovered is
 *   *borrowed*; the flag is stored with it.
 * - **Reclaim (borrowed capacity is preempted first).** When a covered request cannot be placed
 *   (`wait`) and fits no node it may use as things stand (room already free is the allocator's to
 *   give), the scheduler evicts *reclaimable* allocations of other tenants: borrowed ones that
 *   either demand none of their tenant's guaranteed dimensions, or whose tenant is still above its
 *   guarantee in some guaranteed dimension. Whatever their preemptible flag: borrowed capacity was
 *   lent, not given; but never work of strictly higher priority than the reclaiming request
 *   (priority preemption would take it straight back, and the two would evict each other for
 *   ever). On each eligible node the victims are taken youngest first
 *   (least work lost), re-checking before each that it is still reclaimable once the victims
 *   already chosen are gone, until the request fits (on a GPU device node: the devices it needs,
 *   not the scalar sum; core/freed-room.ts), then every victim the request fits without is spared
 *   again (`neededVictims`, the last taken first); the node needing the fewest victims wins (ties:
 *   lowest node id). A node whose victims cannot make it fit evicts nothing.
 *   Reclaim is tried before priority preemption, so an owner under its guarantee takes back lent
 *   capacity before anyone's own share is touched.
 *
 * Tenants without an entry get the `default` quota; without one, no guarantee and max 1 (all they
 * hold is borrowed, and they are never limited). Missing dimensions: guarantee 0, max 1.
 */
export interface TenantQuota {
  readonly guaranteed?: Readonly<Record<string, number>>;
  readonly max?: Readonly<Record<string, number>>;
}

export interface QuotaConfig {
  readonly tenants: Readonly<Record<string, TenantQuota>>;
  readonly default?: TenantQuota;
}

export interface Shares {
  readonly guaranteed: Float64Array;
  readonly max: Float64Array;
}

/** A tenant's shares and its live usage vector (`FairShare.account`). */
export interface QuotaAccount {
  readonly s: Shares;
  readonly u: Float64Array;
}

/** The first dimension in which admitting `r` (on top of `extra`) exceeds its tenant's maximum, or -1. */
function firstOverIn(a: QuotaAccount, r: Request, extra: ArrayLike<number> | undefined, capacity: Float64Array): number {
  const { s, u } = a;
  for (let d = 0; d < u.length; d++) {
    const q = r.demand[d] as number;
    if (q <= 0) continue;
    const held = (u[d] as number) + (extra === undefined ? 0 : (extra[d] as number));
    if (held + q > (s.max[d] as number) * (capacity[d] as number) + EPSILON) return d;
  }
  return -1;
}

/**
 * Why the named tenants' guarantees cannot all hold at once (for some dimension they sum to more
 * than 1), or undefined. Scenario and serve config files refuse such quotas; the library accepts
 * them (guarantees are then honoured first come; drs-compat holds unavailable units that way).
 * `default` is left out: it applies to every unnamed tenant, however many there are.
 */
export function overcommittedGuarantees(dimensions: readonly string[], config: Pick<QuotaConfig, 'tenants'>): string | undefined {
  for (const dim of dimensions) {
    let sum = 0;
    const parts: string[] = [];
    for (const [tenant, q] of Object.entries(config.tenants ?? {})) {
      const g = q.guaranteed?.[dim] ?? 0;
      if (!(g > 0)) continue;
      sum += g;
      parts.push(`${tenant} ${g}`);
    }
    if (sum > 1 + EPSILON) return `the guaranteed shares of ${dim} sum to ${+sum.toFixed(6)} (${parts.join(', ')}); at most 1 can be honoured at once`;
  }
  return undefined;
}

export class FairShare {
  private readonly shares = new Map<string, Shares>();
  private readonly fallback: Shares;
  private readonly usage = new Map<string, Float64Array>();
  /** Each tenant's shares and usage vector (both kept for good), found with one lookup: the pass checks every waiting request. */
  private readonly accounts = new Map<string, QuotaAccount>();
  private capacity: Float64Array;
  private ceiling: Float64Array;

  constructor(
    private readonly space: ResourceSpace,
    config: QuotaConfig,
  ) {
    for (const [tenant, q] of Object.entries(config.tenants)) this.shares.set(tenant, this.toShares(q, `quotas.tenants.${tenant}`));
    this.fallback = this.toShares(config.default ?? {}, 'quotas.default');
    this.capacity = new Float64Array(space.size);
    this.ceiling = new Float64Array(space.size);
  }

  private toShares(q: TenantQuota, where: string): Shares {
    const D = this.space.size;
    const guaranteed = new Float64Array(D);
    const max = new Float64Array(D).fill(1);
    const fill = (rec: Readonly<Record<string, number>> | undefined, into: Float64Array, what: string): void => {
      for (const [dim, v] of Object.entries(rec ?? {})) {
        const d = this.space.indexOf(dim);
        if (d < 0) throw new RangeError(`${where}.${what}: unknown resource dimension '${dim}' (known: ${this.space.names.join(', ')})`);
        if (!(v >= 0 && v <= 1)) throw new RangeError(`${where}.${what}.${dim}: a share must be between 0 and 1, got ${v}`);
        into[d] = v;
      }
    };
    fill(q.guaranteed, guaranteed, 'guaranteed');
    fill(q.max, max, 'max');
    for (let d = 0; d < D; d++) {
      if ((guaranteed[d] as number) > (max[d] as number)) {
        throw new RangeError(`${where}: guaranteed share of ${this.space.names[d]} (${guaranteed[d]}) exceeds its max (${max[d]})`);
      }
    }
    return { guaranteed, max };
  }

  private sharesOf(tenant: string): Shares {
    return this.shares.get(tenant) ?? this.fallback;
  }

  /**
   * The cluster capacity C (Σ over up nodes) and K, the most the pools reach as configured (see
   * `clusterCapacities`; default C), set by the scheduler whenever nodes change.
   */
  setCapacity(c: ArrayLike<number>, ceiling: ArrayLike<number> = c): void {
    this.capacity = Float64Array.from(c);
    this.ceiling = Float64Array.from(ceiling);
  }

  usageOf(tenant: string): Float64Array {
    let u = this.usage.get(tenant);
    if (u === undefined) {
      u = new Float64Array(this.space.size);
      this.usage.set(tenant, u);
    }
    return u;
  }

  add(tenant: string, demand: ResourceVector): void {
    const u = this.usageOf(tenant);
    for (let d = 0; d < u.length; d++) u[d] = (u[d] as number) + (demand[d] as number);
  }

  remove(tenant: string, demand: ResourceVector): void {
    const u = this.usageOf(tenant);
    for (let d = 0; d < u.length; d++) {
      const v = (u[d] as number) - (demand[d] as number);
      u[d] = v < EPSILON ? 0 : v;
    }
  }

  /**
   * Whether admitting `r` (on top of `extra`) would put its tenant over its maximum: 0 (no), 1 (yes,
   * it may wait) or 2 (yes, for good): `checkMax` without building the rejection (the pass asks
   * this of every waiting request).
   */
  overMax(r: Request, extra?: ArrayLike<number>): 0 | 1 | 2 {
    return this.overMaxIn(this.account(r.tenant), r, extra);
  }

  /** `overMax` with `r`'s tenant's account already at hand (`account`): no lookup by tenant. */
  overMaxIn(a: QuotaAccount, r: Request, extra?: ArrayLike<number>): 0 | 1 | 2 {
    const d = firstOverIn(a, r, extra, this.capacity);
    return d < 0 ? 0 : this.beyondReachIn(a.s, r, d) ? 2 : 1;
  }

  /** A tenant's shares and usage vector (both kept for good, the usage updated in place). */
  account(tenant: string): QuotaAccount {
    let a = this.accounts.get(tenant);
    if (a === undefined) {
      a = { s: this.sharesOf(tenant), u: this.usageOf(tenant) };
      this.accounts.set(tenant, a);
    }
    return a;
  }

  /** A `quota` rejection if admitting `r` (on top of `extra`) would put its tenant over its maximum. */
  checkMax(r: Request, extra?: ArrayLike<number>): QuotaRejection | undefined {
    const d = this.firstOver(r, extra);
    if (d < 0) return undefined;
    const s = this.sharesOf(r.tenant);
    const q = r.demand[d] as number;
    const limit = (s.max[d] as number) * (this.capacity[d] as number);
    const held = (this.usageOf(r.tenant)[d] as number) + (extra === undefined ? 0 : (extra[d] as number));
    const name = this.space.names[d] as string;
    const most = (s.max[d] as number) * Math.max(this.capacity[d] as number, this.ceiling[d] as number);
    const permanent = this.beyondReach(r, d);
    return {
      requestId: r.id,
      code: 'quota',
      permanent,
      resource: name,
      requested: q,
      free: Math.max(0, limit - held),
      capacity: limit,
      message: permanent
        ? `tenant '${r.tenant}' may hold at most ${fmt(most)} ${name} (max share ${s.max[d]}); the request alone needs ${q}`
        : `tenant '${r.tenant}' holds ${fmt(held)} of its ${fmt(limit)} ${name} (max share ${s.max[d]}); ${q} more would exceed it`,
    };
  }

  /** The first dimension in which admitting `r` (on top of `extra`) exceeds the maximum, or -1. */
  private firstOver(r: Request, extra: ArrayLike<number> | undefined): number {
    return firstOverIn(this.account(r.tenant), r, extra, this.capacity);
  }

  /** `r`'s demand in dimension `d` alone exceeds the most its tenant may ever hold there. */
  private beyondReach(r: Request, d: number): boolean {
    return this.beyondReachIn(this.sharesOf(r.tenant), r, d);
  }

  private beyondReachIn(s: Shares, r: Request, d: number): boolean {
    return (r.demand[d] as number) > (s.max[d] as number) * Math.max(this.capacity[d] as number, this.ceiling[d] as number) + EPSILON;
  }

  /** True if admitting `demand` now is covered by the tenant's guarantee (see the rule above). */
  withinGuarantee(tenant: string, demand: ResourceVector): boolean {
    const s = this.sharesOf(tenant);
    const u = this.usageOf(tenant);
    let covered = false;
    for (let d = 0; d < u.length; d++) {
      const g = s.guaranteed[d] as number;
      const q = demand[d] as number;
      if (g <= 0 || q <= 0) continue;
      if ((u[d] as number) + q > g * (this.capacity[d] as number) + EPSILON) return false;
      covered = true;
    }
    return covered;
  }

  /** True if admitting `demand` now is not covered by the guarantee: the allocation is borrowed. */
  wouldBorrow(tenant: string, demand: ResourceVector): boolean {
    return !this.withinGuarantee(tenant, demand);
  }

  /**
   * Whether a borrowed allocation of `tenant` with `demand` may be reclaimed, once `minus` (the
   * victims already chosen from this tenant) is gone: it demands none of the tenant's guaranteed
   * dimensions, or the tenant is above its guarantee in one of them.
   */
  reclaimable(tenant: string, demand: ResourceVector, minus?: ArrayLike<number>): boolean {
    const s = this.sharesOf(tenant);
    const u = this.usageOf(tenant);
    let touchesGuarantee = false;
    for (let d = 0; d < u.length; d++) {
      const g = s.guaranteed[d] as number;
      if (g <= 0) continue;
      if ((demand[d] as number) > 0) touchesGuarantee = true;
      const held = (u[d] as number) - (minus === undefined ? 0 : (minus[d] as number));
      if (held > g * (this.capacity[d] as number) + EPSILON) return true;
    }
    return !touchesGuarantee;
  }

  tenants(): IterableIterator<[string, Float64Array]> {
    return this.usage.entries();
  }
}

/**
 * Victims for reclaiming capacity for `r` (see the rule above), or undefined when no node can be
 * freed that way, or when `r` already fits some node it may use as things stand: it needs no room
 * freed, and victims evicted on another node would be evicted for nothing (the allocator, offered
 * `r` after they were released, could place it where it already fitted and leave their room to
 * someone else). So when a plan is made, its node is the only one `r` fits once the victims are
 * released. `borrowed(a)` says whether an allocation was admitted as borrowed.
 */
export function planReclaim(cluster: ClusterView, fair: FairShare, r: Request, borrowed: (a: Allocation) => boolean): { nodeId: number; victims: Allocation[] } | undefined {
  const elig = eligiblePools(cluster, r);
  if ('rejection' in elig) return undefined;
  if (fitsSomewhere(cluster, r, elig.pools)) return undefined;
  const D = r.demand.length;
  const rank = PRIORITY_RANK[r.priority];
  let best: { nodeId: number; victims: Allocation[] } | undefined;
  for (const p of elig.pools) {
    for (const nodeId of cluster.upNodes(p)) {
      const cands: Allocation[] = [];
      for (const a of cluster.allocationsOn(nodeId)) {
        if (a.request.tenant !== r.tenant && borrowed(a) && PRIORITY_RANK[a.request.priority] >= rank) cands.push(a);
      }
      if (cands.length === 0) continue;
      cands.sort((a, b) => b.start - a.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      // On a GPU device node the victims must free the right devices, not just enough in sum.
      const room = new FreedRoom(cluster, nodeId, r.demand);
      const taken = new Map<string, Float64Array>();
      const picked: Allocation[] = [];
      for (const v of cands) {
        if (room.fits()) break;
        const t = v.request.tenant;
        let minus = taken.get(t);
        if (minus === undefined) {
          minus = new Float64Array(D);
          taken.set(t, minus);
        }
        if (!fair.reclaimable(t, v.request.demand, minus)) continue;
        picked.push(v);
        room.take(v);
        for (let d = 0; d < D; d++) minus[d] = (minus[d] as number) + (v.request.demand[d] as number);
      }
      if (picked.length === 0 || !room.fits()) continue;
      // Spared again: the victims the request fits without. Sparing one leaves its tenant holding
      // more, so the others stay reclaimable.
      const chosen = neededVictims(cluster, nodeId, r.demand, picked);
      if (best === undefined || chosen.length < best.victims.length) best = { nodeId, victims: chosen };
    }
  }
  return best;
}

/** `r` fits, as things stand, on some up node of `pools` (on a GPU device node: its devices). */
function fitsSomewhere(cluster: ClusterView, r: Request, pools: readonly number[]): boolean {
  return pools.some((p) => cluster.firstFit(p, r.demand) >= 0);
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

/**
 * C, the capacity of the up nodes, and K, the most the pools reach as configured: each pool's node
 * capacity times the larger of its maximum size and its nodes that exist (up, booting or failed).
 * FairShare limits admission by C and refuses for good only what exceeds a share of K.
 */
export function clusterCapacities(view: ClusterState): { up: Float64Array; ceiling: Float64Array } {
  const D = view.space.size;
  const up = new Float64Array(D);
  const ceiling = new Float64Array(D);
  // The up nodes of all pools in id order (a merge of the pools' ascending lists): the order the
  // sum was always made in, so C is the same to the last bit; removed node ids are not visited.
  const ups = view.pools.map((_, p) => view.upNodes(p));
  const at = ups.map(() => 0);
  for (;;) {
    let id = -1;
    let from = -1;
    for (let p = 0; p < ups.length; p++) {
      const next = (ups[p] as readonly number[])[at[p] as number];
      if (next !== undefined && (id < 0 || next < id)) [id, from] = [next, p];
    }
    if (from < 0) break;
    at[from] = (at[from] as number) + 1;
    const c = view.capacity(id);
    for (let d = 0; d < D; d++) up[d] = (up[d] as number) + (c[d] as number);
  }
  view.pools.forEach((pool, p) => {
    const existing = view.countNodes(p, 'up') + view.countNodes(p, 'booting') + view.countNodes(p, 'failed');
    const n = Math.max(pool.nodes.max, existing);
    for (let d = 0; d < D; d++) ceiling[d] = (ceiling[d] as number) + n * ((pool.capacity[d] as number | undefined) ?? 0);
  });
  return { up, ceiling };
}
