import { planScaleSteps, poolScalingStates, type ScaleStep } from '../autoscale/observe.js';
import type { DemandSample, ScalingPolicy } from '../autoscale/policy.js';
import type { ClusterState } from '../core/cluster.js';
import type { Request } from '../core/model.js';

/** How many past demand samples the scaling policy sees. */
const HISTORY_LIMIT = 10_000;

/**
 * The scaling policy's view of demand: at each step, the pools' running and queued demand, with
 * the number of requests that arrived since the previous step, appended to a bounded history.
 * Requests turned away for lack of capacity since the previous step count as queued demand at
 * that step (once per id, however often a client retried): without a wait queue nothing else
 * would show the policy the demand, and a pool scaled to zero would never grow.
 */
export class Autoscaler {
  private readonly history: DemandSample[] = [];
  private arrivals = 0;
  private readonly turnedAway = new Map<string, Request>();

  constructor(readonly policy: ScalingPolicy) {}

  /** Count a request submitted to the scheduler. */
  noteArrival(): void {
    this.arrivals++;
  }

  /** A request refused because no capacity was free (no queue, a full one, a zero queue timeout). */
  noteTurnedAway(r: Request): void {
    this.turnedAway.set(r.id, r);
  }

  /** Record a demand sample, ask the policy, and turn its answer into concrete steps. */
  plan(state: ClusterState, waiting: readonly Request[], nowMs: number): ScaleStep[] {
    const nowSec = nowMs / 1000;
    const pools = poolScalingStates(state, waiting, [...this.turnedAway.values()]);
    this.turnedAway.clear();
    this.history.push({ time: nowSec, demandNodes: pools.map((p) => p.queuedNodes + p.runningNodes), arrivals: this.arrivals });
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    this.arrivals = 0;
    return planScaleSteps(state, this.policy.decide({ now: nowSec, pools, history: this.history }));
  }
}
