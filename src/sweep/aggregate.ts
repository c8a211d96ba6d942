import type { RunMetrics } from '../sim/metrics.js';
import type { CellResult, CellSpec } from './cell.js';
import { meanCi, pairedTTest, type MeanCi, type PairedTest } from './stats.js';

/**
 * Aggregated sweep results: per point and strategy, the mean and 95 % CI of every metric over
 * the seeds; per point and pair of strategies, the paired t-test per metric (pairs = same seed).
 * Only the cells' results enter (no wall-clock time, no worker names), in the order of the cell
 * list, so a local and a distributed run of the same sweep give byte-identical JSON.
 */
export interface SweepResult {
  readonly sweep: string;
  readonly scenario: string;
  readonly seeds: readonly (number | string)[];
  readonly axes: readonly { readonly path: string; readonly values: readonly unknown[] }[];
  readonly strategies: readonly string[];
  readonly groups: readonly SweepGroup[];
  readonly comparisons: readonly SweepComparison[];
  readonly failures: readonly { readonly point: Readonly<Record<string, unknown>>; readonly strategy: string; readonly seed: number | string; readonly error: string }[];
}

export interface SweepGroup {
  readonly point: Readonly<Record<string, unknown>>;
  readonly strategy: string;
  /** Completed seeds. */
  readonly runs: number;
  readonly failed: number;
  /** Flattened metric path (`wait.p95`, `utilization.gpu`, `sla.overall.attainment`) → mean and CI. */
  readonly metrics: Readonly<Record<string, MeanCi>>;
}

export interface SweepComparison {
  readonly point: Readonly<Record<string, unknown>>;
  readonly a: string;
  readonly b: string;
  /** Seeds both strategies completed: the pairs; a metric some of those runs lack has fewer (its own `n`). */
  readonly pairs: number;
  /** Metric path → paired test of a − b over the seeds both completed. */
  readonly metrics: Readonly<Record<string, PairedTest>>;
}

/** Numeric leaves of the metrics as `path → value`; nulls (undefined metrics) are left out. */
export function flattenMetrics(m: RunMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (v: unknown, prefix: string): void => {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out[prefix] = v;
    } else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, prefix === '' ? k : `${prefix}.${k}`);
  };
  walk(m, '');
  return out;
}

const pointKey = (p: Readonly<Record<string, unknown>>): string => JSON.stringify(p);

export function aggregate(meta: { sweep: string; scenario: string; seeds: readonly (number | string)[]; axes: SweepResult['axes']; strategies: readonly string[] }, cells: readonly CellSpec[], results: ReadonlyMap<string, CellResult>): SweepResult {
  const points: Readonly<Record<string, unknown>>[] = [];
  const seen = new Set<string>();
  for (const c of cells) {
    const k = pointKey(c.point);
    if (!seen.has(k)) {
      seen.add(k);
      points.push(c.point);
    }
  }
  const bySeed = new Map<string, Map<string, Record<string, number>>>(); // point|strategy → seed → metrics
  const groups: SweepGroup[] = [];
  const failures: SweepResult['failures'][number][] = [];
  for (const point of points) {
    for (const strategy of meta.strategies) {
      const mine = cells.filter((c) => pointKey(c.point) === pointKey(point) && c.strategy === strategy);
      if (mine.length === 0) continue; // a strategy this point does not have (an axis changed them)
      const seeds = new Map<string, Record<string, number>>();
      let failed = 0;
      for (const c of mine) {
        const r = results.get(c.hash);
        if (r === undefined) continue;
        if (r.state === 'completed') seeds.set(String(c.seed), flattenMetrics(r.metrics));
        else {
          failed++;
          failures.push({ point, strategy, seed: c.seed, error: r.error });
        }
      }
      bySeed.set(`${pointKey(point)}|${strategy}`, seeds);
      const keys = [...new Set([...seeds.values()].flatMap((m) => Object.keys(m)))];
      const metrics: Record<string, MeanCi> = {};
      for (const k of keys) metrics[k] = meanCi([...seeds.values()].flatMap((m) => (m[k] === undefined ? [] : [m[k]])));
      groups.push({ point, strategy, runs: seeds.size, failed, metrics });
    }
  }
  const comparisons: SweepComparison[] = [];
  for (const point of points) {
    meta.strategies.forEach((a, i) => {
      for (const b of meta.strategies.slice(i + 1)) {
        const sa = bySeed.get(`${pointKey(point)}|${a}`);
        const sb = bySeed.get(`${pointKey(point)}|${b}`);
        if (sa === undefined || sb === undefined) continue;
        const common = meta.seeds.map(String).filter((s) => sa.has(s) && sb.has(s));
        const keys = [...new Set(common.flatMap((s) => Object.keys(sa.get(s) as Record<string, number>)))];
        const metrics: Record<string, PairedTest> = {};
        for (const k of keys) {
          const pairs = common.filter((s) => (sa.get(s) as Record<string, number>)[k] !== undefined && (sb.get(s) as Record<string, number>)[k] !== undefined);
          metrics[k] = pairedTTest(pairs.map((s) => (sa.get(s) as Record<string, number>)[k] as number), pairs.map((s) => (sb.get(s) as Record<string, number>)[k] as number));
        }
        comparisons.push({ point, a, b, pairs: common.length, metrics });
      }
    });
  }
  return { sweep: meta.sweep, scenario: meta.scenario, seeds: meta.seeds, axes: meta.axes, strategies: meta.strategies, groups, comparisons, failures };
}
