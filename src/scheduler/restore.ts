import { UserError } from '../core/errors.js';
import { DEFAULT_DIMENSIONS, ResourceSpace } from '../core/resources.js';
import { AllocationBook } from './allocations.js';
import { Pools } from './pools.js';
import { FairShare, type QuotaConfig } from './quota.js';
import type { RecentlyEnded } from './recent.js';
import type { StateStore } from './store.js';

/** The scheduler's state as the store last committed it. */
export interface Restored {
  readonly space: ResourceSpace;
  readonly fair: FairShare | undefined;
  readonly pools: Pools;
  readonly book: AllocationBook;
}

/**
 * Start from the store's last committed state: the resource dimensions (the configured ones must
 * match the stored ones), pools and nodes, then, with the quotas' capacity known, allocations
 * and the preemption log. A fresh store gets the dimensions written to it.
 */
export function restore(store: StateStore, o: { readonly dimensions: readonly string[] | undefined; readonly quotas: QuotaConfig | undefined; readonly ended: RecentlyEnded }): Restored {
  const snap = store.load();
  const dims = o.dimensions ?? snap.dimensions ?? DEFAULT_DIMENSIONS;
  if (snap.dimensions !== null && dims.join(',') !== snap.dimensions.join(',')) {
    throw new UserError(`${store.description} was written with resource dimensions [${snap.dimensions.join(', ')}], but [${dims.join(', ')}] are configured`, { field: 'dimensions' });
  }
  const space = new ResourceSpace(dims);
  const fair = o.quotas === undefined ? undefined : new FairShare(space, o.quotas);
  const pools = Pools.restore(space, snap, store.description, fair === undefined ? undefined : (c) => fair.setCapacity(c));
  const book = new AllocationBook(pools, space, fair, o.ended);
  book.restore(snap.allocations, snap.preemptions, store.description);
  pools.state.checkInvariants();
  if (snap.dimensions === null) store.commit([{ kind: 'dimensions', names: space.names }]);
  return { space, fair, pools, book };
}
