import type { ComparisonResult } from '../sim/compare.js';
import type { RunMetrics } from '../sim/metrics.js';
import { comparisonTable } from './table.js';

/** One chart: a metric per strategy, and whether lower is better (for the "best" marker). */
interface ChartSpec {
  readonly title: string;
  readonly value: (m: RunMetrics) => number | null;
  readonly format: (v: number) => string;
  readonly lowerIsBetter: boolean;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const secs = (v: number): string => (v >= 3600 ? `${(v / 3600).toFixed(2)} h` : v >= 60 ? `${(v / 60).toFixed(1)} min` : `${v.toFixed(1)} s`);

function charts(dims: readonly string[]): ChartSpec[] {
  return [
    ...dims.map((d): ChartSpec => ({ title: `Utilization: ${d}`, value: (m) => m.utilization[d] ?? 0, format: pct, lowerIsBetter: false })),
    { title: 'SLA attainment', value: (m) => m.sla.overall.attainment, format: pct, lowerIsBetter: false },
    { title: 'Wait p95', value: (m) => m.wait.p95, format: secs, lowerIsBetter: true },
    { title: 'Mean bounded slowdown', value: (m) => m.meanBoundedSlowdown, format: (v) => v.toFixed(2), lowerIsBetter: true },
    { title: 'Cost', value: (m) => m.cost.total, format: (v) => v.toFixed(2), lowerIsBetter: true },
    { title: "Fairness (Jain's index)", value: (m) => m.fairness.jain, format: (v) => v.toFixed(3), lowerIsBetter: false },
  ];
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function barChart(spec: ChartSpec, rows: readonly { name: string; m: RunMetrics }[]): string {
  const vals = rows.map((r) => ({ name: r.name, v: spec.value(r.m) }));
  const known = vals.filter((x): x is { name: string; v: number } => x.v !== null && Number.isFinite(x.v));
  if (known.length === 0) return '';
  const max = Math.max(...known.map((x) => x.v), 1e-12);
  const best = spec.lowerIsBetter ? Math.min(...known.map((x) => x.v)) : Math.max(...known.map((x) => x.v));
  const rowH = 22;
  const labelW = 230;
  const barW = 360;
  const h = vals.length * rowH + 8;
  const bars = vals
    .map((x, i) => {
      const y = 4 + i * rowH;
      const w = x.v === null ? 0 : Math.max(1, (x.v / max) * barW);
      const cls = x.v !== null && x.v === best ? 'bar best' : 'bar';
      const label = x.v === null ? 'n/a' : spec.format(x.v);
      return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(x.name)}</text><rect class="${cls}" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}"/><text x="${labelW + w + 6}" y="${y + 15}">${escapeHtml(label)}</text>`;
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(spec.title)}${spec.lowerIsBetter ? ' (lower is better)' : ''}</figcaption><svg width="${labelW + barW + 110}" height="${h}" role="img">${bars}</svg></figure>`;
}

/** A self-contained HTML report of a comparison: the table and one bar chart per key metric. */
export function htmlReport(result: ComparisonResult, meta: { title: string; description?: string }): string {
  const rows = result.results.flatMap((r) => (r.state === 'completed' ? [{ name: r.strategy, m: r.metrics }] : []));
  const failed = result.results.flatMap((r) => (r.state === 'failed' ? [`<li>${escapeHtml(r.strategy)}: ${escapeHtml(r.error)}</li>`] : []));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(meta.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
pre{background:#f6f6f6;padding:1rem;overflow:auto;font-size:12px}
figure{display:inline-block;margin:0 2rem 1.5rem 0;vertical-align:top}
figcaption{font-weight:600;margin-bottom:.3rem}
svg text{font-size:12px;fill:#333}
.bar{fill:#8aa9c9}.best{fill:#2e7d32}
</style></head><body>
<h1>${escapeHtml(meta.title)}</h1>
${meta.description ? `<p>${escapeHtml(meta.description)}</p>` : ''}
<p>Seed ${escapeHtml(result.seed)}. Best value per chart in green.</p>
${failed.length > 0 ? `<h2>Failed strategies</h2><ul>${failed.join('')}</ul>` : ''}
<h2>Comparison</h2>
<pre>${escapeHtml(comparisonTable(result))}</pre>
<h2>Charts</h2>
${charts(result.dimensions).map((c) => barChart(c, rows)).join('\n')}
</body></html>
`;
}
