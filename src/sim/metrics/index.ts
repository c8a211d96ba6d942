import type { EventLog } from '../log.js';
import { cost, fairness, gpuFragmentation, requestCounts, sla, timing, utilization } from './families.js';
import { byPool } from './pools.js';
import { runFacts, type RunFacts } from './timeline.js';
import type { RunMetrics } from './types.js';

export { boundedSlowdown, jainIndex, percentiles, SLOWDOWN_TAU } from './stats.js';
export { runFacts, type RunFacts } from './timeline.js';
export { cost, fairness, gpuFragmentation, requestCounts, sla, timing, utilization } from './families.js';
export { byPool, type PoolFacts } from './pools.js';
export type { PoolMetrics, RunMetrics, SlaClass } from './types.js';

/**
 * All metrics of a run: one pass over its event log gathers the facts (`runFacts`), then each
 * metric family is a pure function of them. The same log gives the same numbers. `dims` names
 * the resource dimensions (the log stores vectors by index).
 */
export function computeMetrics(log: EventLog, dims: readonly string[]): RunMetrics {
  return metricsFromFacts(runFacts(log, dims));
}

/** Every metric family from a run's facts (also for facts a caller adjusted, e.g. one protocol window). */
export function metricsFromFacts(f: RunFacts): RunMetrics {
  const t = timing(f);
  const counts = requestCounts(f);
  return {
    requests: counts.requests,
    rejectionsByCode: counts.rejectionsByCode,
    utilization: utilization(f),
    wait: t.wait,
    meanBoundedSlowdown: t.meanBoundedSlowdown,
    makespan: t.makespan,
    throughputPerHour: t.throughputPerHour,
    sla: sla(f),
    fairness: fairness(f),
    cost: cost(f),
    gpuFragmentation: gpuFragmentation(f),
    byPool: byPool(f),
  };
}
