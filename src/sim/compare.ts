import type { Allocator } from '../algorithms/allocator.js';
import { PreemptingAllocator } from '../algorithms/preemption.js';
import type { ScalingPolicy } from '../autoscale/policy.js';
import { UserError } from '../core/errors.js';
import type { PoolSpec, Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import type { QueuePolicy } from '../queue/policy.js';
import type { FailureSpec } from './failures.js';
import { computeMetrics, type RunMetrics } from './metrics.js';
import type { QuotaConfig } from '../engine/quota.js';
import type { EventLog } from './log.js';
import { replay } from './replay.js';
import { gpuSeriesFromLog } from './fragmentation.js';
import { sampleSeries, type RunSeries, type SeriesOptions } from './series.js';

/**
 * Add the GPU allocation and fragmentation series (device pools only) to a run's series. They are
 * the state at an instant, taken in the middle of each bin (of the last bin up to the run's end),
 * where the report draws a bin's value, not at its start, half a bin before.
 */
export function withGpuSeries(s: RunSeries, log: EventLog, space: ResourceSpace): RunSeries {
  const end = log.length > 0 ? log.time(log.length - 1) : 0;
  const gpu = gpuSeriesFromLog(log, space, s.t.map((t) => (t + Math.min(t + s.step, Math.max(t, end))) / 2));
  return Object.keys(gpu).length === 0 ? s : { ...s, extra: { ...s.extra, ...gpu } };
}

/** One column of a comparison: an allocator with its queue policy and (optional) scaling policy. */
export interface StrategyRun {
  readonly label: string;
  /** Factories: every run gets fresh objects, so no state leaks between strategies. */
  readonly allocator: () => Allocator;
  readonly queue: () => QueuePolicy;
  readonly scaling?: () => ScalingPolicy;
  /** This strategy's own quotas (null: none), instead of the comparison's. */
  readonly quotas?: QuotaConfig | null;
}

export interface ComparisonInput {
  readonly scenario: string;
  readonly space: ResourceSpace;
  readonly pools: readonly PoolSpec[];
  /** Opens the workload afresh for each strategy (the same requests every time). */
  readonly requests: () => AsyncIterable<Request> | Iterable<Request>;
  readonly strategies: readonly StrategyRun[];
  readonly seed: number | string;
  readonly horizon?: number;
  readonly failures?: FailureSpec;
  readonly budgetMs?: number;
  readonly onProgress?: (strategyIndex: number, arrivals: number, now: number) => void;
  /** Fair-share quotas per tenant, run by the engine's pass in every strategy (as in production). */
  readonly quotas?: QuotaConfig;
  /** Called with each completed strategy's event log (e.g. `drs run --events`). */
  readonly onLog?: (strategyIndex: number, label: string, log: EventLog) => void | Promise<void>;
  /** Also sample time series from each run's log (for the HTML report); off by default. */
  readonly series?: boolean | SeriesOptions;
  /**
   * Run every strategy as independent episodes instead of one replay of `requests` (the HPC
   * reference protocol's windows, `src/sim/reference/episodes.ts`); `compareStrategies` hands over.
   */
  readonly episodes?: EpisodeRunner;
}

/** A comparison made of independent episodes per strategy (each a `replay()` on a fresh cluster). */
export interface EpisodeRunner {
  /** What an episode is and how the table's columns combine over episodes (printed by drs run). */
  readonly summary: string;
  run(input: ComparisonInput): Promise<ComparisonResult>;
}

/** The outcome of one strategy: a tagged union the CLI handles exhaustively. */
export type StrategyResult =
  | {
      readonly state: 'completed';
      readonly strategy: string;
      readonly allocator: string;
      readonly queue: string;
      readonly scaling: string;
      readonly metrics: RunMetrics;
      readonly simulatedSeconds: number;
      readonly decisions: number;
      readonly solverStatus: Readonly<Record<string, number>>;
      /** Present when the input asked for `series`. */
      readonly series?: RunSeries;
      /** What the scaling policy said about its run (ScalingPolicy.notes), when it said anything. */
      readonly scalingNotes?: readonly string[];
      /** Why a run without a horizon went on past its last work (src/sim/run-end.ts), when it did. */
      readonly endNotes?: readonly string[];
    }
  | { readonly state: 'failed'; readonly strategy: string; readonly error: string };

export interface ComparisonResult {
  readonly scenario: string;
  readonly seed: string;
  readonly dimensions: readonly string[];
  readonly results: readonly StrategyResult[];
}

/**
 * Run every strategy on the same workload and seed, one after another, and collect metrics.
 * A user error (bad trace line, missing file) stops the comparison; a bug inside one strategy is
 * recorded as that strategy's `failed` result with the scenario and strategy named, and the
 * others still run. Results hold no wall-clock figures, so the same input gives identical JSON.
 */
export async function compareStrategies(input: ComparisonInput): Promise<ComparisonResult> {
  if (input.episodes !== undefined) return input.episodes.run(input);
  const results: StrategyResult[] = [];
  for (const [i, s] of input.strategies.entries()) {
    try {
      const allocator = s.allocator();
      const queue = s.queue();
      const scaling = s.scaling?.();
      const quotas = s.quotas === undefined ? input.quotas : s.quotas;
      // As production runs it (scheduler/queue-runner.ts): with quotas, priority preemption comes
      // after reclaim (the pass's rule 7), not inside every batch decision.
      const split = quotas && allocator instanceof PreemptingAllocator ? { allocator: allocator.inner, preempting: allocator } : { allocator };
      const out = await replay({
        space: input.space,
        pools: input.pools,
        requests: input.requests(),
        ...split,
        queue,
        seed: input.seed,
        ...(scaling ? { scaling } : {}),
        ...(input.failures ? { failures: input.failures } : {}),
        ...(input.horizon !== undefined ? { horizon: input.horizon } : {}),
        ...(input.budgetMs !== undefined ? { budgetMs: input.budgetMs } : {}),
        ...(quotas ? { quotas } : {}),
        ...(input.onProgress ? { onProgress: (n: number, t: number) => input.onProgress?.(i, n, t) } : {}),
      });
      await input.onLog?.(i, s.label, out.log);
      const metrics = computeMetrics(out.log, input.space.names);
      // The last word on this strategy's progress (the replay reports every 4,096 arrivals): how many arrived in all.
      input.onProgress?.(i, metrics.requests.total, out.endTime);
      const scalingNotes = scaling?.notes?.() ?? [];
      results.push({
        state: 'completed',
        strategy: s.label,
        allocator: allocator.name,
        queue: queue.name,
        scaling: scaling?.name ?? 'none',
        metrics,
        simulatedSeconds: out.endTime,
        decisions: out.decisions,
        solverStatus: out.solverStatus,
        ...(scalingNotes.length > 0 ? { scalingNotes } : {}),
        ...(out.notes.length > 0 ? { endNotes: out.notes } : {}),
        ...(input.series ? { series: withGpuSeries(sampleSeries(out.log, input.space.names, input.series === true ? {} : input.series), out.log, input.space) } : {}),
      });
    } catch (e) {
      if (e instanceof UserError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      results.push({ state: 'failed', strategy: s.label, error: `scenario '${input.scenario}', strategy '${s.label}': ${msg}` });
    }
  }
  return { scenario: input.scenario, seed: String(input.seed), dimensions: input.space.names, results };
}
