import type { Priority } from '../../core/priority.js';
import type { RejectionCode } from '../../core/rejection.js';

export interface SlaClass {
  /** Requests of this priority that carry an SLO (max wait or deadline). */
  readonly withSlo: number;
  readonly met: number;
  /** met / withSlo, or null when no request had an SLO. */
  readonly attainment: number | null;
}

export interface RunMetrics {
  readonly requests: {
    readonly total: number;
    readonly completed: number;
    /** Lease ran out before the work finished. */
    readonly expired: number;
    readonly rejected: number;
    /** Still queued or running when the run ended. */
    readonly unfinished: number;
    readonly preemptions: number;
    readonly failureEvictions: number;
  };
  readonly rejectionsByCode: Readonly<Record<RejectionCode, number>>;
  /**
   * Per dimension: ∫ allocated dt ÷ ∫ capacity of up nodes dt; null for a dimension the run never
   * had capacity of (GPUs of a CPU-only cluster: not an idle GPU; production's listPools says null too).
   */
  readonly utilization: Readonly<Record<string, number | null>>;
  /** Seconds from arrival to first start, over requests that started (null when none started: no wait to report, not a wait of 0). */
  readonly wait: { readonly mean: number | null; readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  /** Mean over completed requests of max(1, (end − arrival) / max(run, τ)); null when none completed. */
  readonly meanBoundedSlowdown: number | null;
  /** Last completion minus first arrival, seconds. */
  readonly makespan: number;
  /** Completed requests per hour of makespan; 0 when none completed, null when some did over a makespan of 0 (every one done at the first arrival's instant). */
  readonly throughputPerHour: number | null;
  readonly sla: { readonly overall: SlaClass; readonly byPriority: Readonly<Record<Priority, SlaClass>> };
  readonly fairness: {
    /**
     * Jain's index over tenants of 1 / (tenant's mean bounded slowdown, over its completed requests
     * and those unfinished when the run ended, slowed down until then); 1 = perfectly even.
     */
    readonly jain: number | null;
    /** Per tenant: max over dimensions of its ∫ allocated ÷ ∫ capacity. */
    readonly dominantShare: Readonly<Record<string, number>>;
  };
  readonly cost: {
    readonly nodeHours: number;
    readonly total: number;
    readonly perCompleted: number | null;
  };
  /** Per pool (by name): where the cost goes and how busy each pool was (`PoolMetrics`). */
  readonly byPool: Readonly<Record<string, PoolMetrics>>;
  /** Time-averaged share of free GPU capacity stranded on partly used nodes; null without GPUs, 0 when no GPU was ever free. */
  readonly gpuFragmentation: number | null;
}

/** One pool's share of a run: billed as `RunMetrics.cost` (pools' costs sum to the total). */
export interface PoolMetrics {
  readonly nodeHours: number;
  readonly cost: number;
  /** Per dimension: ∫ allocated on the pool's nodes ÷ ∫ capacity of its up nodes; null without capacity. */
  readonly utilization: Readonly<Record<string, number | null>>;
  /** Most nodes of the pool billed at once (booting, up or failed). */
  readonly peakNodes: number;
}
