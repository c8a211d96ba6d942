import type { Allocator } from '../algorithms/allocator.js';
import { PreemptingAllocator } from '../algorithms/preemption.js';
import { createAllocator, isAllocatorName, type AllocatorName, type StrategySpec } from '../algorithms/registry.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import { createScalingPolicy, isScalingPolicyName, type ScalingPolicyName } from '../autoscale/registry.js';
import { UserError } from '../core/errors.js';
import { resolveLearnedRef } from '../core/model-ref.js';
import type { QueuePolicy } from '../queue/policy.js';
import { createQueuePolicy, isQueuePolicyName, type QueuePolicyName } from '../queue/registry.js';

/**
 * The scheduler's options name strategies (placement, queue order, scaling) by registry name,
 * by spec, or as objects; these turn each into the object, with a UserError naming the option
 * for an unknown name.
 */

export interface ResolvedStrategy {
  /** The strategy as given (without the preemption wrapper). */
  readonly allocator: Allocator;
  /** The strategy wrapped with PreemptingAllocator, when priority preemption is asked for. */
  readonly preempting: Allocator | undefined;
}

/** `preemption`, or a spec's own `preemption: true`, asks for the PreemptingAllocator wrapper. */
export function resolveStrategy(strategy: AllocatorName | StrategySpec | Allocator, preemption: boolean | undefined): ResolvedStrategy {
  let allocator: Allocator;
  if (typeof strategy === 'string') {
    // `learned:FILE.json` is `learned` with option `model` (src/core/model-ref.ts).
    const r = resolveLearnedRef({ name: strategy as string }, 'allocator');
    const spec = r.ok ? r.ref : { name: strategy };
    if (!isAllocatorName(spec.name)) throw new UserError(`unknown strategy '${strategy}'`, { field: 'strategy' });
    allocator = createAllocator(spec as StrategySpec);
  } else if ('allocate' in strategy) {
    allocator = strategy;
  } else {
    const r = resolveLearnedRef(strategy, 'allocator');
    if (!r.ok) throw new UserError(r.error, { field: `strategy.${r.at}` });
    allocator = createAllocator({ ...r.ref, preemption: false });
  }
  const wantPreemption = preemption === true || (typeof strategy === 'object' && !('allocate' in strategy) && strategy.preemption === true);
  return { allocator, preempting: wantPreemption ? new PreemptingAllocator(allocator) : undefined };
}

/** `options` are validated by the registry policy's schema. */
export function resolveQueuePolicy(policy: QueuePolicy | QueuePolicyName, options: unknown): QueuePolicy {
  if (typeof policy !== 'string') return policy;
  // `learned-queue:FILE.json` is `learned-queue` with option `model` (src/core/model-ref.ts).
  const r = resolveLearnedRef({ name: policy as string, options }, 'queue');
  if (!r.ok) throw new UserError(r.error, { field: `queue.${r.at === 'name' ? 'policy' : r.at}` });
  if (!isQueuePolicyName(r.ref.name)) throw new UserError(`unknown queue policy '${policy}'`, { field: 'queue.policy' });
  return createQueuePolicy(r.ref.name, r.ref.options ?? {});
}

/** A registry policy gets the run's seed (as a string) for its own randomness. */
export function resolveScalingPolicy(spec: ScalingPolicy | { readonly policy: ScalingPolicyName; readonly options?: unknown }, seed: number | string): ScalingPolicy {
  if ('decide' in spec) return spec;
  if (!isScalingPolicyName(spec.policy)) throw new UserError(`unknown scaling policy '${String(spec.policy)}'`, { field: 'scaling.policy' });
  return createScalingPolicy(spec.policy, spec.options ?? {}, { seed: String(seed) });
}
