import { describe, expect, it } from 'vitest';
import { sweepHtml } from '../../src/report/sweep-html.js';
import type { SweepResult } from '../../src/sweep/aggregate.js';
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
