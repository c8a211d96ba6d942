export { Kernel } from './kernel.js';
export { EventLog, EV, type EventKind } from './log.js';
export { replay, type ReplayOptions, type ReplayOutcome } from './replay.js';
export { computeMetrics, percentiles, jainIndex, boundedSlowdown, SLOWDOWN_TAU, type RunMetrics, type SlaClass } from './metrics.js';
export { compareStrategies, type ComparisonInput, type ComparisonResult, type StrategyResult, type StrategyRun } from './compare.js';
export type { FailureSpec } from './failures.js';
