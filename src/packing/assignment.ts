/**
 * The plain assignment model of bin packing, kept only as the fallback of the exact strategy for
 * multi-dimensional instances whose arc-flow graph is too large. It is weak (its LP bound is the
 * continuous bound L1, and bins are interchangeable), so expect `time-limit` beyond a few dozen
 * items. With U = bins of a known packing (so bins j = 0..U−1), x_ij = item i in bin j, y_j = bin j used:
 *     minimise    Σ_j y_j
 *     subject to  Σ_j x_ij = 1                         for every item i
 *                 Σ_i w_ik x_ij ≤ C_k y_j              for every bin j and dimension k
 *                 y_j ≥ y_{j+1}                         (use bins in order: symmetry)
 *                 x_ij = 0 for j > i                    (item i goes to one of the first i+1 bins)
 *                 Σ_j y_j ≥ L                           (the L1/L2 lower bound)
 *                 x, y binary
 */
import type { LpModel } from '../core/lp.js';
import { LpModelBuilder } from '../core/lp.js';
import type { Packing, PackingInstance } from './instance.js';
import { decreasingOrder, sizeOf } from './instance.js';

export interface AssignmentModel {
  readonly model: LpModel;
  /** x[r][j]: variable of the r-th item in decreasing order in bin j (−1 when fixed to 0). */
  readonly x: readonly (readonly number[])[];
  readonly y: readonly number[];
  readonly order: readonly number[];
}

export function assignmentModel(inst: PackingInstance, bounds: { lower: number; upper: number }): AssignmentModel {
  const b = new LpModelBuilder('min');
  const u = bounds.upper;
  const order = decreasingOrder(inst);
  const y = Array.from({ length: u }, (_, j) => b.addVar({ name: `y${j}`, ub: 1, integer: true, cost: 1 }));
  const x = order.map((_, r) => Array.from({ length: u }, (__, j) => (j <= r ? b.addVar({ name: `x${r}_${j}`, ub: 1, integer: true }) : -1)));
  x.forEach((row) => {
    const vars = row.filter((v) => v >= 0);
    b.addConstraint({ vars, coefs: vars.map(() => 1) }, { eq: 1 });
  });
  for (let j = 0; j < u; j++) {
    for (let k = 0; k < inst.dims; k++) {
      const vars: number[] = [];
      const coefs: number[] = [];
      order.forEach((item, r) => {
        const v = x[r]?.[j] ?? -1;
        if (v < 0) return;
        vars.push(v);
        coefs.push(sizeOf(inst, item, k));
      });
      vars.push(y[j] ?? 0);
      coefs.push(-(inst.capacity[k] ?? 0));
      b.addConstraint({ vars, coefs }, { ub: 0 });
    }
    if (j + 1 < u) b.addConstraint({ vars: [y[j] ?? 0, y[j + 1] ?? 0], coefs: [1, -1] }, { lb: 0 });
  }
  b.addConstraint({ vars: y, coefs: y.map(() => 1) }, { lb: bounds.lower });
  return { model: b.build(), x, y, order };
}

export function assignmentStart(a: AssignmentModel, packing: Packing): { vars: number[]; values: number[] } {
  const rankOf = new Map<number, number>(a.order.map((item, r) => [item, r]));
  // Bins ordered by their smallest rank, so item r lands in a bin j ≤ r.
  const bins = packing.map((bin) => [...bin].sort((p, q) => (rankOf.get(p) ?? 0) - (rankOf.get(q) ?? 0)));
  bins.sort((p, q) => (rankOf.get(p[0] ?? 0) ?? 0) - (rankOf.get(q[0] ?? 0) ?? 0));
  const vars: number[] = [];
  const values: number[] = [];
  a.y.forEach((v, j) => {
    vars.push(v);
    values.push(j < bins.length ? 1 : 0);
  });
  a.x.forEach((row, r) => {
    const item = a.order[r] ?? 0;
    const home = bins.findIndex((bin) => bin.includes(item));
    row.forEach((v, j) => {
      if (v < 0) return;
      vars.push(v);
      values.push(j === home ? 1 : 0);
    });
  });
  return { vars, values };
}

export function assignmentPacking(a: AssignmentModel, values: ArrayLike<number>): Packing {
  const bins = new Map<number, number[]>();
  a.x.forEach((row, r) => {
    const j = row.findIndex((v) => v >= 0 && (values[v] ?? 0) > 0.5);
    const list = bins.get(j) ?? [];
    list.push(a.order[r] ?? 0);
    bins.set(j, list);
  });
  return [...bins.entries()].sort((p, q) => p[0] - q[0]).map(([, items]) => items);
}
