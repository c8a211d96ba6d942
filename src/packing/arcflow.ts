/**
 * Arc-flow formulation of bin packing (Valério de Carvalho 1999), with the graph compression of
 * Brandão & Pedroso (2016, VPSolver), for one or more dimensions.
 *
 * Graph. Group identical items into types t = 1..T (size vector w_t, demand b_t), in decreasing
 * size measure. A node is a load vector; an item arc (p, p + w_t, t) puts one item of type t into
 * a bin filled up to p. Arcs of type t start only at loads reachable with the types before t (plus
 * up to b_t copies of t), so each bin's items appear in one canonical order. Every S→T path is one
 * bin pattern. Loss arcs (v, T) close a bin that is not full.
 *
 * Compression. Relabel every node v by ψ(v) = min(C, min over its arcs (v, u, t) of ψ(u) − w_t),
 * computed backwards from ψ(T) = C, and merge nodes with equal labels; then relabel forwards by
 * λ(v) = max over arcs (u, v, t) of λ(u) + w_t, from λ(S) = 0, and merge again. Along every arc the
 * label grows by at least the item's size and stays ≤ C, so every path of the small graph is still
 * a bin that fits, while every pattern of the original graph maps to a path. Dead ends merge with T.
 *
 * Model (f_a integer flow on arc a, z the number of bins):
 *     minimise    z
 *     subject to  Σ_{a out of S} f_a = z
 *                 Σ_{a into v} f_a − Σ_{a out of v} f_a = 0          for every node v ∉ {S, T}
 *                 Σ_{a of type t} f_a = b_t                           for every item type t
 *                 0 ≤ f_a ≤ b_t for item arcs,  f_a ≥ 0 for loss arcs,  L ≤ z ≤ U,  all integer
 * with L a lower bound (L1/L2) and U the bins of a known packing. Its LP relaxation equals the
 * Gilmore–Gomory bound, which rounds up to the optimum for nearly all instances, which is why
 * HiGHS proves optimality where the assignment model cannot. The demand rows are equalities
 * (loss arcs make every packing expressible with exact counts): with the textbook `≥ b_t`, HiGHS
 * left 20 of the 40 t249/t501 triplet instances unsolved in 60 s; with `= b_t`, 2 (docs/packing.md).
 * Zero-size items stay out of the model and join the first bin afterwards.
 */
import type { LpModel } from '../core/lp.js';
import { LpModelBuilder } from '../core/lp.js';
import type { Packing, PackingInstance } from './instance.js';
import { decreasingOrder, sizeOf } from './instance.js';

export interface ItemType {
  readonly size: readonly number[];
  readonly items: readonly number[];
}

export interface ArcFlowGraph {
  readonly types: readonly ItemType[];
  readonly nodeCount: number;
  readonly source: number;
  readonly target: number;
  /** Arc a goes tail[a] → head[a]; type[a] is its item type, or −1 for a loss arc. */
  readonly tail: Int32Array;
  readonly head: Int32Array;
  readonly type: Int32Array;
  /** Final node of an uncompressed load (by mixed-radix key), for mapping packings onto paths. */
  readonly nodeOfLoad: ReadonlyMap<number, number>;
  readonly radix: readonly number[];
  readonly zeroItems: readonly number[];
  /** Size before compression, for reports. */
  readonly uncompressed: { readonly nodes: number; readonly arcs: number };
}

function itemTypes(inst: PackingInstance): { types: ItemType[]; zero: number[] } {
  const byKey = new Map<string, { size: number[]; items: number[] }>();
  const types: { size: number[]; items: number[] }[] = [];
  const zero: number[] = [];
  for (const i of decreasingOrder(inst)) {
    const size = Array.from({ length: inst.dims }, (_, k) => sizeOf(inst, i, k));
    if (size.every((s) => s === 0)) {
      zero.push(i);
      continue;
    }
    const key = size.join(',');
    let t = byKey.get(key);
    if (t === undefined) {
      t = { size, items: [] };
      byKey.set(key, t);
      types.push(t);
    }
    t.items.push(i);
  }
  return { types, zero };
}

