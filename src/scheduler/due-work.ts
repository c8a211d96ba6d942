import type { AllocationBook } from './allocations.js';
import type { Pools } from './pools.js';
import type { QueueRunner } from './queue-runner.js';
import type { Tx } from './runtime.js';

/** The parts of a scheduler whose work falls due with time: boots, lease ends, queue timeouts. */
export interface DueWork {
  readonly pools: Pick<Pools, 'nextReadyAt' | 'bootFinished'>;
  readonly book: Pick<AllocationBook, 'nextExpiryAt' | 'expire'>;
  readonly queueRunner: Pick<QueueRunner, 'nextTimeoutAt' | 'timeOut' | 'drain' | 'left' | 'waiting'>;
}

/**
 * Each exact step (a batch of capacity, or of timeouts) offers the whole queue once: O(queue). A
 * catch-up over a long stall (a restart after downtime, a blocked event loop) with thousands of
 * lease ends interleaved with thousands of deadlines would take seconds (10,000 of each: 7.3 s,
 * against 0.4 s for one coarse step). So the exact steps of one catch-up may visit at most this
 * many queue entries in all (about 250 steps over a queue of 10,000, any number over a short
 * one); the rest is done coarsely (`coarse`).
 */
export const EXACT_WORK = 2_500_000;

/**
 * Do the work that fell due by `tx.now`, in time order, as a timer running continuously would
 * have done it: booting nodes whose boot time came are up and leases that ran out end (each batch
 * offered to the queue), and a queued request times out only if it was still waiting at its
 * deadline. Capacity that came at or before a request's deadline is offered to the queue before
 * that request leaves `timed-out`, however late the tick (or operation) that notices both: with a
 * 250 ms tick, a node that came up at 100 ms used to be found after a request due at 200 ms had
 * already been timed out. Everything is stamped `tx.now`.
 *
 * `before`: only what fell due strictly before now (what every operation does first); what falls
 * due exactly now is left to `tick()`, so operations at one instant keep their order. Returns
 * whether anything changed.
 */
export function catchUp(tx: Tx, before: boolean, s: DueWork): boolean {
  const now = tx.now;
  const due = (t: number): boolean => (before ? t < now : t <= now);
  let changed = false;
  let work = 0;
  for (;;) {
    if (work > EXACT_WORK) return coarse(tx, before, s) || changed;
    work += s.queueRunner.waiting + 1;
    const capacityAt = Math.min(s.pools.nextReadyAt(), s.book.nextExpiryAt());
    const deadline = s.queueRunner.nextTimeoutAt();
    if (due(capacityAt) && capacityAt <= deadline) {
      // Capacity up to the next deadline (inclusive: room that comes at a request's deadline is
      // offered to it), or up to now if no deadline is due.
      const upTo = due(deadline) ? deadline : now;
      const strict = !due(deadline) && before;
      const booted = s.pools.bootFinished(tx, upTo, strict) > 0;
      const expired = s.book.expire(tx, upTo, strict).length > 0;
      if (booted || expired) {
        changed = true;
        s.queueRunner.drain(tx, true);
      }
    } else if (due(deadline)) {
      // The requests whose deadline came before any further capacity leave (in arrival order);
      // the queue is offered again where that can start something (a timed-out head may have
      // held others back), as after a cancel: they free no capacity (QueueRunner.left).
      const upTo = due(capacityAt) ? capacityAt : now;
      if (!s.queueRunner.timeOut(tx, false, upTo, due(capacityAt) || before)) return changed;
      changed = true;
      s.queueRunner.left(tx);
    } else return changed;
  }
}

/**
 * What is still due once the exact steps used up `EXACT_WORK`, in one batch: every boot and lease
 * end, then every timeout, then one pass over the queue. A request whose deadline came in that
 * stretch leaves `timed-out` even if room came before it (the queue timeout stays a bound on the
 * wait, never exceeded); only a catch-up of hundreds of interleavings over a long queue comes here.
 */
function coarse(tx: Tx, before: boolean, s: DueWork): boolean {
  const booted = s.pools.bootFinished(tx, tx.now, before) > 0;
  const expired = s.book.expire(tx, tx.now, before).length > 0;
  const timedOut = s.queueRunner.timeOut(tx, false, tx.now, before);
  if (booted || expired) s.queueRunner.drain(tx, true);
  else if (timedOut) s.queueRunner.left(tx);
  return booted || expired || timedOut;
}
