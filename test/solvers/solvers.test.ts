import { describe, expect, it, vi } from 'vitest';
import {
  BACKENDS,
  LpModelBuilder,
  chooseBackend,
  hasSolution,
  highsInstanceCount,
  maxViolation,
  resetHighs,
  solve,
} from '../../src/algorithms/solvers/index.js';
import type { BackendName, LpModel } from '../../src/algorithms/solvers/index.js';
import { hardPacking } from './hard-packing.js';

/** max 5x + 4y  s.t. 6x + 4y ≤ 24, x + 2y ≤ 6, x, y ∈ ℤ≥0.  LP optimum 21 at (3, 1.5); MILP optimum 20 at (4, 0). */
function smallMip(integer: boolean): LpModel {
  const b = new LpModelBuilder('max');
  const x = b.addVar({ name: 'x', integer, cost: 5 });
  const y = b.addVar({ name: 'y', integer, cost: 4 });
  b.addConstraint({ vars: [x, y], coefs: [6, 4] }, { ub: 24 });
  b.addConstraint({ vars: [x, y], coefs: [1, 2] }, { ub: 6 });
  return b.build();
}

/** min x + y  s.t. x − y = 1, 2 ≤ x ≤ 10, y ≥ 0, z ≥ −3 (cost 1): optimum 3 + (−3) = 0 at (2, 1, −3). */
function boundsModel(): LpModel {
  const b = new LpModelBuilder('min');
  const x = b.addVar({ lb: 2, ub: 10, cost: 1 });
  const y = b.addVar({ cost: 1 });
  b.addVar({ lb: -3, ub: 5, cost: 1 });
  b.addConstraint({ vars: [x, y], coefs: [1, -1] }, { eq: 1 });
  return b.build();
}

function infeasibleModel(): LpModel {
  const b = new LpModelBuilder('min');
  const x = b.addVar({ ub: 1, integer: true });
  const y = b.addVar({ ub: 1, integer: true });
  b.addConstraint({ vars: [x, y], coefs: [1, 1] }, { lb: 5 });
  return b.build();
}

function unboundedModel(): LpModel {
  const b = new LpModelBuilder('max');
  const x = b.addVar({ cost: 1 });
  const y = b.addVar();
  b.addConstraint({ vars: [x, y], coefs: [1, -1] }, { ub: 1 });
  return b.build();
}

const backends: BackendName[] = ['jslp', 'highs'];

describe.each(backends)('%s backend', (name) => {
  const backend = BACKENDS[name];

  it('solves a small MILP to its hand-checked optimum (20 at x=4, y=0)', async () => {
    const r = await backend.solve(smallMip(true));
    expect(r.status).toBe('optimal');
    if (r.status !== 'optimal') return;
    expect(r.backend).toBe(name);
    expect(r.objective).toBeCloseTo(20, 6);
    expect(r.values[0]).toBeCloseTo(4, 6);
    expect(r.values[1]).toBeCloseTo(0, 6);
    expect(r.bound).toBeGreaterThanOrEqual(20 - 1e-6);
  });

  it('solves the LP relaxation (21 at x=3, y=1.5)', async () => {
    const r = await backend.solve(smallMip(false));
    expect(r.status).toBe('optimal');
    if (!hasSolution(r)) return;
    expect(r.objective).toBeCloseTo(21, 6);
    expect(r.values[1]).toBeCloseTo(1.5, 6);
  });

  it('honours variable bounds, negative lower bounds and equality rows', async () => {
    const model = boundsModel();
    const r = await backend.solve(model);
    expect(r.status).toBe('optimal');
    if (!hasSolution(r)) return;
    expect(r.objective).toBeCloseTo(0, 6);
    expect(Array.from(r.values)).toEqual([expect.closeTo(2, 6), expect.closeTo(1, 6), expect.closeTo(-3, 6)]);
    expect(maxViolation(model, r.values)).toBeLessThan(1e-6);
  });

  it('reports infeasible as a status', async () => {
    expect((await backend.solve(infeasibleModel())).status).toBe('infeasible');
  });

  it('reports unbounded as a status', async () => {
    expect((await backend.solve(unboundedModel())).status).toBe('unbounded');
  });

  it('stops at the time limit and says so', async () => {
    const { model, start } = hardPacking();
    // No real clock (a 0.3-s limit stopped HiGHS, or not, by the machine's speed): a clock that
    // moves 10^6 s per read is past the deadline at the solver's first check. It is the injected
    // clock (HiGHS's interrupt callbacks), which stands still for its first two reads (the start,
    // and what is left of the limit when HiGHS starts: all 30 s), and Date.now
    // (javascript-lp-solver's own timeout). HiGHS's own time_limit (30 s, its C++ clock) is only a
    // backstop: had it stopped the solve instead, HiGHS would have done work; stopped at the first
    // check, it did none. (A clock already late when HiGHS starts: highs-deadline.test.ts.)
    let now = 0;
    let reads = 0;
    const clock = (): number => (reads++ < 2 ? 0 : (now += 1e9));
    let dateNowMs = 0;
    const dateNow = vi.spyOn(Date, 'now').mockImplementation(() => (dateNowMs += 1e9));
    const r = await backend.solve(model, { timeLimitSeconds: 30, clock, start }).finally(() => dateNow.mockRestore());
    expect(['feasible', 'no-solution']).toContain(r.status);
    expect(r.stoppedBy).toBe('wall');
    expect(r.work).toEqual({ lpIterations: 0, nodes: 0 });
    if (name === 'highs') expect(r.status).toBe('feasible');
    if (r.status === 'feasible') {
      expect(maxViolation(model, r.values)).toBeLessThan(1e-6);
      if (r.bound !== undefined) expect(r.bound).toBeLessThanOrEqual(r.objective + 1e-9);
    }
  });
});

