/**
 * Ordering keys: the one place where each queue order's formula lives. The generic queue
 * policies (`sjf.ts`, `f1.ts`, ...) sort by these, also under the HPC reference protocol
 * (`src/sim/reference`, on the main simulator), so a formula is never written twice. Lowest key runs first; a key may add a second key for
 * ties (`tie`); remaining ties keep queue order.
 *
 * Notation: s = submit time (seconds, as in the trace: F1 takes its logarithm, so the absolute
 * value matters), r = requested run time (the user's estimate), n = processors (width),
 * w = real waiting time at the moment of ordering = now − s.
 *
 *   FCFS    s
 *   SJF     r, then s
 *   F1      log10(r) · n + 870 · log10(s)                       (Carastan-Santos & de Camargo, SC'17)
 *   WFP3    −(w / r)³ · max(n, 1)                               (Tang et al., IPDPS'09)
 *   UNICEP  −(w + 1e-15) / (log2(max(n, 1) + 1e-15) · r)        (Tang et al., IPDPS'09)
 *
 * In F1, a value that is not positive is replaced by 0.1 before its logarithm (so a job submitted
 * at t = 0 is not −∞), and n = 0 drops the first term (r may be ∞: no estimate). WFP3 and UNICEP divide by r, so they use the same guard (r ≤ 0 → 0.1).
 * UNICEP keeps RLScheduler's 1e-15 regularisation: log2(1) = 0 would divide by zero, so a
 * one-processor job gets a very large (finite) priority, w · ~6e14 / r. A width below 1 (a GPU
 * share or a fraction of a cpu with the generic policies, nothing in the width dimension) counts
 * as 1: log2(n) < 0 there would turn the key positive and growing with the wait, so such a job
 * would fall further behind the longer it waited (HPC logs have n ≥ 1: unchanged there). WFP3 uses
 * the same floor: with n = 0 (a cpu-only job under `widthDimension: gpu`) its key would stay 0
 * however long it waited, behind every wider job that had waited at all.
 *
 * WFP3 and UNICEP use the real waiting time now − s. (RLScheduler's published WFP3/UNICEP columns
 * computed w from a start time still unset (−1) at ordering time; we do not reproduce that.)
 *
 * An unknown estimate (r = ∞: a production request with neither an estimate nor a lease) would
 * make w / r = 0 however long the request waited, so it would stay behind every request with an
 * estimate that had waited at all, and starve while they kept coming. In WFP3 and UNICEP
 * (`estimateDivides`), sortByKey counts it as the largest finite estimate among the requests being
 * ordered (1 s when none has one): it ages as the longest known job does, and requests without an
 * estimate order among themselves by wait and width. Simulated and HPC runs always have a finite
 * estimate (the actual duration stands in for a missing one): unchanged there.
 */

/** What an order may look at. */
export interface JobFacts {
  /** Submit (arrival) time, seconds. */
  readonly submit: number;
  /** Requested (estimated) run time, seconds. */
  readonly requested: number;
  /** Processors, or for the generic policies the demand in the width dimension (cpu by default). */
  readonly procs: number;
}

export interface OrderKey {
  readonly name: string;
  /** True when the key changes as time passes (waiting-time orders): re-sort at every decision. */
  readonly timeDependent: boolean;
  /** Primary key at time `now`; lowest first. */
  key(job: JobFacts, now: number): number;
  /** Secondary key for primary ties; lowest first. */
  tie?(job: JobFacts, now: number): number;
  /**
   * The key divides by the estimate (WFP3, UNICEP): sortByKey then replaces an unknown (infinite)
   * estimate by the largest finite one being ordered, else by 1 s, so the request ages.
   */
  readonly estimateDivides?: boolean;
}

/** What an unknown (not finite) estimate counts as among `facts`: their largest finite estimate, 1 s when none has one. */
export function unknownEstimateStandIn(facts: readonly JobFacts[]): number {
  let largest = -Infinity;
  for (const f of facts) if (Number.isFinite(f.requested) && f.requested > largest) largest = f.requested;
  return largest === -Infinity ? 1 : largest;
}

