import path from 'node:path';
import { createAllocator, type AllocatorName } from '../algorithms/registry.js';
import { agentTraceFleet } from '../agents/workload.js';
import { createScalingPolicy, type ScalingPolicyName } from '../autoscale/registry.js';
import type { PoolSpec, Request } from '../core/model.js';
import type { Priority } from '../core/priority.js';
import { ResourceSpace } from '../core/resources.js';
import { createQueuePolicy, type QueuePolicyName } from '../queue/registry.js';
import type { ComparisonInput, StrategyRun } from '../sim/compare.js';
import type { FailureSpec } from '../sim/failures.js';
import type { TraceStats } from '../traces/trace-stats.js';
import { loadTracePools, openTrace, resolveTracePath } from '../traces/registry.js';
import { agentTrace } from './agent-trace.js';
import { checkFailures, checkProfilesFit, checkQuotas, checkScalingTargets, checkWorkloadSize, listPools } from './cross-check.js';
import { rowNames, withCliStrategies } from './cli-strategies.js';
import { strategyModelFiles } from './models.js';
import { buildProtocol, protocolQueue } from './protocol.js';
import { strategyRows } from './rows.js';
import type { Scenario } from './schema.js';
import { readOnce } from './trace-once.js';

export interface BuildOptions {
  /** The scenario file (for error messages and resolving relative paths). */
  readonly file: string;
  /** Where real traces live (see resolveDataRoot). */
  readonly dataRoot: string;
  readonly seed?: number | string;
  /** Only these strategy labels (or allocator names); an item naming no row adds that strategy (cli-strategies.ts). */
  readonly only?: readonly string[];
  /** Where a model file an added strategy names is relative to (default: the process's working directory). */
  readonly cwd?: string;
}

/** What the comparison runner needs, and what reading the trace skipped or adjusted (for `drs run`'s notes). */
export interface BuiltScenario extends ComparisonInput {
  /** The counts of the trace as last read (every strategy reads it the same way); undefined for generated workloads without them. */
  readonly traceStats?: () => TraceStats | undefined;
  /** The data files the run reads (the trace's, a pool list's, the learned models'), absolute: an output must not name one. */
  readonly inputFiles: readonly string[];
}

