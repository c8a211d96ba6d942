import type { NodeStatus } from '../core/cluster.js';
import type { PoolSpec, Request } from '../core/model.js';
import type { PreemptionRecord } from './types.js';

/**
 * Persistence for `ResourceScheduler`. The scheduler turns every operation into one list of
 * changes and hands it to `commit`, which must apply it atomically and durably before it
 * returns: an allocation the caller has been told about is on disk (SqliteStore) or in the
 * store object (MemoryStore). On start the scheduler `load`s the last committed state and
 * rebuilds the cluster from it.
 *
 * Node ids are dense (0..n-1) and never reused, so restoring nodes in id order gives every node
 * its old id back; allocations refer to nodes by id.
 */

export interface StoredPool {
  /** Position in the pool list (pools keep the order they were added in). */
  readonly index: number;
  readonly spec: PoolSpec;
  readonly primary: string;
}

export interface StoredNode {
  readonly id: number;
  readonly pool: number;
  readonly status: NodeStatus;
  /** For booting nodes: when they accept work (clock ms). */
  readonly readyAtMs: number | null;
}

export interface StoredAllocation {
  readonly id: string;
  readonly request: Request;
  readonly nodeId: number;
  readonly startMs: number;
  readonly leaseExpiryMs: number | null;
  readonly borrowed: boolean;
}

export interface StoredState {
  /** Resource dimension names the state was written with (null for a fresh store). */
  readonly dimensions: readonly string[] | null;
  readonly pools: readonly StoredPool[];
  readonly nodes: readonly StoredNode[];
  readonly allocations: readonly StoredAllocation[];
  readonly preemptions: readonly PreemptionRecord[];
}

export type StateChange =
  | { readonly kind: 'dimensions'; readonly names: readonly string[] }
  | { readonly kind: 'pool'; readonly pool: StoredPool }
  | { readonly kind: 'node'; readonly node: StoredNode }
  | { readonly kind: 'put-allocation'; readonly allocation: StoredAllocation }
  | { readonly kind: 'delete-allocation'; readonly id: string }
  | { readonly kind: 'lease'; readonly id: string; readonly leaseExpiryMs: number | null }
  | { readonly kind: 'preemption'; readonly record: PreemptionRecord };

export interface StateStore {
  /** Human-readable kind and location, for logs (`memory`, `sqlite:/var/lib/drs/state.db`). */
  readonly description: string;
  load(): StoredState;
  /** Apply all changes atomically; durable when this returns. Throws if it could not. */
  commit(changes: readonly StateChange[]): void;
  close(): void;
}

/**
 * Keeps the committed state in memory: for tests and for embedding where losing state on exit is
 * fine. A second scheduler built on the same MemoryStore object restores from it, which is how
 * tests check restore without a disk.
 */
export class MemoryStore implements StateStore {
  readonly description = 'memory';
  private dimensions: readonly string[] | null = null;
  private readonly pools = new Map<number, StoredPool>();
  private readonly nodes = new Map<number, StoredNode>();
  private readonly allocations = new Map<string, StoredAllocation>();
  private readonly preemptions: PreemptionRecord[] = [];
  /** Number of successful commits (tests look at it). */
  commits = 0;

  load(): StoredState {
    return {
      dimensions: this.dimensions,
      pools: [...this.pools.values()].sort((a, b) => a.index - b.index),
      nodes: [...this.nodes.values()].sort((a, b) => a.id - b.id),
      allocations: [...this.allocations.values()],
      preemptions: [...this.preemptions],
    };
  }

  commit(changes: readonly StateChange[]): void {
    for (const c of changes) {
      switch (c.kind) {
        case 'dimensions':
          this.dimensions = [...c.names];
          break;
        case 'pool':
          this.pools.set(c.pool.index, c.pool);
          break;
        case 'node':
          this.nodes.set(c.node.id, c.node);
          break;
        case 'put-allocation':
          this.allocations.set(c.allocation.id, c.allocation);
          break;
        case 'delete-allocation':
          this.allocations.delete(c.id);
          break;
        case 'lease': {
          const a = this.allocations.get(c.id);
          if (a !== undefined) this.allocations.set(c.id, { ...a, leaseExpiryMs: c.leaseExpiryMs });
          break;
        }
        case 'preemption':
          this.preemptions.push(c.record);
          break;
      }
    }
    this.commits++;
  }

  close(): void {}
}

/** JSON for a Request: `duration` is Infinity when unknown (production), which JSON lacks: stored as null. */
export function encodeRequest(r: Request): string {
  return JSON.stringify(Number.isFinite(r.duration) ? r : { ...r, duration: null });
}

export function decodeRequest(s: string): Request {
  const r = JSON.parse(s) as Omit<Request, 'duration'> & { duration: number | null };
  return { ...r, duration: r.duration ?? Infinity };
}
