/**
 * SLO misses against cost for quantile scaling (q = 0.5 … 0.99) and reactive scaling, one panel
 * per scenario, from the JSON files of bench/autoscale-quantile.ts. Writes an SVG (ECharts'
 * server-side SVG renderer) for docs/autoscaling.md.
 *
 *   npx tsx bench/autoscale-plot.ts [--out docs/autoscale-quantiles.svg] RESULTS.json...
 *
 * Each point is the mean over seeds; the bars are 95 % t-intervals of the mean (misses, vertical;
 * cost, horizontal).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as echarts from 'echarts';
import { meanCi } from '../src/sweep/stats.js';
import { die } from './usage.js';

interface Run {
  seed: number;
  strategy: string;
  quantile: number | null;
  misses: number;
  cost: number;
}

const { values: o, positionals } = parseArgs({ options: { out: { type: 'string', default: 'docs/autoscale-quantiles.svg' } }, allowPositionals: true, strict: true });
if (positionals.length === 0) die('usage: npx tsx bench/autoscale-plot.ts [--out docs/autoscale-quantiles.svg] RESULTS.json... (the JSON files of bench/autoscale-quantile.ts)');

/** A results file of bench/autoscale-quantile.ts, or exit 2 naming it. */
function readResults(file: string): { scenario: string; runs: Run[] } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) die(`${file}: not JSON (${e.message})`);
    throw e;
  }
  const d = data as { scenario?: unknown; runs?: unknown };
  if (typeof d.scenario !== 'string' || !Array.isArray(d.runs)) die(`${file}: expected a results file of bench/autoscale-quantile.ts ({ scenario, runs: [...] })`);
  return d as { scenario: string; runs: Run[] };
}

const W = 460;
const H = 360;
const grids: echarts.EChartsOption['grid'] = [];
const xAxes: object[] = [];
const yAxes: object[] = [];
const series: object[] = [];
const titles: object[] = [];
positionals.forEach((file, i) => {
  const data = readResults(file);
  const groups = new Map<string, Run[]>();
  for (const r of data.runs) groups.set(r.strategy, [...(groups.get(r.strategy) ?? []), r]);
  const pts = [...groups.entries()].map(([name, rs]) => ({ name, q: rs[0]?.quantile ?? null, misses: meanCi(rs.map((r) => r.misses)), cost: meanCi(rs.map((r) => r.cost)) }));
  pts.sort((a, b) => (a.q ?? -1) - (b.q ?? -1));
  const left = 70 + i * W;
  (grids as object[]).push({ left, top: 60, width: W - 110, height: H - 120 });
  titles.push({ text: data.scenario.replace(/^scenarios\//, ''), left: left + 10, top: 24, textStyle: { fontSize: 13 } });
  xAxes.push({ gridIndex: i, type: 'value', name: 'cost ($, mean)', nameLocation: 'middle', nameGap: 28, scale: true });
  yAxes.push({ gridIndex: i, type: 'value', name: 'SLO misses (mean)', nameLocation: 'middle', nameGap: 50, scale: true });
  const quant = pts.filter((p) => p.q !== null);
  const reactive = pts.filter((p) => p.q === null);
  series.push({
    type: 'line',
    xAxisIndex: i,
    yAxisIndex: i,
    name: 'quantile scaling',
    data: quant.map((p) => ({ value: [p.cost.mean, p.misses.mean], label: { show: true, formatter: `q ${p.q}`, position: 'right', fontSize: 10 } })),
    symbolSize: 7,
    color: '#1f77b4',
  });
  series.push({ type: 'scatter', xAxisIndex: i, yAxisIndex: i, name: 'reactive (HPA)', data: reactive.map((p) => ({ value: [p.cost.mean, p.misses.mean], label: { show: true, formatter: 'reactive', position: 'left', fontSize: 10 } })), symbol: 'diamond', symbolSize: 11, color: '#d62728' });
  // 95 % intervals as thin line segments.
  for (const p of pts) {
    if (p.misses.lo === null || p.misses.hi === null || p.cost.lo === null || p.cost.hi === null) continue; // one seed: no interval
    const c = p.q === null ? '#d62728' : '#1f77b4';
    series.push({ type: 'line', xAxisIndex: i, yAxisIndex: i, data: [[p.cost.mean, p.misses.lo], [p.cost.mean, p.misses.hi]], symbol: 'none', lineStyle: { width: 1, color: c }, silent: true });
    series.push({ type: 'line', xAxisIndex: i, yAxisIndex: i, data: [[p.cost.lo, p.misses.mean], [p.cost.hi, p.misses.mean]], symbol: 'none', lineStyle: { width: 1, color: c }, silent: true });
  }
});
const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: W * positionals.length + 40, height: H });
chart.setOption({ animation: false, title: titles, grid: grids, xAxis: xAxes, yAxis: yAxes, series, legend: { data: ['quantile scaling', 'reactive (HPA)'], bottom: 4 }, backgroundColor: '#fff' } as echarts.EChartsOption);
writeFileSync(o.out ?? 'docs/autoscale-quantiles.svg', chart.renderToSVGString());
chart.dispose();
console.error(`wrote ${o.out}`);
