import type { Allocator } from '../algorithms/allocator.js';
import { PreemptingAllocator } from '../algorithms/preemption.js';
import type { Rejection } from '../core/rejection.js';

/**
 * `a` without priority preemption, for the decision on backfilling's picks (rule 5 of the pass):
 * a pick starts in room that is free now or not at all. The picks were checked against the free
 * room only; an eviction made to place one lets it start where the check never looked (on the
 * head's reserved node, holding room the head's reservation counts on), and evicts work for a
 * request the policy only let start because it fitted beside it. With quotas the pass offers the
 * picks to the strategy alone already (preemption then comes after reclaim, for the head).
 *
 * A `PreemptingAllocator` gives its inner strategy (the same placements, none evicting). Another
 * allocator that answers with evictions gets none of that decision's placements: they become
 * `wait` (which of them needed the evicted room is not known).
 */
export function withoutEvictions(a: Allocator): Allocator {
  if (a instanceof PreemptingAllocator) return a.inner;
  return {
    name: a.name,
    allocate: (requests, cluster, ctx) => {
      const d = a.allocate(requests, cluster, ctx);
      if (d.preemptions.length === 0) return d;
      const waits: Rejection[] = d.placements.map((p) => ({ requestId: p.requestId, code: 'wait', message: 'backfilling starts a request only in room free now (the decision evicted work for it)' }));
      return { ...d, placements: [], preemptions: [], rejections: [...d.rejections, ...waits] };
    },
  };
}
