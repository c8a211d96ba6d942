import { UserError } from '../../core/errors.js';
import type { PoolSpec } from '../../core/model.js';
import { PRIORITIES, type Priority } from '../../core/priority.js';
import type { RejectionCode } from '../../core/rejection.js';
import type { ComparisonInput, ComparisonResult, EpisodeRunner, StrategyResult } from '../compare.js';
import { EV, type EventLog } from '../log.js';
import { metricsFromFacts, runFacts, type PoolMetrics, type RunFacts, type RunMetrics, type SlaClass } from '../metrics.js';
import { lateNotes, replayReferenceWindows, type WindowResult } from './protocol.js';
import { clampedNotes, wholeNodeNotes, workloadNotes, type BatchWorkload } from './workload.js';

/**
 * The HPC reference protocol as a `drs run` comparison: every strategy replays each window of
 * the log alone on an empty machine (`replayReferenceWindows`, the same code as
 * `drs replay-swf`), and its row in the table combines the windows' metrics (`meanOverEpisodes`).
 * Each strategy's queue factory must give the protocol's policy (`referencePolicy`), which the
 * scenario builder does for `protocol: rlscheduler`.
 */
export interface ReferenceEpisodes {
  readonly workload: BatchWorkload;
  readonly starts: readonly number[];
  readonly length: number;
  /** The machine: one pool of one node with `[workload.machine]` processors. */
  readonly pool: PoolSpec;
}

/** One window of a strategy, as `--json` shows it beside the combined metrics (the protocol's own figures). */
export type EpisodeSummary = Pick<WindowResult, 'start' | 'length' | 'boundedSlowdown' | 'utilization' | 'meanWait' | 'makespan'>;

/** A completed strategy of an episode comparison: the combined metrics and every window. */
export type EpisodeStrategyResult = Extract<StrategyResult, { state: 'completed' }> & { readonly episodes: readonly EpisodeSummary[] };

export function referenceEpisodes(e: ReferenceEpisodes): EpisodeRunner {
  const file = e.workload.file.split(/[\\/]/).pop() ?? e.workload.file;
  const notes = [...workloadNotes(e.workload), ...clampedNotes(e.workload, e.starts, e.length), ...wholeNodeNotes(e.workload, e.starts, e.length), ...lateNotes(e.workload, e.starts, e.length)];
  return {
    summary:
      `protocol rlscheduler: ${e.starts.length} window${e.starts.length === 1 ? '' : 's'} of ${e.length} jobs of ${file}, each replayed alone on an empty ` +
      `${e.workload.machine}-processor machine; bsld, waits, utilization and makespan are means over the windows, counts and cost are totals` +
      notes.map((n) => `\nnote: ${n}`).join(''),
    run: (input) => runEpisodes(e, input),
  };
}

