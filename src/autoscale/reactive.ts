import type { PoolScalingState, ScaleAction, ScalingInput, ScalingPolicy } from './policy.js';

/*
 * Reactive target tracking, in the manner of the Kubernetes Horizontal Pod Autoscaler (HPA),
 * with nodes in the place of pods. Every `intervalSeconds`, for each pool:
 *
 * 1. Metric (utilization including queued demand; default `metric: 'demand'`):
 *
 *      m = (runningNodes + queuedNodes) / up
 *
 *    runningNodes and queuedNodes are the node-equivalents of the pool's dominant dimension that
 *    the simulator/scheduler reports (Σ over requests of max_d demand_d / capacity_d). Counting the
 *    queue makes m exceed 1 when work waits, so the rule scales out by how much is missing, not
 *    just "to 100 %". With `metric: 'utilization'` the metric is instead the allocated share of
 *    one dimension (`dimension`, an index into the scenario's dimensions here; the registry also
 *    takes a dimension's name; default the largest over dimensions) plus queuedNodes / up.
 *
 * 2. Raw recommendation (HPA: desiredReplicas = ceil(currentReplicas × metric / target)):
 *
 *      r = m / target
 *      |r − 1| ≤ tolerance                 → raw = current                 (no change)
 *      otherwise                           → raw = ceil(up × r) = ceil(demand / target)
 *
 *    where current = up + booting (nodes already asked for count towards the goal, as an HPA
 *    counts not-yet-ready pods in spec.replicas; the booting ones add no usage, which is what
 *    the HPA assumes of unready pods when scaling up). With no node up the metric is undefined:
 *    raw = max(current, ceil(demand / target)) when work is waiting, else current.
 *
 * 3. Stabilization (HPA behavior.scaleUp/scaleDown.stabilizationWindowSeconds): every raw
 *    recommendation is remembered with its time. Over the last `scaleDown.stabilizationSeconds`
 *    (default 300 s) the highest one, over the last `scaleUp.stabilizationSeconds` (default 0 s)
 *    the lowest one (the current raw value always takes part; the pool's size at the first
 *    decision counts as a recommendation made then, as in the HPA, so the initial fleet is not
 *    cut before the scale-down window has seen any demand):
 *
 *      upRec   = min(raw, recs in the up window)
 *      downRec = max(raw, recs in the down window)
 *      stabilized = current < upRec ? upRec : current > downRec ? downRec : current
 *
 * 4. Rate limits (HPA behavior policies): the pool's size at the start of each policy's period is
 *    periodStart = current − added in the last periodSeconds + removed in the last periodSeconds.
 *      scale up:   limit = select over policies of  periodStart + value          (type 'nodes')
 *                                              or   ceil(max(periodStart, 1) × (1 + value/100)) ('percent';
 *                                                   of one node from an empty pool, so it can grow from zero)
 *      scale down: limit = select over policies of  periodStart − value          (type 'nodes')
 *                                              or   floor(periodStart × (1 − value/100)) ('percent')
 *    `select: 'max'` (HPA default) takes the policy allowing the biggest change, 'min' the
 *    smallest, 'disabled' forbids scaling in that direction. Defaults as the HPA's: up =
 *    max(+4 nodes, +100 %) per 15 s; down = −100 % per 15 s. A limit never reverses direction.
 *
 * 5. Clamp to the pool's [nodes.min, nodes.max]; the action is desired − current.
 *
 * The caller may still cut a scale-in short (only idle nodes are removed); the next tick sees the
 * real size and asks again.
 */

export type RatePolicyType = 'nodes' | 'percent';

export interface RatePolicy {
  readonly type: RatePolicyType;
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  /** Seconds of recommendations considered (up: min over the window, down: max over it). */
  readonly stabilizationSeconds: number;
  readonly policies: readonly RatePolicy[];
  /** Which policy wins when several apply: the one allowing the most change ('max'), the least ('min'), or none ('disabled'). */
  readonly select: 'max' | 'min' | 'disabled';
}

export interface ReactiveOptions {
  /** Seconds between decisions; default 15 (the HPA's sync period). */
  readonly intervalSeconds?: number;
  /** Target value of the metric, in (0, ∞); default 0.8. */
  readonly target?: number;
  /** No change while |metric / target − 1| ≤ tolerance; default 0.1. */
  readonly tolerance?: number;
  /** 'demand' (default): (running + queued) / up; 'utilization': allocated share of a dimension + queued / up. */
  readonly metric?: 'demand' | 'utilization';
  /** With metric 'utilization' (only; refused with 'demand'): the dimension index; default the largest utilization over dimensions. */
  readonly dimension?: number;
  readonly scaleUp?: Partial<ScalingRules>;
  readonly scaleDown?: Partial<ScalingRules>;
  /** Only these pools (by name); default every pool. */
  readonly pools?: readonly string[];
}

