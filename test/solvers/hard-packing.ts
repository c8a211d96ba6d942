import { Rng } from '../../src/core/rng.js';
import { LpModelBuilder, type LpModel } from '../../src/algorithms/solvers/index.js';

/**
 * The weak assignment model of bin packing (40 items of size 20..100, capacity 150): too hard for
 * any backend to close in a fraction of a second. Returns the model and a feasible start (one
 * item per bin) so HiGHS has an incumbent when the limit strikes.
 */
export function hardPacking(): { model: LpModel; start: { vars: number[]; values: number[] } } {
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
