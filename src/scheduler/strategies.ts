import type { Allocator } from '../algorithms/allocator.js';
import { PreemptingAllocator } from '../algorithms/preemption.js';
import { createAllocator, isAllocatorName, type AllocatorName, type StrategySpec } from '../algorithms/registry.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import { createScalingPolicy, isScalingPolicyName, type ScalingPolicyName } from '../autoscale/registry.js';
import { UserError } from '../core/errors.js';
import { resolveLearnedRef } from '../core/model-ref.js';
import type { QueuePolicy } from '../queue/policy.js';
import { createQueuePolicy, isQueuePolicyName, QUEUE_POLICY_NAMES, type QueuePolicyName } from '../queue/registry.js';
import { describe } from './inputs.js';

/**
 * The scheduler's options name strategies (placement, queue order, scaling) by registry name,
 * by spec, or as objects; these turn each into the object, with a UserError naming the option
 * for an unknown name. The check* functions refuse, before anything is built, a value of the wrong
 * kind or an object that breaks its contract (which would otherwise fail later as a TypeError
 * inside a scheduling pass).
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
  if (typeof policy !== 'string') {
    checkQueuePolicyObject(policy, 'queue.policy');
    return policy;
  }
  // `learned-queue:FILE.json` is `learned-queue` with option `model` (src/core/model-ref.ts).
  const r = resolveLearnedRef({ name: policy as string, options }, 'queue');
  if (!r.ok) throw new UserError(r.error, { field: `queue.${r.at === 'name' ? 'policy' : r.at}` });
  if (!isQueuePolicyName(r.ref.name)) throw new UserError(`unknown queue policy '${policy}' (known: ${QUEUE_POLICY_NAMES.join(', ')})`, { field: 'queue.policy' });
  return createQueuePolicy(r.ref.name, r.ref.options ?? {});
}

/** A registry policy gets the run's seed (as a string) for its own randomness. */
export function resolveScalingPolicy(spec: ScalingPolicy | { readonly policy: ScalingPolicyName; readonly options?: unknown }, seed: number | string): ScalingPolicy {
  if ('decide' in spec) return spec;
  if (!isScalingPolicyName(spec.policy)) throw new UserError(`unknown scaling policy '${String(spec.policy)}'`, { field: 'scaling.policy' });
  return createScalingPolicy(spec.policy, spec.options ?? {}, { seed: String(seed) });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(field: string, message: string): never {
  throw new UserError(message, { field });
}

/**
 * The QueuePolicy contract (src/queue/policy.ts), for a policy object given as `queue.policy` (or
 * as `queue` itself, `field`): a name and `order()`; `blocking`, `headOfLine`, `staticKey` and
 * `backfill`, when given, of their kinds. Anything else is a policy name or a mistake.
 */
export function checkQueuePolicyObject(p: unknown, field: string): void {
  const names = `a queue policy name (known: ${QUEUE_POLICY_NAMES.join(', ')}) or a QueuePolicy object { name, order(waiting, now), blocking, headOfLine }`;
  if (!isObject(p)) fail(field, `${field} must be ${names}, got ${describe(p)}`);
  if (typeof p.order !== 'function') fail(field, `${field} must be ${names}, got an object ${'order' in p ? `whose order is ${describe(p.order)}, not a function` : 'without order()'}`);
  if (typeof p.name !== 'string' || p.name === '') fail(`${field}.name`, `a QueuePolicy needs a name (a non-empty string), got ${describe(p.name)}`);
  if (p.blocking !== undefined && typeof p.blocking !== 'boolean') fail(`${field}.blocking`, `blocking must be true or false, got ${describe(p.blocking)}`);
  if (p.headOfLine !== undefined && p.headOfLine !== 'commit' && p.headOfLine !== 'reorder') fail(`${field}.headOfLine`, `headOfLine must be 'commit' or 'reorder', got ${describe(p.headOfLine)}`);
  if (p.staticKey !== undefined && typeof p.staticKey !== 'function') fail(`${field}.staticKey`, `staticKey must be a function, got ${describe(p.staticKey)}`);
  if (p.backfill !== undefined && !(isObject(p.backfill) && typeof p.backfill.select === 'function')) fail(`${field}.backfill`, `backfill must be a BackfillPolicy object { name, select(blocked, cluster, now) }, got ${describe(p.backfill)}`);
}
