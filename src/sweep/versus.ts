import type { Allocator } from '../algorithms/allocator.js';
import { createAllocator, type AllocatorName } from '../algorithms/registry.js';
import { compareStrategies } from '../sim/compare.js';
import type { BuiltScenario } from '../scenario/build.js';
import { meanCi, pairedTTest, type MeanCi } from './stats.js';

/**
 * One allocator against the classical strategies on a scenario, seed by seed: SLA attainment
 * and cost per seed, each strategy's mean with its 95 % interval, and the paired difference
 * (the candidate − each other strategy, same seed = same workload and failures) with its
 * interval and paired t-test. Every strategy runs with the scenario's first strategy's queue
 * and scaling policy, as a learned allocator is trained (learn/sim-adapter.ts), so the
 * allocator is the only difference. This is the evaluation `drs train` writes into an
 * allocator's model file, and the one bench/learn-fleet.ts re-measures.
 */

/** The issue's classical set: each greedy strategy, without and with priority preemption. */
export const CLASSICAL: readonly AllocatorName[] = ['first-fit', 'best-fit-decreasing', 'worst-fit', 'round-robin'];

export interface VersusStrategy {
  readonly label: string;
  readonly allocator: () => Allocator;
}

/** The classical strategies as `VersusStrategy`s: `first-fit`, `first-fit+preempt`, …. */
export function classicalStrategies(): VersusStrategy[] {
  return CLASSICAL.flatMap((n) => [
    { label: n, allocator: () => createAllocator({ name: n }) },
    { label: `${n}+preempt`, allocator: () => createAllocator({ name: n, preemption: true }) },
  ]);
}

export interface VersusSummary {
  readonly strategy: string;
  /** Over the seeds with an SLA figure; null when the scenario sets no SLO (no attainment). */
  readonly sla: MeanCi | null;
  readonly cost: MeanCi;
  /** The candidate − this strategy, paired by seed (absent for the candidate itself). */
  readonly slaMinusLearned?: MeanCi & { readonly p: number | null; readonly significant: boolean };
  readonly costMinusLearned?: MeanCi & { readonly p: number | null; readonly significant: boolean };
}

export interface VersusEvaluation {
  /** The scenario as the caller names it (a path relative to the repository, for shipped models). */
  readonly scenario: string;
  readonly seeds: readonly number[];
  readonly metric: string;
  readonly summary: readonly VersusSummary[];
  /** Per strategy, one value per seed in `seeds` order (SLA: null where the run had no SLO). */
  readonly perSeed: { readonly sla: Record<string, (number | null)[]>; readonly cost: Record<string, number[]> };
}

export interface VersusOptions {
  readonly scenario: string;
  readonly seeds: readonly number[];
  /** The scenario built for one seed (`buildScenario(sc, { file, dataRoot, seed })`). */
  readonly build: (seed: number) => Promise<BuiltScenario>;
  readonly candidate: VersusStrategy;
  readonly others: readonly VersusStrategy[];
  /** After each seed, its line: `seed 3: learned 98.10 % $136.50 | first-fit …`. */
  readonly onSeed?: (line: string, done: number, total: number) => void;
}

/**
 * Run the candidate and the others on every seed. A strategy that fails on a seed stops the
 * evaluation with the strategy, seed and error named: an evaluation with a hole in it would
 * compare different seed sets.
 */
