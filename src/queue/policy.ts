import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';

/** A request waiting in the queue, with what the queue knows about it. */
export interface QueuedRequest {
  readonly request: Request;
  /** When it (re-)entered the queue, seconds. Equals arrival unless it was requeued. */
  readonly enqueuedAt: number;
  /** Queue arrival order; the final tie-break of every policy (stable, deterministic). */
  readonly seq: number;
  /** How many times it was started and then evicted (preemption, node failure, lease expiry). */
  readonly attempts: number;
}

/**
 * The QueuePolicy contract: which waiting request goes first, and whether the head of the queue
 * blocks those behind it. Placement stays the allocator's job.
 *
 * `order` returns a new array, most urgent first; ties keep `seq` order. Policies whose keys
 * depend on waiting time (WFP3, UNICEP) compute it from `now` with the real wait.
 */
export interface QueuePolicy {
  readonly name: string;
  /**
   * `cluster` (optional, read-only): the cluster as it is now, for policies whose order depends on
   * free capacity (the learned queue's "fits now" feature). Drivers pass it; others ignore it.
   */
  order(waiting: readonly QueuedRequest[], now: number, cluster?: ClusterView): QueuedRequest[];
  /**
   * When the order is a fixed key per request (does not change with time), the key, lowest
   * first (ties by `seq`): lets the driver keep the queue sorted on insert instead of sorting
   * at every event. Must agree with `order`.
   */
  readonly staticKey?: (q: QueuedRequest) => number;
  /** With `staticKey`: a fixed second key for its ties, lowest first (then `seq`). Must agree with `order`. */
  readonly staticTie?: (q: QueuedRequest) => number;
  /**
   * Head-of-line blocking. `false`: every waiting request may start whenever it fits (greedy).
   * `true`: once the first request in order cannot start, nothing behind it starts, except
   * through `backfill`.
   */
  readonly blocking: boolean;
  /**
   * `commit`: the head chosen when it first blocks stays the head until it starts, however the
   * queue changes (the RLScheduler protocol). `reorder`: the order is re-evaluated at every event.
   */
  readonly headOfLine: 'commit' | 'reorder';
  readonly backfill?: BackfillPolicy;
}

/** Lets work behind a blocked head start early when that does not delay reserved work. */
export interface BackfillPolicy {
  readonly name: string;
  /**
   * `blocked` is the queue in policy order, head first. Return the requests (not the head) that
   * may start now. The allocator then places them; those it cannot place keep waiting.
   */
  select(blocked: readonly QueuedRequest[], cluster: ClusterView, now: number): QueuedRequest[];
  /**
   * Node-exact variant (optional): the requests that may start now, each with the node its plan
   * checked (its reservation). The driver starts each on that node (re-checking that it fits)
   * instead of letting the allocator choose, so a plan made per node holds on many nodes. When
   * present, drivers call this instead of `select`.
   */
  place?(blocked: readonly QueuedRequest[], cluster: ClusterView, now: number): BackfillPick[];
  /**
   * Also call `select` (or `place`) when the head is blocked with nothing behind it (default: only
   * when something waits behind it). For a policy whose state is taken when the head first blocks,
   * such as EASY's reservation computed once per head: taken later, when a second request arrives,
   * it would see only the work still running then.
   */
  readonly seesHeadAlone?: boolean;
  /**
   * Optional, for a driver that replays the reference protocol's order of equal ends: the ids of
   * the running allocations the policy walked in order of requested end since the last call (the
   * reference sorts its running list in place, stably, by requested end there, so work that then
   * ends at the same time ends in that order), or undefined; each call clears it. Drivers call it
   * after every pass and may ignore it.
   */
  takeWalked?(): readonly string[] | undefined;
}

/** A request a backfill policy lets start now, on the node it reserved for it. */
export interface BackfillPick {
  readonly entry: QueuedRequest;
  readonly nodeId: number;
  /** On a GPU device node, the devices its plan reserved (core/gpu.ts); default: the cluster's choice. */
  readonly devices?: readonly number[];
}

/**
 * The order a driver keeps with `staticKey` (and `staticTie`): negative when `a` goes first. As
 * `sortByKey` compares (`<`, `>`), so keys of ±Infinity tie with each other.
 */
export function staticCompare(key: (q: QueuedRequest) => number, tie: ((q: QueuedRequest) => number) | undefined): (a: QueuedRequest, b: QueuedRequest) => number {
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka < kb) return -1;
    if (ka > kb) return 1;
    if (tie !== undefined) {
      const ta = tie(a);
      const tb = tie(b);
      if (ta < tb) return -1;
      if (ta > tb) return 1;
    }
    return a.seq - b.seq;
  };
}

/** Sort by a numeric key (lowest first), ties by queue order. */
export function orderByKey(waiting: readonly QueuedRequest[], key: (q: QueuedRequest) => number): QueuedRequest[] {
  const keyed = waiting.map((q) => ({ q, k: key(q) }));
  keyed.sort((a, b) => a.k - b.k || a.q.seq - b.q.seq);
  return keyed.map((x) => x.q);
}
