/**
 * The `ilp` allocator's model (the math is written above `IlpAllocator` in ilp.ts), built over
 * request classes: requests with the same priority, demand and candidate nodes (so the same value
 * on every candidate) are interchangeable, and one integer variable x_cn ∈ [0, min(k_c, f_cn)]
 * counts how many of class c (k_c requests) go on node n (f_cn: how many fit on n alone):
 *
 *   maximise   Σ_c Σ_n v_cn · x_cn
 *   subject to Σ_n x_cn ≤ k_c                                         every class
 *              Σ_c (demand_cd / cap_nd) · x_cn ≤ free_nd / cap_nd     every node n, dimension d
 *
 * This is the same problem as one binary per (request, node), without its symmetry: with 150
 * requests of a few shapes, branch and bound no longer explores the many equal-valued ways of
 * swapping identical requests between nodes, and the model is a fraction of the size. Under
 * head-of-line blocking every request is its own class (k_c = 1), so the prefix rows of ilp.ts
 * can name each request. A class's members take the chosen nodes in queue order.
 */
import type { ClusterView } from '../core/cluster.js';
import type { LpModel } from '../core/lp.js';
import { LpModelBuilder } from '../core/lp.js';
import type { Candidates } from './batch.js';
import { priorityWeight, relativeCost } from './batch.js';

/** One (request, candidate node) pair: its value and the model variable (class, node) it counts in. */
export interface IlpEntry {
  readonly req: number;
  readonly node: number;
  readonly value: number;
  readonly v: number;
}

export interface IlpModel {
  readonly model: LpModel;
  /** Every (request, candidate) pair, grouped by request in queue order. */
  readonly entries: readonly IlpEntry[];
  /** Entry indices of each request (parallel to `cand.requests`). */
  readonly byReq: readonly (readonly number[])[];
  /** Model variable indices of each class, and the request indices of its members in queue order. */
  readonly classes: readonly { readonly vars: readonly number[]; readonly members: readonly number[] }[];
  /** The node of each model variable. */
  readonly varNode: readonly number[];
}

export interface IlpWeights {
  readonly costWeight: number;
  readonly packWeight: number;
}

/** How many copies of `demand` fit in `free` (at least 1 for a candidate, which fits alone). */
function copiesThatFit(demand: readonly number[], free: ArrayLike<number>): number {
  let k = Infinity;
  demand.forEach((q, d) => {
    if (q > 0) k = Math.min(k, Math.floor((free[d] ?? 0) / q + 1e-9));
  });
  return Math.max(1, Number.isFinite(k) ? k : 1);
}

/**
 * Under head-of-line `blocking`, or with `perRequest` (the `classes: false` option), every request
 * is its own class: exactly the one-binary-per-(request, node) model.
 */
