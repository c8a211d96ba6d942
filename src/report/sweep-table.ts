import type { SweepResult } from '../sweep/aggregate.js';
import type { MeanCi } from '../sweep/stats.js';
import { renderTable, secs } from './table.js';

/** The metrics a sweep table shows (JSON has every metric), with how to print them. */
export interface KeyMetric {
  readonly path: string;
  readonly label: string;
  /** Unit shown on chart axes. */
  readonly unit: string;
  readonly lowerIsBetter: boolean;
  readonly format: (v: number) => string;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
// Waits in the units `drs run` prints (27.1m, not 1628s).
const sec = (v: number): string => secs(v);

export function keyMetrics(dims: readonly string[]): KeyMetric[] {
  return [
    ...dims.map((d): KeyMetric => ({ path: `utilization.${d}`, label: `util ${d}`, unit: '%', lowerIsBetter: false, format: pct })),
    { path: 'wait.p95', label: 'wait p95', unit: 's', lowerIsBetter: true, format: sec },
    { path: 'meanBoundedSlowdown', label: 'bsld', unit: '×', lowerIsBetter: true, format: (v) => v.toFixed(2) },
    { path: 'sla.overall.attainment', label: 'SLA', unit: '%', lowerIsBetter: false, format: pct },
    { path: 'cost.total', label: 'cost', unit: '$', lowerIsBetter: true, format: (v) => v.toFixed(2) },
    { path: 'requests.unfinished', label: 'unfinished', unit: 'requests', lowerIsBetter: true, format: (v) => v.toFixed(1) },
  ];
}

/** Dimensions named in the metrics (`utilization.<dim>`), in order. */
export function sweepDims(r: SweepResult): string[] {
  const dims = new Set<string>();
  for (const g of r.groups) for (const k of Object.keys(g.metrics)) if (k.startsWith('utilization.')) dims.add(k.slice('utilization.'.length));
  return [...dims];
}

export function pointLabel(p: Readonly<Record<string, unknown>>): string {
  const e = Object.entries(p);
  return e.length === 0 ? '' : e.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

/** Mean ± half-width; with the count when fewer than the group's `runs` have the metric ("(n=7 of 10)"). */
function cell(m: MeanCi | undefined, f: (v: number) => string, runs: number): string {
  if (m === undefined || m.n === 0) return '-';
  const over = m.n < runs ? ` (n=${m.n} of ${runs})` : '';
  return `${m.half === null ? f(m.mean) : `${f(m.mean)} ±${f(m.half)}`}${over}`;
}

const PARTIAL_NOTE = '(n=k of N): mean and interval over the k of the N runs that have the metric';
const PAIRS_NOTE = '(n=k of P): mean difference over the k of the P pairs where both runs have the metric';

/**
 * A difference as its metric prints, except that a significant one that would print as zero gets
 * two significant digits ("+0.0021*", not "+0.00*": a star on a zero reads as a contradiction).
 */
function diffText(k: KeyMetric, d: number, significant: boolean): string {
  const plain = k.format(d);
  if (!significant || d === 0 || /[1-9]/.test(plain)) return plain;
  const unit = /[^0-9.]*$/.exec(plain)?.[0] ?? '';
  return `${(unit === '%' ? d * 100 : d).toPrecision(2)}${unit}`;
}

/**
 * The table `drs sweep` prints: per point and strategy the mean ± 95 % CI half-width of the key
 * metrics; then per point each pair of strategies, the mean difference (a − b) of each key
 * metric with `*` where the paired t-test gives p < 0.05.
 */
export function sweepTable(r: SweepResult): string {
  const km = keyMetrics(sweepDims(r));
  const hasAxes = r.axes.length > 0;
  const header = [...(hasAxes ? ['point'] : []), 'strategy', 'runs', ...km.map((k) => k.label)];
  const rows = r.groups.map((g) => [...(hasAxes ? [pointLabel(g.point)] : []), g.strategy, `${g.runs}${g.failed > 0 ? ` (${g.failed} failed)` : ''}`, ...km.map((k) => cell(g.metrics[k.path], k.format, g.runs))]);
  const parts = [`sweep ${r.sweep}: scenario ${r.scenario}, ${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'}, mean ±95% CI`, renderTable(header, rows, header.map((_, i) => (i < (hasAxes ? 2 : 1) ? 'l' : 'r')))];
  if (rows.some((row) => row.some((c) => / \(n=\d+ of \d+\)$/.test(c)))) parts.push(PARTIAL_NOTE);
  if (r.comparisons.length > 0) {
    const ch = [...(hasAxes ? ['point'] : []), 'a − b', 'pairs', ...km.map((k) => k.label)];
    const crow = r.comparisons.map((c) => [
      ...(hasAxes ? [pointLabel(c.point)] : []),
      `${c.a} − ${c.b}`,
      String(c.pairs),
      ...km.map((k) => {
        const t = c.metrics[k.path];
        if (t === undefined || t.n === 0) return '-';
        const over = t.n < c.pairs ? ` (n=${t.n} of ${c.pairs})` : '';
        return `${t.meanDiff >= 0 ? '+' : '−'}${diffText(k, Math.abs(t.meanDiff), t.significant)}${t.significant ? '*' : ''}${over}`;
      }),
    ]);
    parts.push('', 'paired by seed: mean difference, * = significant (paired t-test, p < 0.05); pairs = seeds both strategies completed', renderTable(ch, crow, ch.map((_, i) => (i < (hasAxes ? 2 : 1) ? 'l' : 'r'))));
    if (crow.some((row) => row.some((c) => / \(n=\d+ of \d+\)$/.test(c)))) parts.push(PAIRS_NOTE);
  }
  if (r.failures.length > 0) parts.push('', 'failed cells:', ...r.failures.map((f) => `  ${[pointLabel(f.point), f.strategy].filter((x) => x !== '').join(' ')} seed ${f.seed}: ${f.error}`));
  return parts.join('\n');
}
