import { afterEach, describe, expect, it, vi } from 'vitest';
import { exactPack, makeInstance } from '../../src/packing/index.js';
import type { LpSolver, SolveOptions } from '../../src/core/lp.js';
import { highsSolver } from '../../src/algorithms/solvers/index.js';

/** Records what the ILP hands its solver, and answers without solving. */
function recordingSolver(seen: SolveOptions[]): LpSolver {
  return {
    name: 'highs',
    solve: (_m, o = {}) => {
      seen.push(o);
      return Promise.resolve({ backend: 'highs', status: 'no-solution', stoppedBy: 'wall', work: { lpIterations: 0, nodes: 0 }, seconds: 0 });
    },
    solveSync: (m, o) => highsSolver.solveSync(m, o),
  };
}

// Capacity 10, sizes 5 5 4 4 3 3 3 3: FFD takes 4 bins ({5,5}, {4,4}, {3,3,3}, {3}); the bound
// and the optimum are 3 ({5,5}, {4,3,3}, {4,3,3}).
const inst = makeInstance('small', [10], [[5], [5], [4], [4], [3], [3], [3], [3]]);

describe('the ILP time limit counts its setup', () => {
  afterEach(() => vi.restoreAllMocks());

  it('does not start the solver once the limit is used up before the solve, and keeps the incumbent', async () => {
    // Every clock read moves 1 s: the 0.5-s limit is gone by the time the model is built. The
    // solver used to get a 0.05-s floor anyway (and HiGHS's first check can come seconds after
    // its start on a large model, after an uninterruptible model transfer).
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 1000));
    const seen: SolveOptions[] = [];
    const r = await exactPack(inst, { solver: recordingSolver(seen), timeLimitSeconds: 0.5, gaSeconds: 0 });
    expect(seen).toHaveLength(0);
    expect(r).toMatchObject({ status: 'feasible', stoppedBy: 'wall', bins: 4, lowerBound: 3, solverStatus: 'no-solution' });
    expect(r.proof).toBeUndefined();
  });

  it('hands the solver what is left of the limit, never more', async () => {
    // 1 ms per clock read: a few reads go before the solve, so the solver gets a little under 30 s.
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 1));
    const seen: SolveOptions[] = [];
    await exactPack(inst, { solver: recordingSolver(seen), timeLimitSeconds: 30, gaSeconds: 0 });
    expect(seen).toHaveLength(1);
    const given = seen[0]?.timeLimitSeconds ?? Infinity;
    expect(given).toBeLessThan(30);
    expect(given).toBeGreaterThan(29.9);
  });
});
