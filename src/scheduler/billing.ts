import type { StoredNode } from './store.js';
import type { PoolBilling } from './types.js';

/** A node's billing times as its store row keeps them (clock ms). */
export interface BillingTimes {
  readonly provisionedAtMs: number | null;
  readonly removedAtMs: number | null;
}

/**
 * Billing of the scheduler's nodes, by the simulator's rule (src/sim/metrics/pools.ts): a node is
 * billed from its provisioning to its removal at its pool's `pricePerHour`, booting and failed
 * time included. The times are the scheduler's clock (ms) and are persisted with each node
 * (`StoredNode.provisionedAtMs`, `removedAtMs`), so the figures are rebuilt from the store on
 * restart: they count from the store's first node, not from this process's start.
 *
 * Per pool it keeps the closed intervals as one sum and the open ones (nodes not removed) by
 * node, so a read costs the pool's live nodes, not every node it ever had, and a removed node
 * leaves nothing behind here: its billed time is added to the sum (the same additions in the same
 * order as before, so the figures do not change) and its entry goes.
 *
 * The figures are Prometheus counters, which must not go down (a drop reads as a reset, and
 * rate() counts the whole total again), and a wall clock can step back (NTP): billing runs on the
 * latest time it has seen (a read, a provisioning, a removal, a restored node's times), so a read,
 * provisioning or removal while the clock is behind counts as at that time.
 */
export class NodeBilling {
  /** Per pool: ms billed by removed nodes (a removed node is folded into it and forgotten). */
  private readonly closedMs: number[] = [];
  /** Per pool: provisioning ms of each node not removed, by node id (the only per-node entries kept). */
  private readonly open: Map<number, number>[] = [];
  /** The latest clock time seen (ms): billing's clock, which never goes back. */
  private latestMs = -Infinity;

  /** `atMs`, or the latest time seen if the clock is behind it. */
  private seen(atMs: number): number {
    if (atMs > this.latestMs) this.latestMs = atMs;
    return this.latestMs;
  }

  /** Node `id` of pool `pool` is billed from `atMs` (the latest time seen if the clock is behind it). */
  provision(pool: number, id: number, atMs: number): void {
    this.provisionAt(pool, id, this.seen(atMs));
  }

  /**
   * Node `id` of pool `pool` is no longer billed from `atMs` (the latest time seen if the clock is
   * behind it): its billed time joins the pool's closed total and the node is forgotten. Returns its
   * billing times, for its last store row.
   */
  remove(pool: number, id: number, atMs: number): BillingTimes {
    return this.removeAt(pool, id, this.seen(atMs));
  }

  private provisionAt(pool: number, id: number, atMs: number): void {
    while (this.open.length <= pool) {
      this.open.push(new Map());
      this.closedMs.push(0);
    }
    (this.open[pool] as Map<number, number>).set(id, atMs);
  }

  /** A node without a provisioning time costs nothing. */
  private removeAt(pool: number, id: number, atMs: number): BillingTimes {
    const open = this.open[pool];
    const from = open?.get(id);
    if (open === undefined || from === undefined) return { provisionedAtMs: null, removedAtMs: atMs };
    open.delete(id);
    this.closedMs[pool] = (this.closedMs[pool] as number) + Math.max(0, atMs - from);
    return { provisionedAtMs: from, removedAtMs: atMs };
  }

  /**
   * A restored node: billed as its stored times say (a removed one straight into its pool's closed
   * total). Without a provisioning time, or removed without a removal time (written by an older
   * version, e.g. a leader during a rolling upgrade), it is not billed: what it cost is not known.
   */
  restore(n: StoredNode): void {
    if (n.provisionedAtMs === null || (n.status === 'removed' && n.removedAtMs === null)) return;
    // As stored (nodes are restored in any order), then taken into the latest time seen.
    this.provisionAt(n.pool, n.id, n.provisionedAtMs);
    this.seen(n.provisionedAtMs);
    if (n.removedAtMs === null) return;
    this.removeAt(n.pool, n.id, n.removedAtMs);
    this.seen(n.removedAtMs);
  }

  /** The billing times of node `id` of pool `pool`, not removed, for its store rows (a removed node's come from `remove`). */
  times(pool: number, id: number): BillingTimes {
    return { provisionedAtMs: this.open[pool]?.get(id) ?? null, removedAtMs: null };
  }

  /** Nodes with an entry of their own (the billed nodes not removed): what grows with the live fleet only. */
  get trackedNodes(): number {
    let n = 0;
    for (const m of this.open) n += m.size;
    return n;
  }

  /** Billing's clock at `atMs`: `atMs`, or the latest time seen if the clock is behind it (which it then is). */
  clockAt(atMs: number): number {
    return this.seen(atMs);
  }

  /** Pool `pool` (at `pricePerHour`) as of `nowMs` (the latest time seen if the clock is behind it). */
  pool(pool: number, pricePerHour: number, nowMs: number): PoolBilling {
    return this.poolAt(pool, pricePerHour, this.seen(nowMs));
  }

  /** Pool `pool` as of `atMs`, a time billing's clock has reached (`clockAt`); the clock does not move. */
  poolAt(pool: number, pricePerHour: number, atMs: number): PoolBilling {
    const nowMs = atMs;
    let ms = this.closedMs[pool] ?? 0;
    const open = this.open[pool];
    let billedNodes = 0;
    if (open !== undefined) {
      for (const from of open.values()) ms += Math.max(0, nowMs - from);
      billedNodes = open.size;
    }
    const nodeHours = ms / 3_600_000;
    return { nodeHours, cost: nodeHours * pricePerHour, costPerHour: billedNodes * pricePerHour, billedNodes };
  }
}
