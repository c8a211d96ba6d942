import type { ScaleStep } from '../autoscale/observe.js';
import { ClusterState, type NodeStatus } from '../core/cluster.js';
import { UserError } from '../core/errors.js';
import { poolUsage } from '../core/pool-usage.js';
import type { Allocation, PoolSpec } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { NodeBilling, type BillingTimes } from './billing.js';
import { clusterCapacities } from './quota.js';
import type { StateChange, StoredState } from './store.js';
import type { Runtime, Tx } from './runtime.js';
import type { PoolInfo, ScaleEvent } from './types.js';

/**
 * Hears, per dimension, the capacity of the up nodes (C) and the most the pools reach as
 * configured (K), as `clusterCapacities` gives them: what fair-share quotas are shares of.
 */
export type CapacityListener = (upCapacity: ArrayLike<number>, ceiling: ArrayLike<number>) => void;

/** The current ClusterState (the object is replaced when a pool is added: read it each time). */
export interface ClusterRef {
  readonly state: ClusterState;
}

/**
 * Pools and nodes: the ClusterState, each pool's primary dimension, and when booting nodes
 * come up. Every node change is recorded in the operation's store changes (and, for nodes
 * coming up or going away, a `scaled` event).
 */
export class Pools implements ClusterRef {
  private constructor(
    private readonly space: ResourceSpace,
    private current: ClusterState,
    private readonly primaries: string[],
    /** Clock ms at which each booting node comes up. */
    private readonly readyAt: Map<number, number>,
    private readonly onCapacityChanged: CapacityListener | undefined,
    /** The scheduler's clock (ms): what `info` bills open intervals up to. */
    private readonly clock: () => number,
    private readonly billing: NodeBilling,
    /** The billing time last stored by a durable read (`durableBilling`); -Infinity if none. */
    private billingStoredMs: number,
  ) {}

  /**
   * Rebuild pools and nodes (ids and statuses) from a stored state; allocations are not placed.
   * `onCapacityChanged` hears the capacities (C and K) now and whenever nodes come up or go away.
   * Nodes keep their billing times; a live node stored without one (a store written before they
   * were kept) is billed from now, and its row gets the time in `backfill` (to commit at start).
   */
  static restore(
    space: ResourceSpace,
    snap: StoredState,
    where: string,
    clock: () => number,
    onCapacityChanged?: CapacityListener,
  ): { pools: Pools; backfill: StateChange[] } {
    snap.pools.forEach((p, i) => {
      if (p.index !== i) throw new UserError(`${where}: pool indexes are not dense (found ${p.index} at position ${i})`);
    });
    const state = new ClusterState(space, snap.pools.map((p) => p.spec));
    const readyAt = new Map<number, number>();
    const billing = new NodeBilling();
    const backfill: StateChange[] = [];
    const now = clock();
    for (const n of snap.nodes) {
      if (n.id !== state.nodeCount) throw new UserError(`${where}: node ids are not dense (expected ${state.nodeCount}, found ${n.id})`);
      state.addNode(n.pool, n.status === 'up' ? 'up' : 'booting');
      if (n.status === 'removed') state.removeNode(n.id);
      else if (n.status === 'failed') state.failNode(n.id);
      else if (n.status === 'booting') readyAt.set(n.id, n.readyAtMs ?? 0);
      const node = n.provisionedAtMs === null && n.status !== 'removed' ? { ...n, provisionedAtMs: now } : n;
      billing.restore(node);
      if (node !== n) backfill.push({ kind: 'node', node });
    }
    // Figures were exported up to this time: billing never restarts behind it (a clock behind the old one's).
    if (snap.billingClockMs !== null) billing.clockAt(snap.billingClockMs);
    const pools = new Pools(
      space,
      state,
      snap.pools.map((p) => p.primary),
      readyAt,
      onCapacityChanged,
      clock,
      billing,
      snap.billingClockMs ?? -Infinity,
    );
    pools.capacityChanged();
    return { pools, backfill };
  }

  get state(): ClusterState {
    return this.current;
  }

  primaryOf(name: string): string | undefined {
    const i = this.current.poolIndex(name);
    return i < 0 ? undefined : this.primaries[i];
  }