/** 0.1 stands in for a value that is not positive (F1's rule, reused by WFP3/UNICEP's divisor). */
export function positiveOr01(x: number): number {
  return x > 0 ? x : 0.1;
}

export const FCFS_KEY: OrderKey = {
  name: 'fcfs',
  timeDependent: false,
  key: (j) => j.submit,
};

export const SJF_KEY: OrderKey = {
  name: 'sjf',
  timeDependent: false,
  key: (j) => j.requested,
  tie: (j) => j.submit,
};

export const F1_KEY: OrderKey = {
  name: 'f1',
  timeDependent: false,
  // n = 0 (nothing in the width dimension) drops the width term: with r = ∞ (production, no
  // estimate) the product ∞ · 0 would be NaN, a key that ties with every other.
  key: (j) => (j.procs === 0 ? 0 : Math.log10(positiveOr01(j.requested)) * j.procs) + 870 * Math.log10(positiveOr01(j.submit)),
};

export const WFP3_KEY: OrderKey = {
  name: 'wfp3',
  timeDependent: true,
  estimateDivides: true,
  key: (j, now) => -Math.pow((now - j.submit) / positiveOr01(j.requested), 3) * Math.max(j.procs, 1),
};

export const UNICEP_KEY: OrderKey = {
  name: 'unicep',
  timeDependent: true,
  estimateDivides: true,
  key: (j, now) => -(now - j.submit + 1e-15) / (Math.log2(Math.max(j.procs, 1) + 1e-15) * positiveOr01(j.requested)),
};

/** The HPC orders by name (the names `drs replay-swf --policy` accepts). */
export const ORDER_KEYS = {
  fcfs: FCFS_KEY,
  sjf: SJF_KEY,
  f1: F1_KEY,
  wfp3: WFP3_KEY,
  unicep: UNICEP_KEY,
} as const;

export type OrderKeyName = keyof typeof ORDER_KEYS;
export const ORDER_KEY_NAMES = Object.keys(ORDER_KEYS) as OrderKeyName[];

export function isOrderKeyName(s: string): s is OrderKeyName {
  return Object.prototype.hasOwnProperty.call(ORDER_KEYS, s);
}

/**
 * Stable sort of `items` by `key` at time `now`, then `key.tie`, then `rank` (default: the items'
 * current order). Keys are computed once per item. Comparisons use `<`/`>`, so ±Infinity keys
 * order correctly. For a key that divides by the estimate, an unknown estimate is the largest
 * finite one among `items` (unknownEstimateStandIn).
 */
export function sortByKey<T>(
  items: readonly T[],
  facts: (item: T) => JobFacts,
  key: OrderKey,
  now: number,
  rank?: (item: T) => number,
): T[] {
  const n = items.length;
  const tie = key.tie;
  const k = new Float64Array(n);
  const t = new Float64Array(n);
  const r = new Float64Array(n);
  const all = items.map(facts);
  const standIn = key.estimateDivides === true && all.some((f) => !Number.isFinite(f.requested)) ? unknownEstimateStandIn(all) : undefined;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const item = items[i] as T;
    const given = all[i] as JobFacts;
    const f = standIn !== undefined && !Number.isFinite(given.requested) ? { ...given, requested: standIn } : given;
    k[i] = key.key(f, now);
    t[i] = tie === undefined ? 0 : tie(f, now);
    r[i] = rank === undefined ? i : rank(item);
    if (sorted && i > 0 && cmp(k, t, r, i - 1, i) > 0) sorted = false;
  }
  // Queues are often already in order (re-sorted after a few changes): skip the sort then.
  if (sorted) return items.slice();
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => cmp(k, t, r, a, b));
  return idx.map((i) => items[i] as T);
}

function cmp(k: Float64Array, t: Float64Array, r: Float64Array, a: number, b: number): number {
  const ka = k[a] as number;
  const kb = k[b] as number;
  if (ka < kb) return -1;
  if (ka > kb) return 1;
  const ta = t[a] as number;
  const tb = t[b] as number;
  if (ta < tb) return -1;
  if (ta > tb) return 1;
  return (r[a] as number) - (r[b] as number);
}
