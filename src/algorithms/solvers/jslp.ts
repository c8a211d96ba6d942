/**
 * javascript-lp-solver backend: pure JavaScript, always available, fine for small models
 * (tens of variables). It knows no variable bounds other than x ≥ 0 or free, so finite bounds
 * become extra rows. It reports no MILP bound, and on timeout it cannot say whether its
 * incumbent is optimal, so a solve that used its whole wall-clock budget reports `feasible`
 * (stopped by `wall`).
 *
 * Deterministic budgets: javascript-lp-solver has no iteration or node limit and does not report
 * its work, but without a timeout its simplex and branch-and-cut are deterministic. So under a
 * work budget (no `timeLimitSeconds`) it runs to completion (`stoppedBy: 'converged'`, work 0 =
 * not counted); callers keep that bounded by giving it only tiny models (`isTinyModel`).
 * `workLimit` is therefore ignored here.
 */
import jslpImport from 'javascript-lp-solver';
import type { LpModel, LpSolver, SolveOptions, SolveResult } from '../../core/lp.js';
import { evaluateObjective, integerCount } from '../../core/lp.js';
import { startTimer } from './clock.js';

interface Bound {
  min?: number;
  max?: number;
  equal?: number;
}

/**
 * The package ships CommonJS-style typings but an ES module build: under NodeNext the typings say
 * the default import is the module object, at run time it is the solver itself. Accept both.
 */
type JslpApi = typeof jslpImport.default;
const solver: JslpApi = (jslpImport as unknown as { default?: JslpApi }).default ?? (jslpImport as unknown as JslpApi);

type JslpModel = Parameters<JslpApi['Solve']>[0];

/** Internal keys never collide with jslp's own result keys (`feasible`, `result`, ...). */
const OBJ = '__objective';
const varKey = (j: number): string => `v${j}`;

function toJslp(model: LpModel, timeoutMs: number | undefined): JslpModel {
  const constraints: Record<string, Bound> = {};
  const variables: Record<string, Record<string, number>> = {};
  const ints: Record<string, 1> = {};
  const unrestricted: Record<string, 1> = {};

  model.variables.forEach((v, j) => {
    const key = varKey(j);
    const coefs: Record<string, number> = { [OBJ]: v.cost };
    variables[key] = coefs;
    if (v.integer) ints[key] = 1;
    if (v.lb < 0) unrestricted[key] = 1;
    const bound: Bound = {};
    if (v.lb === v.ub) bound.equal = v.lb;
    else {
      if (Number.isFinite(v.lb) && v.lb !== 0) bound.min = v.lb;
      if (Number.isFinite(v.ub)) bound.max = v.ub;
    }
    if (Object.keys(bound).length > 0) {
      constraints[`b${j}`] = bound;
      coefs[`b${j}`] = 1;
    }
  });

  model.constraints.forEach((r, i) => {
    // Each row is scaled to a largest coefficient of 1: javascript-lp-solver's tolerances are
    // absolute, and with coefficients near 10^9 (bin packing's capacity rows) it called feasible
    // models infeasible. Scaling a row by a positive factor does not change its solutions.
    const scale = 1 / r.coefs.reduce((m, c) => Math.max(m, Math.abs(c)), 0);
    const f = Number.isFinite(scale) ? scale : 1;
    const bound: Bound = {};
    if (r.lb === r.ub) bound.equal = r.lb * f;
    else {
      if (Number.isFinite(r.lb)) bound.min = r.lb * f;
      if (Number.isFinite(r.ub)) bound.max = r.ub * f;
    }
    if (Object.keys(bound).length === 0) return;
    const key = `r${i}`;
    constraints[key] = bound;
    r.vars.forEach((j, k) => {
      const coefs = variables[varKey(j)];
      if (coefs !== undefined) coefs[key] = (r.coefs[k] ?? 0) * f;
    });
  });

  const out: JslpModel = { optimize: OBJ, opType: model.sense, constraints, variables, ints, unrestricted };
  if (timeoutMs !== undefined) out.timeout = timeoutMs;
  return out;
}

/** Synchronous solve (javascript-lp-solver is plain JavaScript). */
export function solveJslpSync(model: LpModel, options: SolveOptions = {}): SolveResult {
  const timer = startTimer(options);
  const limitMs = options.timeLimitSeconds === undefined ? undefined : Math.max(1, options.timeLimitSeconds * 1000);
  const work = { lpIterations: 0, nodes: 0 };
  let raw: Record<string, unknown>;
  // javascript-lp-solver's timeout runs on Date.now, not on the injected clock: it may have cut
  // the search short while the injected clock is not yet late (a clock step, a fake clock). Its
  // search can only have timed out if Date.now moved by the whole limit during the solve, so that
  // counts as out of time too; otherwise a cut-short search would be called a proof ("optimal",
  // or "infeasible" when it stopped in an infeasible branch). Read only under a time limit.
  const jslpStart = limitMs === undefined ? 0 : Date.now();
  try {
    raw = solver.Solve(toJslp(model, limitMs)) as Record<string, unknown>;
  } catch (e) {
    return { backend: 'jslp', status: 'error', stoppedBy: 'converged', work, message: `javascript-lp-solver failed: ${String(e)}`, ...timer.elapsed() };
  }
  const elapsed = timer.elapsed();
  const outOfTime = limitMs !== undefined && integerCount(model) > 0 && (timer.late() || Date.now() - jslpStart >= limitMs);
  const base = { backend: 'jslp' as const, ...elapsed, work, stoppedBy: outOfTime ? ('wall' as const) : ('converged' as const) };
  if (raw['feasible'] !== true) return { ...base, status: outOfTime ? 'no-solution' : 'infeasible' };
  if (raw['bounded'] === false) return { ...base, status: 'unbounded' };
  if (integerCount(model) > 0 && raw['isIntegral'] !== true) {
    // The branch-and-cut stopped before finding an integer point: only the relaxation came back.
    return { ...base, status: 'no-solution', stoppedBy: 'wall' };
  }
  const values = new Float64Array(model.variables.length);
  for (let j = 0; j < values.length; j++) {
    const x = raw[varKey(j)];
    values[j] = typeof x === 'number' ? x : 0;
  }
  const objective = evaluateObjective(model, values);
  if (outOfTime) return { ...base, status: 'feasible', objective, values };
  return { ...base, status: 'optimal', objective, bound: objective, values };
}

export const jslpSolver: LpSolver = {
  name: 'jslp',
  solve: (model, options) => Promise.resolve(solveJslpSync(model, options)),
  solveSync: solveJslpSync,
};