  /** Append a pool with its initial nodes up; returns its index. The spec must be valid and its name new. */
  add(tx: Tx, spec: PoolSpec, primary: string): number {
    const pools = [...this.current.pools, spec];
    const index = pools.length - 1;
    this.current = rebuild(this.current, this.space, pools);
    this.primaries.push(primary);
    tx.changes.push({ kind: 'pool', pool: { index, spec, primary } });
    for (let k = 0; k < spec.nodes.initial; k++) {
      const id = this.current.addNode(index, 'up');
      this.billing.provision(index, id, tx.now);
      this.nodeChanged(tx, id, 'up', null);
    }
    this.capacityChanged();
    return index;
  }

  /** The earliest boot time (clock ms) still pending, Infinity if none (a cancelled boot may linger until it falls due: `bootFinished` skips it). */
  nextReadyAt(): number {
    let next = Infinity;
    for (const at of this.readyAt.values()) if (at < next) next = at;
    return next;
  }

  /** Bring up the booting nodes whose boot time has passed; returns how many came up. */
  bootFinished(tx: Tx, upTo = tx.now, strict = false): number {
    let count = 0;
    for (const [id, at] of this.readyAt) {
      if (at > upTo || (strict && at === upTo)) continue;
      this.readyAt.delete(id);
      if (this.current.nodeStatus(id) !== 'booting') continue;
      this.current.bringUp(id);
      const pool = this.current.nodePool(id);
      this.nodeChanged(tx, id, 'up', null);
      tx.emit('scaled', { pool: (this.current.pools[pool] as PoolSpec).name, action: 'up', node: this.current.nodeName(id), nodeId: id, reason: 'boot finished' });
      count++;
    }
    if (count > 0) this.capacityChanged();
    return count;
  }

  /**
   * Apply a scaling plan: provision nodes (booting for the pool's boot time; up at once if it is
   * 0) or remove idle ones. Emits and returns what changed.
   */
  applyScaleSteps(tx: Tx, steps: readonly ScaleStep[]): ScaleEvent[] {
    const state = this.current;
    const out: ScaleEvent[] = [];
    for (const s of steps) {
      if (s.kind === 'provision') {
        const spec = state.pools[s.pool] as PoolSpec;
        const up = spec.bootSeconds <= 0;
        const id = state.addNode(s.pool, up ? 'up' : 'booting');
        const readyAtMs = up ? null : tx.now + spec.bootSeconds * 1000;
        if (readyAtMs !== null) this.readyAt.set(id, readyAtMs);
        this.billing.provision(s.pool, id, tx.now);
        this.nodeChanged(tx, id, up ? 'up' : 'booting', readyAtMs);
        out.push({ pool: spec.name, action: 'provision', node: state.nodeName(id), nodeId: id, reason: s.reason });
        if (up) out.push({ pool: spec.name, action: 'up', node: state.nodeName(id), nodeId: id, reason: 'no boot time' });
      } else {
        const pool = state.nodePool(s.nodeId);
        state.removeNode(s.nodeId);
        this.readyAt.delete(s.nodeId);
        const times = this.billing.remove(pool, s.nodeId, tx.now);
        this.nodeChanged(tx, s.nodeId, 'removed', null, times);
        out.push({ pool: (state.pools[pool] as PoolSpec).name, action: 'remove', node: state.nodeName(s.nodeId), nodeId: s.nodeId, reason: s.reason });
      }
    }
    for (const ev of out) tx.emit('scaled', ev);
    if (out.length > 0) this.capacityChanged();
    return out;
  }

  /**
   * The node `node` (its name, else its id as a number or a string of digits) of pool `pool`;
   * undefined when there is no such pool or the node is not one of its nodes.
   */
  find(pool: string, node: string | number): { index: number; id: number } | undefined {
    const state = this.current;
    const index = state.poolIndex(pool);
    if (index < 0) return undefined;
    const named = typeof node === 'string' ? state.findNode(index, node) : -1;
    if (named >= 0) return { index, id: named };
    const id = typeof node === 'number' ? node : /^\d{1,9}$/.test(node) ? Number(node) : -1;
    return Number.isInteger(id) && id >= 0 && id < state.nodeCount && state.nodePool(id) === index ? { index, id } : undefined;
  }

  /**
   * The up node `id` fails: it takes no more work and the allocations on it are released (by
   * ClusterState's rule, the one the simulator's failures use); returns them, in the node's order.
   */
  fail(tx: Tx, id: number): Allocation[] {
    const lost = this.current.failNode(id);
    this.nodeChanged(tx, id, 'failed', null);
    this.capacityChanged();
    return lost;
  }

