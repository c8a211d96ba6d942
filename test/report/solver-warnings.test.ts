import { describe, expect, it } from 'vitest';
import { solverWarnings } from '../../src/report/table.js';
import type { ComparisonResult } from '../../src/sim/compare.js';

type Completed = Extract<ComparisonResult['results'][number], { state: 'completed' }>;
const run = (strategy: string, decisions: number, solverStatus: Record<string, number>): Completed =>
  ({ state: 'completed', strategy, decisions, solverStatus }) as unknown as Completed;

describe('solver warnings under the run table', () => {
  it('says when a batch strategy fell back to its greedy answer, with the counts', () => {
    const lines = solverWarnings({
      results: [
        run('best-fit-decreasing', 10, {}),
        run('ilp', 10, { optimal: 7, error: 2, 'no-solution': 1 }),
        run('genetic', 10, { feasible: 10 }),
        { state: 'failed', strategy: 'x', error: 'boom' },
      ],
    });
    expect(lines).toEqual(['warning: ilp: the solver gave no answer in 2 error, 1 no-solution of 10 decisions; the greedy answer was used there (--json: solverStatus)']);
  });

  it('is silent when every solve answered (optimal or feasible incumbent)', () => {
    expect(solverWarnings({ results: [run('ilp', 5, { optimal: 4, feasible: 1 })] })).toEqual([]);
  });
});
