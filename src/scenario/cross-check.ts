import { scalingTargetIssue } from '../autoscale/targets.js';
import { ConfigError, UserError } from '../core/errors.js';
import { eligibleAmong } from '../core/eligibility.js';
import { GPU_MODEL_LABEL, labelsWithGpuModel } from '../core/gpu.js';
import type { PoolSpec, Request } from '../core/model.js';
import { ResourceSpace } from '../core/resources.js';
import { demandVector, MAX_EXPECTED_REQUESTS } from '../traces/reading.js';
import { parseTraceSpec } from '../traces/registry.js';
import { DEFAULT_COUNT, profileConstraints, SYNTHETIC_PRESETS } from '../traces/synthetic.js';
import { FairShare, overcommittedGuarantees, type QuotaConfig } from '../engine/quota.js';
import { widthDimensionIssue, writtenWidthDimension } from '../queue/width.js';
import type { Scenario } from './schema.js';

/*
 * The checks of a scenario that cross fields: pools against the dimensions, failure events against
 * the pools, synthetic request profiles against the pools, the pools and dimension scaling options
 * name against the pools and dimensions. `drs validate`/`run` make them when the
 * file is read (checkScenarioFields, so each error carries its line); buildScenario makes them
 * again for scenarios given as data and for pools read from a data source.
 */

/** A scenario's listed pools as PoolSpecs of `space`; names, dimensions and GPU devices checked. */
export function listPools(pools: Extract<Scenario['pools'], readonly unknown[]>, space: ResourceSpace, file: string): PoolSpec[] {
  return pools.map((p, i) => {
    for (const k of Object.keys(p.capacity)) {
      if (!space.has(k)) throw new ConfigError(`unknown resource '${k}' (dimensions: ${space.names.join(', ')})`, { file, field: `pools[${i}].capacity.${k}` });
    }
    const capacity = space.vector(p.capacity);
    const gpus = p.gpus;
    // The device model is also the gpuModel label (as for pools read from an openb node list).
    const labels = labelsWithGpuModel(p.labels, gpus?.model);
    if (typeof labels === 'string') throw new ConfigError(labels, { file, field: `pools[${i}].labels.${GPU_MODEL_LABEL}` });
    if (gpus !== undefined) {
      const gi = space.indexOf('gpu');
      if (gi < 0) throw new ConfigError(`GPU devices need a 'gpu' dimension (dimensions: ${space.names.join(', ')})`, { file, field: `pools[${i}].gpus` });
      if (p.capacity.gpu !== undefined && capacity[gi] !== gpus.count) throw new ConfigError(`capacity.gpu ${capacity[gi]} differs from gpus.count ${gpus.count}`, { file, field: `pools[${i}].gpus.count` });
      capacity[gi] = gpus.count;
    }
    if (capacity.every((c) => c === 0)) throw new ConfigError('a node needs some capacity', { file, field: `pools[${i}].capacity` });
    return { name: p.name, capacity, nodes: p.nodes, pricePerHour: p.pricePerHour, latencyMs: p.latencyMs, bootSeconds: p.boot, labels, ...(gpus !== undefined ? { gpus } : {}) };
  });
}

/** Failure events name a pool, fail no more nodes than it can have, and come before the horizon. */
export function checkFailures(sc: Scenario, pools: readonly PoolSpec[], file: string): void {
  (sc.failures?.events ?? []).forEach((ev, i) => {
    const pool = pools.find((p) => p.name === ev.pool);
    if (pool === undefined) throw new ConfigError(`unknown pool '${ev.pool}' (pools: ${pools.map((p) => p.name).join(', ')})`, { file, field: `failures.events[${i}].pool` });
    // A failure that could never happen as written is a mistake, not a no-op.
    if (ev.count > pool.nodes.max) throw new ConfigError(`${ev.count} nodes fail, but pool '${ev.pool}' has at most ${pool.nodes.max}`, { file, field: `failures.events[${i}].count` });
    if (sc.horizon !== undefined && ev.at >= sc.horizon) throw new ConfigError(`the failure at ${ev.at} s comes at or after the horizon (${sc.horizon} s), so it never happens`, { file, field: `failures.events[${i}].at` });
  });
  const random = sc.failures?.random;
  const horizon = sc.horizon ?? (sc.trace.kind === 'synthetic' ? (parseTraceSpec(sc.trace, file) as { horizon?: number }).horizon : undefined);
  if (random !== undefined && horizon !== undefined) {
    // Up nodes fail at (up nodes) / mtbf: with the initial fleet over the horizon, about this many.
    const nodes = pools.reduce((n, p) => n + p.nodes.initial, 0);
    const expected = (nodes * horizon) / random.mtbf;
    if (expected > MAX_RANDOM_FAILURES) {
      throw new ConfigError(
        `mtbf ${random.mtbf} s gives about ${expected.toExponential(2)} node failures over the ${horizon} s horizon with ${nodes} node(s), more than the ${MAX_RANDOM_FAILURES.toExponential().replace('e+', 'e')} a run is meant for (each fails, evicts and requeues work); mtbf is each node's mean time between failures: did you mean a longer duration (e.g. 1h, not 1ms)?`,
        { file, field: 'failures.random.mtbf' },
      );
    }
  }
}

