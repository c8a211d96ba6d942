import type { z } from 'zod';
import { learnedAllocator } from '../algorithms/learned.js';
import { ALLOCATOR_NAMES, ALLOCATORS, isAllocatorName, type AllocatorEntry, type AllocatorName, type StrategySpec } from '../algorithms/registry.js';
import { ConfigError, UserError } from '../core/errors.js';
import { modelMessage, resolveLearnedRef, type LearnedKind, type NamedRef } from '../core/model-ref.js';
import { DOCS, formatPath, issuePath, plainMessage } from '../core/plain-issue.js';
import { learnedQueue } from '../queue/learned-queue.js';
import { isQueuePolicyName, QUEUE_POLICIES, QUEUE_POLICY_NAMES, type QueuePolicyEntry, type QueuePolicyName } from '../queue/registry.js';

/**
 * The `strategy:` and `queue:` of a serve config: a registry name (learned ones included, as
 * `learned:agent-fleet`, `learned:FILE.json` or `learned` with option `model`), its options checked
 * by the registry's schema, and the model a learned strategy names read now, so a missing or bad
 * model stops `drs serve` at start with the field, not at the first request. A relative FILE.json
 * is the config file's folder's.
 */

type Fail = (message: string, field: string) => never;

/** `ref` in its plain form (a learned model file made absolute), and a check that reads its model. */
function plain<T extends NamedRef>(ref: T, kind: LearnedKind, field: string, baseDir: string, fail: Fail): { ref: T; readModel: () => void } {
  const r = resolveLearnedRef(ref, kind, baseDir);
  if (!r.ok) return fail(r.error, `${field}.${r.at}`);
  const readModel = (): void => {
    if (r.model === undefined) return;
    try {
      if (kind === 'queue') learnedQueue(r.model);
      else learnedAllocator(r.model);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      fail(modelMessage(e), `${field}.${r.at ?? 'name'}`);
    }
  };
  return { ref: r.ref, readModel };
}

/** Registry options against their entry's schema: `fail` with the first issue and the field it names. */
export function checkOptions(schema: z.ZodType, options: unknown, field: string, fail: Fail): void {
  const issue = schema.safeParse(options).error?.issues[0];
  if (issue === undefined) return;
  fail(plainMessage(issue, DOCS.serve), formatPath(issuePath(issue), field));
}

type StrategyInput = string | { name: string; options?: unknown; preemption?: boolean };

/** `strategy:` as the scheduler takes it. */
export function serveStrategy(input: StrategyInput, file: string, baseDir: string): AllocatorName | StrategySpec {
  const fail: Fail = (message, field) => {
    throw new ConfigError(message, { file, field: typeof input === 'string' ? 'strategy' : field });
  };
  const { ref, readModel } = plain(typeof input === 'string' ? { name: input } : input, 'allocator', 'strategy', baseDir, fail);
  if (!isAllocatorName(ref.name)) return fail(`unknown strategy '${ref.name}' (known: ${ALLOCATOR_NAMES.join(', ')})`, 'strategy.name');
  if ('options' in ref && ref.options !== undefined) checkOptions((ALLOCATORS[ref.name] as AllocatorEntry).options, ref.options, 'strategy.options', fail);
  readModel();
  return typeof input === 'string' && ref.name === input ? ref.name : ({ ...ref, name: ref.name } as StrategySpec);
}

/** `queue.policy` and `queue.options` (the policy defaults to `priority`). */
export function serveQueuePolicy(policy: string | undefined, options: unknown, file: string, baseDir: string): { policy: QueuePolicyName; options?: unknown } {
  const fail: Fail = (message, field) => {
    throw new ConfigError(message, { file, field: field === 'queue.name' ? 'queue.policy' : field });
  };
  const { ref, readModel } = plain({ name: policy ?? 'priority', options }, 'queue', 'queue', baseDir, fail);
  if (!isQueuePolicyName(ref.name)) return fail(`unknown queue policy '${ref.name}' (known: ${QUEUE_POLICY_NAMES.join(', ')})`, 'queue.policy');
  if (ref.options !== undefined) checkOptions((QUEUE_POLICIES[ref.name] as QueuePolicyEntry).options, ref.options, 'queue.options', fail);
  readModel();
  return { policy: ref.name, ...(ref.options !== undefined ? { options: ref.options } : {}) };
}
