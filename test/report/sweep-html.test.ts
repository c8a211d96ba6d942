import { describe, expect, it } from 'vitest';
import { significantBest, sweepHtml } from '../../src/report/sweep-html.js';
import type { RunMetrics } from '../../src/sim/metrics.js';
import { aggregate, type SweepResult } from '../../src/sweep/aggregate.js';
import type { CellResult, CellSpec } from '../../src/sweep/cell.js';
import { meanCi } from '../../src/sweep/stats.js';

/** A sweep of 3 seeds, two strategies; `b` has a wait p95 on two seeds only (nothing started on the third). */
function sweep(): SweepResult {
  const group = (strategy: string, waits: number[]): SweepResult['groups'][number] => ({
    point: {},
    strategy,
    runs: 3,
    failed: 0,
    metrics: { 'utilization.cpu': meanCi([0.5, 0.6, 0.7]), 'wait.p95': meanCi(waits) },
  });
  return { sweep: 's', scenario: 'x', seeds: [1, 2, 3], axes: [], strategies: ['a', 'b'], groups: [group('a', [1, 2, 3]), group('b', [4, 5])], comparisons: [], failures: [] };
}

const notes = (html: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<figcaption>(.*?)<\/figcaption><p class="note">(.*?)<\/p>/g)) out[m[1] as string] = m[2] as string;
  return out;
};

describe('sweep HTML report', () => {
  it('says over how many seeds a mean is when some runs have no value, not the sweep\'s seed count', () => {
    const n = notes(sweepHtml(sweep()));
    expect(n['util cpu (higher is better)']).toMatch(/^Mean over 3 seeds with its 95% confidence interval/);
    expect(n['wait p95 (lower is better)']).toMatch(/^Mean over 2-3 of 3 seeds \(runs that failed or have no value are left out\)/);
  });
});

/**
 * The green mark says the strategy beats every other one by the paired test. The best mean is
 * over each strategy's own seeds, the paired test over the seeds both have: with a failed cell
 * the two can point in opposite directions, and the mark went to the strategy the paired test
 * found worse on every common seed.
 */
describe('significantBest', () => {
  it('marks no strategy whose paired difference goes the other way than its mean', () => {
    const cell = (strategy: string, seed: number): CellSpec => ({ hash: `${strategy}${seed}`, code: 'c', point: {}, strategy, seed, scenario: {}, scenarioFile: 'x.yaml' });
    const done = (c: CellSpec, p95: number): CellResult => ({ state: 'completed', hash: c.hash, point: {}, strategy: c.strategy, seed: c.seed, metrics: { wait: { p95 } } as unknown as RunMetrics, simulatedSeconds: 1 });
    const cells = ['a', 'b'].flatMap((s) => [1, 2, 3].map((seed) => cell(s, seed)));
    // a waits 10 s on seeds 1 and 2 (2 s less than b on both) and 100 s on seed 3, where b failed.
    const waits: Record<string, number> = { a1: 10, a2: 10, a3: 100, b1: 12, b2: 12 };
    const results = new Map<string, CellResult>(cells.map((c) => [c.hash, c.hash in waits ? done(c, waits[c.hash] as number) : { state: 'failed', hash: c.hash, point: {}, strategy: c.strategy, seed: c.seed, error: 'boom' }]));
    const r = aggregate({ sweep: 's', scenario: 'x', seeds: [1, 2, 3], axes: [], strategies: ['a', 'b'] }, cells, results);
    expect(r.groups.map((g) => g.metrics['wait.p95']?.mean)).toEqual([40, 12]); // b has the lower mean...
    expect(r.comparisons[0]?.metrics['wait.p95']).toMatchObject({ meanDiff: -2, significant: true }); // ...a the lower wait on every seed both ran
    expect(significantBest(r, {}, 'wait.p95', true)).toBeUndefined();
    // Where they agree, the mark stays: b waits 12 s on seed 3 as well.
    waits.b3 = 12;
    const agree = aggregate({ sweep: 's', scenario: 'x', seeds: [1, 2, 3], axes: [], strategies: ['a', 'b'] }, cells, new Map(cells.map((c) => [c.hash, done(c, waits[c.hash] as number)])));
    expect(significantBest(agree, {}, 'wait.p95', true)).toBeUndefined(); // a: 40 ± a lot, b: 12; paired a − b = −2, −2, +88: not significant
    const steady = aggregate({ sweep: 's', scenario: 'x', seeds: [1, 2], axes: [], strategies: ['a', 'b'] }, cells.filter((c) => c.seed !== 3), results);
    expect(significantBest(steady, {}, 'wait.p95', true)).toBe('a');
  });
});
