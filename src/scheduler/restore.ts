import { UserError } from '../core/errors.js';
import { DEFAULT_DIMENSIONS, ResourceSpace } from '../core/resources.js';
import { AllocationBook } from './allocations.js';
import { Pools } from './pools.js';
import { FairShare, type QuotaConfig } from './quota.js';
import type { RecentlyEnded } from './recent.js';
import type { StateChange, StateStore, StoredState } from './store.js';

/** The scheduler's state as the store last committed it. */
export interface Restored {
  readonly space: ResourceSpace;
  readonly fair: FairShare | undefined;
  readonly pools: Pools;
  readonly book: AllocationBook;
  /** The snapshot (the wait queue and the event log position are restored by the scheduler). */
  readonly snapshot: StoredState;
  /** Changes to commit at start (the dimensions, for a fresh store; billing times for nodes stored without one). */
  readonly initial: StateChange[];
}

/**
 * Start from the store's last committed state: the resource dimensions (the configured ones must
 * match the stored ones), pools and nodes, then, with the quotas' capacity known, allocations
 * and the preemption log, and the ended-ids memory. A fresh store gets the dimensions written to it,
 * and live nodes of an older store their billing start (now) (the `initial` changes, committed by
 * the scheduler).
 */
export function restore(
  store: StateStore,
  o: { readonly dimensions: readonly string[] | undefined; readonly quotas: QuotaConfig | undefined; readonly ended: RecentlyEnded; readonly clock: () => number; readonly preemptionLimit?: number },
): Restored {
  const snap = store.load();
  const dims = o.dimensions ?? snap.dimensions ?? DEFAULT_DIMENSIONS;
  if (snap.dimensions !== null && dims.join(',') !== snap.dimensions.join(',')) {
    throw new UserError(`${store.description} was written with resource dimensions [${snap.dimensions.join(', ')}], but [${dims.join(', ')}] are configured`, { field: 'dimensions' });
  }
  const space = new ResourceSpace(dims);
  const fair = o.quotas === undefined ? undefined : fairShare(space, o.quotas);
  const { pools, backfill } = Pools.restore(space, snap, store.description, o.clock, fair === undefined ? undefined : (c, ceiling) => fair.setCapacity(c, ceiling));
  const book = new AllocationBook(pools, space, fair, o.ended, o.preemptionLimit);
  book.restore(snap.allocations, snap.preemptions, store.description, snap.preemptionsBefore ?? 0);
  pools.state.checkInvariants();
  o.ended.restore(snap.ended);
  const initial: StateChange[] = snap.dimensions === null ? [{ kind: 'dimensions', names: space.names }, ...backfill] : backfill;
  return { space, fair, pools, book, snapshot: snap, initial };
}

/** FairShare's RangeError for a bad share (`quotas.tenants.a.max.cpu: a share must be …`) as a UserError naming the field. */
function fairShare(space: ResourceSpace, quotas: QuotaConfig): FairShare {
  try {
    return new FairShare(space, quotas);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const m = /^(quotas[^:\s]*): (.*)$/.exec(e.message);
    throw new UserError(m?.[2] ?? e.message, { field: m?.[1] ?? 'quotas' });
  }
}
