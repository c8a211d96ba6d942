import type { StrategyResult, ComparisonResult } from '../sim/compare.js';
import type { RunMetrics } from '../sim/metrics.js';
import type { RunSeries } from '../sim/series.js';
import { barOption, ciOption, escapeHtml, ganttOption, lineOption, reportPage, seriesLook, type Chart, type Mark, type Section } from './charts.js';
import { breakdownTables, comparisonTable, runNotes } from './table.js';

export { escapeHtml } from './charts.js';

type Done = Extract<StrategyResult, { state: 'completed' }>;

/** A metric of the summary: its unit and which direction is better. */
interface SummaryMetric {
  readonly title: string;
  readonly unit: string;
  readonly value: (m: RunMetrics) => number | null;
  readonly lowerIsBetter: boolean;
}

function summaryMetrics(dims: readonly string[]): SummaryMetric[] {
  return [
    ...dims.map((d): SummaryMetric => ({ title: `Utilization of ${d}`, unit: '%', value: (m) => { const u = m.utilization[d]; return u === null || u === undefined ? null : u * 100; }, lowerIsBetter: false })),
    { title: 'SLA attainment', unit: '%', value: (m) => (m.sla.overall.attainment === null ? null : m.sla.overall.attainment * 100), lowerIsBetter: false },
    { title: 'Wait p95', unit: 's', value: (m) => m.wait.p95, lowerIsBetter: true },
    { title: 'Mean bounded slowdown', unit: '×', value: (m) => m.meanBoundedSlowdown, lowerIsBetter: true },
    { title: 'Cost', unit: '$', value: (m) => m.cost.total, lowerIsBetter: true },
    { title: "Fairness (Jain's index)", unit: 'index, 1 = even', value: (m) => m.fairness.jain, lowerIsBetter: false },
  ];
}

/** Values closer than this (relative) count as tied: one run per strategy cannot tell them apart. */
export const BEST_MARGIN = 0.001;

/**
 * The strategy to mark as best: the unique best value, and only when it beats the runner-up by
 * more than BEST_MARGIN relative (Jain 0.99999 vs 0.99998 is a tie). Ties mark nothing.
 */
export function uniqueBest(values: readonly (number | null)[], lowerIsBetter: boolean): number | undefined {
  const known = values.flatMap((v, i) => (v === null || !Number.isFinite(v) ? [] : [{ v, i }]));
  if (known.length < 2) return undefined;
  known.sort((a, b) => (lowerIsBetter ? a.v - b.v : b.v - a.v));
  const [first, second] = known as [{ v: number; i: number }, { v: number; i: number }];
  return Math.abs(first.v - second.v) > BEST_MARGIN * Math.max(Math.abs(first.v), Math.abs(second.v), 1e-12) ? first.i : undefined;
}

/** Time axis: minutes for runs up to two hours, hours beyond. */
function timeAxis(span: number): { div: number; name: string } {
  return span <= 7200 ? { div: 60, name: 'simulated time (min)' } : { div: 3600, name: 'simulated time (h)' };
}

const r4 = (v: number): number => Number(v.toPrecision(6));

