/**
 * Context features for the fifteenth round's probe (docs/learned-rounds.md): each candidate's row of
 * production's features, followed by features computed from the whole candidate set at that pick,
 * so that a per-job scorer sees the others. O(n log n) per pick. With C the candidates (n of them),
 * Fr the free width, r the requested time, p the width, k F1's key:
 *
 *   f1-rank             ln(1 + rank of j in F1's order over C; 0 = F1's pick)   (key, tie, arrival)
 *   f1-gap              ln(1 + k_j − min_C k)
 *   log-rel-requested   ln(max(r_j, 1)) − ln(max(min_C r, 1))
 *   rel-wait            log-wait_j − max_C log-wait
 *   others-fit-after    share of the other n − 1 candidates with p ≤ Fr − p_j (0 when j does not fit)
 *   log-delay-imposed   ln(1 + r_j · (n − 1))
 *   fits-share          share of C with p ≤ Fr                                     (same for all)
 */
import type { Job, Sim } from './sim.js';

export const CONTEXT_FEATURES: readonly string[] = ['f1-rank', 'f1-gap', 'log-rel-requested', 'rel-wait', 'others-fit-after', 'log-delay-imposed', 'fits-share'];
const G = CONTEXT_FEATURES.length;

const f1Before = (a: Job, b: Job): number => a.key - b.key || a.tie - b.tie || a.seq - b.seq;

/** Widths ≤ x in the ascending `sorted`. */
function atMost(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rows of F + G features: `base` (n × F, production's rows, log-wait in column 0) with the context
 * features of `jobs` (the candidates, in the rows' order) appended.
 */
export function withContext(base: Float64Array, F: number, jobs: readonly Job[], sim: Pick<Sim, 'free'>): Float64Array {
  const n = jobs.length;
  const W = F + G;
  const x = new Float64Array(n * W);
  const byF1 = jobs.map((_, i) => i).sort((a, b) => f1Before(jobs[a] as Job, jobs[b] as Job));
  const rank = new Int32Array(n);
  byF1.forEach((j, r) => (rank[j] = r));
  const minKey = (jobs[byF1[0] as number] as Job).key;
  let minReq = Infinity;
  let maxWait = -Infinity;
  for (let j = 0; j < n; j++) {
    minReq = Math.min(minReq, (jobs[j] as Job).req);
    maxWait = Math.max(maxWait, base[j * F] as number);
  }
  const widths = jobs.map((j) => j.procs).sort((a, b) => a - b);
  const free = sim.free;
  const fitting = atMost(widths, free);
  for (let j = 0; j < n; j++) {
    const job = jobs[j] as Job;
    const o = j * W;
    for (let f = 0; f < F; f++) x[o + f] = base[j * F + f] as number;
    x[o + F] = Math.log1p(rank[j] as number);
    x[o + F + 1] = Math.log1p(job.key - minKey);
    x[o + F + 2] = Math.log(Math.max(job.req, 1)) - Math.log(Math.max(minReq, 1));
    x[o + F + 3] = (base[j * F] as number) - maxWait;
    let after = 0;
    if (job.procs <= free && n > 1) {
      const left = free - job.procs;
      after = (atMost(widths, left) - (job.procs <= left ? 1 : 0)) / (n - 1);
    }
    x[o + F + 4] = after;
    x[o + F + 5] = Math.log1p(job.req * (n - 1));
    x[o + F + 6] = fitting / n;
  }
  return x;
}
