import { UserError } from '../core/errors.js';
import type { PoolSpec } from '../core/model.js';
import type { AllocationBook } from './allocations.js';
import type { Pools } from './pools.js';
import type { QueueRunner } from './queue-runner.js';
import type { Tx } from './runtime.js';
import type { NodeFailResult, NodeRef, NodeRepairResult, PoolInfo } from './types.js';

/**
 * Pools and nodes as operations. A pool added (`ResourceScheduler.addPool`): its nodes up, the
 * queue offered them. Node failure and repair (`ResourceScheduler.failNode` / `repairNode`), by the
 * simulator's rule (src/sim/failures.ts): a failing node releases its work in the node's order
 * (ClusterState.failNode); each allocation is requeued in that order and offered at once as new
 * work (when the scheduler requeues evicted work: `queue.requeuePreempted`), else it ends `lost`.
 * A repaired node is up again and the queue is offered everything. Node statuses are persisted
 * like any node change, so a restart keeps a failed node failed.
 */
export class NodeOperations {
  constructor(
    private readonly pools: Pools,
    private readonly book: AllocationBook,
    private readonly queueRunner: QueueRunner,
  ) {}

  /** Add a checked pool (`newPoolOf`) with its initial nodes up; the queue is offered them. */
  addPool(tx: Tx, spec: PoolSpec, primary: string): PoolInfo {
    const index = this.pools.add(tx, spec, primary);
    this.queueRunner.drain(tx, true);
    const info = this.pools.info(index);
    tx.emit('pool-added', { pool: info }); // H4: event log
    return info;
  }

  /** The node named `node` (name or id) of pool `pool`; a UserError naming the field if there is none. */
  ref(pool: string, node: string | number): NodeRef {
    const state = this.pools.state;
    if (state.poolIndex(pool) < 0) throw new UserError(`no pool '${pool}'`, { field: 'pool' });
    const found = this.pools.find(pool, node);
    if (found === undefined) throw new UserError(`pool '${pool}' has no node '${node}' (name or id; ${this.nodesOf(state.poolIndex(pool))})`, { field: 'node' });
    return { pool: (state.pools[found.index] as PoolSpec).name, node: state.nodeName(found.id), nodeId: found.id };
  }

  /**
   * What to name instead: node ids count across the cluster, so `l4-0` is not the first node of a
   * second pool `l4` (`l4-2` is); the first few names, and how many there are.
   */
  private nodesOf(index: number): string {
    const state = this.pools.state;
    const { count, first, newest } = state.nodesEver(index);
    if (count === 0) return 'it has no node';
    const name = (id: number): string => state.nodeName(id);
    const shown = count <= 4 ? first.map(name).join(', ') : `${first.slice(0, 3).map(name).join(', ')}, … ${name(newest)}`;
    return `its ${count === 1 ? 'node' : `${count} nodes`}: ${shown}`;
  }

  fail(tx: Tx, ref: NodeRef): NodeFailResult {
    const status = this.pools.state.nodeStatus(ref.nodeId);
    if (status !== 'up') return { ...ref, status: 'not-up', nodeStatus: status };
    // Work whose lease runs out at this very instant is over, not lost (the operation's catch-up
    // took only what fell due strictly before now): it ends `expired` and its room is offered
    // first, as the simulator ends the work due at a failure's instant before the failure.
    if (this.book.expire(tx, tx.now).length > 0) this.queueRunner.drain(tx, true);
    const lost = this.pools.fail(tx, ref.nodeId);
    const requeued = this.queueRunner.requeues;
    const infos = lost.map((a) => this.book.lost(tx, a, requeued));
    tx.emit('node-failed', { ...ref, lost: lost.length });
    if (requeued) this.queueRunner.requeueLost(tx, lost);
    // Their dependents are rejected; with quotas, the shares shrank (SchedulingPass.nodeFailureOffersAll).
    else if (lost.length > 0 || this.queueRunner.nodeFailureOffersAll) this.queueRunner.drain(tx, true);
    return { ...ref, status: 'failed', lost: infos, requeued };
  }

  repair(tx: Tx, ref: NodeRef): NodeRepairResult {
    const status = this.pools.state.nodeStatus(ref.nodeId);
    if (status !== 'failed') return { ...ref, status: 'not-failed', nodeStatus: status };
    this.pools.repair(tx, ref.nodeId);
    tx.emit('node-repaired', ref);
    this.queueRunner.drain(tx, true);
    return { ...ref, status: 'repaired' };
  }
}
