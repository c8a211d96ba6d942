import type { PoolSpec } from '../core/model.js';

/** What a scaling policy sees of one pool at decision time. */
export interface PoolScalingState {
  readonly pool: number;
  readonly spec: PoolSpec;
  /** Nodes accepting work. */
  readonly up: number;
  /** Nodes asked for and still booting. Failed nodes are neither up nor booting: not part of the size. */
  readonly booting: number;
  /** Allocated ÷ capacity of the up nodes, per dimension (0 when no node is up). */
  readonly utilization: readonly number[];
  /**
   * Demand of the requests waiting for this pool, in node-equivalents of its dominant dimension:
   * Σ max_d(demand_d / capacity_d). A request that may run on several pools counts once, towards
   * its cheapest eligible pool. Requests turned away for lack of capacity since the previous
   * decision (no wait queue, a full one) count here too, once each.
   */
  readonly queuedNodes: number;
  /** Demand of running work in node-equivalents (same measure as queuedNodes). */
  readonly runningNodes: number;
}

/** One sample of recent history, appended by the caller at each scaling tick. */
export interface DemandSample {
  /** Seconds. */
  readonly time: number;
  /** Per pool: running + queued demand in node-equivalents at that time. */
  readonly demandNodes: readonly number[];
  /** Arrivals since the previous sample (all pools). */
  readonly arrivals: number;
}

export interface ScalingInput {
  readonly now: number;
  readonly pools: readonly PoolScalingState[];
  /** Samples at every tick so far, oldest first (the caller may cap its length). */
  readonly history: readonly DemandSample[];
}

export interface ScaleAction {
  readonly pool: number;
  /** Nodes to add (> 0) or remove (< 0). The caller clamps to the pool's min/max. */
  readonly delta: number;
  readonly reason: string;
}

/**
 * The ScalingPolicy contract: given the pools, recent demand and (inside the policy) a forecast,
 * return scale actions. The simulator calls `decide` every `intervalSeconds` of simulated time
 * and models boot time and price; the production scheduler calls the same object on a timer.
 * Removals take idle nodes only (the caller picks which; a busy node is never killed).
 */
export interface ScalingPolicy {
  readonly name: string;
  readonly intervalSeconds: number;
  decide(input: ScalingInput): ScaleAction[];
  /**
   * Optional, for reports: the demand of `pool` (node-equivalents, as in DemandSample) this policy
   * provisions for after its last `decide`, and the time it is for; undefined without a forecast.
   */
  forecastNodes?(pool: number, now: number, bootSeconds: number): { readonly at: number; readonly nodes: number } | undefined;
  /**
   * Work the policy started off the decision path (e.g. an asynchronous forecaster fit). A
   * simulator awaits it after every `decide`, so the result is in use from the next decision at a
   * deterministic simulated time; a real-time driver never awaits it.
   */
  settle?(): Promise<void>;
  /**
   * Optional, for reports: what the run's output must say about how the policy behaved (e.g. a
   * predictive policy whose forecaster failed and which ran as the reactive rule), one line each.
   */
  notes?(): string[];
}

/** Keeps every pool at its initial size: the baseline. */
export function staticPolicy(intervalSeconds = 60): ScalingPolicy {
  return { name: 'static', intervalSeconds, decide: () => [] };
}
