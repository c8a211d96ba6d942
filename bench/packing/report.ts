/** Result types and the markdown/summary of the packing benchmark (pure functions). */
import type { PackStrategyName } from '../../src/packing/index.js';

export interface Job {
  readonly set: string;
  readonly file: string;
  readonly instance: string;
  readonly optimum: number;
  readonly strategies: readonly PackStrategyName[];
  readonly gaTime: number;
  readonly ilpTime: number;
  readonly seed: number;
}

export interface StrategyRun {
  readonly strategy: PackStrategyName;
  readonly bins: number;
  readonly seconds: number;
  readonly status: string;
  readonly proof?: string;
  readonly lowerBound: number;
  readonly detail: Readonly<Record<string, string | number>>;
}

export interface InstanceResult {
  readonly set: string;
  readonly instance: string;
  readonly items: number;
  readonly optimum: number;
  readonly results: readonly StrategyRun[];
}

export interface Cell {
  readonly instances: number;
  readonly atOptimum: number;
  readonly meanExcess: number;
  readonly meanSeconds: number;
  readonly maxSeconds: number;
  /** Status `optimal` with proof `solver` (ILP only). */
  readonly solverProved: number;
  /** Solver-proved within 30 s (the target for u120 and t60). */
  readonly solverProvedWithin30: number;
  /** Any proof of optimality (bound or solver). */
  readonly proved: number;
}

export type Summary = Record<string, Partial<Record<PackStrategyName, Cell>>>;

function cell(runs: readonly { run: StrategyRun; optimum: number }[]): Cell {
  const n = runs.length;
  const sum = (f: (r: { run: StrategyRun; optimum: number }) => number): number => runs.reduce((s, r) => s + f(r), 0);
  return {
    instances: n,
    atOptimum: sum((r) => (r.run.bins === r.optimum ? 1 : 0)),
    meanExcess: n === 0 ? 0 : sum((r) => r.run.bins - r.optimum) / n,
    meanSeconds: n === 0 ? 0 : sum((r) => r.run.seconds) / n,
    maxSeconds: runs.reduce((m, r) => Math.max(m, r.run.seconds), 0),
    solverProved: sum((r) => (r.run.status === 'optimal' && r.run.proof === 'solver' ? 1 : 0)),
    solverProvedWithin30: sum((r) => (r.run.status === 'optimal' && r.run.proof === 'solver' && r.run.seconds <= 30 ? 1 : 0)),
    proved: sum((r) => (r.run.status === 'optimal' ? 1 : 0)),
  };
}

export function summarise(results: readonly InstanceResult[], strategies: readonly PackStrategyName[]): Summary {
  const sets = [...new Set(results.map((r) => r.set)), 'all'];
  const out: Summary = {};
  for (const set of sets) {
    const rows = set === 'all' ? results : results.filter((r) => r.set === set);
    const entry: Partial<Record<PackStrategyName, Cell>> = {};
    for (const s of strategies) {
      entry[s] = cell(rows.flatMap((r) => r.results.filter((x) => x.strategy === s).map((run) => ({ run, optimum: r.optimum }))));
    }
    out[set] = entry;
  }
  return out;
}

export interface Meta {
  readonly command: string;
  readonly gaTime: number;
  readonly ilpTime: number;
  readonly seed: number;
  readonly workers: number;
  readonly wallSeconds: number;
  readonly node: string;
  readonly date: string;
  readonly cpus: number;
  readonly load: readonly number[];
}

export function toMarkdown(meta: Meta, summary: Summary, results: readonly InstanceResult[]): string {
  const sets = Object.keys(summary);
  const strategies = Object.keys(summary[sets[0] ?? ''] ?? {}) as PackStrategyName[];
  const lines: string[] = [];
  lines.push(`## Bin packing on OR-Library (${results.length} instances)`, '');
  lines.push(`\`${meta.command}\` — GA limit ${meta.gaTime} s, ILP limit ${meta.ilpTime} s (GA incumbent included), seed ${meta.seed}, ${meta.workers} worker processes, wall ${(meta.wallSeconds / 60).toFixed(1)} min, ${meta.cpus} CPUs (1-min load average ${meta.load.join(' → ')}), Node ${meta.node}, ${meta.date}.`, '');
  lines.push('Instances at the proven optimum / mean excess bins over it:', '');
  lines.push(`| set | n | ${strategies.map((s) => `${s.toUpperCase()} at opt | ${s.toUpperCase()} excess`).join(' | ')} |`);
  lines.push(`|---|---|${strategies.map(() => '---|---').join('|')}|`);
  for (const set of sets) {
    const row = summary[set] ?? {};
    const n = row[strategies[0] ?? 'ffd']?.instances ?? 0;
    lines.push(`| ${set} | ${n} | ${strategies.map((s) => `${row[s]?.atOptimum ?? 0} | ${(row[s]?.meanExcess ?? 0).toFixed(2)}`).join(' | ')} |`);
  }
  if (strategies.includes('ilp')) {
    lines.push('', `ILP proofs (status optimal, proved by HiGHS on the arc-flow model; "any" also counts a packing that meets the L2 or solver bound):`, '');
    lines.push('| set | n | proved by solver | within 30 s | any proof | mean s | max s |', '|---|---|---|---|---|---|---|');
    for (const set of sets) {
      const c = summary[set]?.ilp;
      if (c !== undefined) lines.push(`| ${set} | ${c.instances} | ${c.solverProved} | ${c.solverProvedWithin30} | ${c.proved} | ${c.meanSeconds.toFixed(2)} | ${c.maxSeconds.toFixed(2)} |`);
    }
  }
  lines.push('', 'Seconds per instance (mean / max):', '');
  lines.push(`| set | ${strategies.map((s) => s.toUpperCase()).join(' | ')} |`, `|---|${strategies.map(() => '---').join('|')}|`);
  for (const set of sets) {
    const row = summary[set] ?? {};
    lines.push(`| ${set} | ${strategies.map((s) => `${(row[s]?.meanSeconds ?? 0).toFixed(3)} / ${(row[s]?.maxSeconds ?? 0).toFixed(2)}`).join(' | ')} |`);
  }
  const misses = results.flatMap((r) =>
    r.results.filter((x) => (x.strategy === 'ga' || x.strategy === 'ilp') && x.bins !== r.optimum).map((x) => `${r.instance} ${x.strategy}: ${x.bins} bins (optimum ${r.optimum}), ${x.status}`),
  );
  if (misses.length > 0) lines.push('', 'GA/ILP results above the optimum:', '', ...misses.map((m) => `- ${m}`));
  return `${lines.join('\n')}\n`;
}
