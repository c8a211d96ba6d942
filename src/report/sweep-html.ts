import type { SweepResult } from '../sweep/aggregate.js';
import { ciOption, escapeHtml, reportPage, type Chart } from './charts.js';
import { keyMetrics, pointLabel, sweepDims, sweepTable } from './sweep-table.js';

/**
 * The strategy marked best at one point for one metric: the best mean, and only when the paired
 * test against every other strategy at that point says the difference is significant and in its
 * favour. Otherwise nothing is marked (a tie or noise is not a winner). The means are over each
 * strategy's own seeds, the paired test over the seeds both completed: with a failed cell (or a
 * run without the metric) the two can disagree, and the paired difference is the evidence.
 */
export function significantBest(r: SweepResult, point: Readonly<Record<string, unknown>>, metric: string, lowerIsBetter: boolean): string | undefined {
  const key = JSON.stringify(point);
  const groups = r.groups.filter((g) => JSON.stringify(g.point) === key && g.metrics[metric] !== undefined && g.metrics[metric].n > 0);
  if (groups.length < 2) return undefined;
  const sorted = [...groups].sort((a, b) => (lowerIsBetter ? 1 : -1) * ((a.metrics[metric]?.mean ?? 0) - (b.metrics[metric]?.mean ?? 0)));
  const best = sorted[0]?.strategy as string;
  for (const g of groups) {
    if (g.strategy === best) continue;
    const c = r.comparisons.find((x) => JSON.stringify(x.point) === key && ((x.a === best && x.b === g.strategy) || (x.b === best && x.a === g.strategy)));
    const t = c?.metrics[metric];
    if (c === undefined || t?.significant !== true) return undefined;
    const bestMinusOther = c.a === best ? t.meanDiff : -t.meanDiff;
    if (lowerIsBetter ? !(bestMinusOther < 0) : !(bestMinusOther > 0)) return undefined;
  }
  return best;
}

/** HTML report of a sweep: the table, and per key metric the means with 95 % CIs. */
export function sweepHtml(r: SweepResult): string {
  const km = keyMetrics(sweepDims(r));
  const charts: Chart[] = km.flatMap((k, i) => {
    const scale = k.unit === '%' ? 100 : 1;
    const points = r.groups.flatMap((g) => {
      const m = g.metrics[k.path];
      if (m === undefined || m.n === 0) return [];
      const best = significantBest(r, g.point, k.path, k.lowerIsBetter) === g.strategy;
      const cat = r.axes.length > 0 ? `${pointLabel(g.point)}\n${g.strategy}` : g.strategy;
      return [{ category: cat, mean: m.mean * scale, lo: m.lo === null ? null : m.lo * scale, hi: m.hi === null ? null : m.hi * scale, best }];
    });
    if (points.length === 0) return [];
    const marked = points.some((p) => p.best);
    const ns = r.groups.flatMap((g) => (g.metrics[k.path] === undefined || g.metrics[k.path]?.n === 0 ? [] : [g.metrics[k.path]?.n as number]));
    const lo = Math.min(...ns);
    const hi = Math.max(...ns);
    const seeds = r.seeds.length;
    // A failed run, or one without this metric (no wait when nothing started), has no value: say over how many seeds.
    const over = lo === seeds ? `${seeds} seed${seeds === 1 ? '' : 's'}` : `${lo === hi ? lo : `${lo}-${hi}`} of ${seeds} seeds (runs that failed or have no value are left out)`;
    return [
      {
        id: `sweep-${i}`,
        title: `${k.label}${k.lowerIsBetter ? ' (lower is better)' : ' (higher is better)'}`,
        note: `Mean over ${over} with its 95% confidence interval. ${marked ? 'Green: better than every other strategy at its point (paired t-test, p < 0.05).' : 'No strategy is significantly better than all others, so none is marked.'} The axis spans the data, not zero.`,
        wide: points.length > 8,
        option: ciOption({ yName: k.unit === '%' ? `${k.label} (%)` : `${k.label} (${k.unit})`, points }),
      },
    ];
  });
  return reportPage(
    { title: `DRS sweep: ${r.sweep}`, subtitle: `Scenario ${r.scenario}; ${r.strategies.length} strategies × ${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'}${r.axes.length > 0 ? ` × ${r.axes.map((a) => `${a.path} ∈ {${a.values.map((v) => JSON.stringify(v)).join(', ')}}`).join(' × ')}` : ''}.` },
    [{ heading: 'Results', html: `<pre>${escapeHtml(sweepTable(r))}</pre>`, charts }],
  );
}
