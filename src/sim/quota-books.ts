import type { ClusterState } from '../core/cluster.js';
import type { Allocation } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { clusterCapacities, FairShare, type QuotaConfig } from '../engine/quota.js';

/**
 * The replay's fair-share books (a scenario with `quotas`): each tenant's usage (FairShare, which
 * the engine's pass admits and reclaims by), which running allocations were admitted as borrowed,
 * and the shares' capacity kept to the cluster's. Production keeps the same books in its
 * AllocationBook (the `borrowed` flag) and Pools (the capacity listener).
 */
export class QuotaBooks {
  readonly fair: FairShare;
  private readonly borrowed = new Set<string>();
  /** Allocations started in the current round of passes (reclaim must not take them back). */
  private readonly startedThisRound = new Set<string>();

  constructor(space: ResourceSpace, quotas: QuotaConfig) {
    this.fair = new FairShare(space, quotas);
  }

  /** `a` started: its tenant uses its demand, borrowed if the guarantee does not cover it. */
  started(a: Allocation): void {
    this.startedThisRound.add(a.id);
    if (this.fair.wouldBorrow(a.request.tenant, a.request.demand)) this.borrowed.add(a.id);
    this.fair.add(a.request.tenant, a.request.demand);
  }

  /** `a` ended or was evicted: its tenant no longer uses its demand. */
  ended(a: Allocation): void {
    this.fair.remove(a.request.tenant, a.request.demand);
    this.borrowed.delete(a.id);
  }

  /** What reclaim may take back: borrowed, and not started in this round of passes. */
  isBorrowed(a: Allocation): boolean {
    return this.borrowed.has(a.id) && !this.startedThisRound.has(a.id);
  }

  /** The shares are of the cluster's capacity now (`clusterCapacities`): set before every pass. */
  capacityChanged(state: ClusterState): void {
    const { up, ceiling } = clusterCapacities(state);
    this.fair.setCapacity(up, ceiling);
  }

  /** The round of passes at this instant is over. */
  roundDone(): void {
    this.startedThisRound.clear();
  }
}
