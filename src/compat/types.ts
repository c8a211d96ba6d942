import { z } from 'zod';
import { readDateTime } from '../core/timestamp.js';

/**
 * The shapes of the DRS resource-pool package (`@godman-protocols/drs` v0.2, its README's
 * "Core Concepts" and quickstart), reproduced field for field so its call sites compile and run
 * unchanged against `drs-toolkit/compat`.
 */

/** The package's priorities (its README ranks critical 4 … low 1); `background` is ours, below low. */
export type CompatPriority = 'critical' | 'high' | 'medium' | 'low' | 'background';

/** What `addPool` takes. */
export interface ResourcePoolInput {
  readonly name: string;
  readonly resourceType: string;
  readonly totalCapacity: number;
  readonly availableCapacity: number;
  readonly costPerUnit: number;
  readonly latencyMs: number;
}

/** A pool as `addPool`, `getPool` and `listPools` return it; `availableCapacity` is live. */
export interface ResourcePool extends ResourcePoolInput {
  readonly id: string;
}

export interface AllocationRequest {
  readonly id: string;
  readonly requestingAgent: string;
  readonly poolId: string;
  readonly unitsRequested: number;
  readonly priority: CompatPriority;
  readonly maxLatencyMs: number;
  readonly maxCostUsdc: number;
  /** ISO 8601 time the agent asked; kept, not used by the rules. */
  readonly requestedAt: string;
}

export type AllocationStatus = 'active' | 'released' | 'preempted' | 'expired';

export interface Allocation {
  readonly id: string;
  readonly requestId: string;
  readonly agentId: string;
  readonly poolId: string;
  readonly unitsAllocated: number;
  /** unitsRequested × pool.costPerUnit. */
  readonly costUsdc: number;
  /** ISO 8601. */
  readonly allocatedAt: string;
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly status: AllocationStatus;
}

/** One allocation reclaimed for a higher-priority request. */
export interface PreemptionEvent {
  readonly id: string;
  readonly preemptedAllocationId: string;
  /** The agent whose allocation was taken (its `requestingAgent`). */
  readonly preemptedAgent: string;
  readonly preemptingAgent: string;
  readonly preemptingRequestId: string;
  readonly poolId: string;
  readonly reason: string;
  /** ISO 8601. */
  readonly preemptedAt: string;
}

export interface PreemptionResult {
  readonly preemption: PreemptionEvent;
  readonly allocation: Allocation;
}

/** Why the last `allocate`/`preempt` returned null (the package only says `null`; this is ours). */
export interface CompatFailure {
  readonly requestId: string;
  readonly rule: 'pool' | 'capacity' | 'latency' | 'cost' | 'priority' | 'target' | 'duplicate' | 'other';
  readonly message: string;
}

// ---- input validation (bad input is a UserError naming the field; a rule that fails is null) ----
// Strict: a key the package's shapes do not have (`durationMs` in a request, `nodes` in a pool) is
// refused, not dropped; the main API refuses unknown request and pool fields the same way.

const nonNeg = z.number().finite().nonnegative();

export const poolInputSchema = z.strictObject({
  name: z.string().min(1),
  resourceType: z.string().min(1),
  totalCapacity: z.number().finite().positive(),
  availableCapacity: nonNeg,
  costPerUnit: nonNeg,
  latencyMs: nonNeg,
});

export const requestSchema = z.strictObject({
  id: z.string().min(1),
  requestingAgent: z.string().min(1),
  poolId: z.string().min(1),
  unitsRequested: z.number().finite().positive(),
  priority: z.enum(['critical', 'high', 'medium', 'low', 'background']),
  maxLatencyMs: nonNeg,
  maxCostUsdc: nonNeg,
  // ISO 8601 only: Date.parse also took '1' (the year 2001) and 'March 7, 2026'.
  requestedAt: z.string().refine((t) => typeof readDateTime(t) === 'number', 'expected an ISO 8601 time such as 2026-06-01T08:00:00Z (e.g. new Date().toISOString())'),
});