function overTime(runs: readonly (Done & { series: RunSeries })[], dims: readonly string[], ax: { div: number; name: string }, scenarioMarks: readonly Mark[]): Chart[] {
  const x = (s: RunSeries): number[] => s.t.map((t) => r4((t + s.step / 2) / ax.div));
  const charts: Chart[] = dims.map((d) => ({
    id: `util-${d}`,
    title: `Utilization of ${d} over time`,
    note: 'Allocated ÷ capacity of the nodes up, averaged over each interval.',
    option: lineOption({ xName: ax.name, yName: `${d} utilization (%)`, percent: true, yMin: 0, yMax: 100, marks: scenarioMarks, series: runs.map((r) => ({ name: r.strategy, data: x(r.series).map((t, i) => [t, r.series.utilization[d]?.[i] === null || r.series.utilization[d]?.[i] === undefined ? null : r4((r.series.utilization[d]?.[i] as number) * 100)] as const) })) }),
  }));
  charts.push({
    id: 'queue',
    title: 'Queue length over time',
    note: 'Requests waiting to start (mean over each interval).',
    option: lineOption({ xName: ax.name, yName: 'waiting requests', yMin: 0, marks: scenarioMarks, series: runs.map((r) => ({ name: r.strategy, data: x(r.series).map((t, i) => [t, r.series.queue[i] ?? 0] as const) })) }),
  });
  const total = (s: RunSeries, k: 'up' | 'booting'): number[] => s.t.map((_, i) => r4(Object.values(s.nodes).reduce((a, p) => a + (p[k][i] ?? 0), 0)));
  charts.push({
    id: 'nodes',
    title: 'Nodes up (solid) and booting (dashed)',
    note: 'All pools together; failed nodes count in neither.',
    option: lineOption({
      xName: ax.name,
      yName: 'nodes',
      yMin: 0,
      marks: scenarioMarks,
      series: runs.flatMap((r, k) => [
        { name: `${r.strategy} up`, data: x(r.series).map((t, i) => [t, total(r.series, 'up')[i] ?? 0] as const), color: seriesLook(k).color, dash: seriesLook(k).dash },
        { name: `${r.strategy} booting`, data: x(r.series).map((t, i) => [t, total(r.series, 'booting')[i] ?? 0] as const), color: seriesLook(k).color, dash: seriesLook(k).altDash },
      ]),
    }),
  });
  charts.push({
    id: 'cost-rate',
    title: 'Cost rate over time',
    note: 'Price of every billed node (booting, up or failed).',
    option: lineOption({ xName: ax.name, yName: 'cost rate ($/h)', yMin: 0, marks: scenarioMarks, series: runs.map((r) => ({ name: r.strategy, data: x(r.series).map((t, i) => [t, r.series.costRate[i] ?? 0] as const) })) }),
  });
  const extras = [...new Set(runs.flatMap((r) => Object.keys(r.series.extra)))];
  for (const [k, e] of extras.entries()) {
    const unit = runs.map((r) => r.series.extra[e]?.unit).find((u) => u !== undefined) ?? '';
    charts.push({
      id: `extra-${k}`,
      title: `${e} over time`,
      option: lineOption({ xName: ax.name, yName: `${e}${unit ? ` (${unit})` : ''}`, yScale: true, marks: scenarioMarks, series: runs.map((r) => ({ name: r.strategy, data: x(r.series).map((t, i) => [t, r.series.extra[e]?.values[i] ?? null] as const) })) }),
    });
  }
  return charts;
}