/** Builds the compressed graph, or undefined if it would exceed `maxArcs` (or the key space). */
export function buildArcFlow(inst: PackingInstance, options: { maxArcs?: number } = {}): ArcFlowGraph | undefined {
  const maxArcs = options.maxArcs ?? 2_000_000;
  const d = inst.dims;
  const cap = inst.capacity;
  const radix: number[] = [];
  let span = 1;
  for (let k = 0; k < d; k++) {
    radix.push(span);
    span *= (cap[k] ?? 0) + 1;
  }
  if (span > Number.MAX_SAFE_INTEGER) return undefined;
  const { types, zero } = itemTypes(inst);
  const keyOf = (v: readonly number[]): number => v.reduce((s, x, k) => s + x * (radix[k] ?? 0), 0);
  const decode = (key: number, k: number): number => Math.floor(key / (radix[k] ?? 1)) % ((cap[k] ?? 0) + 1);
  const typeKey = types.map((t) => keyOf(t.size));

  // 1. Position graph with type order and per-type copy limits.
  const reached: number[] = [0];
  const isNode = new Set<number>([0]);
  const tails: number[] = [];
  const heads: number[] = [];
  const kinds: number[] = [];
  for (let t = 0; t < types.length; t++) {
    const size = types[t]?.size ?? [];
    const demand = types[t]?.items.length ?? 0;
    const seen = new Set<number>();
    const fresh: number[] = [];
    for (const start of reached) {
      let p = start;
      for (let c = 0; c < demand; c++) {
        let fits = true;
        for (let k = 0; k < d && fits; k++) fits = decode(p, k) + (size[k] ?? 0) <= (cap[k] ?? 0);
        if (!fits) break;
        const q = p + (typeKey[t] ?? 0);
        if (!seen.has(p)) {
          seen.add(p);
          tails.push(p);
          heads.push(q);
          kinds.push(t);
          if (tails.length > maxArcs) return undefined;
        }
        if (!isNode.has(q)) {
          isNode.add(q);
          fresh.push(q);
        }
        p = q;
      }
    }
    for (const q of fresh) reached.push(q); // not push(...fresh): one argument per node overflows the stack past ~120k
  }
  const targetKey = keyOf(cap);
  isNode.add(targetKey);
  const uncompressed = { nodes: isNode.size, arcs: tails.length + isNode.size - 1 };

  // 2. Backward labels ψ (vectors, stored per original node key).
  const out = new Map<number, number[]>();
  tails.forEach((p, a) => {
    const list = out.get(p);
    if (list === undefined) out.set(p, [a]);
    else list.push(a);
  });
  const psi = new Map<number, number[]>();
  const keysDesc = [...isNode].sort((a, b) => b - a);
  for (const v of keysDesc) {
    const label = [...cap];
    for (const a of out.get(v) ?? []) {
      const u = psi.get(heads[a] ?? 0) ?? cap;
      const w = types[kinds[a] ?? 0]?.size ?? [];
      for (let k = 0; k < d; k++) label[k] = Math.min(label[k] ?? 0, (u[k] ?? 0) - (w[k] ?? 0));
    }
    psi.set(v, label);
  }
  const psiKey = (v: number): number => keyOf(psi.get(v) ?? cap);

  // 3. ψ-graph arcs, deduplicated; then forward labels λ in increasing ψ order.
  const psiArcs = new Map<string, [number, number, number]>();
  tails.forEach((p, a) => {
    const triple: [number, number, number] = [psiKey(p), psiKey(heads[a] ?? 0), kinds[a] ?? 0];
    psiArcs.set(triple.join(','), triple);
  });
  const inArcs = new Map<number, [number, number][]>();
  for (const [from, to, t] of psiArcs.values()) {
    const list = inArcs.get(to);
    if (list === undefined) inArcs.set(to, [[from, t]]);
    else list.push([from, t]);
  }
  const psiNodes = [...new Set([...isNode].map(psiKey))].sort((a, b) => a - b);
  const sourcePsi = psiKey(0);
  const lambda = new Map<number, number>();
  for (const v of psiNodes) {
    if (v === sourcePsi) {
      lambda.set(v, 0);
      continue;
    }
    if (v === targetKey) {
      lambda.set(v, targetKey);
      continue;
    }
    const label = new Array<number>(d).fill(0);
    for (const [from, t] of inArcs.get(v) ?? []) {
      const base = lambda.get(from) ?? 0;
      const w = types[t]?.size ?? [];
      for (let k = 0; k < d; k++) label[k] = Math.max(label[k] ?? 0, decode(base, k) + (w[k] ?? 0));
    }
    lambda.set(v, keyOf(label));
  }

  // 4. Final graph: nodes are distinct λ labels.
  const finalKeys = [...new Set(lambda.values())].sort((a, b) => a - b);
  const idOf = new Map<number, number>(finalKeys.map((k, i) => [k, i]));
  const fid = (psiK: number): number => idOf.get(lambda.get(psiK) ?? 0) ?? 0;
  const arcs = new Map<string, [number, number, number]>();
  for (const [from, to, t] of psiArcs.values()) {
    const triple: [number, number, number] = [fid(from), fid(to), t];
    arcs.set(triple.join(','), triple);
  }
  const source = fid(sourcePsi);
  const target = idOf.get(targetKey) ?? 0;
  const list = [...arcs.values()].sort((x, y) => x[0] - y[0] || x[2] - y[2] || x[1] - y[1]);
  for (let v = 0; v < finalKeys.length; v++) if (v !== target && v !== source) list.push([v, target, -1]);
  const nodeOfLoad = new Map<number, number>();
  for (const v of isNode) nodeOfLoad.set(v, fid(psiKey(v)));
  return {
    types,
    nodeCount: finalKeys.length,
    source,
    target,
    tail: Int32Array.from(list, (a) => a[0]),
    head: Int32Array.from(list, (a) => a[1]),
    type: Int32Array.from(list, (a) => a[2]),
    nodeOfLoad,
    radix,
    zeroItems: zero,
    uncompressed,
  };
}

