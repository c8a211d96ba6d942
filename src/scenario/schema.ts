import { z } from 'zod';
import { ALLOCATORS, ALLOCATOR_NAMES, isAllocatorName, type AllocatorEntry } from '../algorithms/registry.js';
import { isScalingPolicyName, SCALING_POLICIES, SCALING_POLICY_NAMES } from '../autoscale/registry.js';
import { learnedLabel, resolveLearnedRef } from '../core/model-ref.js';
import { firstIssue, issuePath, KEY_HINTS, plainMessage } from '../core/plain-issue.js';
import { PRIORITIES } from '../core/priority.js';
import { suggest } from '../core/suggest.js';
import { boundedDurationSchema as bounded, boundedPositiveDurationSchema as boundedPositive, capacitySchema, durationSchema as duration, gpuCountSchema, latencyMsSchema, MAX_POOL_NODES, POOL_NODES_LIMIT, positiveDurationSchema as positiveDuration, pricePerHourSchema, uniqueList } from '../core/fields.js';
import { isQueuePolicyName, QUEUE_POLICIES, QUEUE_POLICY_NAMES, type QueuePolicyEntry } from '../queue/registry.js';

/**
 * The scenario file (YAML), validated with zod. Every object is strict: an unknown key is an
 * error naming its path. Durations accept seconds or a unit (`90s`, `5m`, `1h`); quantities accept
 * plain numbers or Kubernetes-style suffixes (`16Gi` → 16 GiB of memory, `500m` → 0.5).
 */

// The node limit (core/fields.ts) is checked first: a count beyond 2^53 (1e16) is over it too, and saying so beats zod's "≤ 9007199254740991".
const nodeCount = z.number().max(MAX_POOL_NODES, POOL_NODES_LIMIT).int().nonnegative();

const nodes = z.union([
  nodeCount.transform((n) => ({ min: n, max: n, initial: n })),
  z
    .object({ min: nodeCount.optional(), max: nodeCount.optional(), initial: nodeCount })
    .strict()
    .transform((o) => ({ min: o.min ?? o.initial, max: o.max ?? o.initial, initial: o.initial }))
    .refine((o) => o.min <= o.initial && o.initial <= o.max, { message: 'expected min ≤ initial ≤ max' }),
]);

export const poolSchema = z
  .object({
    name: z.string().min(1),
    capacity: z.record(z.string(), capacitySchema),
    nodes,
    pricePerHour: pricePerHourSchema,
    latencyMs: latencyMsSchema.default(0),
    boot: bounded.default(0),
    labels: z.record(z.string(), z.string()).default({}),
    /** GPUs as devices (core/gpu.ts): a request then takes a share of ONE device or whole devices. */
    gpus: z.object({ count: gpuCountSchema, model: z.string().min(1).optional(), memoryMib: z.number().positive().optional() }).strict().optional(),
  })
  .strict();

/** Validate `options` against a registry entry's schema, reporting issues under `path`. */
function checkOptions(schema: z.ZodType, options: unknown, ctx: z.RefinementCtx, path: (string | number)[]): void {
  const r = schema.safeParse(options ?? {}, KEY_HINTS);
  if (!r.success) {
    // The typo of a required option first (firstIssue), as for the scenario's own keys.
    const first = firstIssue(r.error.issues);
    for (const iss of [first, ...r.error.issues.filter((i) => i !== first)]) {
      if (iss === undefined) continue;
      const at = [...path, ...issuePath(iss).map((p) => (typeof p === 'symbol' ? String(p) : p))];
      ctx.addIssue({ code: 'custom', message: plainMessage(iss), path: at });
    }
  }
}

const queueRef = z
  .union([z.string(), z.object({ name: z.string(), options: z.unknown().optional() }).strict()])
  .transform((q) => (typeof q === 'string' ? { name: q, options: undefined } : q))
  // `learned-queue:FILE.json` is `learned-queue` with option `model: FILE.json` (src/core/model-ref.ts),
  // labelled `learned-queue:FILE` in a strategy's default label.
  .transform((q, ctx): { name: string; options?: unknown; label?: string } => {
    const r = resolveLearnedRef(q, 'queue');
    if (r.ok) return r.ref.name === q.name ? r.ref : { ...r.ref, label: learnedLabel(r.ref, 'queue') };
    ctx.addIssue({ code: 'custom', message: r.error, path: r.at.split('.') });
    return z.NEVER;
  })
  .superRefine((q, ctx) => {
    if (!isQueuePolicyName(q.name)) {
      ctx.addIssue({ code: 'custom', message: `unknown queue policy '${q.name}' (known: ${QUEUE_POLICY_NAMES.join(', ')})`, path: ['name'] });
      return;
    }
    checkOptions((QUEUE_POLICIES[q.name] as QueuePolicyEntry).options, q.options, ctx, ['options']);
  });

const scalingRef = z
  .union([z.string(), z.object({ policy: z.string(), options: z.unknown().optional() }).strict()])
  .transform((s) => (typeof s === 'string' ? { policy: s, options: undefined } : s))
  .superRefine((s, ctx) => {
    if (!isScalingPolicyName(s.policy)) {
      ctx.addIssue({ code: 'custom', message: `unknown scaling policy '${s.policy}' (known: ${SCALING_POLICY_NAMES.join(', ')})`, path: ['policy'] });
      return;
    }
    checkOptions(SCALING_POLICIES[s.policy].options, s.options, ctx, ['options']);
  });

/** H1: fair-share quotas (src/engine/quota.ts): shares 0..1 of the cluster per dimension. */
const quotaShares = z.record(z.string(), z.number().min(0).max(1));
const tenantQuota = z.object({ guaranteed: quotaShares.optional(), max: quotaShares.optional() }).strict();
const quotas = z.object({ tenants: z.record(z.string(), tenantQuota).default({}), default: tenantQuota.optional() }).strict();