/** Demand beside forecast and capacity, per autoscaled strategy and pool, with scale actions. */
function autoscaling(runs: readonly (Done & { series: RunSeries })[], dims: readonly string[], pools: readonly string[], ax: { div: number; name: string }): Chart[] {
  const charts: Chart[] = [];
  runs.forEach((r, ri) => {
    if (r.scaling === 'none') return;
    const s = r.series;
    const x = s.t.map((t) => r4((t + s.step / 2) / ax.div));
    for (const pool of pools) {
      const n = s.nodes[pool];
      if (n === undefined) continue;
      const tick = s.scaling[pool];
      const provisioned = s.t.map((_, i) => r4((n.up[i] ?? 0) + (n.booting[i] ?? 0) + (n.failed[i] ?? 0)));
      const at = (t: number): number => provisioned[Math.min(provisioned.length - 1, Math.floor(t / s.step))] ?? 0;
      const marks = (kind: 'scale-up' | 'scale-down'): [number, number][] => s.marks.flatMap((m) => (m.kind === kind && m.pool === pool ? [[r4(m.t / ax.div), at(m.t)] as [number, number]] : []));
      const series: Record<string, unknown>[] = [];
      // Without the policy's own samples, a single pool's demand in node-equivalents is
      // max over dimensions of (running + waiting demand) ÷ one node's capacity.
      const single = tick === undefined && pools.length === 1;
      const demandNodes = single
        ? s.t.map((_, i) => r4(Math.max(0, ...dims.map((d, di) => ((s.demand[d]?.demand[i] ?? 0) / ((n.capacity[di] ?? 0) > 0 ? (n.capacity[di] as number) : Infinity))))))
        : [];
      const lines = [
        ...(single ? [{ name: 'demand (running + waiting)', data: x.map((t, i) => [t, demandNodes[i] ?? 0] as const), color: '#222' }] : []),
        ...(tick !== undefined
          ? [
              { name: 'demand (running + waiting)', data: tick.t.map((t, i) => [r4(t / ax.div), tick.demand[i] ?? 0] as const), color: '#222' },
              ...(tick.forecast.length > 0 ? [{ name: 'forecast (at the time it is for)', data: tick.forecastAt.map((t, i) => [r4(t / ax.div), tick.forecast[i] ?? null] as const), color: '#e45756', dashed: true }] : []),
            ]
          : []),
        { name: 'provisioned (billed)', data: x.map((t, i) => [t, provisioned[i] ?? 0] as const), color: '#4c78a8', step: true },
        { name: 'up', data: x.map((t, i) => [t, n.up[i] ?? 0] as const), color: '#54a24b', step: true },
      ];
      const opt = lineOption({ xName: ax.name, yName: tick !== undefined || single ? 'nodes (demand: node-equivalents)' : 'nodes', yMin: 0, series: lines });
      series.push(...(opt.series as Record<string, unknown>[]));
      for (const [kind, symbol, rotate, color] of [['scale-up', 'triangle', 0, '#2e7d32'], ['scale-down', 'triangle', 180, '#c62828']] as const) {
        const d = marks(kind);
        if (d.length > 0) series.push({ name: kind, type: 'scatter', symbol, symbolRotate: rotate, symbolSize: 7, itemStyle: { color }, data: d });
      }
      const demandNote = tick !== undefined ? ' Demand and forecast as the policy saw them at each scaling tick.' : single ? ' Demand: running + waiting requests in node-equivalents (the larger of their dimensions ÷ one node), averaged per interval; this policy recorded no forecast.' : ' This policy recorded no demand samples.';
      charts.push({
        // By index: pool names are free text, and 'gpu a' and 'gpu-a' made one id (one chart drawn over the other).
        id: `scale-${ri}-${pools.indexOf(pool)}`,
        title: `${r.strategy} (${r.scaling}): pool ${pool}`,
        note: `Nodes billed (booting, up or failed) and up; ▲ scale up, ▼ scale down.${demandNote}`,
        wide: true,
        height: 320,
        option: { ...opt, series },
      });
    }
  });
  return charts;
}

function waitCdfs(runs: readonly (Done & { series: RunSeries })[]): Chart[] {
  const prios = [...new Set(runs.flatMap((r) => Object.keys(r.series.waitCdf)))];
  return prios.map((p) => {
    const cdfs = runs.map((r) => r.series.waitCdf[p as keyof RunSeries['waitCdf']]);
    const anyNonZero = cdfs.some((c) => (c?.wait ?? []).some((w) => w > 0));
    // Waits spanning orders of magnitude go on a log axis; a zero wait is drawn at the floor.
    const maxWait = Math.max(0, ...cdfs.flatMap((c) => c?.wait ?? []));
    const positive = cdfs.flatMap((c) => (c?.wait ?? []).filter((w) => w > 0));
    const log = positive.length > 0 && maxWait / Math.max(1e-9, Math.min(...positive)) > 1000;
    const floor = log ? 10 ** Math.floor(Math.log10(Math.max(1e-3, Math.min(...positive)))) : 0;
    return {
      id: `cdf-${p}`,
      title: `Wait time CDF: ${p} priority`,
      note: 'Share of the requests of this priority that started within a given wait; a curve ending below 100% means requests that never started.',
      option: lineOption({
        xName: log ? `wait (s, log scale; zero waits drawn at ${floor} s)` : 'wait (s)',
        xLog: log,
        yName: 'requests started (%)',
        percent: true,
        yMin: 0,
        yMax: 100,
        series: runs.map((r) => {
          const c = r.series.waitCdf[p as keyof RunSeries['waitCdf']];
          const pts = c === undefined ? [] : c.wait.map((w, i) => [log ? Math.max(floor, w) : w, r4((c.fraction[i] ?? 0) * 100)] as const);
          // Start each curve at (floor, 0) so a step at zero wait shows; all-zero waits still draw a visible step.
          return { name: r.strategy, step: true, data: [[floor, 0] as const, ...pts, ...(anyNonZero ? [] : [[1, r4(((c?.started ?? 0) / Math.max(1, c?.total ?? 1)) * 100)] as const])] };
        }),
      }),
    };
  });
}

