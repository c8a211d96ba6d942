import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { BACKENDS, LpModelBuilder, maxViolation } from '../../src/algorithms/solvers/index.js';
import type { LpModel } from '../../src/algorithms/solvers/index.js';

/**
 * The weak assignment model of bin packing (40 items of size 20..100, capacity 150): seconds of
 * work for HiGHS, with a feasible start (one item per bin). As in solvers.test.ts.
 */
function hardPacking(): { model: LpModel; start: { vars: number[]; values: number[] } } {
  const rng = new Rng('hard-packing');
  const n = 40;
  const sizes = Array.from({ length: n }, () => 20 + rng.int(81));
  const b = new LpModelBuilder('min');
  const y = Array.from({ length: n }, (_, j) => b.addVar({ name: `y${j}`, ub: 1, integer: true, cost: 1 }));
  const x = sizes.map((_, i) => Array.from({ length: n }, (__, j) => b.addVar({ name: `x${i}_${j}`, ub: 1, integer: true })));
  sizes.forEach((_, i) => b.addConstraint({ vars: x[i] ?? [], coefs: x[i]?.map(() => 1) ?? [] }, { eq: 1 }));
  for (let j = 0; j < n; j++) {
    const col = x.map((row) => row[j] ?? 0);
    b.addConstraint({ vars: [...col, y[j] ?? 0], coefs: [...sizes, -150] }, { ub: 0 });
  }
  const vars: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    vars.push(y[i] ?? 0, x[i]?.[i] ?? 0);
    values.push(1, 1);
  }
  return { model: b.build(), start: { vars, values } };
}

describe('HiGHS time limit', () => {
  it('HiGHS gets what is left of the limit when it starts, not the whole limit: time spent before (loading, model transfer) counts', async () => {
    // The clock says 29.999 of the 30 s went before the solve started (a first-use load of the
    // WASM binary under load takes seconds) and then stands still, so the interrupt callbacks never
    // see the deadline: only HiGHS's own time_limit can stop this solve. It was the whole 30 s
    // (HiGHS's clock starts at its run), so the solve ran on for up to 30 s; now it is the 1 ms left.
    const { model, start } = hardPacking();
    let reads = 0;
    const clock = (): number => (reads++ === 0 ? 0 : 29_999);
    const r = await BACKENDS.highs.solve(model, { timeLimitSeconds: 30, clock, start });
    expect(r.stoppedBy).toBe('wall');
    // Stopped within 1 ms of HiGHS's clock, it may not even have taken the start in yet.
    expect(['feasible', 'no-solution']).toContain(r.status);
    if (r.status === 'feasible') expect(maxViolation(model, r.values)).toBeLessThan(1e-6);
  }, 20_000);
});