/** The model above; variable j < arcs is arc j's flow, the last variable is z. */
export function arcFlowModel(g: ArcFlowGraph, bounds: { lower: number; upper: number }): LpModel {
  const b = new LpModelBuilder('min');
  const arcs = g.tail.length;
  for (let a = 0; a < arcs; a++) {
    const t = g.type[a] ?? -1;
    b.addVar({ name: `f${a}`, integer: true, ub: t >= 0 ? (g.types[t]?.items.length ?? 0) : bounds.upper });
  }
  const z = b.addVar({ name: 'z', integer: true, lb: bounds.lower, ub: bounds.upper, cost: 1 });
  const rows: { vars: number[]; coefs: number[] }[] = Array.from({ length: g.nodeCount }, () => ({ vars: [], coefs: [] }));
  for (let a = 0; a < arcs; a++) {
    rows[g.tail[a] ?? 0]?.vars.push(a);
    rows[g.tail[a] ?? 0]?.coefs.push(-1);
    rows[g.head[a] ?? 0]?.vars.push(a);
    rows[g.head[a] ?? 0]?.coefs.push(1);
  }
  rows.forEach((r, v) => {
    if (v === g.target) return;
    if (v === g.source) b.addConstraint({ vars: [...r.vars, z], coefs: [...r.coefs, 1] }, { eq: 0 }, 'source');
    else b.addConstraint(r, { eq: 0 }, `node${v}`);
  });
  const demand: { vars: number[]; coefs: number[] }[] = g.types.map(() => ({ vars: [], coefs: [] }));
  for (let a = 0; a < arcs; a++) {
    const t = g.type[a] ?? -1;
    if (t < 0) continue;
    demand[t]?.vars.push(a);
    demand[t]?.coefs.push(1);
  }
  demand.forEach((r, t) => b.addConstraint(r, { eq: g.types[t]?.items.length ?? 0 }, `demand${t}`));
  return b.build();
}

