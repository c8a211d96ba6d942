/** Public API of src/autoscale: the ScalingPolicy contract, the policies and their registry. */
export * from './policy.js';
export * from './registry.js';
export {
  ReactivePolicy,
  REACTIVE_DEFAULTS,
  reactiveMetric,
  reactivePolicy,
  scaleDownLimit,
  scaleUpLimit,
  type RatePolicy,
  type RatePolicyType,
  type ReactiveOptions,
  type ReactiveRecommendation,
  type ScalingRules,
} from './reactive.js';
export { PredictivePolicy, PREDICTIVE_DEFAULTS, predictivePolicy, type PredictiveOptions } from './predictive.js';
export { compileRules, lastFiring, parseClock, parseCronField, ScheduledPolicy, scheduledPolicy, type CompiledRule, type ScheduledOptions, type ScheduleRule } from './scheduled.js';
export { scalingTargetIssue, type ScalingTargetIssue } from './targets.js';
