import { CapacityError } from './errors.js';
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

  constructor(private readonly pools: readonly PoolSpec[]) {
    this.counts = new Int32Array(pools.length * STATUSES.length);
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
    return id;
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

  /** Invariant check: the counts agree with the records; removed nodes share their pool's record. */
  check(): void {
    const counts = new Int32Array(this.counts.length);
    this.recs.forEach((n, id) => {
      const i = n.pool * STATUSES.length + slot(n.status);
      counts[i] = (counts[i] as number) + 1;
      if ((n.status === 'removed') !== (n === this.gone[n.pool])) throw new CapacityError(`node ${id} (${n.status}) does not share its pool's removed record`);
    });
    counts.forEach((c, i) => {
      if (c !== this.counts[i]) throw new CapacityError(`node counts out of step: pool ${Math.floor(i / STATUSES.length)} ${STATUSES[i % STATUSES.length]} ${this.counts[i]} != ${c}`);
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