async function runEpisodes(e: ReferenceEpisodes, input: ComparisonInput): Promise<ComparisonResult> {
  const dims = input.space.names;
  // The scenario loader refuses these under the protocol; a caller adding them (a training cut,
  // quotas) must hear that they would be ignored, not get numbers without them.
  const ignored = [input.horizon !== undefined && 'horizon', input.failures !== undefined && 'failures', input.quotas !== undefined && 'quotas', input.strategies.some((s) => s.scaling !== undefined) && 'scaling', input.strategies.some((s) => s.quotas !== undefined) && 'quotas'].filter(Boolean);
  if (ignored.length > 0) throw new UserError(`${[...new Set(ignored)].join(', ')} does not apply under protocol rlscheduler (each window runs to its end on one fixed machine)`, { field: ignored[0] as string });
  const results: StrategyResult[] = [];
  for (const [i, s] of input.strategies.entries()) {
    try {
      const metrics: RunMetrics[] = [];
      const episodes: EpisodeSummary[] = [];
      let allocator = '';
      let queue = '';
      let simulatedSeconds = 0;
      let decisions = 0;
      const solverStatus: Record<string, number> = {};
      let jobs = 0;
      await replayReferenceWindows(e.workload, e.starts, e.length, {
        pool: e.pool,
        seed: input.seed,
        allocator: () => {
          const a = s.allocator();
          allocator = a.name;
          return a;
        },
        queue: () => {
          const q = s.queue();
          queue = q.name;
          return q;
        },
        onWindow: async (w: WindowResult, out) => {
          metrics.push(episodeMetrics(out.log, dims, (e.workload.jobs[w.start] as { submit: number }).submit));
          episodes.push({ start: w.start, length: w.length, boundedSlowdown: w.boundedSlowdown, utilization: w.utilization, meanWait: w.meanWait, makespan: w.makespan });
          simulatedSeconds += out.endTime - (e.workload.jobs[w.start] as { submit: number }).submit;
          decisions += out.decisions;
          for (const [k, n] of Object.entries(out.solverStatus)) solverStatus[k] = (solverStatus[k] ?? 0) + n;
          jobs += w.length;
          input.onProgress?.(i, jobs, out.endTime);
          await input.onLog?.(i, `${s.label} [window ${w.start}]`, out.log);
        },
      });
      const done: EpisodeStrategyResult = {
        state: 'completed',
        strategy: s.label,
        allocator,
        queue,
        scaling: 'none',
        metrics: meanOverEpisodes(metrics),
        simulatedSeconds,
        decisions,
        solverStatus,
        episodes,
      };
      results.push(done);
    } catch (err) {
      if (err instanceof UserError) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      results.push({ state: 'failed', strategy: s.label, error: `scenario '${input.scenario}', strategy '${s.label}': ${msg}` });
    }
  }
  return { scenario: input.scenario, seed: String(input.seed), dimensions: dims, results };
}

/**
 * An episode's metrics over the episode: from `from` (its first arrival, where the protocol's
 * clock starts) to its last event. The replay's machine is up from t = 0 while a window's jobs
 * arrive at their logged submit times (absolute, as F1's age term needs), so the idle span
 * before `from`, when only nodes were provisioned, is taken out of the capacity, node-second and
 * cost integrals. Utilization is then the protocol's: processor-seconds ÷ (N × (last end − first
 * submit)). The families are `computeMetrics`'s.
 */
export function episodeMetrics(log: EventLog, dims: readonly string[], from: number): RunMetrics {
  const f = runFacts(log, dims);
  const start = log.length > 0 ? log.time(0) : from;
  const D = dims.length;
  const capUp = new Float64Array(dims.length);
  const poolCapUp = new Float64Array(log.pools.length * D);
  const poolNodes = new Float64Array(log.pools.length);
  let price = 0;
  let nodes = 0;
  for (let i = 0; i < log.length && log.time(i) < from; i++) {
    const k = log.kind(i);
    const p = log.nodePool[log.node(i)] as number;
    const spec = log.pools[p] as PoolSpec;
    if (k === EV.nodeProvision) {
      price += spec.pricePerHour;
      nodes++;
      poolNodes[p] = (poolNodes[p] as number) + 1;
    } else if (k === EV.nodeUp) {
      spec.capacity.forEach((c, d) => {
        capUp[d] = (capUp[d] as number) + c;
        poolCapUp[p * D + d] = (poolCapUp[p * D + d] as number) + c;
      });
    } else throw new Error(`episodeMetrics: event kind ${k} at t=${log.time(i)}, before the episode's first arrival at t=${from}`);
  }
  const span = Math.max(0, from - start);
  const g: RunFacts = {
    ...f,
    capInt: f.capInt.map((c, d) => c - (capUp[d] as number) * span),
    nodeSeconds: f.nodeSeconds - nodes * span,
    cost: f.cost - (price * span) / 3600,
    pools: {
      ...f.pools,
      capInt: f.pools.capInt.map((c, k) => c - (poolCapUp[k] as number) * span),
      nodeSeconds: f.pools.nodeSeconds.map((x, p) => x - (poolNodes[p] as number) * span),
      cost: f.pools.cost.map((x, p) => x - ((log.pools[p] as PoolSpec).pricePerHour * (poolNodes[p] as number) * span) / 3600),
    },
  };
  return metricsFromFacts(g);
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, x) => a + x, 0) / xs.length);
const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);

