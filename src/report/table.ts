import stringWidth from 'string-width';
import type { ComparisonResult, StrategyResult } from '../sim/compare.js';
import { PRIORITIES } from '../core/priority.js';
import { REJECTION_MEANING, type RejectionCode } from '../core/rejection.js';
import type { RunMetrics } from '../sim/metrics.js';

/**
 * Render rows as an aligned plain-text table (by default the first column left-aligned, the rest
 * right). Widths are terminal columns (`string-width`), not UTF-16 units: a label in CJK or with
 * an emoji (two columns a character) or a combining accent (none) keeps the columns aligned.
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const widths = header.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))));
  const left = (i: number): boolean => (align ? align[i] === 'l' : i === 0);
  const pad = (c: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, (widths[i] as number) - stringWidth(c)));
    return left(i) ? c + fill : fill + c;
  };
  const line = (cells: readonly string[]): string => cells.map(pad).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
// From 100,000 on, whole units with thousands separators (a full log's cost, 193,873, not 1.94e+5).
const num = (x: number | null, digits = 2): string => (x === null ? '-' : Math.abs(x) >= 1e5 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
/** The units `secs` prints, smallest first: a unit's size in seconds, and its suffix. */
const DURATION_UNITS: readonly (readonly [number, string])[] = [
  [1, 's'],
  [60, 'm'],
  [3600, 'h'],
  [86_400, 'd'],
];

/**
 * A duration as `drs run` prints it: seconds below a minute, then minutes, hours, days (one
 * decimal). A value that rounds to the next unit's size is printed in that unit: 59.96 s is 1.0m,
 * as 60 s is, not "60.0s" (likewise 1.0h, not "60.0m", and 1.0d, not "24.0h"). A negative value
 * is its magnitude with a minus sign (-90 s is "-1.5m"); one that rounds to zero is "0.0s".
 */
export const secs = (x: number | null): string => {
  if (x === null) return '-';
  const a = Math.abs(x);
  const unit = (i: number): readonly [number, string] => DURATION_UNITS[i] as readonly [number, string];
  let i = 0;
  // Up one unit while the magnitude, rounded as it would print, reaches the next unit's size.
  while (i < DURATION_UNITS.length - 1 && Number((a / unit(i)[0]).toFixed(1)) >= unit(i + 1)[0] / unit(i)[0]) i++;
  const text = (a / unit(i)[0]).toFixed(1);
  return `${x < 0 && Number(text) !== 0 ? '-' : ''}${text}${unit(i)[1]}`;
};

/**
 * The side-by-side comparison `drs run` prints, followed (unless `trailer: false`) by the failed
 * strategies and the `runNotes` lines.
 */
export function comparisonTable(result: ComparisonResult, opts: { trailer?: boolean } = {}): string {
  const dims = result.dimensions;
  // GPU fragmentation (free GPU on partly used nodes, time-averaged) only where a run has GPUs.
  const gpuFrag = result.results.some((r) => r.state === 'completed' && r.metrics.gpuFragmentation !== null);
  const header = ['strategy', 'done', 'rejected', 'unfinished', ...dims.map((d) => `util ${d}`), 'wait p50', 'wait p95', 'wait p99', 'wait mean', 'bsld', 'SLA', 'jain', 'cost', 'cost/req', 'preempt', ...(gpuFrag ? ['gpu frag'] : [])];
  const rows = result.results.map((r: StrategyResult): string[] => {
    switch (r.state) {
      case 'completed':
        return [...metricRow(r.strategy, r.metrics, dims), ...(gpuFrag ? [pct(r.metrics.gpuFragmentation)] : [])];
      case 'failed':
        return [r.strategy, 'FAILED', ...header.slice(2).map(() => '')];
    }
  });
  if (opts.trailer === false) return renderTable(header, rows);
  const failures = result.results.flatMap((r) => (r.state === 'failed' ? [`  ${r.strategy}: ${r.error}`] : []));
  const extra = failures.length > 0 ? `\n\nFailed strategies:\n${failures.join('\n')}` : '';
  const notes = runNotes(result);
  const { sla, pools } = breakdownTables(result);
  const slaPart = sla === null ? '' : `\n\nSLA attainment by priority (met of those with an SLO):\n${sla}`;
  return `${renderTable(header, rows)}${slaPart}${pools === null ? '' : `\n\nCost and utilization by pool:\n${pools}`}${extra}${notes.length > 0 ? `\n\n${notes.join('\n')}` : ''}`;
}

