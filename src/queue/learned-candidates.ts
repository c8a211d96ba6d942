import { estimatedDuration } from '../core/model.js';
import type { QueuedRequest } from './policy.js';

/**
 * Queue bookkeeping of `learned-queue` that does not score: the arrival order of the waiting
 * jobs, and the `short-narrow` candidate choice without sorting the whole queue. Each function
 * gives what the plain version (a sort, a merge) gives, element for element; they only skip work.
 */

/**
 * `waiting` in arrival order (the array itself when it already is, as the engine keeps its queue,
 * else a stably sorted copy), and whether its seqs are distinct (strictly increasing).
 */
export function inSeqOrder(waiting: readonly QueuedRequest[]): { jobs: readonly QueuedRequest[]; distinct: boolean } {
  let distinct = true;
  for (let i = 1; i < waiting.length; i++) {
    const d = (waiting[i] as QueuedRequest).seq - (waiting[i - 1] as QueuedRequest).seq;
    if (d < 0) {
      const jobs = [...waiting].sort((a, b) => a.seq - b.seq);
      return { jobs, distinct: increasing(jobs) };
    }
    if (!(d > 0)) distinct = false;
  }
  return { jobs: waiting, distinct };
}

function increasing(jobs: readonly QueuedRequest[]): boolean {
  for (let i = 1; i < jobs.length; i++) if (!((jobs[i] as QueuedRequest).seq > (jobs[i - 1] as QueuedRequest).seq)) return false;
  return true;
}

/**
 * `head` first, then the other jobs of `bySeq` (arrival order, distinct seqs) in that order: what
 * merging any split of them into two arrival-ordered lists gives (a blocked head's order).
 */
export function headThenRest(head: QueuedRequest, bySeq: readonly QueuedRequest[], at: number): QueuedRequest[] {
  const out: QueuedRequest[] = [head];
  for (let i = 0; i < bySeq.length; i++) if (i !== at) out.push(bySeq[i] as QueuedRequest);
  return out;
}

/**
 * The `k` jobs of `bySeq` that come first under (key, seq, position): the first k of the stable
 * sort by `key` then seq, in that order, as positions in bySeq. One pass keeping a sorted list of
 * the k best so far (most jobs are rejected by one comparison). Undefined when a key is NaN (the
 * sort's comparator is then no order, and only the sort itself says what it gives).
 */
export function firstK(bySeq: readonly QueuedRequest[], key: (q: QueuedRequest) => number, k: number): Int32Array | undefined {
  const n = bySeq.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = key(bySeq[i] as QueuedRequest);
    if (Number.isNaN(v)) return undefined;
    keys[i] = v;
  }
  // a before b: the comparator of the sort (a difference, NaN for two equal infinities: a tie), then position (stability).
  const before = (a: number, b: number): boolean => {
    const c = (keys[a] as number) - (keys[b] as number) || (bySeq[a] as QueuedRequest).seq - (bySeq[b] as QueuedRequest).seq;
    return c < 0 || (!(c > 0) && a < b);
  };
  const best = new Int32Array(Math.min(k, n));
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (size === best.length && !before(i, best[size - 1] as number)) continue;
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(best[mid] as number, i)) lo = mid + 1;
      else hi = mid;
    }
    if (size < best.length) size++;
    best.copyWithin(lo + 1, lo, size - 1);
    best[lo] = i;
  }
  return best;
}

/**
 * `short-narrow` candidates: in turn the next shortest-requested job and the next narrowest one
 * (ties: arrival) until `k` differ, as positions in bySeq marked in the result; undefined when
 * firstK is (the caller then sorts). Needs more than k jobs. The first k of each order suffice:
 * after turn i the shortest i + 1 are all in, so at most k turns are taken.
 */
export function shortNarrowMarks(bySeq: readonly QueuedRequest[], dim: number, k: number): Uint8Array | undefined {
  const short = firstK(bySeq, (q) => estimatedDuration(q.request), k);
  const narrow = short === undefined ? undefined : firstK(bySeq, (q) => q.request.demand[dim] ?? 0, k);
  if (short === undefined || narrow === undefined) return undefined;
  const marks = new Uint8Array(bySeq.length);
  let chosen = 0;
  const add = (i: number): void => {
    if (marks[i] === 0) {
      marks[i] = 1;
      chosen++;
    }
  };
  for (let i = 0; chosen < k; i++) {
    add(short[i] as number);
    if (chosen < k) add(narrow[i] as number);
  }
  return marks;
}
