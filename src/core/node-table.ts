import { CapacityError } from './errors.js';
import { removeSorted } from './sorted.js';
import type { NodeStatus } from './cluster-view.js';
import type { Allocation, PoolSpec } from './model.js';

/** What ClusterState keeps about a node that is not removed. */
export interface NodeRec {
  readonly pool: number;
  readonly name: string;
  readonly cap: Float64Array;
  readonly free: Float64Array;
  status: NodeStatus;
  key: number;
  readonly allocs: Set<Allocation>;
}

const STATUSES: readonly NodeStatus[] = ['booting', 'up', 'failed', 'removed'];
/** First node ids kept per pool beyond its `nodeNames` (the names an unknown-node error shows). */
const FIRST_KEPT = 4;
const slot = (status: NodeStatus): number => STATUSES.indexOf(status);

/**
 * The cluster's nodes by id, and how many of each pool are in each status. Node ids are dense
 * (0..size-1) and never reused: the store, billing, events and reports name nodes by id. So a
 * removed node keeps its id, but not its own record: it is replaced by its pool's shared
 * "removed" record (capacity = free = the pool's node capacity, no allocations), and only a name
 * that cannot be rebuilt from its pool and id (one of `PoolSpec.nodeNames`) is kept. A removed
 * node costs one array slot, so a service whose autoscaler churns nodes for weeks holds the nodes
 * it has, not every node it ever had.
 */
export class NodeTable {
  private readonly recs: NodeRec[] = [];
  /** Per pool × status (STATUSES order): node count. */
  private readonly counts: Int32Array;
  /** Per pool: the record every removed node of the pool shares (never written). */
  private readonly gone: readonly NodeRec[];
  /** Removed nodes whose name was not `<pool>-<id>` (a `nodeNames` entry): few, bounded by the spec. */
  private readonly goneNames = new Map<number, string>();
  /** Per pool: ids of its nodes not removed, ascending (what walks over a pool's nodes read, not every id ever). */
  private readonly live: number[][];
  /**
   * Per pool: the ids of its first nodes, as many as it has `nodeNames` and at least 4: the only
   * nodes whose name can be other than `<pool>-<id>`, and the first names an error message shows.
   */
  private readonly first: number[][];
  /** Per pool: its newest node id (-1: none yet). */
  private readonly newest: number[];

  constructor(private readonly pools: readonly PoolSpec[]) {
    this.counts = new Int32Array(pools.length * STATUSES.length);
    this.live = pools.map(() => []);
    this.first = pools.map(() => []);
    this.newest = pools.map(() => -1);
    const none: ReadonlySet<Allocation> = new Set();
    this.gone = pools.map((p, pool) => {
      const cap = Float64Array.from(p.capacity);
      return Object.freeze({ pool, name: '', cap, free: cap, status: 'removed', key: 0, allocs: none as Set<Allocation> });
    });
  }

  /** Number of node ids ever created. */
  get size(): number {
    return this.recs.length;
  }

  get(id: number): NodeRec {
    const n = this.recs[id];
    if (n === undefined) throw new CapacityError(`no node with id ${id}`);
    return n;
  }

  /** A new booting node of `pool` (its k-th, for `nodeNames`); returns its id. */
  add(pool: number): number {
    const spec = this.pools[pool];
    if (spec === undefined) throw new CapacityError(`no pool with index ${pool}`);
    const id = this.recs.length;
    const k = this.count(pool, 'booting') + this.count(pool, 'up') + this.count(pool, 'failed') + this.count(pool, 'removed');
    const cap = Float64Array.from(spec.capacity);
    this.recs.push({ pool, name: spec.nodeNames?.[k] ?? defaultName(spec, id), cap, free: Float64Array.from(cap), status: 'booting', key: 0, allocs: new Set() });
    this.bump(pool, 'booting', 1);
    (this.live[pool] as number[]).push(id); // ids only grow: still ascending
    if (k < Math.max(FIRST_KEPT, spec.nodeNames?.length ?? 0)) (this.first[pool] as number[]).push(id);
    this.newest[pool] = id;
    return id;
  }

  /** Ids of the nodes of `pool` that are not removed, ascending. */
  liveIds(pool: number): readonly number[] {
    return this.live[pool] ?? [];
  }

  /** How many nodes `pool` ever had, its first ids (at least its first 4, or all if fewer) and its newest (-1: none). */
  ever(pool: number): { count: number; first: readonly number[]; newest: number } {
    let count = 0;
    for (const st of STATUSES) count += this.count(pool, st);
    return { count, first: this.first[pool] ?? [], newest: this.newest[pool] ?? -1 };
  }

