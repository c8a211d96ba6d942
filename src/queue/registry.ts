import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { durationSchema } from '../core/fields.js';
import { PRIORITIES } from '../core/priority.js';
import { parseRegistryOptions } from '../core/registry-options.js';
import { conservativeBackfill } from './conservative.js';
import { drf } from './drf.js';
import { easyBackfill } from './easy.js';
import { f1 } from './f1.js';
import { fcfs } from './fcfs.js';
import { learnedQueueEntries } from './learned-queue.js';
import type { BackfillPolicy, QueuePolicy } from './policy.js';
import { priorityClasses } from './priority.js';
import { sjf } from './sjf.js';
import { unicep } from './unicep.js';
import { weightedPriority } from './weighted-priority.js';
import { wfp3 } from './wfp3.js';
import { widthDimensionIndex, widthDimensionSchema, type WidthDimension } from './width.js';

/** Name → queue policy factory with a zod schema for its options (validated by the scenario loader). */
export interface QueuePolicyEntry<S extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly options: S;
  /** `dimensions`: the resource space's, to check and resolve `widthDimension` against (src/queue/width.ts). */
  readonly create: (options: z.infer<S>, dimensions?: readonly string[]) => QueuePolicy;
}

function entry<S extends z.ZodType>(e: QueuePolicyEntry<S>): QueuePolicyEntry<S> {
  return e;
}

// ---- backfilling ---------------------------------------------------------------------------

/** Name → backfill policy factory. `none` is spelled by leaving `backfill` out (or `'none'`). */
export const BACKFILL_POLICIES = {
  easy: { summary: 'EASY: one reservation, for the head; others start if they do not delay it', create: () => easyBackfill() },
  conservative: {
    summary: 'conservative: a reservation for every waiting request; none is delayed by a later one',
    create: (o: { depth?: number }) => conservativeBackfill(o),
  },
} as const;

export type BackfillName = keyof typeof BACKFILL_POLICIES;
export const BACKFILL_NAMES = Object.keys(BACKFILL_POLICIES) as BackfillName[];

const backfillOption = z.enum(['none', 'easy', 'conservative']).optional();

/** The backfill policy for a `backfill` option value (`none`/undefined → no backfilling). */
function backfillFor(name: 'none' | BackfillName | undefined, depth?: number): BackfillPolicy | undefined {
  if (name === undefined || name === 'none') return undefined;
  if (name === 'conservative') return BACKFILL_POLICIES.conservative.create(depth === undefined ? {} : { depth });
  return BACKFILL_POLICIES.easy.create();
}

function withBackfill<T extends { backfill?: 'none' | BackfillName; backfillDepth?: number }>(o: T): Omit<T, 'backfill' | 'backfillDepth'> & { backfill?: BackfillPolicy } {
  const { backfill, backfillDepth, ...rest } = o;
  const b = backfillFor(backfill, backfillDepth);
  return b === undefined ? rest : { ...rest, backfill: b };
}

/** The options with `widthDimension` as its index in `dimensions` (checked there when they are known). */
function withWidth<T extends { widthDimension?: WidthDimension }>(o: T, dimensions: readonly string[] | undefined): Omit<T, 'widthDimension'> & { widthDimension?: number } {
  const { widthDimension, ...rest } = o;
  const i = widthDimensionIndex(widthDimension, dimensions, 'queue.options.widthDimension');
  return i === undefined ? rest : { ...rest, widthDimension: i };
}

// ---- queue policies ------------------------------------------------------------------------

const common = z
  .object({
    blocking: z.boolean().optional(),
    headOfLine: z.enum(['commit', 'reorder']).optional(),
    backfill: backfillOption,
    /** Conservative backfilling only: reserve for at most this many requests. */
    backfillDepth: z.number().int().positive().optional(),
  })
  .strict();

const keyed = common
  .extend({
    /** The resource dimension used as the job width n: an index or a name (default 0 = cpu). */
    widthDimension: widthDimensionSchema.optional(),
  })
  .strict();