/** Flow values (dense, model order) of a packing, for a MIP start. */
export function packingToFlow(g: ArcFlowGraph, inst: PackingInstance, packing: Packing): number[] {
  const typeOf = new Map<number, number>();
  g.types.forEach((t, ti) => t.items.forEach((i) => typeOf.set(i, ti)));
  const arcIndex = new Map<string, number>();
  for (let a = 0; a < g.tail.length; a++) arcIndex.set(`${g.tail[a]},${g.head[a]},${g.type[a]}`, a);
  const flow = new Array<number>(g.tail.length + 1).fill(0);
  let bins = 0;
  for (const bin of packing) {
    const ts = bin.map((i) => typeOf.get(i)).filter((t): t is number => t !== undefined).sort((x, y) => x - y);
    if (ts.length === 0) continue;
    bins++;
    let load = 0;
    let node = g.source;
    for (const t of ts) {
      const next = load + (g.types[t]?.size ?? []).reduce((s, x, k) => s + x * (g.radix[k] ?? 0), 0);
      const head = g.nodeOfLoad.get(next);
      const a = arcIndex.get(`${node},${head},${t}`);
      if (head === undefined || a === undefined) throw new Error(`arc-flow: bin pattern not in graph (instance ${inst.name})`);
      flow[a] = (flow[a] ?? 0) + 1;
      node = head;
      load = next;
    }
    if (node !== g.target) {
      const loss = arcIndex.get(`${node},${g.target},-1`);
      if (loss === undefined) throw new Error(`arc-flow: no loss arc from node ${node} (instance ${inst.name})`);
      flow[loss] = (flow[loss] ?? 0) + 1;
    }
  }
  flow[g.tail.length] = bins;
  return flow;
}

/** A solver's flow values that do not decode into a packing (the answer's fault, not ours). */
export class FlowDecodeError extends Error {}

/** Decomposes integer flow values into S→T paths and hands out concrete items per type. */
export function flowToPacking(g: ArcFlowGraph, values: ArrayLike<number>): Packing {
  const arcs = g.tail.length;
  const left = Int32Array.from({ length: arcs }, (_, a) => Math.round(values[a] ?? 0));
  const outArcs: number[][] = Array.from({ length: g.nodeCount }, () => []);
  for (let a = 0; a < arcs; a++) outArcs[g.tail[a] ?? 0]?.push(a);
  const pool = g.types.map((t) => [...t.items]);
  const bins: number[][] = [];
  for (;;) {
    const first = (outArcs[g.source] ?? []).find((a) => (left[a] ?? 0) > 0);
    if (first === undefined) break;
    const bin: number[] = [];
    let a: number | undefined = first;
    while (a !== undefined) {
      left[a] = (left[a] ?? 0) - 1;
      const t = g.type[a] ?? -1;
      const item = t >= 0 ? pool[t]?.pop() : undefined;
      if (item !== undefined) bin.push(item);
      const v: number = g.head[a] ?? 0;
      a = v === g.target ? undefined : (outArcs[v] ?? []).find((b) => (left[b] ?? 0) > 0);
    }
    if (bin.length > 0) bins.push(bin);
  }
  if (pool.some((p) => p.length > 0)) throw new FlowDecodeError('arc-flow: flow does not cover every item');
  if (g.zeroItems.length > 0) {
    if (bins.length === 0) bins.push([]);
    bins[0]?.push(...g.zeroItems);
  }
  return bins;
}
