import { CapacityError } from './errors.js';
import { DeviceTable } from './gpu-devices.js';
import type { ClusterView, NodeStatus, Trial } from './cluster-view.js';
import { TrialJournal } from './cluster-trial.js';
import { NodeTable, type NodeRec } from './node-table.js';
import type { Allocation, PoolSpec, Request } from './model.js';
import { EPSILON, firstShortDimension, fitsIn, type ResourceSpace, type ResourceVector } from './resources.js';
import { UpNodes } from './up-nodes.js';

export type { ClusterView, NodeStatus, Trial } from './cluster-view.js';

/**
 * The cluster: nodes with free capacity, and the running allocations. Every change goes through
 * a method that refuses to over-allocate (CapacityError), so "no node over capacity" holds by
 * construction.
 */
export class ClusterState implements ClusterView {
  readonly space: ResourceSpace;
  readonly pools: readonly PoolSpec[];
  /** Nodes by id; a removed node keeps its id but not its own record (node-table.ts). */
  private readonly nodes: NodeTable;
  /** Per pool: the up nodes and their best/worst/first-fit indexes (up-nodes.ts). */
  private readonly up: UpNodes;
  /** GPU devices, when some pool declares them (core/gpu.ts). */
  private readonly dev: DeviceTable | undefined;
  private readonly allocs = new Map<string, Allocation>();
  /** Allocations per concurrency group (`Request.concurrency`), for the pass's admission. */
  private readonly groups = new Map<string, number>();
  private readonly poolNames: Map<string, number>;
  private readonly trials = new TrialJournal({
    place: (request, nodeId, devices) => {
      const n = this.node(nodeId);
      if (n.status !== 'up' || !fitsIn(request.demand, n.free)) throw new CapacityError(`trial: ${request.id} does not fit on ${this.nodeName(nodeId)}`);
      const devs = this.dev?.take(nodeId, request.demand, devices, `trial: ${request.id} on ${n.name}`);
      this.take(n, nodeId, request.demand, 1);
      return devs;
    },
    give: (nodeId, demand, devices) => {
      this.dev?.give(nodeId, demand, devices);
      this.take(this.node(nodeId), nodeId, demand, -1);
    },
    retake: (nodeId, demand, devices) => {
      this.dev?.take(nodeId, demand, devices, 'rollback');
      this.take(this.node(nodeId), nodeId, demand, 1);
    },
    allocation: (id) => this.allocs.get(id),
  });

  constructor(space: ResourceSpace, pools: readonly PoolSpec[]) {
    this.space = space;
    this.pools = pools;
    this.poolNames = new Map(pools.map((p, i) => [p.name, i]));
    this.nodes = new NodeTable(pools);
    const gpuDim = space.indexOf('gpu');
    if (pools.some((p) => p.gpus !== undefined)) {
      if (gpuDim < 0) throw new CapacityError(`pools declare GPU devices but the resource space has no 'gpu' dimension`);
      this.dev = new DeviceTable(gpuDim);
    }
    const dev = this.dev;
    const extra = dev === undefined ? undefined : (id: number, demand: readonly number[]) => dev.fits(id, demand);
    this.up = new UpNodes(space, pools, (id) => this.nodes.get(id).free, extra);
  }

