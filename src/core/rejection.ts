/**
 * Why a request was not placed: expected outcomes are data, not errors.
 *
 * - `wait`: it fits an empty node of an eligible pool, just not now.
 * - `never-fits`: larger than any node of every pool it may use (permanent).
 * - `over-budget`: every pool that fits costs more per hour than its `maxCostPerHour` (permanent).
 * - `latency`: no pool meets its `maxLatencyMs` (permanent).
 * - `infeasible`: no pool matches its pool/label constraints (permanent).
 * - `time-limit`: a batch strategy ran out of budget before deciding this request (it stays queued).
 * - `quota`: over its tenant's maximum share (set by the scheduling pass, `src/engine/quota.ts`;
 *   permanent only when the demand alone exceeds the maximum, which the rejection's flag says).
 * - `dependency-failed`: a request it depends on was rejected, expired or timed out (permanent;
 *   set by the scheduling pass, `src/engine/dependencies.ts`).
 */
export const REJECTION_CODES = ['wait', 'never-fits', 'over-budget', 'latency', 'infeasible', 'time-limit', 'quota', 'dependency-failed'] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Each code in a few words, for reports (the list above, kept beside the codes it explains). */
export const REJECTION_MEANING: Readonly<Record<RejectionCode, string>> = {
  wait: 'fits an empty node, not now',
  'never-fits': 'larger than any node of the pools it may use',
  'over-budget': 'every pool that fits costs more than its maxCostPerHour',
  latency: 'no pool meets its maxLatencyMs',
  infeasible: 'no pool matches its pool or label constraints',
  'time-limit': 'the strategy ran out of budget before deciding it',
  quota: "over its tenant's maximum share",
  'dependency-failed': 'a request it depends on did not complete',
};

export interface Rejection {
  readonly requestId: string;
  readonly code: RejectionCode;
  /** The resource dimension that is short, where one is. */
  readonly resource?: string;
  readonly requested?: number;
  /** Largest free amount of `resource` on any eligible node when decided. */
  readonly free?: number;
  /** Largest capacity of `resource` on any eligible node. */
  readonly capacity?: number;
  readonly message: string;
}

/** Codes after which a request will never be placed as the cluster is configured. */
export function isPermanent(code: RejectionCode): boolean {
  return code === 'never-fits' || code === 'over-budget' || code === 'latency' || code === 'infeasible' || code === 'dependency-failed';
}
