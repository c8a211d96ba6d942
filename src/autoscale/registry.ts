import { z } from 'zod';
import { staticPolicy, type ScalingPolicy } from './policy.js';

/** Name → scaling policy factory with a zod schema for its options (validated by the scenario loader). */
export interface ScalingPolicyEntry<S extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly options: S;
  readonly create: (options: z.infer<S>, ctx: { seed: string }) => ScalingPolicy;
}

function entry<S extends z.ZodType>(e: ScalingPolicyEntry<S>): ScalingPolicyEntry<S> {
  return e;
}

export const SCALING_POLICIES = {
  static: entry({
    summary: 'keep every pool at its initial size',
    options: z.object({ intervalSeconds: z.number().positive().optional() }).strict(),
    create: (o) => staticPolicy(o.intervalSeconds),
  }),
} as const;

export type ScalingPolicyName = keyof typeof SCALING_POLICIES;
export const SCALING_POLICY_NAMES = Object.keys(SCALING_POLICIES) as ScalingPolicyName[];

export function isScalingPolicyName(s: string): s is ScalingPolicyName {
  return Object.prototype.hasOwnProperty.call(SCALING_POLICIES, s);
}

export function createScalingPolicy(name: ScalingPolicyName, options: unknown, ctx: { seed: string }): ScalingPolicy {
  const e = SCALING_POLICIES[name] as ScalingPolicyEntry;
  return e.create(e.options.parse(options ?? {}), ctx);
}