  /** A cluster with every pool at its initial node count, all up. */
  static fromPools(space: ResourceSpace, pools: readonly PoolSpec[]): ClusterState {
    const c = new ClusterState(space, pools);
    pools.forEach((p, i) => {
      for (let k = 0; k < p.nodes.initial; k++) c.addNode(i, 'up');
    });
    return c;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  get allocationCount(): number {
    return this.allocs.size;
  }

  poolIndex(name: string): number {
    return this.poolNames.get(name) ?? -1;
  }

  private node(id: number): NodeRec {
    return this.nodes.get(id);
  }

  nodePool(id: number): number {
    return this.node(id).pool;
  }

  nodeStatus(id: number): NodeStatus {
    return this.node(id).status;
  }

  nodeName(id: number): string {
    return this.nodes.name(id);
  }

  capacity(id: number): ArrayLike<number> {
    return this.node(id).cap;
  }

  free(id: number): ArrayLike<number> {
    return this.node(id).free;
  }

  upNodes(pool: number): readonly number[] {
    return this.up.of(pool);
  }

  /** Number of nodes of a pool in a given status (O(1): kept per pool). */
  countNodes(pool: number, status: NodeStatus): number {
    return this.nodes.count(pool, status);
  }

  /** Ids of the nodes of `pool` that are not removed (up, booting, failed), ascending: O(1), not a walk over every id. */
  liveNodes(pool: number): readonly number[] {
    return this.nodes.liveIds(pool);
  }

  /** The lowest id of a node of `pool` (removed ones included) named `name`, -1 if none (no walk over every id). */
  findNode(pool: number, name: string): number {
    return this.nodes.find(pool, name);
  }

  /** How many nodes `pool` ever had (removed ones included), its first node ids (at least 4 if it had them) and its newest (-1: none). */
  nodesEver(pool: number): { count: number; first: readonly number[]; newest: number } {
    return this.nodes.ever(pool);
  }

  /** Nodes with a record of their own, i.e. not removed (tests: removed nodes hold no per-node state). */
  get nodeRecords(): number {
    return this.nodes.ownRecords;
  }

  fits(id: number, demand: ResourceVector): boolean {
    const n = this.node(id);
    return n.status === 'up' && fitsIn(demand, n.free) && (this.dev === undefined || this.dev.fits(id, demand));
  }

  gpuFree(id: number): ArrayLike<number> | undefined {
    return this.dev?.freeOf(id);
  }

  gpuModel(id: number): string | undefined {
    return this.dev?.model(id);
  }

  freeSize(id: number): number {
    return this.up.sizeOf(this.node(id).free);
  }

  demandSize(demand: ResourceVector): number {
    return this.up.demandSize(demand);
  }

  bestFit(pool: number, demand: ResourceVector): number {
    return this.up.bestFit(pool, demand);
  }

  worstFit(pool: number, demand: ResourceVector): number {
    return this.up.worstFit(pool, demand);
  }

  firstFit(pool: number, demand: ResourceVector, fromPosition = 0): number {
    return this.up.firstFit(pool, demand, fromPosition);
  }

  allocation(id: string): Allocation | undefined {
    return this.allocs.get(id);
  }

  allocations(): IterableIterator<Allocation> {
    return this.allocs.values();
  }

  allocationsOn(nodeId: number): Iterable<Allocation> {
    return this.node(nodeId).allocs;
  }

  // ---- node lifecycle --------------------------------------------------------------------

  /** Create a node of `pool`; returns its id. */
  addNode(pool: number, status: 'booting' | 'up'): number {
    this.assertNoTrial();
    const id = this.nodes.add(pool);
    this.dev?.addNode(id, this.pools[pool] as PoolSpec);
    if (status === 'up') this.bringUp(id);
    return id;
  }

  /** A booting or failed node starts accepting work. */
  bringUp(id: number): void {
    this.assertNoTrial();
    const n = this.node(id);
    if (n.status === 'up') return;
    this.nodes.setStatus(id, 'up');
    n.key = this.up.sizeOf(n.free);
    this.up.add(id, n.pool, n.key);
  }

  private takeDown(n: NodeRec, id: number, status: NodeStatus): void {
    if (n.status === 'up') this.up.remove(id, n.pool, n.key);
    this.nodes.setStatus(id, status);
    if (status === 'removed') this.dev?.removeNode(id);
  }

  /**
   * The node fails: it stops accepting work and every allocation on it is released.
   * Returns the allocations that were running there (the driver requeues them).
   */
  failNode(id: number): Allocation[] {
    this.assertNoTrial();
    const n = this.node(id);
    if (n.status === 'removed') throw new CapacityError(`node ${this.nodeName(id)} was removed`);
    const lost = [...n.allocs];
    for (const a of lost) this.release(a.id);
    this.takeDown(n, id, 'failed');
    return lost;
  }

  /** Retire an empty node (scale-in). */
  removeNode(id: number): void {
    this.assertNoTrial();
    const n = this.node(id);
    if (n.status === 'removed') return;
    if (n.allocs.size > 0) throw new CapacityError(`node ${n.name} still runs ${n.allocs.size} allocation(s)`);
    this.takeDown(n, id, 'removed');
  }

  // ---- allocations -----------------------------------------------------------------------

  private take(n: NodeRec, id: number, demand: ResourceVector, sign: 1 | -1): void {
    const f = n.free;
    for (let d = 0; d < f.length; d++) {
      let v = (f[d] as number) - sign * (demand[d] as number);
      if (v < 0 && v > -EPSILON) v = 0;
      const cap = n.cap[d] as number;
      if (v > cap && v < cap + EPSILON) v = cap;
      f[d] = v;
    }
    // A device node's scalar GPU is exactly the sum of its devices (no float drift).
    if (this.dev?.freeOf(id) !== undefined) f[this.dev.gpuDim] = this.dev.total(id);
    const key = this.up.sizeOf(f);
    this.up.moved(id, n.pool, n.key, key, sign === 1);
    n.key = key;
  }

  /**
   * Start `request` on `nodeId` now. Throws CapacityError if the node is not up or too full.
   * On a GPU device node, `devices` names the devices (checked); default: see core/gpu.ts.
   */
  allocate(request: Request, nodeId: number, now: number, allocationId: string = request.id, devices?: readonly number[]): Allocation {
    this.assertNoTrial();
    const n = this.node(nodeId);
    if (n.status !== 'up') throw new CapacityError(`node ${this.nodeName(nodeId)} is ${n.status}, cannot place ${request.id}`);
    const short = firstShortDimension(request.demand, n.free);
    if (short >= 0) {
      throw new CapacityError(
        `placing ${request.id} on ${n.name} would over-allocate ${this.space.names[short]}: ` +
          `requested ${request.demand[short]}, free ${n.free[short]}, capacity ${n.cap[short]}`,
      );
    }
    if (this.allocs.has(allocationId)) throw new CapacityError(`allocation ${allocationId} already exists`);
    const devs = this.dev?.take(nodeId, request.demand, devices, `placing ${request.id} on ${n.name}`);
    this.take(n, nodeId, request.demand, 1);
    const a: Allocation = {
      id: allocationId,
      request,
      nodeId,
      start: now,
      leaseExpiry: request.lease === undefined ? Infinity : now + request.lease,
      ...(devs !== undefined ? { devices: devs } : {}),
    };
    this.allocs.set(allocationId, a);
    n.allocs.add(a);
    const g = request.concurrency?.group;
    if (g !== undefined) this.groups.set(g, (this.groups.get(g) ?? 0) + 1);
    return a;
  }

  /** Concurrency groups with work running (tests: a group is forgotten once nothing of it runs). */
  get groupCount(): number {
    return this.groups.size;
  }

  /** How many allocations of concurrency group `group` are running. */
  groupRunning(group: string): number {
    return this.groups.get(group) ?? 0;
  }

  /** End an allocation and return its capacity. */
  release(allocationId: string): Allocation {
    this.assertNoTrial();
    const a = this.allocs.get(allocationId);
    if (a === undefined) throw new CapacityError(`no allocation ${allocationId}`);
    const n = this.node(a.nodeId);
    this.allocs.delete(allocationId);
    n.allocs.delete(a);
    const g = a.request.concurrency?.group;
    if (g !== undefined) {
      // A group with nothing running is forgotten: groups named per job would otherwise pile up.
      const left = (this.groups.get(g) as number) - 1;
      if (left > 0) this.groups.set(g, left);
      else this.groups.delete(g);
    }
    this.dev?.give(a.nodeId, a.request.demand, a.devices);
    if (n.status === 'up') this.take(n, a.nodeId, a.request.demand, -1);
    else for (let d = 0; d < n.free.length; d++) n.free[d] = Math.min(n.cap[d] as number, (n.free[d] as number) + (a.request.demand[d] as number));
    return a;
  }

  /** Replace an allocation's lease expiry (renewal). */
  renew(allocationId: string, leaseExpiry: number): Allocation {
    this.assertNoTrial();
    const a = this.allocs.get(allocationId);
    if (a === undefined) throw new CapacityError(`no allocation ${allocationId}`);
    const b: Allocation = { ...a, leaseExpiry };
    this.allocs.set(allocationId, b);
    const n = this.node(a.nodeId);
    n.allocs.delete(a);
    n.allocs.add(b);
    return b;
  }

  // ---- trials ----------------------------------------------------------------------------

  private assertNoTrial(): void {
    if (this.trials.open) throw new CapacityError('cluster state changed while a trial was open');
  }

  /** Stage what-if placements and evictions (cluster-trial.ts); one open at a time. */
  trial(): Trial {
    return this.trials.begin();
  }

  /** Undo any open trial (idempotent). The driver calls this after every decision. */
  rollbackTrial(): void {
    this.trials.rollback();
  }

  /**
   * Invariant check (tests, every restore): free = capacity − Σ demands ≥ 0 on every node; on a
   * device node the GPU free is the sum of its devices' integer milli (1/3 GPU holds 333).
   */
  checkInvariants(): void {
    this.nodes.check();
    this.nodes.forEach((n, id) => {
      const used = new Float64Array(n.cap.length);
      for (const a of n.allocs) for (let d = 0; d < used.length; d++) used[d] = (used[d] as number) + (a.request.demand[d] as number);
      const devGpu = this.dev !== undefined && this.dev.freeOf(id) !== undefined ? this.dev.gpuDim : -1;
      for (let d = 0; d < used.length; d++) {
        if (d === devGpu) {
          const total = (this.dev as DeviceTable).total(id);
          if (n.free[d] !== total) throw new CapacityError(`node ${id} free gpu ${n.free[d]} != ${total}, the sum of its devices`);
          continue;
        }
        const expect = (n.cap[d] as number) - (used[d] as number);
        if (expect < -1e-6) throw new CapacityError(`node ${id} over capacity in ${this.space.names[d]}`);
        if (Math.abs(expect - (n.free[d] as number)) > 1e-6) throw new CapacityError(`node ${id} free ${n.free[d]} != ${expect}`);
      }
      this.dev?.check(id, n.allocs);
    });
  }
}