/** One `strategies:` entry (a name, or a mapping); `drs run --strategies` parses the rows it adds with it too. */
export const strategySchema = z
  .union([
    z.string(),
    z
      .object({
        name: z.string(),
        label: z.string().optional(),
        options: z.unknown().optional(),
        preemption: z.boolean().optional(),
        queue: queueRef.optional(),
        scaling: scalingRef.optional(),
        /** This strategy's own quotas (`none`: no quotas), instead of the scenario's. */
        quotas: z.union([quotas, z.literal('none')]).optional(),
      })
      .strict(),
  ])
  .transform((s) => (typeof s === 'string' ? { name: s } : s))
  // `learned:FILE.json` is `learned` with option `model: FILE.json` (src/core/model-ref.ts), labelled `learned:FILE`.
  .transform((s, ctx) => {
    const r = resolveLearnedRef(s, 'allocator');
    // `shown` is the allocator's part of the default label (rows.ts adds +preempt and the rest to it).
    if (r.ok) return r.ref.name === s.name ? r.ref : { ...r.ref, shown: learnedLabel(r.ref, 'allocator') };
    ctx.addIssue({ code: 'custom', message: r.error, path: r.at.split('.') });
    return z.NEVER;
  })
  .superRefine((s, ctx) => {
    if (!isAllocatorName(s.name)) {
      ctx.addIssue({ code: 'custom', message: `unknown strategy '${s.name}' (known: ${ALLOCATOR_NAMES.join(', ')})`, path: typeof s === 'string' ? [] : ['name'] });
      return;
    }
    checkOptions((ALLOCATORS[s.name] as AllocatorEntry).options, 'options' in s ? s.options : undefined, ctx, ['options']);
  });

const failures = z
  .object({
    events: z
      .array(z.object({ at: bounded, pool: z.string(), count: z.number().int().positive().default(1), repairAfter: bounded.optional() }).strict())
      .optional(),
    random: z.object({ mtbf: boundedPositive, repair: bounded }).strict().optional(),
  })
  .strict();

/**
 * The HPC reference protocol (RLScheduler, SC'20; `src/sim/reference`): instead of one replay of
 * the trace, each window of `length` consecutive jobs of an SWF log runs alone on an empty
 * machine, and the table shows the mean over the windows. Cross-field rules: src/scenario/protocol.ts.
 */
const protocol = z
  .object({
    kind: z.literal('rlscheduler'),
    /** `reference`: the protocol's 10 windows; or 0-based job indexes where windows start. */
    windows: z
      .custom<'reference' | number[]>((v) => v === 'reference' || (Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && (x as number) >= 0)), {
        error: "expected 'reference' or a list of 0-based job indexes (integers ≥ 0)",
      })
      .default('reference'),
    /** Jobs per window. */
    length: z.number().int().positive().default(1024),
  })
  .strict();

/**
 * A trace: its `kind` names the reader, which checks the rest (src/traces/registry.ts;
 * src/agents/workload.ts for `kind: agents`). A missing kind is named as such, and a key that is
 * a typo of `kind` ('knid') is named as that key, not reported as a missing string.
 */
const traceRef = z.looseObject({}).transform((v, ctx) => {
  if (typeof v.kind === 'string') return v as { kind: string } & Record<string, unknown>;
  const typo = v.kind === undefined ? Object.keys(v).find((k) => suggest(k, ['kind']) === 'kind') : undefined;
  ctx.addIssue({
    code: 'custom',
    path: [typo ?? 'kind'],
    message:
      typo !== undefined
        ? `unknown key '${typo}' (did you mean 'kind'?)`
        : v.kind === undefined
          ? "missing the trace's kind (drs list shows the trace kinds: synthetic, csv, swf, ...)"
          : `expected the name of a trace kind, got ${JSON.stringify(v.kind)}`,
  });
  return z.NEVER;
});

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    seed: z.union([z.number().int(), z.string()]).default(1),
    // A repeated dimension would make two columns of one resource: refused at the repeat.
    dimensions: uniqueList(z.string().min(1), (d) => d, 'dimension').default(['cpu', 'memory', 'gpu']),
    /** Stop the simulation at this time (> 0: a horizon of 0 stopped the run before the first arrival, a table of no requests). */
    horizon: positiveDuration.optional(),
    /** A list of pools, or a source of pools read from data (`{ kind: alibaba-nodes, file }`). */
    pools: z.union([uniqueList(poolSchema, (p) => p.name, 'pool name', 'name'), z.object({ kind: z.string() }).passthrough()]),
    /** The workload; validated in detail by the trace registry for its `kind` (by src/agents/workload.ts for `kind: agents`). */
    trace: traceRef,
    /** Run the trace under the HPC reference protocol (windows, each on an empty machine). */
    protocol: protocol.optional(),
    queue: queueRef.default({ name: 'fcfs', options: undefined }),
    scaling: scalingRef.optional(),
    strategies: z.array(strategySchema).min(1),
    failures: failures.optional(),
    /** Fair-share quotas per tenant (guarantee, max, reclaim), run by the scheduling pass. */
    quotas: quotas.optional(),
    /** Allocator time budget per decision. */
    decisionBudget: duration.default(1),
    /** Requests' default SLO wait by priority, applied where the trace gives none. */
    sloWait: z.partialRecord(z.enum(PRIORITIES), bounded).optional(),
        /** Units of plain numbers: `memory: Gi` reads `memory: 128` as 128 GiB (without it a plain memory number is an error). */
        units: z.object({ memory: z.enum(['Gi']) }).strict().optional(),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