/**
 * One row of metrics for several independent episodes: counts, SLA counts, node-hours and cost
 * are totals (SLA attainment and cost per request are recomputed from the totals); every other
 * figure (utilization, waits and their percentiles, bounded slowdown, makespan, throughput,
 * fairness, GPU fragmentation) is the mean over the episodes of each episode's value, as the
 * protocol's table value is the mean of its windows' mean bounded slowdowns.
 */
export function meanOverEpisodes(ms: readonly RunMetrics[]): RunMetrics {
  if (ms.length === 0) throw new RangeError('meanOverEpisodes: no episodes');
  const keysOf = <T extends object>(f: (m: RunMetrics) => T): string[] => [...new Set(ms.flatMap((m) => Object.keys(f(m))))];
  const perKey = <T extends object>(f: (m: RunMetrics) => T, combine: (xs: number[]) => number): Record<string, number> =>
    Object.fromEntries(keysOf(f).map((k) => [k, combine(ms.map((m) => ((f(m) as Record<string, number>)[k] ?? 0)))]));
  const slaSum = (f: (m: RunMetrics) => SlaClass): SlaClass => {
    const withSlo = sum(ms.map((m) => f(m).withSlo));
    const met = sum(ms.map((m) => f(m).met));
    return { withSlo, met, attainment: withSlo > 0 ? met / withSlo : null };
  };
  const nonNull = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length === 0 ? null : mean(v);
  };
  const completed = sum(ms.map((m) => m.requests.completed));
  const costTotal = sum(ms.map((m) => m.cost.total));
  return {
    requests: perKey((m) => m.requests, sum) as unknown as RunMetrics['requests'],
    rejectionsByCode: perKey((m) => m.rejectionsByCode, sum) as Record<RejectionCode, number>,
    utilization: Object.fromEntries(keysOf((m) => m.utilization).map((k) => [k, nonNull(ms.map((m) => m.utilization[k] ?? null))])),
    wait: { mean: nonNull(ms.map((m) => m.wait.mean)), p50: nonNull(ms.map((m) => m.wait.p50)), p95: nonNull(ms.map((m) => m.wait.p95)), p99: nonNull(ms.map((m) => m.wait.p99)) },
    meanBoundedSlowdown: nonNull(ms.map((m) => m.meanBoundedSlowdown)),
    makespan: mean(ms.map((m) => m.makespan)),
    throughputPerHour: nonNull(ms.map((m) => m.throughputPerHour)),
    sla: {
      overall: slaSum((m) => m.sla.overall),
      byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, slaSum((m) => m.sla.byPriority[p])])) as Record<Priority, SlaClass>,
    },
    fairness: { jain: nonNull(ms.map((m) => m.fairness.jain)), dominantShare: perKey((m) => m.fairness.dominantShare, mean) },
    cost: { nodeHours: sum(ms.map((m) => m.cost.nodeHours)), total: costTotal, perCompleted: completed > 0 ? costTotal / completed : null },
    gpuFragmentation: nonNull(ms.map((m) => m.gpuFragmentation)),
    byPool: Object.fromEntries(keysOf((m) => m.byPool).map((name) => [name, poolOverEpisodes(ms.flatMap((m) => (m.byPool[name] === undefined ? [] : [m.byPool[name]])), nonNull)])),
  };
}

/** A pool over episodes, as `meanOverEpisodes` combines the totals: node-hours and cost summed, utilization the mean, peak nodes the largest. */
function poolOverEpisodes(ps: readonly PoolMetrics[], nonNull: (xs: (number | null)[]) => number | null): PoolMetrics {
  const dims = [...new Set(ps.flatMap((p) => Object.keys(p.utilization)))];
  return {
    nodeHours: sum(ps.map((p) => p.nodeHours)),
    cost: sum(ps.map((p) => p.cost)),
    utilization: Object.fromEntries(dims.map((d) => [d, nonNull(ps.map((p) => p.utilization[d] ?? null))])),
    peakNodes: Math.max(...ps.map((p) => p.peakNodes)),
  };
}
