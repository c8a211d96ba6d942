import type { PassOutcome } from './pass.js';

/** What one pass of a round did, as its driver saw it. */
export interface RoundResult<E> {
  readonly out: PassOutcome;
  /** Entries this pass put back in the queue (work it evicted), still waiting. */
  readonly requeued: readonly E[];
}

/**
 * The passes a driver runs at one instant, written once for the simulator (`replay`) and
 * `ResourceScheduler` (QueueRunner.drain): a first pass (everything offered when capacity was
 * freed, else only `fresh`), then another while
 *
 * - the last pass started something through reclaim or preemption, or evicted work (`again`):
 *   everything is offered, since an eviction can free more than the request it was made for uses; or
 * - the last pass requeued work it evicted: that work alone is offered, as new, nothing freed.
 *
 * Work requeued by a pass that asked `again` is not offered as new after the pass that follows:
 * that pass offered it with everything else already (a driver that kept it as new ran one pass
 * more than the other, asking its allocator for a decision the other never asked for).
 *
 * `live()` is the number of waiting entries; at most live + 2 passes run (each but the last
 * starts something). Returns the number of passes run.
 */
export function runRounds<E>(live: () => number, first: { readonly freed: boolean; readonly fresh: readonly E[] }, pass: (freed: boolean, fresh: readonly E[]) => RoundResult<E>): number {
  let freed = first.freed;
  let fresh = first.fresh;
  let passes = 0;
  for (let round = 0; round <= live() + 1 && live() > 0; round++) {
    if (!freed && fresh.length === 0) break;
    const { out, requeued } = pass(freed, fresh);
    passes++;
    freed = out.again;
    fresh = out.again ? [] : requeued;
  }
  return passes;
}
