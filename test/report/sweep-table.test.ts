import { describe, expect, it } from 'vitest';
import { sweepHtml } from '../../src/report/sweep-html.js';
import { sweepTable } from '../../src/report/sweep-table.js';
import type { RunMetrics } from '../../src/sim/metrics.js';
import { aggregate, type SweepResult } from '../../src/sweep/aggregate.js';
import type { CellResult, CellSpec } from '../../src/sweep/cell.js';
import type { PairedTest } from '../../src/sweep/stats.js';

const ci = (mean: number) => ({ n: 10, mean, half: 0, lo: mean, hi: mean });
const test = (meanDiff: number, significant: boolean): PairedTest => ({ n: 10, meanDiff, t: 3, p: significant ? 0.01 : 0.4, significant });

const result = (metrics: Record<string, PairedTest>): SweepResult => ({
  sweep: 's',
  scenario: 'x',
  seeds: [1, 2],
  axes: [],
  strategies: ['a', 'b'],
  groups: ['a', 'b'].map((strategy) => ({ point: {}, strategy, runs: 10, failed: 0, metrics: { meanBoundedSlowdown: ci(1), 'sla.overall.attainment': ci(0.99), 'cost.total': ci(22.75) } })),
  comparisons: [{ point: {}, a: 'a', b: 'b', pairs: 10, metrics }],
  failures: [],
});

// The second line that starts with 'a − b' (the first is the header of the differences).
const diffRow = (r: SweepResult): string => sweepTable(r).split('\n').filter((l) => l.startsWith('a − b'))[1] ?? '';

describe('drs sweep table: paired differences', () => {
  it('a significant difference that rounds to zero shows two significant digits, so its star is not on a zero', () => {
    const row = diffRow(result({ meanBoundedSlowdown: test(0.0021, true), 'sla.overall.attainment': test(-0.0003, true), 'cost.total': test(0, false) }));
    expect(row).toMatch(/ \+0\.0021\* +−0\.030%\* +\+0\.00 +-$/);
  });

  it('a difference that prints as non-zero, or is not significant, prints as its metric does', () => {
    const row = diffRow(result({ meanBoundedSlowdown: test(0.0021, false), 'sla.overall.attainment': test(0.023, true), 'cost.total': test(-1.5, true) }));
    expect(row).toMatch(/ \+0\.00 +\+2\.3%\* +−1\.50\* +-$/);
  });

  it("prints waits in the units drs run uses: 27.1m ±26.5m, not 1628s ±1589s", () => {
    const r = result({});
    const withWait: SweepResult = { ...r, groups: r.groups.map((g) => ({ ...g, metrics: { ...g.metrics, 'wait.p95': { n: 5, mean: 1628, half: 1589, lo: 39, hi: 3217 } } })) };
    const row = sweepTable(withWait).split('\n').find((l) => l.startsWith('a ')) ?? '';
    expect(row).toContain('27.1m ±26.5m');
  });
});

