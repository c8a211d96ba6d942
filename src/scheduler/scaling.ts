import { planScaleSteps, poolScalingStates, type ScaleStep } from '../autoscale/observe.js';
import type { DemandSample, ScalingPolicy } from '../autoscale/policy.js';
import type { ClusterState } from '../core/cluster.js';
import type { Request } from '../core/model.js';

/** How many past demand samples the scaling policy sees. */
const HISTORY_LIMIT = 10_000;

/**
 * The scaling policy's view of demand: at each step, the pools' running and queued demand, with
 * the number of requests that arrived since the previous step, appended to a bounded history.
 */
export class Autoscaler {
  private readonly history: DemandSample[] = [];
  private arrivals = 0;

  constructor(readonly policy: ScalingPolicy) {}

  /** Count a request submitted to the scheduler. */
  noteArrival(): void {
    this.arrivals++;
  }

  /** Record a demand sample, ask the policy, and turn its answer into concrete steps. */
  plan(state: ClusterState, waiting: readonly Request[], nowMs: number): ScaleStep[] {
    const nowSec = nowMs / 1000;
    const pools = poolScalingStates(state, waiting);
    this.history.push({ time: nowSec, demandNodes: pools.map((p) => p.queuedNodes + p.runningNodes), arrivals: this.arrivals });
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    this.arrivals = 0;
    return planScaleSteps(state, this.policy.decide({ now: nowSec, pools, history: this.history }));
  }
}
