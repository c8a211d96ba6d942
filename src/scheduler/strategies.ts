import type { Allocator } from '../algorithms/allocator.js';
import { PreemptingAllocator } from '../algorithms/preemption.js';
import { ALLOCATOR_NAMES, createAllocator, isAllocatorName, type AllocatorName, type StrategySpec } from '../algorithms/registry.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import { createScalingPolicy, isScalingPolicyName, parseScalingOptions, SCALING_POLICY_NAMES, type ScalingPolicyName } from '../autoscale/registry.js';
import { ScheduledPolicy } from '../autoscale/scheduled.js';
import { scalingTargetIssue } from '../autoscale/targets.js';
import { UserError } from '../core/errors.js';
import { resolveLearnedRef } from '../core/model-ref.js';
import type { QueuePolicy } from '../queue/policy.js';
import { createQueuePolicy, isQueuePolicyName, QUEUE_POLICY_NAMES, type QueuePolicyName } from '../queue/registry.js';
import { describe, knownKeys } from './inputs.js';

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
  checkStrategyOption(strategy);
  let allocator: Allocator;
  if (typeof strategy === 'string') {
    // `learned:FILE.json` is `learned` with option `model` (src/core/model-ref.ts).
    const r = resolveLearnedRef({ name: strategy as string }, 'allocator');
    const spec = r.ok ? r.ref : { name: strategy };
    if (!isAllocatorName(spec.name)) throw new UserError(`unknown strategy '${strategy}' (known: ${ALLOCATOR_NAMES.join(', ')})`, { field: 'strategy' });
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

/** `options` are validated by the registry policy's schema; a `widthDimension` must be one of `dimensions`. */
export function resolveQueuePolicy(policy: QueuePolicy | QueuePolicyName, options: unknown, dimensions: readonly string[]): QueuePolicy {
  if (typeof policy !== 'string') {
    checkQueuePolicyObject(policy, 'queue.policy');
    return policy;
  }
  // `learned-queue:FILE.json` is `learned-queue` with option `model` (src/core/model-ref.ts).
  const r = resolveLearnedRef({ name: policy as string, options }, 'queue');
  if (!r.ok) throw new UserError(r.error, { field: `queue.${r.at === 'name' ? 'policy' : r.at}` });
  if (!isQueuePolicyName(r.ref.name)) throw new UserError(`unknown queue policy '${policy}' (known: ${QUEUE_POLICY_NAMES.join(', ')})`, { field: 'queue.policy' });
  return createQueuePolicy(r.ref.name, r.ref.options ?? {}, dimensions);
}

/** Day of week of the scheduler's t = 0 (epoch ms 0 is 1970-01-01 00:00 UTC, a Thursday). */
const EPOCH_DAY_OF_WEEK = 4;

/**
 * A registry policy gets the run's seed (as a string) for its own randomness. The scheduler's
 * clock is epoch time, so a `scheduled` policy's day 0 is a Thursday unless the options say
 * otherwise (the simulator's default, a Monday, made weekday rules fire three days late).
 */
export function resolveScalingPolicy(spec: ScalingPolicy | { readonly policy: ScalingPolicyName; readonly options?: unknown }, seed: number | string, dimensions?: readonly string[]): ScalingPolicy {
  if ('decide' in spec) return spec;
  if (!isScalingPolicyName(spec.policy)) throw new UserError(`unknown scaling policy '${String(spec.policy)}' (known: ${SCALING_POLICY_NAMES.join(', ')})`, { field: 'scaling.policy' });
  let options = spec.options ?? {};
  if (spec.policy === 'scheduled' && isObject(options) && options.startDayOfWeek === undefined) options = { ...options, startDayOfWeek: EPOCH_DAY_OF_WEEK };
  // `where`: the options are the scheduler's `scaling.options` (a predictive policy's failed-fit status names its season fields there).
  const where = { field: 'scaling.options' };
  return createScalingPolicy(spec.policy, options, dimensions === undefined ? { seed: String(seed), where } : { seed: String(seed), dimensions, where });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(field: string, message: string): never {
  throw new UserError(message, { field });
}

/** `strategy`: a registry name (checked when resolved), `{ name, options?, preemption? }`, or an Allocator (`name`, `allocate()`). */
export function checkStrategyOption(s: unknown): void {
  if (typeof s === 'string') return;
  if (!isObject(s)) fail('strategy', `strategy must be a strategy name (known: ${ALLOCATOR_NAMES.join(', ')}), { name, options } or an Allocator object, got ${describe(s)}`);
  if ('allocate' in s) {
    if (typeof s.allocate !== 'function') fail('strategy.allocate', `an Allocator's allocate must be a function, got ${describe(s.allocate)}`);
    if (typeof s.name !== 'string' || s.name === '') fail('strategy.name', `an Allocator needs a name (a non-empty string), got ${describe(s.name)}`);
    if (s.prepare !== undefined && typeof s.prepare !== 'function') fail('strategy.prepare', `an Allocator's prepare must be a function, got ${describe(s.prepare)}`);
    return;
  }
  knownKeys(s, ['name', 'options', 'preemption'], 'strategy.');
  if (s.name === undefined) fail('strategy.name', `missing: the strategy's name (known: ${ALLOCATOR_NAMES.join(', ')})`);
  if (typeof s.name !== 'string') fail('strategy.name', `expected a strategy name (known: ${ALLOCATOR_NAMES.join(', ')}), got ${describe(s.name)}`);
  if (s.preemption !== undefined && typeof s.preemption !== 'boolean') fail('strategy.preemption', `preemption must be true or false, got ${describe(s.preemption)}`);
}

/**
 * The QueuePolicy contract (src/queue/policy.ts), for a policy object given as `queue.policy` (or
 * as `queue` itself, `field`): a name and `order()`; `blocking`, `headOfLine`, `staticKey`, `staticTie` and
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
  if (p.staticTie !== undefined && typeof p.staticTie !== 'function') fail(`${field}.staticTie`, `staticTie must be a function, got ${describe(p.staticTie)}`);
  if (p.backfill !== undefined && !(isObject(p.backfill) && typeof p.backfill.select === 'function')) fail(`${field}.backfill`, `backfill must be a BackfillPolicy object { name, select(blocked, cluster, now) }, got ${describe(p.backfill)}`);
}

/** What the cluster is known to have when the options are checked (undefined: not known yet, e.g. a store decides). */
export interface KnownCluster {
  readonly pools?: readonly string[] | undefined;
  readonly dimensions?: readonly string[] | undefined;
}

/**
 * `scaling`: a ScalingPolicy object (`name`, `intervalSeconds` > 0, `decide()`) or
 * `{ policy, options }`, whose options go through the policy's schema and may name only the pools
 * and dimensions `known` has (where it knows them); a ScheduledPolicy object's rules too.
 */
export function checkScalingOption(s: unknown, known: KnownCluster): void {
  const policies = SCALING_POLICY_NAMES.join(', ');
  if (!isObject(s)) {
    fail('scaling', `scaling must be { policy, options } (policies: ${policies}) or a ScalingPolicy object, got ${describe(s)}${typeof s === 'string' ? `; write scaling: { policy: '${s}' }` : ''}`);
  }
  if ('decide' in s) {
    if (typeof s.decide !== 'function') fail('scaling.decide', `a ScalingPolicy's decide must be a function, got ${describe(s.decide)}`);
    if (typeof s.name !== 'string' || s.name === '') fail('scaling.name', `a ScalingPolicy needs a name (a non-empty string), got ${describe(s.name)}`);
    if (typeof s.intervalSeconds !== 'number' || !(s.intervalSeconds > 0) || !Number.isFinite(s.intervalSeconds)) fail('scaling.intervalSeconds', `a ScalingPolicy's intervalSeconds must be a number > 0, got ${describe(s.intervalSeconds)}`);
    const rule = s instanceof ScheduledPolicy && known.pools !== undefined ? s.unknownPool(known.pools) : undefined;
    if (rule !== undefined) fail(`scaling.${rule.field}`, rule.message);
    return;
  }
  knownKeys(s, ['policy', 'options'], 'scaling.');
  if (s.policy === undefined) fail('scaling.policy', `missing: the scaling policy's name (known: ${policies})`);
  if (typeof s.policy !== 'string') fail('scaling.policy', `expected a scaling policy name (known: ${policies}), got ${describe(s.policy)}`);
  const options = parseScalingOptions(s.policy as ScalingPolicyName, s.options);
  const issue = scalingTargetIssue(s.policy, options, known.pools, known.dimensions);
  if (issue !== undefined) fail(`scaling.options.${issue.field}`, issue.message);
}