describe('drs sweep table: a metric some runs lack', () => {
  it('shows over how many runs its mean and interval are (was: the mean over 7 read as over 10)', () => {
    const r = result({});
    const partial: SweepResult = {
      ...r,
      groups: r.groups.map((g, i) => ({ ...g, metrics: { ...g.metrics, 'cost.total': i === 0 ? { n: 9, mean: 22.75, half: 1.5, lo: 21.25, hi: 24.25 } : { n: 1, mean: 3, half: null, lo: null, hi: null } } })),
    };
    const text = sweepTable(partial);
    const row = (s: string) => text.split('\n').find((l) => l.startsWith(`${s} `)) ?? '';
    expect(row('a')).toMatch(/ 22\.75 ±1\.50 \(n=9 of 10\) /);
    expect(row('b')).toMatch(/ 3\.00 \(n=1 of 10\) /);
    // A metric every run has shows no count.
    expect(row('a')).toMatch(/ 1\.00 ±0\.00 /);
    expect(row('a')).not.toMatch(/1\.00 ±0\.00 \(n=/);
    expect(text).toContain('(n=k of N): mean and interval over the k of the N runs that have the metric');
    // No note when every metric is over every run.
    expect(sweepTable(r)).not.toContain('(n=k of N)');
  });
});

/**
 * A paired difference is read with its n: the seeds both strategies completed. The table, the JSON
 * and the HTML gave the mean difference and its star but not over how many pairs (a failed cell
 * or a run without the metric drops a pair, silently).
 */
describe('drs sweep: the pair count of each comparison', () => {
  const cell = (strategy: string, seed: number): CellSpec => ({ hash: `${strategy}${seed}`, code: 'c', point: {}, strategy, seed, scenario: {}, scenarioFile: 'x.yaml' });
  const cells = ['a', 'b'].flatMap((s) => [1, 2, 3].map((seed) => cell(s, seed)));
  // a completes seeds 1-3; b fails seed 3 (2 pairs) and has no wait on seed 2 (1 pair for wait p95).
  const metrics: Record<string, { wait?: { p95: number }; cost: { total: number } }> = {
    a1: { wait: { p95: 10 }, cost: { total: 5 } },
    a2: { wait: { p95: 11 }, cost: { total: 6 } },
    a3: { wait: { p95: 12 }, cost: { total: 7 } },
    b1: { wait: { p95: 14 }, cost: { total: 4 } },
    b2: { cost: { total: 4 } },
  };
  const results = new Map<string, CellResult>(
    cells.map((c) => [
      c.hash,
      c.hash in metrics
        ? { state: 'completed', hash: c.hash, point: {}, strategy: c.strategy, seed: c.seed, metrics: metrics[c.hash] as unknown as RunMetrics, simulatedSeconds: 1 }
        : { state: 'failed', hash: c.hash, point: {}, strategy: c.strategy, seed: c.seed, error: 'boom' },
    ]),
  );
  const r = aggregate({ sweep: 's', scenario: 'x', seeds: [1, 2, 3], axes: [], strategies: ['a', 'b'] }, cells, results);

  it('JSON: pairs = the seeds both completed, next to each metric\'s own n', () => {
    expect(r.comparisons[0]).toMatchObject({ a: 'a', b: 'b', pairs: 2 });
    expect(r.comparisons[0]?.metrics['cost.total']).toMatchObject({ n: 2, meanDiff: 1.5 }); // (5−4 + 6−4) / 2
    expect(r.comparisons[0]?.metrics['wait.p95']).toMatchObject({ n: 1, meanDiff: -4 });
  });

  it('table and HTML: a pairs column, and (n=k of P) on a metric fewer pairs have', () => {
    for (const text of [sweepTable(r), sweepHtml(r)]) {
      const lines = text.split('\n');
      const head = lines.find((l) => /^a − b +pairs /.test(l));
      expect(head).toBeDefined();
      const row = lines[lines.indexOf(head as string) + 2] ?? '';
      expect(row).toMatch(/^a − b +2 +−4\.0s \(n=1 of 2\) +- +- +\+1\.50 +-$/);
      expect(text).toContain('pairs = seeds both strategies completed');
      expect(text).toContain('(n=k of P): mean difference over the k of the P pairs where both runs have the metric');
    }
    // No (n=k of P) note when every metric has every pair.
    const full = sweepTable({ ...r, comparisons: r.comparisons.map((c) => ({ ...c, metrics: { 'cost.total': c.metrics['cost.total'] as PairedTest } })) });
    expect(full).toMatch(/\na − b +2 +- +- +- +\+1\.50 +-\n/);
    expect(full).not.toContain('(n=k of P)');
  });
});

describe('drs sweep table: failed cells', () => {
  const failed = (point: Record<string, unknown>): SweepResult => ({ ...result({}), failures: [{ point, strategy: 'a', seed: 3, error: 'boom' }] });

  it('lists each failed cell indented by two spaces, with its axis values when the sweep has axes', () => {
    const tail = (r: SweepResult): string[] => sweepTable(r).split('\n').slice(-2);
    // Without axes the point is empty: the line had three spaces before the strategy.
    expect(tail(failed({}))).toEqual(['failed cells:', '  a seed 3: boom']);
    expect(tail(failed({ 'pools[0].nodes': 2 }))).toEqual(['failed cells:', '  pools[0].nodes=2 a seed 3: boom']);
  });
});
