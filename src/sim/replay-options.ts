import type { Allocator, SolverReport } from '../algorithms/allocator.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import type { PoolSpec, Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import type { QuotaConfig } from '../engine/quota.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { FailureSpec } from './failures.js';
import type { LeaseRenewal } from './leases.js';
import type { EventLog } from './log.js';

/** What `replay` is asked to run (see replay.ts). */
export interface ReplayOptions {
  readonly space: ResourceSpace;
  readonly pools: readonly PoolSpec[];
  /** Requests in arrival order (a trace reader's stream or an array). */
  readonly requests: AsyncIterable<Request> | Iterable<Request>;
  readonly allocator: Allocator;
  readonly queue: QueuePolicy;
  readonly scaling?: ScalingPolicy;
  readonly failures?: FailureSpec;
  /** Lease renewals, as production's `renew(id, durationMs)` (a request not running then is left alone). */
  readonly renewals?: readonly LeaseRenewal[];
  readonly seed: number | string;
  /** Stop at this simulated time (seconds); work still queued or running is logged `unfinished`. */
  readonly horizon?: number;
  /** Kept for compatibility: the simulator's budgets are deterministic work, never wall time. */
  readonly budgetMs?: number;
  /** Fair-share quotas per tenant (guarantee, max, reclaim): the same rule as ResourceScheduler's. */
  readonly quotas?: QuotaConfig;
  /**
   * With quotas: the strategy wrapped for priority preemption, tried after reclaim for requests
   * still waiting (as ResourceScheduler does with `preemption: true` and quotas).
   */
  readonly preempting?: Allocator;
  /**
   * Order of an arrival and kernel events (completions, expiries) at the same time:
   * `completions-first` (default) or `arrivals-first` (the HPC reference protocol).
   */
  readonly ties?: 'completions-first' | 'arrivals-first';
  /**
   * When a scheduling pass runs: `per-instant` (default; once the clock is about to move on, so
   * simultaneous releases are all visible to one decision) or `per-event` (after every event,
   * as the HPC reference protocol does).
   */
  readonly passes?: 'per-instant' | 'per-event';
  /**
   * A request whose arrival is earlier than one before it in the stream: `refuse` (default, a
   * UserError: sort the trace) or `now`: it arrives at the current time (the latest arrival so far
   * or later), in stream order, and keeps its arrival time for the queue's keys and the metrics
   * (its wait counts from it). This is what the RLScheduler simulator does with a log whose submit
   * times go back in job-number order (`src/sim/reference/protocol.ts`).
   */
  readonly lateArrivals?: 'refuse' | 'now';
  /** Called every few thousand arrivals with the count so far and the simulated time. */
  readonly onProgress?: (arrivals: number, now: number) => void;
}

export interface ReplayOutcome {
  readonly log: EventLog;
  readonly endTime: number;
  /** How many scheduling passes ran and how many allocator decisions they asked for. */
  readonly passes: number;
  readonly decisions: number;
  /** Solver statuses reported by batch strategies, counted. */
  readonly solverStatus: Readonly<Record<string, number>>;
  /** Every solver report, in decision order, with the simulated time of the decision. */
  readonly solverReports: readonly { readonly time: number; readonly report: SolverReport }[];
  /** What the run's report should say about it: why a run without a horizon went on past its last work. */
  readonly notes: readonly string[];
}