/**
 * The lines under the table: `runWarnings`, then a note per run with expired requests (neither
 * done, rejected nor unfinished: said, so the columns add up), rejected requests, the scaling
 * policy's notes, and a run without a horizon that went on past its last work (a failure event
 * after it: src/sim/run-end.ts). The HTML report shows the same.
 */
export function runNotes(result: ComparisonResult): string[] {
  const expired = result.results.flatMap((r) => (r.state === 'completed' && r.metrics.requests.expired > 0 ? [`note: ${r.strategy}: ${r.metrics.requests.expired} request(s) expired (a lease, a timeout or an agent crash ended them before the work was done)`] : []));
  const scaling = result.results.flatMap((r) => (r.state === 'completed' ? (r.scalingNotes ?? []).map((n) => `note: ${r.strategy}${r.strategy === r.scaling ? '' : ` (${r.scaling})`}: ${n}`) : []));
  const ends = result.results.flatMap((r) => (r.state === 'completed' ? (r.endNotes ?? []).map((n) => `note: ${r.strategy}: ${n}`) : []));
  return [...runWarnings(result), ...solverWarnings(result), ...expired, ...rejectedNotes(result), ...scaling, ...ends];
}

/**
 * A note per run with rejected requests, by reason (src/core/rejection.ts): the table's `rejected`
 * column alone did not say that, for instance, a job wider than every node can never run.
 */
function rejectedNotes(result: ComparisonResult): string[] {
  return result.results.flatMap((r) => {
    if (r.state !== 'completed' || r.metrics.requests.rejected === 0) return [];
    const why = Object.entries(r.metrics.rejectionsByCode)
      .filter(([, n]) => n > 0)
      .map(([code, n]) => `${code} ${n}${code in REJECTION_MEANING ? ` (${REJECTION_MEANING[code as RejectionCode]})` : ''}`);
    return [`note: ${r.strategy}: ${r.metrics.requests.rejected} request(s) rejected: ${why.join(', ')}`];
  });
}

/**
 * A batch strategy whose solver failed (`error`) or found nothing within its budget
 * (`no-solution`) in some decisions used its greedy answer there: said under the table, since
 * the table alone would credit the strategy's numbers to its model.
 */
export function solverWarnings(result: Pick<ComparisonResult, 'results'>): string[] {
  const out: string[] = [];
  for (const r of result.results) {
    if (r.state !== 'completed') continue;
    const fell = (['error', 'no-solution'] as const).flatMap((s) => ((r.solverStatus[s] ?? 0) > 0 ? [`${r.solverStatus[s]} ${s}`] : []));
    if (fell.length > 0) out.push(`warning: ${r.strategy}: the solver gave no answer in ${fell.join(', ')} of ${r.decisions} decisions; the greedy answer was used there (--json: solverStatus)`);
  }
  return out;
}

/**
 * Warnings for runs that ended with work left: requests that never started (with the reason
 * when every pool had no node), and requests still running. Needs the run's series for the
 * never-started count; without it the unfinished count is reported.
 */