  /** The failed node `id` is up again. */
  repair(tx: Tx, id: number): void {
    this.current.bringUp(id);
    this.nodeChanged(tx, id, 'up', null);
    this.capacityChanged();
  }

  /** Record node `id`'s new status (with its billing times: a removed node's come from `NodeBilling.remove`) in the operation's store changes. */
  private nodeChanged(tx: Tx, id: number, status: NodeStatus, readyAtMs: number | null, times?: BillingTimes): void {
    const pool = this.current.nodePool(id);
    tx.changes.push({ kind: 'node', node: { id, pool, status, readyAtMs, ...(times ?? this.billing.times(pool, id)) } });
  }

  /** Nodes billing keeps an entry for (tests: it follows the nodes not removed, not every node the pools ever had). */
  get billedNodeEntries(): number {
    return this.billing.trackedNodes;
  }

  /** Tell the listener the up nodes' capacity and the pools' ceiling (what fair-share quotas are shares of). */
  private capacityChanged(): void {
    if (this.onCapacityChanged === undefined) return;
    const { up, ceiling } = clusterCapacities(this.current);
    this.onCapacityChanged(up, ceiling);
  }

  /**
   * For figures that must never go down across a restart (the exported counters): the time to
   * bill them at, and the store change that keeps it (to be durable before they are shown). At
   * most one change per second: within a second of the time last stored, they are billed at it.
   */
  durableBilling(nowMs: number): { atMs: number; change: StateChange | undefined } {
    const at = this.billing.clockAt(nowMs);
    if (at - this.billingStoredMs < 1000) return { atMs: this.billingStoredMs, change: undefined };
    this.billingStoredMs = at;
    return { atMs: at, change: { kind: 'billing-clock', atMs: at } };
  }

  /** ResourceScheduler.listPoolsDurably: every pool, billed as of a time made durable first (`durableBilling`); as now when that fails. */
  async infosDurably(runtime: Runtime): Promise<PoolInfo[]> {
    const asNow = (): PoolInfo[] => this.state.pools.map((_p, i) => this.info(i));
    if (!runtime.healthy) return asNow();
    const { atMs, change } = this.durableBilling(runtime.now());
    try {
      if (change !== undefined) runtime.append([change]);
      await runtime.durable();
    } catch {
      return asNow();
    }
    return this.state.pools.map((_p, i) => this.info(i, atMs));
  }

  /** Pool `i` now; its billing as of `billedAtMs` if given (a time billing's clock has reached: `durableBilling`). */
  info(i: number, billedAtMs?: number): PoolInfo {
    const state = this.current;
    const spec = state.pools[i] as PoolSpec;
    const { capacity: cap, used, allocations } = poolUsage(state, i);
    const up = state.upNodes(i);
    return {
      name: spec.name,
      primary: this.primaries[i] as string,
      nodeCapacity: this.space.record(spec.capacity),
      nodes: { ...spec.nodes, up: up.length, booting: state.countNodes(i, 'booting'), failed: state.countNodes(i, 'failed') },
      pricePerHour: spec.pricePerHour,
      latencyMs: spec.latencyMs,
      bootSeconds: spec.bootSeconds,
      labels: spec.labels,
      capacity: this.space.record(cap),
      allocated: this.space.record(used.map((v) => (Math.abs(v) < 1e-9 ? 0 : v))),
      // No capacity of a dimension (the nodes have none, or none is up): no utilization, as in the simulator's series.
      utilization: Object.fromEntries(this.space.names.map((n, d) => [n, (cap[d] as number) > 0 ? (used[d] as number) / (cap[d] as number) : null])),
      allocations,
      billing: billedAtMs === undefined ? this.billing.pool(i, spec.pricePerHour, this.clock()) : this.billing.poolAt(i, spec.pricePerHour, billedAtMs),
    };
  }
}

/** A copy of `old` with a new pool list (pools only ever get appended): same node ids, same allocations. */
function rebuild(old: ClusterState, space: ResourceSpace, pools: readonly PoolSpec[]): ClusterState {
  const s = new ClusterState(space, pools);
  for (let id = 0; id < old.nodeCount; id++) {
    const st = old.nodeStatus(id);
    s.addNode(old.nodePool(id), st === 'up' ? 'up' : 'booting');
    if (st === 'removed') s.removeNode(id);
    else if (st === 'failed') s.failNode(id);
  }
  for (const a of old.allocations()) {
    s.allocate(a.request, a.nodeId, a.start, a.id);
    s.renew(a.id, a.leaseExpiry);
  }
  return s;
}
