/**
 * Context features of the learned queue (fifteenth round of docs/learned-rounds.md): computed for
 * each candidate from the whole candidate set at that pick, so that the per-job network, which
 * scores each candidate alone, sees the others. O(n log n) per pick. With C the n candidates, Fr the
 * free width, r the requested time (as in the per-job features: capped at 10⁷ s), p the width, k
 * F1's key (log10(r)·p + 870·log10(arrival), `F1_KEY`):
 *
 *   f1-rank             ln(1 + rank of j in F1's order over C; 0 = F1's pick)     (ties: arrival)
 *   f1-gap              ln(1 + k_j − min_C k)
 *   log-rel-requested   ln(max(r_j, 1)) − ln(max(min_C r, 1))
 *   rel-wait            log-wait_j − max_C log-wait
 *   others-fit-after    share of the other n − 1 candidates with p ≤ Fr − p_j (0 when p_j > Fr)
 *   log-delay-imposed   ln(1 + r_j · (n − 1))
 *   fits-share          share of C with p ≤ Fr                                      (same for all)
 *
 * Widths only: on a cluster of many nodes "fits" here means "within the free width", which the
 * per-job `fits-now` (some node holds the whole demand) refines.
 */
export const CONTEXT_FEATURES: readonly string[] = ['f1-rank', 'f1-gap', 'log-rel-requested', 'rel-wait', 'others-fit-after', 'log-delay-imposed', 'fits-share'];

/** What the context features read of each candidate (index = row). */
export interface ContextInputs {
  /** F1's key. */
  readonly key: ArrayLike<number>;
  /** Arrival rank: F1's tie-break. */
  readonly seq: ArrayLike<number>;
  /** Requested time, s (capped as in the per-job features). */
  readonly requested: ArrayLike<number>;
  readonly width: ArrayLike<number>;
}

/** Widths ≤ x in the first n of the ascending `sorted`. */
function atMost(sorted: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Write the context features of the n candidates into columns `at`… of the rows of `x` (row stride
 * F); column 0 of each row must hold its log-wait.
 */
export function contextFeatures(x: Float64Array, F: number, at: number, n: number, c: ContextInputs, freeWidth: number): void {
  if (n === 0) return;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (c.key[a] as number) - (c.key[b] as number) || (c.seq[a] as number) - (c.seq[b] as number));
  const rank = new Int32Array(n);
  order.forEach((j, r) => (rank[j] = r));
  const minKey = c.key[order[0] as number] as number;
  let minReq = Infinity;
  let maxWait = -Infinity;
  const widths = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    minReq = Math.min(minReq, c.requested[j] as number);
    maxWait = Math.max(maxWait, x[j * F] as number);
    widths[j] = c.width[j] as number;
  }
  widths.sort();
  const fitting = atMost(widths, n, freeWidth);
  const logMinReq = Math.log(Math.max(minReq, 1));
  for (let j = 0; j < n; j++) {
    const o = j * F + at;
    const r = c.requested[j] as number;
    const p = c.width[j] as number;
    x[o] = Math.log1p(rank[j] as number);
    x[o + 1] = Math.log1p((c.key[j] as number) - minKey);
    x[o + 2] = Math.log(Math.max(r, 1)) - logMinReq;
    x[o + 3] = (x[j * F] as number) - maxWait;
    let after = 0;
    if (p <= freeWidth && n > 1) {
      const left = freeWidth - p;
      after = (atMost(widths, n, left) - (p <= left ? 1 : 0)) / (n - 1);
    }
    x[o + 4] = after;
    x[o + 5] = Math.log1p(r * (n - 1));
    x[o + 6] = fitting / n;
  }
}
