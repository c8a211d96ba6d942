import { describe, expect, it } from 'vitest';
import { sweepTable } from '../../src/report/sweep-table.js';
import type { SweepResult } from '../../src/sweep/aggregate.js';
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
  comparisons: [{ point: {}, a: 'a', b: 'b', metrics }],
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