export const REACTIVE_DEFAULTS = {
  intervalSeconds: 15,
  target: 0.8,
  tolerance: 0.1,
  scaleUp: {
    stabilizationSeconds: 0,
    policies: [
      { type: 'nodes', value: 4, periodSeconds: 15 },
      { type: 'percent', value: 100, periodSeconds: 15 },
    ],
    select: 'max',
  },
  scaleDown: { stabilizationSeconds: 300, policies: [{ type: 'percent', value: 100, periodSeconds: 15 }], select: 'max' },
} as const satisfies { intervalSeconds: number; target: number; tolerance: number; scaleUp: ScalingRules; scaleDown: ScalingRules };

interface Stamped {
  readonly time: number;
  readonly n: number;
}

/** What the reactive rule concluded for one pool at one tick (also used by the predictive policy). */
export interface ReactiveRecommendation {
  readonly pool: number;
  /** up + booting. */
  readonly current: number;
  /** The metric m (NaN when no node is up). */
  readonly metric: number;
  /** Step 2's raw recommendation. */
  readonly raw: number;
  /** After stabilization (step 3). */
  readonly stabilized: number;
  /** After rate limits and the pool's min/max (steps 4-5): the size the rule asks for. */
  readonly desired: number;
}

/** Per-pool memory of the rule: recommendations for stabilization, scale events for rate limits. */
class PoolMemory {
  /** No decision yet: the first one records the pool's size as a recommendation (see recommend). */
  fresh = true;
  recs: Stamped[] = [];
  ups: Stamped[] = [];
  downs: Stamped[] = [];
}

const sumSince = (events: readonly Stamped[], since: number): number => {
  let s = 0;
  for (const e of events) if (e.time > since) s += e.n;
  return s;
};

/** Highest size the rate limits allow (step 4, scale up). */
export function scaleUpLimit(current: number, now: number, ups: readonly Stamped[], downs: readonly Stamped[], rules: ScalingRules): number {
  if (rules.select === 'disabled') return current;
  let out = rules.select === 'min' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const since = now - p.periodSeconds;
    const start = current - sumSince(ups, since) + sumSince(downs, since);
    // A percent of a pool that started the period empty is taken of one node: a percent of 0 is 0,
    // and a percent-only rule (or any 'min' select with one) kept a pool scaled to zero there for ever.
    const proposed = p.type === 'nodes' ? start + p.value : Math.ceil(Math.max(start, 1) * (1 + p.value / 100) - 1e-9);
    out = rules.select === 'min' ? Math.min(out, proposed) : Math.max(out, proposed);
  }
  return Number.isFinite(out) ? Math.max(out, current) : current;
}

/** Lowest size the rate limits allow (step 4, scale down). */
export function scaleDownLimit(current: number, now: number, ups: readonly Stamped[], downs: readonly Stamped[], rules: ScalingRules): number {
  if (rules.select === 'disabled') return current;
  let out = rules.select === 'min' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const since = now - p.periodSeconds;
    const start = current - sumSince(ups, since) + sumSince(downs, since);
    const proposed = p.type === 'nodes' ? start - p.value : Math.floor(start * (1 - p.value / 100) + 1e-9);
    out = rules.select === 'min' ? Math.max(out, proposed) : Math.min(out, proposed);
  }
  return Number.isFinite(out) ? Math.min(out, current) : current;
}

/** Step 1: the metric of a pool, or NaN when no node is up. */
export function reactiveMetric(p: PoolScalingState, metric: 'demand' | 'utilization' = 'demand', dimension?: number): number {
  if (p.up <= 0) return NaN;
  if (metric === 'demand') return (p.runningNodes + p.queuedNodes) / p.up;
  const u = dimension === undefined ? Math.max(0, ...p.utilization) : (p.utilization[dimension] ?? 0);
  return u + p.queuedNodes / p.up;
}

/** The reactive target-tracking policy (rules at the top of this file). */
export class ReactivePolicy implements ScalingPolicy {
  readonly name: string = 'reactive';
  readonly intervalSeconds: number;
  readonly target: number;
  readonly tolerance: number;
  readonly up: ScalingRules;
  readonly down: ScalingRules;
  private readonly metric: 'demand' | 'utilization';
  private readonly dimension: number | undefined;
  private readonly pools: ReadonlySet<string> | undefined;
  private readonly memory = new Map<number, PoolMemory>();

  constructor(options: ReactiveOptions = {}) {
    this.intervalSeconds = options.intervalSeconds ?? REACTIVE_DEFAULTS.intervalSeconds;
    this.target = options.target ?? REACTIVE_DEFAULTS.target;
    this.tolerance = options.tolerance ?? REACTIVE_DEFAULTS.tolerance;
    this.up = { ...REACTIVE_DEFAULTS.scaleUp, ...options.scaleUp };
    this.down = { ...REACTIVE_DEFAULTS.scaleDown, ...options.scaleDown };
    this.metric = options.metric ?? 'demand';
    this.dimension = options.dimension;
    this.pools = options.pools === undefined ? undefined : new Set(options.pools);
    if (!(this.intervalSeconds > 0)) throw new RangeError(`reactive: intervalSeconds must be > 0, got ${this.intervalSeconds}`);
    if (!(this.target > 0)) throw new RangeError(`reactive: target must be > 0, got ${this.target}`);
    if (!(this.tolerance >= 0)) throw new RangeError(`reactive: tolerance must be ≥ 0, got ${this.tolerance}`);
    for (const [dir, rules] of [['scaleUp', this.up], ['scaleDown', this.down]] as const) {
      for (const q of rules.policies) {
        if (!(q.value > 0) || (q.type === 'nodes' && !Number.isInteger(q.value))) throw new RangeError(`reactive: ${dir} ${q.type} policy value must be ${q.type === 'nodes' ? 'a whole number of nodes ≥ 1' : '> 0'}, got ${q.value}`);
        if (!(q.periodSeconds > 0)) throw new RangeError(`reactive: ${dir} periodSeconds must be > 0, got ${q.periodSeconds}`);
      }
    }
    if (this.dimension !== undefined && this.metric !== 'utilization') throw new RangeError(`reactive: dimension is read only with metric 'utilization', got metric '${this.metric}'`);
  }