export function runWarnings(result: ComparisonResult): string[] {
  const out: string[] = [];
  for (const r of result.results) {
    if (r.state !== 'completed') continue;
    const m = r.metrics.requests;
    if (m.unfinished === 0) continue;
    const cdf = r.series === undefined ? undefined : Object.values(r.series.waitCdf);
    const neverStarted = cdf === undefined ? undefined : cdf.reduce((a, c) => a + ((c?.total ?? 0) - (c?.started ?? 0)), 0) - m.rejected;
    const noNodes = r.series !== undefined && Object.values(r.series.nodes).every((p) => p.up.every((v) => v === 0));
    if (neverStarted !== undefined && neverStarted > 0) {
      out.push(`warning: ${r.strategy}: ${neverStarted} of ${m.total} requests never started${noNodes ? ' (no node was ever up: check the pools\' nodes)' : ''}; ${m.unfinished} unfinished when the run ended`);
    } else out.push(`warning: ${r.strategy}: ${m.unfinished} of ${m.total} requests unfinished when the run ended (still waiting or running)`);
  }
  return out;
}

function metricRow(name: string, m: RunMetrics, dims: readonly string[]): string[] {
  return [
    name,
    String(m.requests.completed),
    String(m.requests.rejected),
    String(m.requests.unfinished),
    ...dims.map((d) => { const u = m.utilization[d]; return u === null || u === undefined ? '-' : pct(u); }),
    secs(m.wait.p50),
    secs(m.wait.p95),
    secs(m.wait.p99),
    // The mean shows the few requests that wait for days, which percentiles of millions hide.
    secs(m.wait.mean),
    num(m.meanBoundedSlowdown),
    pct(m.sla.overall.attainment),
    m.fairness.jain === null ? '-' : m.fairness.jain.toFixed(3),
    num(m.cost.total),
    m.cost.perCompleted === null ? '-' : num(m.cost.perCompleted, 4),
    String(m.requests.preemptions),
  ];
}

/**
 * The breakdowns the one-line table sums up: SLA attainment per priority (of the requests with an
 * SLO: met ÷ with SLO, the count beside it) and rejections per code, one row per completed run.
 * Columns only for priorities with an SLO and codes that occurred in some run; null when none.
 */
export function breakdownTables(result: ComparisonResult): { sla: string | null; rejections: string | null; pools: string | null } {
  const done = result.results.flatMap((r) => (r.state === 'completed' ? [r] : []));
  const prios = PRIORITIES.filter((p) => done.some((r) => r.metrics.sla.byPriority[p].withSlo > 0));
  const codes = [...new Set(done.flatMap((r) => Object.entries(r.metrics.rejectionsByCode).flatMap(([c, n]) => (n > 0 ? [c] : []))))];
  const sla = prios.length === 0 ? null : renderTable(['strategy', ...prios], done.map((r) => [r.strategy, ...prios.map((p) => { const c = r.metrics.sla.byPriority[p]; return c.withSlo === 0 ? '-' : `${pct(c.attainment)} of ${c.withSlo}`; })]));
  const rejections = codes.length === 0 ? null : renderTable(['strategy', ...codes], done.map((r) => [r.strategy, ...codes.map((c) => String(r.metrics.rejectionsByCode[c as keyof RunMetrics['rejectionsByCode']]))]));
  return { sla, rejections, pools: poolTable(result) };
}

/**
 * Where the money goes and how busy each pool was (`metrics.byPool`): one row per completed run
 * and pool, with the pool's share of the run's cost. Null unless the scenario has several pools.
 */
export function poolTable(result: ComparisonResult): string | null {
  const done = result.results.flatMap((r) => (r.state === 'completed' ? [r] : []));
  const pools = [...new Set(done.flatMap((r) => Object.keys(r.metrics.byPool)))];
  if (pools.length < 2) return null;
  const dims = result.dimensions;
  const header = ['strategy', 'pool', 'peak nodes', 'node-h', 'cost', 'cost share', ...dims.map((d) => `util ${d}`)];
  const rows = done.flatMap((r) =>
    pools.flatMap((name) => {
      const p = r.metrics.byPool[name];
      if (p === undefined) return [];
      const total = r.metrics.cost.total;
      return [[r.strategy, name, String(p.peakNodes), num(p.nodeHours), num(p.cost), total > 0 ? pct(p.cost / total) : '-', ...dims.map((d) => pct(p.utilization[d] ?? null))]];
    }),
  );
  return renderTable(header, rows, header.map((_, i) => (i < 2 ? 'l' : 'r')));
}