describe('deterministic work budgets (HiGHS)', () => {
  it.each([
    // (A node limit alone does not bound the root node's work, which is long on this model.)
    ['MIP LP iterations', { lpIterations: 200 }],
    ['node and LP-iteration', { nodes: 0, lpIterations: 2000 }],
  ] as const)('a %s limit stops the solve, says so, and repeats the same work and answer', async (_label, workLimit) => {
    const { model, start } = hardPacking();
    const once = async (): Promise<unknown> => {
      const r = await BACKENDS.highs.solve(model, { workLimit, start, seed: 0 });
      expect(r.stoppedBy).toBe('work');
      expect(r.status).toBe('feasible');
      if (!hasSolution(r)) return r.status;
      expect(maxViolation(model, r.values)).toBeLessThan(1e-6);
      if ('nodes' in workLimit) expect(r.work.nodes).toBeLessThanOrEqual(workLimit.nodes);
      // With only the LP-iteration budget, the iterations it counted are reported (HiGHS has no
      // info item for them: they come from the MIP callback); they were reported as 0 before.
      if (!('nodes' in workLimit)) expect(r.work.lpIterations).toBeGreaterThanOrEqual(workLimit.lpIterations);
      return { work: r.work, objective: r.objective, values: Array.from(r.values) };
    };
    const first = await once();
    expect(await once()).toEqual(first);
  });

  it('an LP iteration limit stops a pure LP', async () => {
    const { model } = hardPacking();
    const lp = { ...model, variables: model.variables.map((v) => ({ ...v, integer: false })) };
    const r = await BACKENDS.highs.solve(lp, { workLimit: { lpIterations: 3 } });
    expect(r.stoppedBy).toBe('work');
    expect(r.work.lpIterations).toBeLessThanOrEqual(3);
  });

  it('without limits a solve converges and counts its work', async () => {
    const { model } = hardPacking();
    const lp = { ...model, variables: model.variables.map((v) => ({ ...v, integer: false })) };
    const r = await BACKENDS.highs.solve(lp);
    expect(r).toMatchObject({ status: 'optimal', stoppedBy: 'converged' });
    expect(r.work.lpIterations).toBeGreaterThan(3);
    expect(r.seconds).toBeUndefined(); // no time limit, no clock: nothing wall-clock in the result
    let reads = 0;
    const timed = await BACKENDS.highs.solve(lp, { clock: () => 1000 * reads++ });
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(timed.seconds).toBeGreaterThan(0);
  });
});

describe('backend choice', () => {
  it("'auto' sends tiny models to javascript-lp-solver and larger ones to HiGHS", async () => {
    expect(chooseBackend(smallMip(true))).toBe('jslp');
    expect(chooseBackend(hardPacking().model)).toBe('highs');
    expect(chooseBackend(smallMip(true), 'highs')).toBe('highs');
    const r = await solve(smallMip(true));
    expect(r.backend).toBe('jslp');
    expect(r.status).toBe('optimal');
  });

  it('re-instantiates HiGHS after a reset and keeps solving', async () => {
    await solve(smallMip(true), { backend: 'highs' });
    const before = highsInstanceCount();
    resetHighs();
    const r = await solve(smallMip(true), { backend: 'highs' });
    expect(highsInstanceCount()).toBe(before + 1);
    expect(r.status).toBe('optimal');
  });

  it('rejects malformed models when they are built', () => {
    const b = new LpModelBuilder();
    expect(() => b.addVar({ lb: 2, ub: 1 })).toThrow(/lower bound 2 exceeds upper bound 1/);
    expect(() => b.addConstraint({ vars: [7], coefs: [1] }, { ub: 1 })).toThrow(/no variable 7/);
  });
});