  /**
   * The lowest id of a node of `pool` (removed ones included) named `name`, -1 if none, without a
   * walk: a custom name belongs to one of the pool's first nodes (`first`, ascending), and every
   * later node of the pool, a higher id, has its default name `<pool>-<id>`, which names one id.
   */
  find(pool: number, name: string): number {
    const spec = this.pools[pool];
    if (spec === undefined) return -1;
    for (const id of this.first[pool] as number[]) if (this.name(id) === name) return id;
    const prefix = `${spec.name}-`;
    const tail = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!/^\d{1,15}$/.test(tail)) return -1;
    const id = Number(tail);
    return id < this.recs.length && this.get(id).pool === pool && this.name(id) === name ? id : -1;
  }

  name(id: number): string {
    const n = this.get(id);
    if (n.status !== 'removed') return n.name;
    return this.goneNames.get(id) ?? defaultName(this.pools[n.pool] as PoolSpec, id);
  }

  /** Node `id` (not removed) is now `status`; a removed node's record is dropped for its pool's shared one. */
  setStatus(id: number, status: NodeStatus): void {
    const n = this.get(id);
    if (n.status === 'removed') throw new CapacityError(`node ${this.name(id)} was removed`);
    this.bump(n.pool, n.status, -1);
    this.bump(n.pool, status, 1);
    if (status !== 'removed') {
      n.status = status;
      return;
    }
    if (n.allocs.size > 0) throw new CapacityError(`node ${n.name} still runs ${n.allocs.size} allocation(s)`);
    if (n.name !== defaultName(this.pools[n.pool] as PoolSpec, id)) this.goneNames.set(id, n.name);
    this.recs[id] = this.gone[n.pool] as NodeRec;
    removeSorted(this.live[n.pool] as number[], id);
  }

  /** Number of nodes of `pool` in `status` (O(1)). */
  count(pool: number, status: NodeStatus): number {
    return this.counts[pool * STATUSES.length + slot(status)] ?? 0;
  }

  /** Records that are a node's own (not removed): what grows with the live fleet (tests). */
  get ownRecords(): number {
    let k = 0;
    for (let p = 0; p < this.pools.length; p++) k += this.count(p, 'booting') + this.count(p, 'up') + this.count(p, 'failed');
    return k;
  }

  forEach(f: (n: NodeRec, id: number) => void): void {
    this.recs.forEach(f);
  }

  /** Invariant check: the counts and per-pool id lists agree with the records; removed nodes share their pool's record. */
  check(): void {
    const counts = new Int32Array(this.counts.length);
    const live: number[][] = this.pools.map(() => []);
    const seen: number[][] = this.pools.map(() => []);
    this.recs.forEach((n, id) => {
      (seen[n.pool] as number[]).push(id);
      if (n.status !== 'removed') (live[n.pool] as number[]).push(id);
      const i = n.pool * STATUSES.length + slot(n.status);
      counts[i] = (counts[i] as number) + 1;
      if ((n.status === 'removed') !== (n === this.gone[n.pool])) throw new CapacityError(`node ${id} (${n.status}) does not share its pool's removed record`);
    });
    counts.forEach((c, i) => {
      if (c !== this.counts[i]) throw new CapacityError(`node counts out of step: pool ${Math.floor(i / STATUSES.length)} ${STATUSES[i % STATUSES.length]} ${this.counts[i]} != ${c}`);
    });
    this.pools.forEach((spec, p) => {
      const all = seen[p] as number[];
      const first = all.slice(0, Math.max(FIRST_KEPT, spec.nodeNames?.length ?? 0));
      if (String(live[p]) !== String(this.live[p])) throw new CapacityError(`pool ${spec.name}: live node ids [${String(this.live[p])}] != [${String(live[p])}]`);
      if (String(first) !== String(this.first[p]) || (all[all.length - 1] ?? -1) !== this.newest[p]) throw new CapacityError(`pool ${spec.name}: first/newest node ids out of step`);
    });
  }

  private bump(pool: number, status: NodeStatus, by: number): void {
    const i = pool * STATUSES.length + slot(status);
    this.counts[i] = (this.counts[i] as number) + by;
  }
}

function defaultName(spec: PoolSpec, id: number): string {
  return `${spec.name}-${id}`;
}