export async function versusOnSeeds(o: VersusOptions): Promise<VersusEvaluation> {
  if (o.seeds.length === 0) throw new RangeError('versusOnSeeds: no seeds');
  const all = [o.candidate, ...o.others];
  const sla: Record<string, (number | null)[]> = Object.fromEntries(all.map((s) => [s.label, []]));
  const cost: Record<string, number[]> = Object.fromEntries(all.map((s) => [s.label, []]));
  for (const [k, seed] of o.seeds.entries()) {
    const input = await o.build(seed);
    const first = input.strategies[0];
    if (first === undefined) throw new Error(`${o.scenario}: the scenario has no strategy to take the queue policy from`);
    const res = await compareStrategies({
      ...input,
      strategies: all.map((s) => ({ label: s.label, allocator: s.allocator, queue: first.queue, ...(first.scaling === undefined ? {} : { scaling: first.scaling }) })),
    });
    const parts: string[] = [];
    for (const r of res.results) {
      if (r.state !== 'completed') throw new Error(`${o.scenario}, seed ${seed}: strategy ${r.strategy} failed: ${r.error}`);
      const a = r.metrics.sla.overall.attainment;
      (sla[r.strategy] as (number | null)[]).push(a);
      (cost[r.strategy] as number[]).push(r.metrics.cost.total);
      parts.push(`${r.strategy} ${a === null ? 'no SLO' : `${(100 * a).toFixed(2)} %`} $${r.metrics.cost.total.toFixed(2)}`);
    }
    o.onSeed?.(`seed ${seed}: ${parts.join(' | ')}`, k + 1, o.seeds.length);
  }
  const label = o.candidate.label;
  const paired = (a: readonly (number | null)[], b: readonly (number | null)[]) => {
    const keep = a.flatMap((x, i) => (x !== null && b[i] !== null && b[i] !== undefined ? [i] : []));
    const xa = keep.map((i) => a[i] as number);
    const xb = keep.map((i) => b[i] as number);
    const t = pairedTTest(xa, xb);
    return { ...meanCi(xa.map((x, i) => x - (xb[i] as number))), p: t.p, significant: t.significant };
  };
  const present = (xs: readonly (number | null)[]): number[] => xs.filter((x): x is number => x !== null);
  const summary = all.map((s): VersusSummary => {
    const mine = sla[s.label] as (number | null)[];
    const slaCi = present(mine).length === 0 ? null : meanCi(present(mine));
    const base = { strategy: s.label, sla: slaCi, cost: meanCi(cost[s.label] as number[]) };
    if (s.label === label) return base;
    return {
      ...base,
      ...(slaCi === null ? {} : { slaMinusLearned: paired(sla[label] as (number | null)[], mine) }),
      costMinusLearned: paired(cost[label] as number[], cost[s.label] as number[]),
    };
  });
  return {
    scenario: o.scenario,
    seeds: [...o.seeds],
    metric: 'SLA attainment (overall) and cost, mean and 95% t-interval over seeds; *MinusLearned: the learned allocator − this strategy, paired by seed (paired t-test p)',
    summary,
    perSeed: { sla, cost },
  };
}

const PARTIAL_NOTE = '(n=k of N): mean and interval over the k of the N seeds that have the metric';
const PAIRS_NOTE = '(n=k of P): mean difference over the k of the P pairs where both runs have the metric';

/**
 * The summary as a terminal table: one row per strategy, the difference and its interval, with
 * over how many seeds each is as `drs sweep` says it (src/report/sweep-table.ts): `pairs P` per
 * comparison (every strategy completes every seed, or the evaluation stops: P is the seed count)
 * and `(n=k of P)` on a metric fewer pairs have, `(n=k of N)` on a mean over fewer seeds (SLA
 * attainment is absent where a run had no request with an SLO).
 */
export function versusTable(e: VersusEvaluation): string {
  // Two decimals without a "-0.00" for float noise of either sign.
  const fix2 = (x: number): string => x.toFixed(2).replace(/^-(0\.0+)$/, '$1');
  const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : fix2(100 * x));
  const runs = e.seeds.length;
  const over = (n: number): string => (n < runs ? ` (n=${n} of ${runs})` : '');
  const rows = e.summary.map((s) => {
    const sla = s.sla === null ? 'no SLO' : `${pct(s.sla.mean)} % [${pct(s.sla.lo)}, ${pct(s.sla.hi)}]${over(s.sla.n)}`;
    const d = s.slaMinusLearned;
    const c = s.costMinusLearned;
    const head = `  learned − this, pairs ${runs}:`;
    const diff = d === undefined ? '' : `${head} SLA ${pct(d.mean)} pp [${pct(d.lo)}, ${pct(d.hi)}]${d.significant ? ' *' : ''}${over(d.n)}`;
    const costDiff = c === undefined ? '' : `${d === undefined ? head : ','} cost ${fix2(c.mean)}${c.significant ? ' *' : ''}${over(c.n)}`;
    return `${s.strategy.padEnd(32)} SLA ${sla}  cost ${fix2(s.cost.mean)}${diff}${costDiff}`;
  });
  const head = `${e.scenario}, seeds ${e.seeds.join(', ')}: SLA attainment % [95 % interval] and cost; learned − this paired by seed (* = paired t-test p < 0.05; pairs = seeds both strategies completed)`;
  const partial = e.summary.some((s) => s.sla !== null && s.sla.n < runs);
  const fewerPairs = e.summary.some((s) => (s.slaMinusLearned?.n ?? runs) < runs || (s.costMinusLearned?.n ?? runs) < runs);
  const notes = [...(partial ? [PARTIAL_NOTE] : []), ...(fewerPairs ? [PAIRS_NOTE] : [])];
  return [head, ...rows, ...notes].join('\n') + '\n';
}