/** Random node failures a run may expect at most (nodes × horizon ÷ mtbf): beyond, the unit of mtbf is likely wrong. */
export const MAX_RANDOM_FAILURES = 1e6;

/**
 * Every fixed-demand profile of a synthetic workload (`synthetic`, `demand-series`) can run on
 * some pool: a profile no node could ever hold (too large, or labels or latency no pool offers)
 * would have every request of its kind rejected, a mistake in the file rather than a result; one
 * only pools of `nodes.max` 0 may take would have every request of it wait for ever. LLM profiles
 * are left out: their demand depends on each request's tokens.
 */
export function checkProfilesFit(sc: Scenario, pools: readonly PoolSpec[], space: ResourceSpace, file: string): void {
  if (sc.trace.kind !== 'synthetic' && sc.trace.kind !== 'demand-series') return;
  const spec = parseTraceSpec(sc.trace, file);
  if (!('profiles' in spec) || spec.profiles === undefined) return;
  spec.profiles.forEach((p, i) => {
    if (p.llm !== undefined) return;
    const field = `trace.profiles[${i}]`;
    let demand: number[];
    try {
      demand = demandVector(space, p.demand ?? {}, `${field}.demand`);
    } catch (e) {
      if (!(e instanceof UserError) || e.location.field === undefined) throw e;
      throw new ConfigError(e.detail, { file, field: e.location.field });
    }
    const constraints = profileConstraints(p);
    const probe: Request = { id: p.name, tenant: '', arrival: 0, demand, duration: 0, priority: 'medium', ...(constraints !== undefined ? { constraints } : {}) };
    const answer = eligibleAmong(pools, space, probe);
    if ('rejection' in answer) throw new ConfigError(`profile '${p.name}' can run on no pool (${answer.rejection.message}): every request of it would be rejected`, { file, field: answer.rejection.code === 'never-fits' ? `${field}.demand` : field });
    // A pool whose nodes.max is 0 never has a node (no scaling policy goes past max): a profile
    // only such pools may take would wait until the run ends, every request of it unfinished.
    if (answer.pools.every((k) => (pools[k] as PoolSpec).nodes.max === 0)) {
      const names = answer.pools.map((k) => `'${(pools[k] as PoolSpec).name}'`).join(', ');
      throw new ConfigError(`profile '${p.name}' can run only on pool${answer.pools.length > 1 ? 's' : ''} ${names}, which never ${answer.pools.length > 1 ? 'have' : 'has'} a node (nodes.max 0): every request of it would wait until the run ends`, { file, field });
    }
  });
}


/**
 * A synthetic workload's expected size (count, or mean rate × horizon, whichever stops it first)
 * fits in a run: `arrival.rate: 1e300` or a horizon of 1e15 s validated, then ran out of memory.
 */
export function checkWorkloadSize(sc: Scenario, file: string): void {
  if (sc.trace.kind !== 'synthetic') return;
  const spec = parseTraceSpec(sc.trace, file);
  if (spec.kind !== 'synthetic') return;
  const preset = spec.preset === undefined ? undefined : SYNTHETIC_PRESETS[spec.preset]({});
  const rate = spec.arrival?.rate ?? preset?.arrival.rate ?? 0;
  const count = Math.min(spec.count ?? (spec.horizon === undefined ? (preset?.count ?? DEFAULT_COUNT) : Infinity), spec.limit ?? Infinity);
  const horizon = Math.min(spec.horizon ?? Infinity, sc.horizon ?? Infinity);
  const expected = Math.min(count, rate * horizon);
  if (!(expected > MAX_EXPECTED_REQUESTS)) return;
  const limit = `${MAX_EXPECTED_REQUESTS.toExponential().replace('e+', 'e')} requests a run can hold (each is generated and kept in memory for the metrics)`;
  // The count binds only when one is written (or a preset's); with a horizon and no count it is
  // Infinity, and a rate × horizon that overflows to Infinity is the rate's or the horizon's fault.
  if (Number.isFinite(count) && count <= rate * horizon) throw new ConfigError(`${count.toExponential(2)} requests exceed the ${limit}`, { file, field: spec.count !== undefined ? 'trace.count' : 'trace.limit' });
  const about = Number.isFinite(expected) ? `about ${expected.toExponential(2)} requests` : 'more requests than a number can hold';
  const why = `${about} (arrival rate ${rate}/s × horizon ${horizon} s) exceed the ${limit}; lower the rate or the horizon, or cap the count with trace.count`;
  const horizonField = spec.horizon !== undefined && spec.horizon <= (sc.horizon ?? Infinity) ? 'trace.horizon' : 'horizon';
  // The larger factor is named: 1e300 requests/s over 10 min is the rate's slip, 0.5/s over
  // 1e308 s (or 1e15 s) the horizon's (it used to be blamed on the rate, or on trace.limit).
  const horizonAtFault = spec.arrival?.rate === undefined || horizon >= rate;
  throw new ConfigError(why, { file, field: horizonAtFault ? horizonField : 'trace.arrival.rate' });
}