  /** Whether this policy manages the pool (the `pools` option). */
  manages(p: PoolScalingState): boolean {
    return this.pools === undefined || this.pools.has(p.spec.name);
  }

  private mem(pool: number): PoolMemory {
    let m = this.memory.get(pool);
    if (m === undefined) {
      m = new PoolMemory();
      this.memory.set(pool, m);
    }
    return m;
  }

  /**
   * Steps 1-5 for one pool at time `now`: remembers the raw recommendation (for stabilization)
   * but not a scale event; call `record` with the size actually asked for.
   */
  recommend(p: PoolScalingState, now: number): ReactiveRecommendation {
    const mem = this.mem(p.pool);
    const current = p.up + p.booting;
    const demand = p.runningNodes + p.queuedNodes;
    const m = reactiveMetric(p, this.metric, this.dimension);
    let raw: number;
    if (Number.isNaN(m)) raw = demand > 1e-9 ? Math.max(current, Math.ceil(demand / this.target - 1e-9)) : current;
    else {
      const ratio = m / this.target;
      raw = Math.abs(ratio - 1) <= this.tolerance + 1e-12 ? current : Math.ceil(p.up * ratio - 1e-9);
    }
    const { min, max } = p.spec.nodes;
    raw = Math.min(Math.max(raw, min), max);

    // The pool's size at the first decision counts as a recommendation made then, as the HPA's
    // recordInitialRecommendation does: the scale-down window keeps the initial fleet for its
    // length instead of cutting it to `min` at t = 0, before the first request has arrived.
    if (mem.fresh) {
      mem.fresh = false;
      mem.recs.push({ time: now, n: current });
    }
    // Stabilization over the windows (the current raw value takes part).
    const horizon = Math.max(this.up.stabilizationSeconds, this.down.stabilizationSeconds);
    mem.recs = mem.recs.filter((r) => r.time > now - horizon);
    let upRec = raw;
    let downRec = raw;
    for (const r of mem.recs) {
      if (r.time > now - this.up.stabilizationSeconds) upRec = Math.min(upRec, r.n);
      if (r.time > now - this.down.stabilizationSeconds) downRec = Math.max(downRec, r.n);
    }
    mem.recs.push({ time: now, n: raw });
    let stabilized = current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;

    // Rate limits, then the pool's bounds.
    const period = Math.max(0, ...this.up.policies.map((q) => q.periodSeconds), ...this.down.policies.map((q) => q.periodSeconds));
    mem.ups = mem.ups.filter((e) => e.time > now - period);
    mem.downs = mem.downs.filter((e) => e.time > now - period);
    let desired = stabilized;
    if (desired > current) desired = Math.min(desired, scaleUpLimit(current, now, mem.ups, mem.downs, this.up));
    else if (desired < current) desired = Math.max(desired, scaleDownLimit(current, now, mem.ups, mem.downs, this.down));
    desired = Math.min(Math.max(desired, min), max);
    return { pool: p.pool, current, metric: m, raw, stabilized, desired };
  }

  /** Remember a scale event (the change actually asked for) for the rate limits. */
  record(pool: number, now: number, current: number, desired: number): void {
    const mem = this.mem(pool);
    if (desired > current) mem.ups.push({ time: now, n: desired - current });
    else if (desired < current) mem.downs.push({ time: now, n: current - desired });
  }

  decide(input: ScalingInput): ScaleAction[] {
    const out: ScaleAction[] = [];
    for (const p of input.pools) {
      if (!this.manages(p)) continue;
      const rec = this.recommend(p, input.now);
      this.record(p.pool, input.now, rec.current, rec.desired);
      if (rec.desired !== rec.current) out.push({ pool: p.pool, delta: rec.desired - rec.current, reason: describe(rec, this.target) });
    }
    return out;
  }
}

export function describe(rec: ReactiveRecommendation, target: number): string {
  const m = Number.isNaN(rec.metric) ? 'no node up' : `metric ${rec.metric.toFixed(3)} vs target ${target}`;
  return `reactive: ${m}; raw ${rec.raw}, stabilized ${rec.stabilized}, desired ${rec.desired} (from ${rec.current})`;
}

export function reactivePolicy(options: ReactiveOptions = {}): ReactivePolicy {
  return new ReactivePolicy(options);
}