/**
 * `step` and `offsets` are seconds, and take a unit as every other time of a scenario does
 * (`step: 10m`); an offset may be a negative number (a class behind `critical`).
 */
const weighted = common
  .extend({
    step: durationSchema.optional(),
    offsets: z.partialRecord(z.enum(PRIORITIES), z.union([z.number(), durationSchema])).optional(),
  })
  .strict();

export const QUEUE_POLICIES = withLearned({
  fcfs: entry({ summary: 'first come, first served (blocking)', options: keyed, create: (o, d) => fcfs(withBackfill(withWidth(o, d))) }),
  priority: entry({ summary: 'strict priority classes, FCFS within a class', options: common, create: (o) => priorityClasses(withBackfill(o)) }),
  'weighted-priority': entry({
    summary: 'aged priority classes: each class is a head start in time (default 600 s per class), so no class starves',
    options: weighted,
    create: (o) => weightedPriority(withBackfill(o)),
  }),
  sjf: entry({ summary: 'shortest job first by requested run time (blocking)', options: keyed, create: (o, d) => sjf(withBackfill(withWidth(o, d))) }),
  f1: entry({ summary: 'F1: log10(r)·n + 870·log10(s), lowest first (blocking)', options: keyed, create: (o, d) => f1(withBackfill(withWidth(o, d))) }),
  wfp3: entry({ summary: 'WFP3: −(wait/r)³·n, longest relative wait first (blocking)', options: keyed, create: (o, d) => wfp3(withBackfill(withWidth(o, d))) }),
  unicep: entry({ summary: 'UNICEP: −wait/(log2(n)·r) (blocking)', options: keyed, create: (o, d) => unicep(withBackfill(withWidth(o, d))) }),
  drf: entry({
    summary: "dominant resource fairness: the tenant furthest below its dominant share first (progressive filling; not blocking)",
    options: common.extend({ weights: z.record(z.string(), z.number().positive()).optional() }).strict(),
    create: (o) => drf(withBackfill(o)),
  }),
  ...(learnedQueueEntries(withBackfill) as Record<`learned-queue${string}`, QueuePolicyEntry>),
} as const);

/** As for allocators: the learned queue entries, known at run time, typed by pattern (a spread lost them from `keyof`). */
function withLearned<T extends object>(entries: T): T & Readonly<Record<'learned-queue' | `learned-queue:${string}`, QueuePolicyEntry>> {
  return entries as T & Readonly<Record<'learned-queue' | `learned-queue:${string}`, QueuePolicyEntry>>;
}

export type QueuePolicyName = keyof typeof QUEUE_POLICIES;
export const QUEUE_POLICY_NAMES = Object.keys(QUEUE_POLICIES) as QueuePolicyName[];

export function isQueuePolicyName(s: string): s is QueuePolicyName {
  return Object.prototype.hasOwnProperty.call(QUEUE_POLICIES, s);
}

/**
 * Build a queue policy. An unknown name or options its schema refuses are a UserError naming the
 * field (`queue.policy`, `queue.options.backfill`), as the `queue` option of ResourceScheduler spells it.
 * `dimensions` (the resource space's names): a `widthDimension` must name one of them, by index
 * or name; without them an index is taken as given and a name is refused.
 */
export function createQueuePolicy(name: QueuePolicyName, options: unknown = {}, dimensions?: readonly string[]): QueuePolicy {
  const n: unknown = name;
  if (typeof n !== 'string' || !isQueuePolicyName(n)) throw new UserError(`unknown queue policy ${typeof n === 'string' ? `'${n}'` : String(n)} (known: ${QUEUE_POLICY_NAMES.join(', ')})`, { field: 'queue.policy' });
  const e = QUEUE_POLICIES[n] as QueuePolicyEntry;
  return e.create(parseRegistryOptions(e.options, options ?? {}, 'queue.options'), dimensions);
}