/** Tenants beyond this many (an HPC log has hundreds of users) make unreadable bars: the largest are shown. */
export const MAX_TENANT_BARS = 20;

function tenantShares(runs: readonly Done[]): Chart[] {
  const all = [...new Set(runs.flatMap((r) => Object.keys(r.metrics.fairness.dominantShare)))];
  if (all.length === 0) return [];
  const top = (t: string): number => Math.max(...runs.map((r) => r.metrics.fairness.dominantShare[t] ?? 0));
  // Stable sort: equal shares keep the order of first appearance.
  const tenants = all.length <= MAX_TENANT_BARS ? all : [...all].sort((a, b) => top(b) - top(a)).slice(0, MAX_TENANT_BARS);
  const which = all.length <= MAX_TENANT_BARS ? '' : ` The ${MAX_TENANT_BARS} of ${all.length} tenants with the largest share in any strategy.`;
  return [
    {
      id: 'tenant-share',
      title: 'Dominant share per tenant',
      note: `Each tenant's largest share of any dimension's capacity, over the run.${which}`,
      option: barOption({ categories: tenants, yName: 'dominant share (%)', percent: true, series: runs.map((r) => ({ name: r.strategy, data: tenants.map((t) => r4((r.metrics.fairness.dominantShare[t] ?? 0) * 100)) })) }),
    },
  ];
}

function gantts(runs: readonly (Done & { series: RunSeries })[], ax: { div: number; name: string }): Chart[] {
  return runs.flatMap((r, k) => {
    const g = r.series.gantt;
    if (g === null || g.length === 0) return [];
    const nodes = [...new Set(g.map((b) => b.node))].sort((a, b) => a - b);
    const rows = nodes.map((n) => `${g.find((b) => b.node === n)?.pool ?? ''} #${n}`);
    const tenants = [...new Set(g.map((b) => b.tenant))].sort();
    return [
      {
        id: `gantt-${k}`,
        title: `Node timeline: ${r.strategy}`,
        note: 'One row per node that ran work, one bar per allocation, coloured by tenant.',
        wide: true,
        height: Math.min(900, 80 + rows.length * 22),
        option: ganttOption({ rows, xName: ax.name, tenants, bars: g.map((b) => [nodes.indexOf(b.node), r4(b.start / ax.div), r4(b.end / ax.div), tenants.indexOf(b.tenant), `${b.request} (${b.tenant}) ${b.end_}`] as const) }),
      },
    ];
  });
}

/** Cost and utilization by pool (with several pools), SLA attainment by priority and rejections by code, as tables under the comparison. */
function breakdowns(result: ComparisonResult): string {
  const t = breakdownTables(result);
  return `${t.pools === null ? '' : `<h3>Cost and utilization by pool</h3><pre>${escapeHtml(t.pools)}</pre>`}${t.sla === null ? '' : `<h3>SLA attainment by priority</h3><pre>${escapeHtml(t.sla)}</pre>`}${t.rejections === null ? '' : `<h3>Rejections by code</h3><pre>${escapeHtml(t.rejections)}</pre>`}`;
}

