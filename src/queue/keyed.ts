import { estimatedDuration } from '../core/model.js';
import { sortByKey, type JobFacts, type OrderKey } from './keys.js';
import type { BackfillPolicy, QueuePolicy, QueuedRequest } from './policy.js';

/** Options shared by the policies built on an ordering key (FCFS, SJF, F1, WFP3, UNICEP). */
export interface KeyedPolicyOptions {
  /** Head-of-line blocking (default true: these are batch orders, soften them with `backfill`). */
  readonly blocking?: boolean;
  /** `commit` (the RLScheduler protocol) or `reorder` at every event (default). */
  readonly headOfLine?: 'commit' | 'reorder';
  readonly backfill?: BackfillPolicy;
  /**
   * Which demand dimension is the job's width `n` in F1, WFP3 and UNICEP (index into the
   * scenario's resource space; default 0, which is `cpu` in the default space).
   */
  readonly widthDimension?: number;
}

/**
 * What the keys see of a waiting request: submit = arrival, requested = the estimated duration
 * (requested if given, else actual), procs = demand in the width dimension. The waiting time of
 * WFP3/UNICEP is therefore now − arrival: time since the request first arrived, so work that was
 * preempted and requeued keeps its age.
 */
export function requestFacts(q: QueuedRequest, widthDimension = 0): JobFacts {
  const r = q.request;
  return { submit: r.arrival, requested: estimatedDuration(r), procs: r.demand[widthDimension] ?? 0 };
}

/**
 * A QueuePolicy that orders by `key` (then its tie key, then queue order `seq`). Orders whose key
 * does not depend on time also publish it as `staticKey` (and its tie key as `staticTie`), so the
 * replay driver can keep its queue sorted on insert instead of sorting it at every event.
 */
export function keyedPolicy(key: OrderKey, opts: KeyedPolicyOptions = {}): QueuePolicy {
  const dim = opts.widthDimension ?? 0;
  const facts = (q: QueuedRequest): JobFacts => requestFacts(q, dim);
  const seqOf = (q: QueuedRequest): number => q.seq;
  const staticKey = key.timeDependent ? undefined : (q: QueuedRequest): number => key.key(facts(q), 0);
  const tie = key.tie;
  const staticTie = key.timeDependent || tie === undefined ? undefined : (q: QueuedRequest): number => tie(facts(q), 0);
  return {
    name: key.name,
    blocking: opts.blocking ?? true,
    headOfLine: opts.headOfLine ?? 'reorder',
    ...(opts.backfill === undefined ? {} : { backfill: opts.backfill }),
    ...(staticKey === undefined ? {} : { staticKey }),
    ...(staticTie === undefined ? {} : { staticTie }),
    order: (waiting: readonly QueuedRequest[], now: number) => sortByKey(waiting, facts, key, now, seqOf),
  };
}