/** Turn a validated scenario into what the comparison runner needs; cross-field checks live here. */
export async function buildScenario(given: Scenario, opts: BuildOptions): Promise<BuiltScenario> {
  const file = opts.file;
  const chosen = opts.only !== undefined && opts.only.length > 0 ? withCliStrategies(given, opts.only, { file, cwd: opts.cwd ?? process.cwd() }) : undefined;
  const sc = chosen?.scenario ?? given;
  const space = new ResourceSpace(sc.dimensions);
  const pools: PoolSpec[] = Array.isArray(sc.pools)
    ? listPools(sc.pools, space, file)
    : await loadTracePools(sc.pools, { space, dataRoot: opts.dataRoot, baseDir: path.dirname(path.resolve(file)), file });
  checkFailures(sc, pools, file);
  checkWorkloadSize(sc, file);
  checkProfilesFit(sc, pools, space, file);
  checkScalingTargets(sc, pools, space, file);
  const seed = opts.seed ?? sc.seed;
  const seedStr = String(seed);

  let strategies: StrategyRun[] = strategyRows(sc).map((row) => {
    const { label, name, options, preemption, index: i } = row;
    const queueRef = row.queue.ref;
    const scalingRef = row.scaling?.ref;
    const own = row.quotas;
    if (own !== undefined && own !== 'none') checkQuotas(own, space, file, `strategies[${i}].quotas`);
    return {
      label,
      ...(own !== undefined ? { quotas: own === 'none' ? null : own } : {}),
      allocator: () => createAllocator({ name: name as AllocatorName, options, preemption }),
      queue: sc.protocol !== undefined ? protocolQueue(queueRef) : () => createQueuePolicy(queueRef.name as QueuePolicyName, queueRef.options, sc.dimensions),
      // `where`: the policy's own notes (a fit that failed on the season) name the field its options were written in.
      ...(scalingRef ? { scaling: () => createScalingPolicy(scalingRef.policy as ScalingPolicyName, scalingRef.options, { seed: seedStr, dimensions: space.names, where: { file, field: row.scaling?.own === true ? `strategies[${i}].scaling.options` : 'scaling.options' } }) } : {}),
    };
  });
  if (chosen !== undefined) {
    // A label, the label's first part (`first-fit` for `first-fit+preempt/sjf`), or the allocator's name.
    const names = (s: StrategyRun, i: number): string[] => rowNames(s.label, (sc.strategies[i] as { name: string }).name);
    const want = new Set(chosen.only);
    strategies = strategies.filter((s, i) => names(s, i).some((n) => want.has(n)));
  }

  const baseDir = path.dirname(path.resolve(file));
  const inputFiles = [sc.trace, Array.isArray(sc.pools) ? undefined : sc.pools].flatMap((s) => {
    const f = (s as { file?: unknown } | undefined)?.file;
    return typeof f === 'string' ? [resolveTracePath(f, opts.dataRoot, baseDir)] : [];
  });
  // The learned models the strategies read: `--json mine.json` replaced a trained model with the results.
  for (const m of strategyModelFiles(sc)) for (const f of Object.values(m)) if (f !== undefined && !inputFiles.includes(f)) inputFiles.push(f);
  if (sc.protocol !== undefined) {
    // The HPC reference protocol: each window on an empty machine (src/scenario/protocol.ts).
    const run = await buildProtocol(sc, pools[0] as PoolSpec, { file, dataRoot: opts.dataRoot, baseDir });
    return { scenario: sc.name, space, pools, requests: run.requests, strategies, seed, episodes: run.episodes, inputFiles };
  }
  const slo = sc.sloWait;
  // `kind: agents` is the agent fleet (src/agents/workload.ts); every other kind is a trace reader.
  const poolNames = pools.map((p) => p.name);
  const nodeCapacity = Object.fromEntries(pools.map((p) => [p.name, space.record(p.capacity)]));
  const emptyPools = pools.filter((p) => p.nodes.max === 0).map((p) => p.name);
  if (sc.trace.kind === 'agents') agentTraceFleet(sc.trace, { baseDir, file, pools: poolNames, nodeCapacity, emptyPools, ...(sc.horizon !== undefined ? { horizon: sc.horizon } : {}) });
  let stats: TraceStats | undefined;
  const open = (): AsyncIterable<Request> => {
    const stream =
      sc.trace.kind === 'agents'
        ? agentTrace(sc.trace, { space, baseDir, seed: seedStr, file, pools: poolNames, ...(sc.horizon !== undefined ? { horizon: sc.horizon } : {}) })
        : openTrace(sc.trace, { space, dataRoot: opts.dataRoot, baseDir, seed: seedStr, file, pools, ...(sc.horizon !== undefined ? { horizon: sc.horizon } : {}) });
    if ('stats' in stream) stats = (stream as { stats: TraceStats }).stats;
    const cut = sc.horizon === undefined ? stream : untilHorizon(stream, sc.horizon, () => stats);
    return slo === undefined ? cut : withDefaultSlo(cut, slo);
  };
  const failures: FailureSpec | undefined = sc.failures && {
    ...(sc.failures.events ? { events: sc.failures.events } : {}),
    ...(sc.failures.random ? { random: { mtbfSeconds: sc.failures.random.mtbf, repairSeconds: sc.failures.random.repair } } : {}),
  };
  return {
    scenario: sc.name,
    space,
    pools,
    requests: readOnce(open),
    traceStats: () => stats,
    inputFiles,
    strategies,
    seed,
    budgetMs: sc.decisionBudget * 1000,
    ...(sc.horizon !== undefined ? { horizon: sc.horizon } : {}),
    ...(failures ? { failures } : {}),
    ...(sc.quotas !== undefined ? { quotas: checkQuotas(sc.quotas, space, file, 'quotas') } : {}),
  };
}

/**
 * The trace up to the run's horizon. The replay stops at the first arrival past it, a request the
 * reader had already read and counted as emitted: it is taken back out of the counts here (held, by
 * a reader that sorts, since it was read to be replayed later; else not read at all), so the
 * notes' "N records gave M requests" is what the run took. Ending here also closes the reader.
 */
async function* untilHorizon(stream: AsyncIterable<Request>, horizon: number, stats: () => TraceStats | undefined): AsyncGenerator<Request> {
  for await (const r of stream) {
    if (r.arrival > horizon) {
      const s = stats();
      if (s !== undefined) {
        s.emitted--;
        if (s.held !== undefined) s.held++;
        else s.records--;
      }
      return;
    }
    yield r;
  }
}

async function* withDefaultSlo(stream: AsyncIterable<Request>, slo: Partial<Record<Priority, number>>): AsyncGenerator<Request> {
  for await (const r of stream) {
    const d = slo[r.priority];
    yield r.sloWait === undefined && d !== undefined ? { ...r, sloWait: d } : r;
  }
}
