import { z } from 'zod';
import { PRIORITIES } from '../../core/priority.js';

/** Ids: letters, digits and `. _ : @ -` (no `~`: it separates a tenant from its ids, see ids.ts). */
export const ID = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'an id is 1-200 characters of letters, digits and . _ : @ -');
/**
 * An id a request body names (`dependsOn`): a tenant token names its own ids bare; an admin may
 * also name a scoped id (`team-a~job-1`, see ids.ts). Which forms a caller may use is checked
 * where the body becomes a request (requests.ts), so both callers get one message.
 */
const NAMED_ID = z.string().min(1).max(401);
/** A concurrency group's name: as an id (no `~`: a group belongs to one tenant, see requests.ts). */
const GROUP = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'a concurrency group is 1-200 characters of letters, digits and . _ : @ -');
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
    /** Its SLO wait (default: its class's, the config's `sloWait`). */
    sloWaitMs: z.number().finite().min(0).max(10 * 365 * 86400 * 1000).optional(),
    gpuModels: z.array(z.string().min(1).max(100)).max(32).optional(),
    /** Ids of the same tenant's requests this one waits for (see requests.ts). */
    dependsOn: z.array(NAMED_ID).max(100).optional(),
    /** A concurrency group of the request's tenant (`group` is scoped per tenant, see requests.ts). */
    concurrency: z
      .object({ group: GROUP, limit: z.number().int().min(1).max(1_000_000) })
      .strict()
      .optional(),
  })
  .strict();
export type AllocationBody = z.infer<typeof allocationBody>;
export const renewBody = z.object({ durationMs: ms }).strict();
/** `targetId` is the scoped id an admin sees (`tenant~id`). */
export const preemptionBody = z.object({ targetId: z.string().min(1).max(420), request: allocationBody }).strict();
