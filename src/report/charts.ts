import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * ECharts building blocks for the HTML reports: option builders (plain JSON) and the page that
 * inlines echarts.min.js so a report works offline. Charts render as SVG. Two series kinds need
 * drawing code and are marked `drs: 'ci'` (a vertical interval with caps, data [x, lo, hi]) or
 * `drs: 'gantt'` (a bar per allocation, data [node row, start, end, tenant index, label], with the
 * tenants' colours and names in `drsColors` and `drsNames`); the
 * page script turns them into ECharts custom series. After drawing, every chart's element gets
 * `data-points` (data items), `data-series` (series with data) and `data-drawn` (series whose view
 * holds graphic elements); the headless test requires data-drawn = data-series > 0.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

let echartsSource: string | undefined;
/** The minified ECharts bundle of the installed package (its package exports do not list dist/). */
function echartsJs(): string {
  if (echartsSource === undefined) {
    const main = createRequire(import.meta.url).resolve('echarts');
    let dir = path.dirname(main);
    while (!dir.endsWith(`${path.sep}echarts`) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    echartsSource = readFileSync(path.join(dir, 'dist', 'echarts.min.js'), 'utf8');
  }
  return echartsSource;
}

export interface Chart {
  /** The chart element's id (escaped in the page: it may hold a dimension or pool name). */
  readonly id: string;
  readonly title: string;
  /** One line under the title: what to read from the chart. */
  readonly note?: string;
  readonly height?: number;
  readonly wide?: boolean;
  readonly option: Record<string, unknown>;
}

export interface Section {
  readonly heading: string;
  readonly intro?: string;
  /** Raw HTML (already escaped) shown before the charts. */
  readonly html?: string;
  readonly charts: readonly Chart[];
}

export const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#eeca3b'];

/** ECharts line dash: a keyword or a dash array. */
export type Dash = 'solid' | 'dashed' | 'dotted' | readonly number[];
/** Per round of the palette: the line dash, the alternative dash (nodes booting) and the bar pattern. */
const ROUNDS: readonly { line: Dash; alt: Dash; decal?: Record<string, unknown> }[] = [
  { line: 'solid', alt: 'dashed' },
  { line: [1, 3], alt: [12, 4], decal: { symbol: 'rect', symbolSize: 1, dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: Math.PI / 4, color: 'rgba(255,255,255,0.7)' } },
  { line: [8, 3, 1, 3], alt: [5, 2, 1, 2, 1, 2], decal: { symbol: 'circle', symbolSize: 0.7, dashArrayX: [[4, 4], [0, 4, 4, 0]], dashArrayY: [4, 0], color: 'rgba(255,255,255,0.7)' } },
];

/**
 * How strategy (series) number `i` is drawn: colour PALETTE[i mod 10], and once the colours run
 * out a dash pattern for lines and a decal for bars, so 30 strategies stay distinct in one chart.
 */
export function seriesLook(i: number): { color: string; dash: Dash; altDash: Dash; decal?: Record<string, unknown> } {
  const round = ROUNDS[Math.floor(i / PALETTE.length) % ROUNDS.length] as (typeof ROUNDS)[number];
  return { color: PALETTE[i % PALETTE.length] as string, dash: round.line, altDash: round.alt, ...(round.decal !== undefined ? { decal: round.decal } : {}) };
}
export const BEST = '#1b7f3b';

/** Lightness and saturation levels the generated category colours cycle through. */
const LIGHTNESS = [0.45, 0.62, 0.34];
const SATURATION = [0.65, 0.5, 0.75];

/** '#rrggbb' of hue h (degrees), saturation s and lightness l (0..1). */
function hslHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return `#${[f(0), f(8), f(4)].map((x) => Math.round(x * 255).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Colour of category (tenant) number i: PALETTE first, then generated colours that do not repeat
 * (hues a golden angle apart, three lightness and saturation levels; distinct for the first 400),
 * so two tenants never share a colour. Near neighbours can still look alike: the node timeline
 * also writes the tenant on every bar wide enough to hold it.
 */
export function categoryColor(i: number): string {
  if (i < PALETTE.length) return PALETTE[i] as string;
  const j = i - PALETTE.length;
  return hslHex((j * 137.508 + 15) % 360, SATURATION[Math.floor(j / 3) % 3] as number, LIGHTNESS[j % 3] as number);
}

const PAGE_SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('drs-charts').textContent);
  function line(x1, y1, x2, y2, color) { return { type: 'line', shape: { x1: x1, y1: y1, x2: x2, y2: y2 }, style: { stroke: color, lineWidth: 1.6 } }; }
  function ci(s) {
    var color = s.color || '#555';
    s.type = 'custom';
    s.renderItem = function (params, api) {
      var a = api.coord([api.value(0), api.value(1)]), b = api.coord([api.value(0), api.value(2)]), w = 7;
      return { type: 'group', children: [line(a[0], a[1], b[0], b[1], color), line(a[0] - w, a[1], a[0] + w, a[1], color), line(b[0] - w, b[1], b[0] + w, b[1], color)] };
    };
    s.encode = { x: 0, y: [1, 2] };
  }
  function gantt(s) {
    var colors = s.drsColors, names = s.drsNames;
    delete s.drsColors;
    delete s.drsNames;
    s.type = 'custom';
    s.renderItem = function (params, api) {
      var a = api.coord([api.value(1), api.value(0)]), b = api.coord([api.value(2), api.value(0)]);
      var h = api.size([0, 1])[1] * 0.7;
      var cs = params.coordSys;
      var rect = echarts.graphic.clipRectByRect({ x: a[0], y: a[1] - h / 2, width: Math.max(1, b[0] - a[0]), height: h }, { x: cs.x, y: cs.y, width: cs.width, height: cs.height });
      if (!rect) return rect;
      var k = api.value(3), bar = { type: 'rect', shape: rect, style: { fill: colors[k], stroke: '#fff', lineWidth: 0.5 } };
      // The tenant's name on every bar wide and tall enough for it: similar colours stay readable.
      var name = String(names[k]);
      if (rect.width < name.length * 5.5 + 6 || rect.height < 8) return bar;
      return { type: 'group', children: [bar, { type: 'text', silent: true, style: { text: name, x: rect.x + 3, y: rect.y + rect.height / 2, verticalAlign: 'middle', fontSize: 9, fill: '#111', stroke: 'rgba(255,255,255,0.8)', lineWidth: 2 } }] };
    };
    s.encode = { x: [1, 2], y: 0, tooltip: [4] };
  }
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    var chart = echarts.init(el, null, { renderer: 'svg' });
    var n = 0;
    (spec.option.series || []).forEach(function (s) {
      if (s.drs === 'ci') ci(s);
      if (s.drs === 'gantt') gantt(s);
      delete s.drs;
      n += (s.data || []).length;
    });
    chart.setOption(spec.option);
    el.setAttribute('data-points', String(n));
    // How many series with data actually drew graphic elements (for the headless test).
    var withData = 0, drawn = 0;
    chart.getModel().eachSeries(function (s) {
      if (s.getData().count() === 0) return;
      withData++;
      var view = chart.getViewOfSeriesModel(s);
      if (view && view.group && view.group.childCount() > 0) drawn++;
    });
    el.setAttribute('data-series', String(withData));
    el.setAttribute('data-drawn', String(drawn));
    window.addEventListener('resize', function () { chart.resize(); });
  });
  document.body.setAttribute('data-charts', String(specs.length));
})();
`;

/** The self-contained report page. */
export function reportPage(meta: { title: string; subtitle?: string }, sections: readonly Section[]): string {
  const charts = sections.flatMap((s) => s.charts);
  const body = sections
    .map((s) => {
      const figs = s.charts
        .map((c) => `<figure class="${c.wide === true ? 'wide' : ''}"><figcaption>${escapeHtml(c.title)}</figcaption>${c.note ? `<p class="note">${escapeHtml(c.note)}</p>` : ''}<div class="chart" id="${escapeHtml(c.id)}" style="height:${c.height ?? 300}px"></div></figure>`)
        .join('\n');
      return `<section><h2>${escapeHtml(s.heading)}</h2>${s.intro ? `<p>${escapeHtml(s.intro)}</p>` : ''}${s.html ?? ''}\n${figs}</section>`;
    })
    .join('\n');
  const json = JSON.stringify(charts.map((c) => ({ id: c.id, option: { color: PALETTE, animation: false, ...c.option } }))).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(meta.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem 2rem;color:#222;max-width:1500px}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
pre{background:#f6f6f6;padding:.8rem;overflow:auto;font-size:12px}
figure{display:inline-block;margin:0 1.2rem 1.2rem 0;vertical-align:top;width:620px}
figure.wide{width:1260px}
figcaption{font-weight:600}
.note{margin:.1rem 0 .3rem;color:#555;font-size:12.5px}
.chart{width:100%}
.warn{background:#fff4e0;border-left:4px solid #f0a020;padding:.4rem .8rem}
</style></head><body>
<h1>${escapeHtml(meta.title)}</h1>
${meta.subtitle ? `<p>${escapeHtml(meta.subtitle)}</p>` : ''}
${body}
<script>${echartsJs()}</script>
<script type="application/json" id="drs-charts">${json}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

const grid = { left: 70, right: 24, top: 36, bottom: 52, containLabel: false };
const tooltipAxis = { trigger: 'axis' };

export interface LineSeries {
  readonly name: string;
  /** [x, y] pairs; y null leaves a gap. */
  readonly data: readonly (readonly [number, number | null])[];
  readonly dashed?: boolean;
  /** An explicit dash (wins over `dashed`). */
  readonly dash?: Dash;
  readonly step?: boolean;
  readonly color?: string;
  readonly width?: number;
}

export interface Mark {
  readonly x: number;
  readonly label: string;
  readonly color: string;
}

/** Lines over time (x in the unit `xName` says), with vertical marks for events. */
export function lineOption(o: { xName: string; yName: string; series: readonly LineSeries[]; marks?: readonly Mark[]; yMin?: number; yMax?: number; yScale?: boolean; percent?: boolean; xLog?: boolean }): Record<string, unknown> {
  // A series without its own colour is strategy number i: seriesLook(i) (colour, then dash).
  const series: Record<string, unknown>[] = o.series.map((s, i) => {
    const look = s.color === undefined ? seriesLook(i) : undefined;
    const dash = s.dash ?? (s.dashed === true ? 'dashed' : look?.dash);
    const color = s.color ?? look?.color;
    return {
      name: s.name,
      type: 'line',
      showSymbol: false,
      data: s.data,
      ...(s.step === true ? { step: 'end' } : {}),
      lineStyle: { width: s.width ?? 1.6, ...(dash !== undefined && dash !== 'solid' ? { type: dash } : {}) },
      itemStyle: { color },
      color,
    };
  });
  if (o.marks !== undefined && o.marks.length > 0 && series[0] !== undefined) {
    series[0] = {
      ...series[0],
      markLine: {
        symbol: 'none',
        silent: false,
        label: { show: true, position: 'insideEndTop', fontSize: 10, formatter: '{b}' },
        data: o.marks.map((m) => ({ xAxis: m.x, name: m.label, lineStyle: { color: m.color, type: 'dashed', width: 1 } })),
      },
    };
  }
  return {
    grid,
    tooltip: tooltipAxis,
    legend: { top: 0, type: 'scroll' },
    xAxis: o.xLog === true ? { type: 'log', name: o.xName, nameLocation: 'middle', nameGap: 28 } : { type: 'value', name: o.xName, nameLocation: 'middle', nameGap: 28, scale: true },
    yAxis: {
      type: 'value',
      name: o.yName,
      nameLocation: 'middle',
      nameGap: 52,
      ...(o.yScale === true ? { scale: true } : {}),
      ...(o.yMin !== undefined ? { min: o.yMin } : {}),
      ...(o.yMax !== undefined ? { max: o.yMax } : {}),
      ...(o.percent === true ? { axisLabel: { formatter: '{value}%' } } : {}),
    },
    series,
  };
}

export interface CiPoint {
  readonly category: string;
  readonly mean: number;
  readonly lo: number | null;
  readonly hi: number | null;
  readonly best: boolean;
}

/**
 * Points with confidence intervals per category. The value axis is fitted to the data (not
 * forced through zero) so differences of a few hundredths are visible; the axis name says so.
 * A best point (only where it truly differs) is drawn larger in green.
 */
export function ciOption(o: { yName: string; points: readonly CiPoint[] }): Record<string, unknown> {
  const cats = o.points.map((p) => p.category);
  // Sums in another order differ in the last bits (136.50000000000028 against 136.49999999999974):
  // 10 significant digits keep every real difference and drop that noise, which a data-fitted
  // axis would otherwise spread over its whole height, with labels of 17 digits.
  const v = (x: number): number => Number(x.toPrecision(10));
  return {
    grid: { ...grid, bottom: 70 },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'category', data: cats, axisLabel: { interval: 0, rotate: cats.some((c) => c.length > 12) ? 20 : 0, fontSize: 11 } },
    yAxis: { type: 'value', name: o.yName, nameLocation: 'middle', nameGap: 52, scale: true },
    series: [
      { name: '95% CI', drs: 'ci', color: '#777', data: o.points.flatMap((p, i) => (p.lo === null || p.hi === null ? [] : [[i, v(p.lo), v(p.hi)]])) },
      {
        name: 'mean',
        type: 'scatter',
        data: o.points.map((p, i) => ({ value: [i, v(p.mean)], symbolSize: p.best ? 14 : 9, itemStyle: { color: p.best ? BEST : '#4c78a8' } })),
      },
    ],
  };
}

/** Grouped bars (shares and counts: a bar's length is the value, so these axes start at zero). */
export function barOption(o: { categories: readonly string[]; yName: string; series: readonly { name: string; data: readonly number[] }[]; percent?: boolean }): Record<string, unknown> {
  return {
    grid: { ...grid, bottom: 60 },
    tooltip: tooltipAxis,
    legend: { top: 0, type: 'scroll' },
    xAxis: { type: 'category', data: o.categories, axisLabel: { interval: 0, fontSize: 11 } },
    yAxis: { type: 'value', name: o.yName, nameLocation: 'middle', nameGap: 52, min: 0, ...(o.percent === true ? { axisLabel: { formatter: '{value}%' } } : {}) },
    series: o.series.map((s, i) => {
      const look = seriesLook(i);
      return { name: s.name, type: 'bar', data: s.data, itemStyle: { color: look.color, ...(look.decal !== undefined ? { decal: look.decal } : {}) } };
    }),
  };
}

/**
 * One row per node, one bar per allocation (data [row, start, end, tenant index, tooltip]),
 * coloured by tenant (`categoryColor`, never repeating) and labelled with the tenant where it fits.
 */
export function ganttOption(o: { rows: readonly string[]; xName: string; bars: readonly (readonly [number, number, number, number, string])[]; tenants: readonly string[] }): Record<string, unknown> {
  const colors = o.tenants.map((_, i) => categoryColor(i));
  return {
    grid: { left: 110, right: 24, top: 36, bottom: 52 },
    tooltip: { trigger: 'item' },
    legend: { top: 0, type: 'scroll', data: o.tenants },
    xAxis: { type: 'value', name: o.xName, nameLocation: 'middle', nameGap: 28, scale: true },
    yAxis: { type: 'category', data: o.rows, inverse: true, axisLabel: { fontSize: 10 } },
    series: [
      { name: 'allocations', drs: 'gantt', drsColors: colors, drsNames: o.tenants, data: o.bars },
      // Legend entries for the tenant colours (no data of their own).
      ...o.tenants.map((t, i) => ({ name: t, type: 'scatter', data: [], itemStyle: { color: colors[i] } })),
    ],
  };
}
