import { CapacityError } from './errors.js';
import type { Trial } from './cluster-view.js';
import type { Allocation, Request } from './model.js';
import type { ResourceVector } from './resources.js';

/** What a trial takes from a node's free capacity, or gives back to it; the cluster's own operations. */
export interface TrialTarget {
  /** Take `request.demand` (and GPU devices) on `nodeId`: CapacityError if it is not up or the demand does not fit; returns the devices taken. */
  place(request: Request, nodeId: number, devices: readonly number[] | undefined): readonly number[] | undefined;
  /** Give `demand` (and `devices`) back to `nodeId`. */
  give(nodeId: number, demand: ResourceVector, devices: readonly number[] | undefined): void;
  /** Take `demand` on exactly `devices` of `nodeId` again (undoing a `give`). */
  retake(nodeId: number, demand: ResourceVector, devices: readonly number[] | undefined): void;
  allocation(id: string): Allocation | undefined;
}

type UndoEntry = { kind: 'place'; nodeId: number; demand: ResourceVector; devices: readonly number[] | undefined } | { kind: 'evict'; alloc: Allocation };

/**
 * An allocator's what-if changes to the cluster (`ClusterState.trial()`): placements and
 * evictions staged on the nodes' free capacity and written in an undo log, which `rollback` plays
 * backwards. At most one trial is open per cluster; while it is, the cluster refuses real changes
 * (`open`). One Trial object per cluster, reused by every decision (no closures per call).
 */
export class TrialJournal {
  /** A trial is open (the cluster refuses real changes). */
  open = false;
  private undo: UndoEntry[] = [];
  private evicted = new Set<string>();
  private readonly handle: Trial;

  constructor(private readonly target: TrialTarget) {
    this.handle = {
      place: (request: Request, nodeId: number, devices?: readonly number[]): void => {
        const devs = target.place(request, nodeId, devices);
        this.undo.push({ kind: 'place', nodeId, demand: request.demand, devices: devs });
      },
      evict: (allocationId: string): void => {
        const a = target.allocation(allocationId);
        if (a === undefined || this.evicted.has(allocationId)) throw new CapacityError(`trial: cannot evict ${allocationId}`);
        target.give(a.nodeId, a.request.demand, a.devices);
        this.evicted.add(allocationId);
        this.undo.push({ kind: 'evict', alloc: a });
      },
      isEvicted: (allocationId: string): boolean => this.evicted.has(allocationId),
      rollback: (): void => this.rollback(),
    };
  }

  begin(): Trial {
    if (this.open) throw new CapacityError('a trial is already open');
    this.open = true;
    return this.handle;
  }

  /** Undo the open trial, if any (idempotent). */
  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const u = this.undo[i] as UndoEntry;
      if (u.kind === 'place') this.target.give(u.nodeId, u.demand, u.devices);
      else this.target.retake(u.alloc.nodeId, u.alloc.request.demand, u.alloc.devices);
    }
    if (this.undo.length > 0) this.undo = [];
    if (this.evicted.size > 0) this.evicted = new Set();
    this.open = false;
  }
}
