import { z } from 'zod';
import { fcfs } from './fcfs.js';
import type { QueuePolicy } from './policy.js';
import { priorityClasses } from './priority.js';

/** Name → queue policy factory with a zod schema for its options (validated by the scenario loader). */
export interface QueuePolicyEntry<S extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly options: S;
  readonly create: (options: z.infer<S>) => QueuePolicy;
}

function entry<S extends z.ZodType>(e: QueuePolicyEntry<S>): QueuePolicyEntry<S> {
  return e;
}

const common = z
  .object({
    blocking: z.boolean().optional(),
    headOfLine: z.enum(['commit', 'reorder']).optional(),
  })
  .strict();

export const QUEUE_POLICIES = {
  fcfs: entry({ summary: 'first come, first served (blocking)', options: common, create: (o) => fcfs(o) }),
  priority: entry({ summary: 'strict priority classes, FCFS within a class', options: common, create: (o) => priorityClasses(o) }),
} as const;

export type QueuePolicyName = keyof typeof QUEUE_POLICIES;
export const QUEUE_POLICY_NAMES = Object.keys(QUEUE_POLICIES) as QueuePolicyName[];

export function isQueuePolicyName(s: string): s is QueuePolicyName {
  return Object.prototype.hasOwnProperty.call(QUEUE_POLICIES, s);
}

export function createQueuePolicy(name: QueuePolicyName, options: unknown = {}): QueuePolicy {
  const e = QUEUE_POLICIES[name] as QueuePolicyEntry;
  return e.create(e.options.parse(options));
}
