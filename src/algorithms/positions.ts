import type { Request } from '../core/model.js';

/**
 * Position in `requests` of the request with this id, or undefined when none has it.
 *
 * A decision names its requests by id, so whoever reads one needs an id → position map of the
 * batch: a wrapper such as PreemptingAllocator, then decideAndApply's checks, on the same array.
 * Built once per array and kept for the last array asked about, so the readers of one decision
 * share it (a long queue offered at every pass made one map per reader a large part of a pass).
 * An answer is checked against the array (the request at that position has the id), and a miss
 * rebuilds the map once, so an array changed in place since is answered from its current content.
 */
export function positionOf(requests: readonly Request[], id: string): number | undefined {
  if (requests !== lastRequests) rebuild(requests);
  const i = lastPositions.get(id);
  if (i !== undefined && requests[i]?.id === id) return i;
  rebuild(requests);
  return lastPositions.get(id);
}

let lastRequests: readonly Request[] | undefined;
let lastPositions = new Map<string, number>();

function rebuild(requests: readonly Request[]): void {
  const m = new Map<string, number>();
  for (let i = 0; i < requests.length; i++) m.set((requests[i] as Request).id, i);
  lastRequests = requests;
  lastPositions = m;
}