export function buildIlpModel(cand: Candidates, cluster: ClusterView, w: IlpWeights, blocking: boolean, perRequest = false): IlpModel {
  const maxFree = Math.max(1e-12, ...cand.allNodes.map((n) => cluster.freeSize(n)));
  const entries: IlpEntry[] = [];
  const byReq: number[][] = [];
  const classes: { vars: number[]; members: number[]; values: number[] }[] = [];
  const classOf = new Map<string, number>();
  const varNode: number[] = [];
  cand.requests.forEach((r, i) => {
    const nodes = cand.nodes[i] ?? [];
    const rates = cand.costRate[i] ?? [];
    const key = blocking || perRequest ? `#${i}` : `${r.priority}|${r.demand.join(',')}|${nodes.join(',')}|${rates.join(',')}`;
    let c = classOf.get(key);
    if (c === undefined) {
      c = classes.length;
      classOf.set(key, c);
      const rel = relativeCost(rates);
      const value = priorityWeight(r) * Math.max(cluster.demandSize(r.demand), 1e-6);
      const values = nodes.map((n, k) => value * (1 - w.costWeight * (rel[k] ?? 0) + w.packWeight * (1 - cluster.freeSize(n) / maxFree)));
      classes.push({ vars: nodes.map((n) => varNode.push(n) - 1), members: [], values });
    }
    const cls = classes[c] as { vars: number[]; members: number[]; values: number[] };
    cls.members.push(i);
    byReq.push(nodes.map((n, k) => entries.push({ req: i, node: n, value: cls.values[k] ?? 0, v: cls.vars[k] ?? 0 }) - 1));
  });

  const b = new LpModelBuilder('max');
  classes.forEach((cls, c) => {
    const k = cls.members.length;
    const demand = cand.requests[cls.members[0] ?? 0]?.demand ?? [];
    const ubs = cls.vars.map((j) => Math.min(k, copiesThatFit(demand, cluster.free(varNode[j] ?? -1))));
    cls.vars.forEach((j, t) => b.addVar({ name: `x_${c}_${varNode[j] ?? -1}`, ub: ubs[t] ?? 1, integer: true, cost: cls.values[t] ?? 0 }));
    // Every variable fits its node alone (its upper bound), so only several candidates need the row.
    if (cls.vars.length > 1 && ubs.reduce((s, u) => s + u, 0) > k) b.addConstraint({ vars: cls.vars, coefs: cls.vars.map(() => 1) }, { ub: k });
  });
  const byNode = new Map<number, number[]>();
  varNode.forEach((n, j) => {
    const list = byNode.get(n);
    if (list === undefined) byNode.set(n, [j]);
    else list.push(j);
  });
  const demandOf = varNode.map(() => [] as readonly number[]);
  classes.forEach((cls) => cls.vars.forEach((j) => (demandOf[j] = cand.requests[cls.members[0] ?? 0]?.demand ?? [])));
  for (const [n, js] of byNode) {
    if (js.length < 2) continue; // a variable alone fits its node (its upper bound)
    const cap = cluster.capacity(n);
    const free = cluster.free(n);
    for (let d = 0; d < cluster.space.size; d++) {
      const c = cap[d] ?? 0;
      const terms = js.filter((j) => (demandOf[j]?.[d] ?? 0) > 0);
      if (c <= 0 || terms.length < 2) continue;
      b.addConstraint({ vars: terms, coefs: terms.map((j) => (demandOf[j]?.[d] ?? 0) / c) }, { ub: (free[d] ?? 0) / c });
    }
  }
  if (blocking) {
    // y_{i+1} ≤ y_i, y_i = Σ_n x_{r_i n}: under blocking every request is its own class.
    for (let i = 0; i + 1 < classes.length; i++) {
      const a = classes[i]?.vars ?? [];
      const next = classes[i + 1]?.vars ?? [];
      if (next.length === 0) continue;
      b.addConstraint({ vars: [...next, ...a], coefs: [...next.map(() => 1), ...a.map(() => -1)] }, { ub: 0 });
    }
  }
  return { model: b.build(), entries, byReq, classes, varNode };
}

/** Per-entry values (one request, one node) summed into the model's class variables. */
export function toClassValues(m: IlpModel, perEntry: readonly number[]): number[] {
  const out = new Array<number>(m.model.variables.length).fill(0);
  m.entries.forEach((e, j) => {
    out[e.v] = (out[e.v] ?? 0) + (perEntry[j] ?? 0);
  });
  return out;
}

/** The solver's class counts as request index → node: each class's members take its nodes in queue order. */
export function fromClassValues(m: IlpModel, sol: ArrayLike<number>): Map<number, number> {
  const chosen = new Map<number, number>();
  for (const cls of m.classes) {
    let next = 0;
    for (const j of cls.vars) {
      const count = Math.round(sol[j] ?? 0);
      for (let t = 0; t < count && next < cls.members.length; t++) chosen.set(cls.members[next++] as number, m.varNode[j] as number);
    }
  }
  return chosen;
}
