import { z } from 'zod';
import { PRIORITIES } from '../../core/priority.js';

/** Ids: letters, digits and `. _ : @ -` (no `~`: it separates a tenant from its ids, see ids.ts). */
export const ID = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'an id is 1-200 characters of letters, digits and . _ : @ -');
const amount = z.number().finite().min(0);
const ms = z.number().finite().positive().max(10 * 365 * 86400 * 1000);

export const allocationBody = z
  .object({
    id: ID.optional(),
    pool: z.string().min(1).max(100).optional(),
    pools: z.array(z.string().min(1).max(100)).max(100).optional(),
    units: amount.optional(),
    demand: z.record(z.string().max(64), amount).optional(),
    priority: z.enum(PRIORITIES).optional(),
    tenant: z.string().min(1).max(200).optional(),
    maxLatencyMs: amount.optional(),
    maxCostPerHour: amount.optional(),
    labels: z.record(z.string().max(100), z.string().max(200)).optional(),
    preemptible: z.boolean().optional(),
    durationMs: ms.optional(),
    estimatedDurationMs: ms.optional(),
    queueTimeoutMs: z.number().finite().min(0).max(86400 * 1000).optional(),
    gpuModels: z.array(z.string().min(1).max(100)).max(32).optional(),
  })
  .strict();
export type AllocationBody = z.infer<typeof allocationBody>;
export const renewBody = z.object({ durationMs: ms }).strict();
/** `targetId` is the scoped id an admin sees (`tenant~id`). */
export const preemptionBody = z.object({ targetId: z.string().min(1).max(420), request: allocationBody }).strict();