/**
 * The pools and the dimension the scaling options name (the scenario's `scaling` and each
 * strategy's own) exist: a `pools: [typo]`, a scheduled rule or a static size for a pool there is
 * not, or `dimension: 7` of two dimensions, would make the policy silently do nothing for it.
 */
export function checkScalingTargets(sc: Scenario, pools: readonly PoolSpec[] | undefined, space: ResourceSpace, file: string): void {
  const names = pools?.map((p) => p.name);
  const refs = [{ ref: sc.scaling, at: 'scaling' }, ...sc.strategies.map((s, i) => ({ ref: 'scaling' in s ? s.scaling : undefined, at: `strategies[${i}].scaling` }))];
  for (const { ref, at } of refs) {
    if (ref === undefined) continue;
    const issue = scalingTargetIssue(ref.policy, ref.options, names, space.names);
    if (issue !== undefined) throw new ConfigError(issue.message, { file, field: `${at}.options.${issue.field}` });
    if (ref.policy === 'static' && pools !== undefined) checkStaticSizes(ref.options, pools, file, `${at}.options.nodes`);
  }
}

/**
 * A `static` size outside its pool's [nodes.min, nodes.max] would be clamped to the bound without a
 * word, so "sized for the peak" would silently run at the pool's max: refused instead.
 */
function checkStaticSizes(options: unknown, pools: readonly PoolSpec[], file: string, at: string): void {
  const nodes = (options as { nodes?: unknown } | undefined)?.nodes;
  if (typeof nodes !== 'object' || nodes === null) return;
  for (const [name, n] of Object.entries(nodes)) {
    const p = pools.find((x) => x.name === name);
    if (p === undefined || typeof n !== 'number') continue;
    if (n > p.nodes.max) throw new ConfigError(`a static size of ${n} is above pool '${name}''s nodes.max ${p.nodes.max}: the pool would be held at ${p.nodes.max}; raise nodes.max or lower the size`, { file, field: `${at}.${name}` });
    if (n < p.nodes.min) throw new ConfigError(`a static size of ${n} is below pool '${name}''s nodes.min ${p.nodes.min}: the pool would be held at ${p.nodes.min}; lower nodes.min or raise the size`, { file, field: `${at}.${name}` });
  }
}

/**
 * The `widthDimension` of each queue (the scenario's and each strategy's own) names one of the
 * dimensions: `widthDimension: 7` of three read every job's width as 0 without a word.
 */
export function checkQueueWidths(sc: Scenario, space: ResourceSpace, file: string): void {
  const refs = [{ ref: sc.queue, at: 'queue' }, ...sc.strategies.map((s, i) => ({ ref: 'queue' in s ? s.queue : undefined, at: `strategies[${i}].queue` }))];
  for (const { ref, at } of refs) {
    const width = writtenWidthDimension(ref?.options);
    const issue = width === undefined ? undefined : widthDimensionIssue(width, space.names);
    if (issue !== undefined) throw new ConfigError(issue, { file, field: `${at}.options.widthDimension` });
  }
}

/**
 * The cross-field checks of a scenario with listed pools, each error with its line (`lineAt`
 * maps a field path to the line). Scenarios whose pools come from data are checked when built,
 * but for the dimensions the scaling options name, which are known now.
 */
export function checkScenarioFields(sc: Scenario, file: string, lineAt: (field: string) => number | undefined): void {
  try {
    const space = new ResourceSpace(sc.dimensions);
    checkWorkloadSize(sc, file);
    checkQueueWidths(sc, space, file);
    if (sc.quotas !== undefined) checkQuotas(sc.quotas, space, file, 'quotas');
    sc.strategies.forEach((s, i) => {
      if (typeof s === 'object' && 'quotas' in s && s.quotas !== undefined && s.quotas !== 'none') checkQuotas(s.quotas, space, file, `strategies[${i}].quotas`);
    });
    if (!Array.isArray(sc.pools)) return checkScalingTargets(sc, undefined, space, file);
    const pools = listPools(sc.pools, space, file);
    checkFailures(sc, pools, file);
    checkProfilesFit(sc, pools, space, file);
    checkScalingTargets(sc, pools, space, file);
  } catch (e) {
    if (!(e instanceof ConfigError) || e.location.field === undefined || e.location.line !== undefined) throw e;
    throw new ConfigError(e.detail, { file, line: lineAt(e.location.field), field: e.location.field });
  }
}

/** Quota shares name known dimensions and keep guaranteed ≤ max (the engine's FairShare checks). */
export function checkQuotas(q: QuotaConfig, space: ResourceSpace, file: string, field: string): QuotaConfig {
  try {
    new FairShare(space, q);
    const over = overcommittedGuarantees(space.names, q);
    if (over !== undefined) throw new RangeError(`quotas.tenants: ${over}`);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // FairShare names the share it refuses from `quotas` on (`quotas.tenants.a.max.cpu: …`): under `field`.
    const m = /^quotas([^:\s]*): (.*)$/.exec(e.message);
    throw new ConfigError(m?.[2] ?? e.message, { file, field: `${field}${m?.[1] ?? ''}` });
  }
  return q;
}
