import { z } from 'zod';
import { parseDuration, parseQuantity } from './units.js';

/*
 * Field schemas shared by every config format (scenarios, trace specs, service config), so a
 * duration or a quantity is spelled and reported the same way everywhere. Outputs are valid
 * inputs, so parsing twice is harmless.
 */

/**
 * Seconds, or a string with a unit: 30, "90s", "5m", "1.5h"; at least 0, or with `positive` more
 * than 0. One check for both, so a positive field given -5 says "> 0" (it said "non-negative",
 * the other schema's rule, before its own refinement ran).
 */
function durationOf(positive: boolean) {
  const expected = positive ? 'a duration > 0' : 'a non-negative duration';
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const s = parseDuration(v);
    if (s === undefined || s < 0 || (positive && s === 0)) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected} such as 30, "90s", "5m" or "1.5h", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return s;
  });
}

/** Seconds, or a string with a unit: 30, "90s", "5m", "1.5h". */
export const durationSchema = durationOf(false);

export const positiveDurationSchema = durationOf(true);

/**
 * The longest duration a config may give for something that takes time in a run (a boot, a
 * latency, a request's run time, a repair, an SLO wait): 1e10 s, over 300 years, the bound the
 * trace readers use (MAX_TRACE_SECONDS). A longer one is a wrong unit or scale, and past it a
 * run's sums lose whole seconds or overflow. Horizons are not bounded by it: a run is event-driven
 * and its request count is checked instead.
 */
export const MAX_DURATION_SECONDS = 1e10;
/**
 * The message of a duration over MAX_DURATION_SECONDS. A string, and a fresh `{ message }` at each
 * refine: zod rewrites a params object it is given in place (`message` becomes `error`), so a
 * shared object read its `.message` as undefined after the first schema was built.
 */
export const TOO_LONG_DURATION = 'expected a duration of at most 1e10 s (over 300 years): a wrong unit or scale?';
const withinMax = (s: number): boolean => s <= MAX_DURATION_SECONDS;

/** A duration of at most MAX_DURATION_SECONDS. */
export const boundedDurationSchema = durationSchema.refine(withinMax, { message: TOO_LONG_DURATION });
/** A duration > 0 and at most MAX_DURATION_SECONDS. */
export const boundedPositiveDurationSchema = positiveDurationSchema.refine(withinMax, { message: TOO_LONG_DURATION });
/** A number of seconds (no unit), > 0 and at most MAX_DURATION_SECONDS (a Pareto scale xm). */
export const boundedPositiveSecondsNumber = z.number().positive().refine(withinMax, { message: TOO_LONG_DURATION });
/** A latency in milliseconds: at most MAX_DURATION_SECONDS × 1000. */
export const latencyMsSchema = z
  .number()
  .nonnegative()
  .max(MAX_DURATION_SECONDS * 1000, 'expected a latency of at most 1e13 ms (over 300 years): a wrong unit or scale?');

/** A resource amount: 8, "500m" (= 0.5), "16Gi" (= 16, GiB). */
export const quantitySchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const q = parseQuantity(v);
  if (q === undefined || q < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative quantity such as 8, "0.5", "500m" or "64Gi", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return q;
});

/**
 * The largest capacity of one node in one dimension (cores, GiB, GPUs, ...). Far beyond any
 * machine, and low enough that a pool's totals (up to a million nodes) and the squares the
 * fragmentation metrics take stay finite: a capacity of 1e308 summed to Infinity and showed 0 %
 * utilization.
 */
export const MAX_NODE_CAPACITY = 1e15;
/** The largest price of one node-hour: far beyond any machine; totals over a run stay finite (1e308 gave an Infinity cost). */
export const MAX_PRICE_PER_HOUR = 1e9;

/** A node's capacity in one dimension: a quantity of at most MAX_NODE_CAPACITY. */
export const capacitySchema = quantitySchema.refine((q) => q <= MAX_NODE_CAPACITY, {
  message: `expected at most 1e15 per node (a larger capacity overflows the pool's totals; use a larger unit, e.g. Ti for memory)`,
});

/**
 * The most nodes one pool may have (a scenario's `nodes`, a node list's pools with their
 * maxFactor). The simulator holds every node in its cluster arrays (state, free capacity per
 * dimension, allocations) and scans a pool's nodes to place work, so a billion-node pool runs out
 * of memory or never ends; the largest real clusters have about 10⁵.
 */
export const MAX_POOL_NODES = 1_000_000;
/** What a pool past MAX_POOL_NODES is told. */
export const POOL_NODES_LIMIT = `expected at most ${MAX_POOL_NODES.toLocaleString('en-US')} nodes per pool (every node is held and scanned in memory; a larger pool cannot run)`;

/** The most GPU devices one node may have: each is a slot of the node's device table (a larger count is a typo, not a machine). */
export const MAX_NODE_GPUS = 1024;

/** A node's GPU device count (`gpus.count`): a whole number from 1 to MAX_NODE_GPUS (1e8 ran for minutes). */
export const gpuCountSchema = z
  .number()
  .int()
  .positive()
  .max(MAX_NODE_GPUS, `expected at most ${MAX_NODE_GPUS} GPU devices per node (each is a slot of the node's device table)`);

/** A node's price per hour: a number from 0 to MAX_PRICE_PER_HOUR. */
export const pricePerHourSchema = z
  .number()
  .nonnegative()
  .max(MAX_PRICE_PER_HOUR, `expected a price per node-hour of at most 1e9 (a larger one overflows the cost totals)`);

/** A price per hour of one unit (a GPU, a core, a GiB) of a node read from data: at most MAX_PRICE_PER_HOUR, as a whole node's (1e300 gave an Infinity cost). */
export const unitPricePerHourSchema = z
  .number()
  .nonnegative()
  .max(MAX_PRICE_PER_HOUR, `expected a price of at most 1e9 per unit-hour (a larger one overflows the cost totals)`);

/**
 * A non-empty list whose items are told apart by one field (pool names, profile names, priority
 * classes): a repeated value is an error at the repeat, naming the first, since a second
 * `priority: high` with its own weight and SLO would silently split or shadow the first. Without
 * `field`, the items are the values (a list of names) and the repeat's index is the field.
 */
export function uniqueList<T extends z.ZodType>(item: T, key: (v: z.output<T>) => string, what: string, field?: string) {
  return z
    .array(item)
    .min(1)
    .superRefine((items, ctx) => {
      const seen = new Map<string, number>();
      items.forEach((v, i) => {
        const k = key(v);
        const first = seen.get(k);
        if (first === undefined) seen.set(k, i);
        else ctx.addIssue({ code: 'custom', message: `duplicate ${what} '${k}' (also at index ${first})`, path: field === undefined ? [i] : [i, field] });
      });
    });
}