/** A self-contained HTML report of a comparison (ECharts inlined; works offline). */
export function htmlReport(result: ComparisonResult, meta: { title: string; description?: string }): string {
  const done = result.results.filter((r): r is Done => r.state === 'completed');
  const withSeries = done.filter((r): r is Done & { series: RunSeries } => r.series !== undefined);
  const failed = result.results.flatMap((r) => (r.state === 'failed' ? [`<li>${escapeHtml(r.strategy)}: ${escapeHtml(r.error)}</li>`] : []));
  const warnings = runNotes(result);
  const summary: Chart[] = summaryMetrics(result.dimensions).flatMap((sm, i) => {
    const vals = done.map((r) => sm.value(r.metrics));
    if (vals.every((v) => v === null)) return [];
    const best = uniqueBest(vals, sm.lowerIsBetter);
    return [
      {
        id: `sum-${i}`,
        title: `${sm.title}${sm.lowerIsBetter ? ' (lower is better)' : ' (higher is better)'}`,
        note: `${best === undefined ? 'No strategy marked: the best values are within 0.1% of each other.' : 'Best in green (it beats the runner-up by more than 0.1%).'} The axis spans the data, not zero.`,
        height: 260,
        option: ciOption({ yName: sm.unit, points: done.flatMap((r, k) => (vals[k] === null ? [] : [{ category: r.strategy, mean: vals[k] as number, lo: null, hi: null, best: best === k }])) }),
      },
    ];
  });
  const span = Math.max(0, ...withSeries.map((r) => r.simulatedSeconds));
  const ax = timeAxis(span);
  const first = withSeries[0];
  const scenarioMarks: Mark[] = first === undefined ? [] : first.series.marks.flatMap((m) => (m.kind === 'failure' || m.kind === 'repair' ? [{ x: r4(m.t / ax.div), label: `${m.pool} ${m.kind}${m.nodes > 1 ? ` ×${m.nodes}` : ''}`, color: m.kind === 'failure' ? '#c62828' : '#2e7d32' }] : []));
  const pools = first === undefined ? [] : Object.keys(first.series.nodes);
  const sections: Section[] = [
    {
      heading: 'Summary',
      intro: `Seed ${result.seed}. One run per strategy on the same workload; for confidence intervals over seeds use drs sweep.`,
      html: `${warnings.length > 0 ? `<div class="warn">${warnings.map((w) => escapeHtml(w)).join('<br>')}</div>` : ''}${failed.length > 0 ? `<h3>Failed strategies</h3><ul>${failed.join('')}</ul>` : ''}<pre>${escapeHtml(comparisonTable(result, { trailer: false }))}</pre>${breakdowns(result)}`,
      charts: summary,
    },
  ];
  if (withSeries.length > 0) {
    sections.push({ heading: 'Over time', intro: scenarioMarks.length > 0 ? 'Dashed vertical lines: node failures (red) and repairs (green).' : undefined, charts: overTime(withSeries, result.dimensions, ax, scenarioMarks) } as Section);
    const scale = autoscaling(withSeries, result.dimensions, pools, ax);
    if (scale.length > 0) sections.push({ heading: 'Autoscaling', charts: scale });
    sections.push({ heading: 'Waiting', charts: waitCdfs(withSeries) });
  }
  sections.push({ heading: 'Tenants', charts: tenantShares(done) });
  if (withSeries.length > 0) {
    const g = gantts(withSeries, ax);
    if (g.length > 0) sections.push({ heading: 'Node timelines', charts: g });
  }
  return reportPage({ title: meta.title, ...(meta.description ? { subtitle: meta.description } : {}) }, sections.filter((s) => s.charts.length > 0 || s.html !== undefined));
}
