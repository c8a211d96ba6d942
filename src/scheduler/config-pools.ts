import { z } from 'zod';
import { parseDuration, parseQuantity } from '../core/units.js';
import { gpuCountSchema, MAX_NODE_CAPACITY, pricePerHourSchema } from '../core/fields.js';
import type { PoolInput } from './types.js';

/**
 * A pool as `drs serve` reads it: a config file's `pools:` entry and the POST /v1/pools body have
 * the same shape (zod). `duration` is also the serve config's other duration fields.
 */

/** A duration field (`30s`, `5m`, a number of seconds), as milliseconds; `what` names it in the error. */
export const duration = (what: string) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const s = parseDuration(v);
    if (s === undefined || s < 0) {
      ctx.addIssue({ code: 'custom', message: `expected a ${what} like 30s, 5m, 1.5h or a number of seconds, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    // 1e308 s is finite but not in milliseconds: refused here, at the config's field, rather than
    // later under an internal name ('queue.timeoutMs ... got Infinity') with no file or line.
    if (!Number.isFinite(s * 1000)) {
      ctx.addIssue({ code: 'custom', message: `a ${what} of ${JSON.stringify(v)} is too long to count in milliseconds` });
      return z.NEVER;
    }
    return s * 1000;
  });

/** An amount ≥ 0 (`8`, `0.5`, `500m`, `256Gi`). */
const quantity = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const q = parseQuantity(v);
  if (q === undefined || q < 0) {
    ctx.addIssue({ code: 'custom', message: `expected an amount ≥ 0 like 8, 0.5, 500m or 256Gi, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return q;
});

const poolSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a pool name is 1-100 letters, digits, . _ - (starting with a letter or digit)'),
    capacity: z.record(
      z.string(),
      quantity.refine((q) => q <= MAX_NODE_CAPACITY, { message: 'expected at most 1e15 per node (a larger capacity overflows the pool\'s totals; use a larger unit, e.g. Ti for memory)' }),
    ),
    nodes: z.union([
      z.number().int().min(0),
      z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional(), initial: z.number().int().min(0) }).strict(),
    ]),
    pricePerHour: pricePerHourSchema.optional(),
    latencyMs: z.number().min(0).optional(),
    boot: duration('boot time').optional(),
    labels: z.record(z.string(), z.string()).optional(),
    primary: z.string().optional(),
    /** GPUs as devices (core/gpu.ts). */
    gpus: z.object({ count: gpuCountSchema, model: z.string().min(1).optional(), memoryMib: z.number().positive().optional() }).strict().optional(),
  })
  .strict();

/** The most nodes a pool spec can reach (its count, or the larger of `initial` and `max`). */
export function poolNodeBound(nodes: number | { readonly min?: number; readonly max?: number; readonly initial: number }): number {
  return typeof nodes === 'number' ? nodes : Math.max(nodes.initial, nodes.max ?? 0, nodes.min ?? 0);
}

/** The POST /v1/pools body and a config `pools:` entry: the same shape. */
export const POOL_SCHEMA = poolSchema;

export function toPoolInput(p: z.infer<typeof poolSchema>): PoolInput {
  return {
    name: p.name,
    capacity: p.capacity,
    nodes: p.nodes,
    ...(p.pricePerHour !== undefined ? { pricePerHour: p.pricePerHour } : {}),
    ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {}),
    ...(p.boot !== undefined ? { bootSeconds: p.boot / 1000 } : {}),
    ...(p.labels !== undefined ? { labels: p.labels } : {}),
    ...(p.primary !== undefined ? { primary: p.primary } : {}),
    ...(p.gpus !== undefined ? { gpus: p.gpus } : {}),
  };
}

