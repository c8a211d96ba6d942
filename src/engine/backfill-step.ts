import type { Allocator } from '../algorithms/allocator.js';
import type { ClusterState } from '../core/cluster.js';
import type { BackfillPick, BackfillPolicy, QueuedRequest } from '../queue/policy.js';
import { withoutEvictions } from './no-evictions.js';

/**
 * Rule 5 of the pass: what backfilling offers behind the blocked head `first`, and to which
 * allocator, in one non-blocking decision (`undefined`: nothing). `rest` is the waiting entries in
 * order, the head first. A node-exact policy (`place`) names the node of each pick (and on a GPU
 * device node its devices): they start there, applied through `decideAndApply` like any decision
 * (a pinned "allocator" answering with those placements), so a pick that no longer fits is a bug
 * that throws. Otherwise the allocator places the picks, evicting nothing (`withoutEvictions`).
 */
export function backfillOffer<E extends QueuedRequest>(
  b: BackfillPolicy,
  rest: readonly E[],
  first: E,
  state: ClusterState,
  now: number,
  isWaiting: (e: E) => boolean,
  batchAllocator: Allocator,
): { batch: E[]; allocator: Allocator } | undefined {
  if (b.place === undefined) {
    const picked = b.select(rest, state, now) as E[];
    return { batch: picked.filter((e) => e !== first && isWaiting(e)), allocator: withoutEvictions(batchAllocator) };
  }
  const picks = b.place(rest, state, now).filter((p) => p.entry !== first && isWaiting(p.entry as E));
  if (picks.length === 0) return undefined;
  const pickOf = new Map(picks.map((p) => [p.entry.request.id, p]));
  const pinned: Allocator = {
    name: `${b.name} backfilling`,
    allocate: (requests) => ({
      placements: requests.map((r) => {
        const p = pickOf.get(r.id) as BackfillPick;
        return p.devices === undefined ? { requestId: r.id, nodeId: p.nodeId } : { requestId: r.id, nodeId: p.nodeId, devices: p.devices };
      }),
      preemptions: [],
      rejections: [],
    }),
  };
  return { batch: picks.map((p) => p.entry as E), allocator: pinned };
}
