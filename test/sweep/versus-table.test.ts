import { describe, expect, it } from 'vitest';
import { meanCi } from '../../src/sweep/stats.js';
import { versusTable, type VersusEvaluation } from '../../src/sweep/versus.js';

/*
 * `drs train`'s evaluation table printed each paired difference (learned − this) with its 95 %
 * interval but not over how many seeds it was (n was only in the JSON), where `drs sweep` gives a
 * `pairs` count and `(n=k of P)` on a metric fewer pairs have. By hand: seeds 1-3; the learned
 * allocator's SLA attainment 0.9, 0.8, 0.7 and cost 10, 12, 14; first-fit's SLA 0.8 on seed 1,
 * none on seed 2 (no request with an SLO that run), 0.6 on seed 3, cost 11, 12, 13. Pairs: 3 (every
 * strategy completes every seed, or the evaluation stops); the SLA difference is over the 2 seeds
 * both have, 0.1 and 0.1 (mean 10 pp), the cost difference over the 3, −1, 0, +1 (mean 0).
 * first-fit's own SLA mean is over 2 of the 3 seeds: 70 %.
 */
const paired = (d: number[]) => ({ ...meanCi(d), p: null, significant: false });
const e: VersusEvaluation = {
  scenario: 'scenarios/x.yaml',
  seeds: [1, 2, 3],
  metric: 'm',
  summary: [
    { strategy: 'learned', sla: meanCi([0.9, 0.8, 0.7]), cost: meanCi([10, 12, 14]) },
    { strategy: 'first-fit', sla: meanCi([0.8, 0.6]), cost: meanCi([11, 12, 13]), slaMinusLearned: paired([0.1, 0.1]), costMinusLearned: paired([-1, 0, 1]) },
  ],
  perSeed: { sla: { learned: [0.9, 0.8, 0.7], 'first-fit': [0.8, null, 0.6] }, cost: { learned: [10, 12, 14], 'first-fit': [11, 12, 13] } },
};

describe('versusTable', () => {
  const text = versusTable(e);
  const row = (s: string): string => text.split('\n').find((l) => l.startsWith(`${s} `)) ?? '';

  it('says over how many seeds each paired difference is, as drs sweep does', () => {
    expect(row('first-fit')).toMatch(/learned − this, pairs 3: SLA 10\.00 pp \[10\.00, 10\.00\] \(n=2 of 3\), cost 0\.00$/);
    expect(text).toContain('pairs = seeds both strategies completed');
    expect(text).toContain('(n=k of P): mean difference over the k of the P pairs where both runs have the metric');
  });

  it('says when a strategy\'s own mean is over fewer seeds than the evaluation', () => {
    expect(row('first-fit')).toMatch(/ SLA 70\.00 % \[-?\d+\.\d+, \d+\.\d+\] \(n=2 of 3\) {2}cost 12\.00 /);
    expect(row('learned')).toMatch(/^learned +SLA 80\.00 % \[\d+\.\d+, \d+\.\d+\] {2}cost 12\.00$/);
    expect(text).toContain('(n=k of N): mean and interval over the k of the N seeds that have the metric');
  });

  it('no (n=k of …) and no note when every seed has every metric', () => {
    const full: VersusEvaluation = {
      ...e,
      summary: [
        e.summary[0] as VersusEvaluation['summary'][number],
        { strategy: 'first-fit', sla: meanCi([0.8, 0.7, 0.6]), cost: meanCi([11, 12, 13]), slaMinusLearned: paired([0.1, 0.1, 0.1]), costMinusLearned: paired([-1, 0, 1]) },
      ],
    };
    const t = versusTable(full);
    expect(t).not.toContain('(n=');
    expect(t).toMatch(/first-fit .* learned − this, pairs 3: SLA 10\.00 pp \[10\.00, 10\.00\], cost 0\.00\n/);
  });
});
