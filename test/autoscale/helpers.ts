import type { DemandSample, PoolScalingState, ScalingInput } from '../../src/autoscale/policy.js';
import type { PoolSpec } from '../../src/core/model.js';

export const spec = (extra: Partial<PoolSpec> = {}): PoolSpec => ({
  name: 'w',
  capacity: [16, 64],
  nodes: { min: 1, max: 100, initial: 10 },
  pricePerHour: 1,
  latencyMs: 0,
  bootSeconds: 300,
  labels: {},
  ...extra,
});

/** A pool state with `up` nodes, `booting` nodes and demand = running + queued node-equivalents. */
export function pool(up: number, running: number, queued = 0, booting = 0, s: PoolSpec = spec(), index = 0): PoolScalingState {
  return { pool: index, spec: s, up, booting, utilization: [up > 0 ? running / up : 0, up > 0 ? running / up : 0], queuedNodes: queued, runningNodes: running };
}

export function input(now: number, pools: PoolScalingState[], history: DemandSample[] = []): ScalingInput {
  return { now, pools, history };
}
