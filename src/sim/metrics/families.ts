import { PRIORITIES, type Priority } from '../../core/priority.js';
import { boundedSlowdown, jainIndex, percentiles } from './stats.js';
import type { RunFacts } from './timeline.js';
import type { RunMetrics, SlaClass } from './types.js';

/**
 * The metric families, each a pure function of the run's facts (`runFacts`). Add a family here
 * (or in its own file beside this one) and compose it in `computeMetrics`.
 */

/** Counts by outcome, and rejections by code. */
export function requestCounts(f: RunFacts): Pick<RunMetrics, 'requests' | 'rejectionsByCode'> {
  return { requests: { total: f.log.store.length, ...f.counts }, rejectionsByCode: f.byCode };
}

/** Per dimension: ∫ allocated dt ÷ ∫ capacity of up nodes dt (null without capacity). */
export function utilization(f: RunFacts): RunMetrics['utilization'] {
  const out: Record<string, number | null> = {};
  f.dims.forEach((name, d) => (out[name] = (f.capInt[d] as number) > 0 ? (f.allocInt[d] as number) / (f.capInt[d] as number) : null));
  return out;
}

/**
 * Waits (arrival → first start, over requests that started: mean, p50, p95, p99; null when none
 * started), mean bounded slowdown over completed requests max(1, (end − arrival) / max(run, τ))
 * (null when none completed), makespan = last
 * completion − first arrival, throughput = completed · 3600 / makespan (0 when nothing completed;
 * null when work completed but the makespan is 0: a rate over no time is undefined, not 0).
 */
export function timing(f: RunFacts): Pick<RunMetrics, 'wait' | 'meanBoundedSlowdown' | 'makespan' | 'throughputPerHour'> {
  const reqs = f.log.store;
  // One wait per started request, in a typed array (off the JS heap: a week's trace has 27 M).
  let started = 0;
  for (let i = 0; i < reqs.length; i++) if (!Number.isNaN(f.firstStart[i] as number)) started++;
  const waits = new Float64Array(started);
  let w = 0;
  let bsldSum = 0;
  for (let i = 0; i < reqs.length; i++) {
    const fs = f.firstStart[i] as number;
    if (!Number.isNaN(fs)) waits[w++] = fs - reqs.arrival(i);
    const end = f.endAt[i] as number;
    if (!Number.isNaN(end)) bsldSum += boundedSlowdown(reqs.arrival(i), end, reqs.duration(i));
  }
  const completed = f.counts.completed;
  const makespan = completed > 0 ? f.lastEnd - f.firstArrival : 0;
  return {
    wait: percentiles(waits),
    meanBoundedSlowdown: completed > 0 ? bsldSum / completed : null,
    makespan,
    throughputPerHour: completed === 0 ? 0 : makespan > 0 ? (completed * 3600) / makespan : null,
  };
}

/**
 * SLA attainment by priority: of the requests with an SLO, those that started within `sloWait`
 * of arrival and completed by `deadline` (each where given; 1e-9 s tolerance).
 */
export function sla(f: RunFacts): RunMetrics['sla'] {
  const reqs = f.log.store;
  const mk = (): { withSlo: number; met: number } => ({ withSlo: 0, met: 0 });
  const by = Object.fromEntries(PRIORITIES.map((p) => [p, mk()])) as Record<Priority, { withSlo: number; met: number }>;
  for (let i = 0; i < reqs.length; i++) {
    const sloWait = reqs.sloWait(i);
    const deadline = reqs.deadline(i);
    if (sloWait === undefined && deadline === undefined) continue;
    const fs = f.firstStart[i] as number;
    const end = f.endAt[i] as number;
    const c = by[reqs.priority(i)];
    c.withSlo++;
    const waitOk = sloWait === undefined || (!Number.isNaN(fs) && fs - reqs.arrival(i) <= sloWait + 1e-9);
    const deadlineOk = deadline === undefined || (!Number.isNaN(end) && end <= deadline + 1e-9);
    if (waitOk && deadlineOk) c.met++;
  }
  const cls = (c: { withSlo: number; met: number }): SlaClass => ({ withSlo: c.withSlo, met: c.met, attainment: c.withSlo > 0 ? c.met / c.withSlo : null });
  const overall = PRIORITIES.reduce((acc, p) => ({ withSlo: acc.withSlo + by[p].withSlo, met: acc.met + by[p].met }), mk());
  return { overall: cls(overall), byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, cls(by[p])])) as Record<Priority, SlaClass> };
}

/**
 * Jain's index over tenants of 1 / (tenant's mean bounded slowdown), and each tenant's dominant
 * share: max over dimensions of ∫ its allocation dt ÷ ∫ capacity dt. A tenant's mean is over its
 * completed requests and those still waiting or running when the run ended, the latter slowed
 * down until that end (a lower bound): a tenant starved until the horizon counts, as an unfair
 * share, instead of dropping out of the index. Tenants with neither (every request rejected or
 * expired) are left out.
 */
export function fairness(f: RunFacts): RunMetrics['fairness'] {
  const reqs = f.log.store;
  const T = f.tenantIdx.size;
  const D = f.dims.length;
  const tenantBsld = new Float64Array(T);
  const tenantCount = new Float64Array(T);
  for (let i = 0; i < reqs.length; i++) {
    const done = f.endAt[i] as number;
    const end = Number.isNaN(done) ? (f.unfinishedAt[i] as number) : done;
    if (Number.isNaN(end)) continue;
    const ti = f.tenantIdx.get(reqs.tenant(i)) as number;
    tenantBsld[ti] = (tenantBsld[ti] as number) + boundedSlowdown(reqs.arrival(i), end, reqs.duration(i));
    tenantCount[ti] = (tenantCount[ti] as number) + 1;
  }
  const xs: number[] = [];
  const dominantShare: Record<string, number> = {};
  [...f.tenantIdx.keys()].forEach((name, ti) => {
    if ((tenantCount[ti] as number) > 0) xs.push((tenantCount[ti] as number) / (tenantBsld[ti] as number));
    const dtEnd = f.last - (f.tenantLast[ti] as number);
    let share = 0;
    for (let d = 0; d < D; d++) {
      const k = ti * D + d;
      const integral = (f.tenantInt[k] as number) + (f.tenantCur[k] as number) * dtEnd;
      const ci = f.capInt[d] as number;
      if (ci > 0) share = Math.max(share, integral / ci);
    }
    dominantShare[name] = share;
  });
  return { jain: jainIndex(xs), dominantShare };
}

/** Node-hours billed, their cost (Σ node-seconds × price / 3600), and cost per completed request. */
export function cost(f: RunFacts): RunMetrics['cost'] {
  const completed = f.counts.completed;
  return { nodeHours: f.nodeSeconds / 3600, total: f.cost, perCompleted: completed > 0 ? f.cost / completed : null };
}

/**
 * Time-averaged share of free GPU capacity stranded on partly used up nodes; null without GPU
 * capacity, 0 when GPUs were up but never free (nothing free, nothing stranded: as the FGD
 * fragmentation rate series says 0 then, and utilization says the GPUs existed).
 */
export function gpuFragmentation(f: RunFacts): number | null {
  if (f.gpuDim < 0 || !((f.capInt[f.gpuDim] as number) > 0)) return null;
  return f.gpuFreeInt > 0 ? f.gpuFragInt / f.gpuFreeInt : 0;
}
