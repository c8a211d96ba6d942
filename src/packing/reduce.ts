/**
 * Bin-reduction by large-neighbourhood search: try to turn a packing with N bins into one with
 * N − 1. The GA uses it as its intensification operator.
 *
 * One attempt: pick a small set S of bins (the emptiest bins, as many as it takes for their free
 * room to reach one bin's capacity, plus 1–8 others at random; one attempt in five takes every
 * bin) and repack all their items into |S| − 1 bins with the exact bin-completion search below,
 * under a node budget (and the caller's deadline). Success is a feasible packing with one bin
 * fewer. The emptiest bins must be in S: otherwise S's free room is below one bin's capacity in
 * some dimension and |S| − 1 bins cannot hold its items on volume alone.
 *
 * Perfect-fit instances (the triplet sets, where every bin of the optimum is exactly full) are
 * what greedy repair cannot finish: the last bins need items from several full bins reshuffled at
 * once, which this exact repack does.
 */
import type { Rng } from '../core/rng.js';
import type { Bin, Workspace } from './regroup.js';
import { binOf, fill } from './regroup.js';

/**
 * Exact bin-completion search (Martello & Toth; Korf): `items` into at most `k` bins, or
 * undefined when that is impossible or `nodeLimit` search nodes did not settle it.
 *
 * The waste budget W_t = k·C_t − Σ_i w_it is the total room that may stay unused in dimension t.
 * Bins are filled one at a time: take the largest item left and try every maximal completion
 * (a set of other items that fits with it, to which no further item left can be added) whose
 * unused room fits the remaining waste budget, fullest completion first. Maximal completions
 * suffice: moving an item into a bin with room for it never costs a bin.
 */
export function packInto(
  ws: Workspace,
  items: readonly number[],
  k: number,
  nodeLimit: number,
  deadline = Infinity,
): number[][] | undefined {
  const d = ws.d;
  const order = [...items].sort((a, b) => (ws.rank[a] ?? 0) - (ws.rank[b] ?? 0));
  const budget = new Float64Array(d);
  for (let t = 0; t < d; t++) {
    let total = 0;
    for (const i of order) total += ws.size[i * d + t] ?? 0;
    budget[t] = k * (ws.cap[t] ?? 0) - total;
    if ((budget[t] ?? 0) < 0) return undefined;
  }
  const used = new Uint8Array(order.length);
  const bins: number[][] = [];
  let nodes = 0;
  const load = new Float64Array(d);
  const sz = (j: number, t: number): number => ws.size[(order[j] ?? 0) * d + t] ?? 0;
  const sameSize = (a: number, b: number): boolean => {
    for (let t = 0; t < d; t++) if (sz(a, t) !== sz(b, t)) return false;
    return true;
  };
  const fitsNow = (j: number): boolean => {
    for (let t = 0; t < d; t++) if ((load[t] ?? 0) + sz(j, t) > (ws.cap[t] ?? 0)) return false;
    return true;
  };

  const solve = (binsLeft: number): boolean => {
    const first = used.indexOf(0);
    if (first < 0) return true;
    if (binsLeft === 0 || nodes > nodeLimit) return false;
    // Enumerate maximal completions of the bin that holds order[first].
    const completions: { members: number[]; waste: number[] }[] = [];
    const members = [first];
    load.fill(0);
    for (let t = 0; t < d; t++) load[t] = sz(first, t);
    used[first] = 1;
    const extend = (from: number): void => {
      if (completions.length > 2000 || ++nodes > nodeLimit) return;
      if ((nodes & 1023) === 0 && performance.now() > deadline) nodes = nodeLimit + 1;
      let extended = false;
      let lastTried = -1;
      for (let j = from; j < order.length; j++) {
        if (used[j] === 1 || !fitsNow(j)) continue;
        extended = true;
        // Equal-size items give the same completions: try only the first of a run.
        if (lastTried >= 0 && sameSize(lastTried, j)) continue;
        lastTried = j;
        used[j] = 1;
        members.push(j);
        for (let t = 0; t < d; t++) load[t] = (load[t] ?? 0) + sz(j, t);
        extend(j + 1);
        for (let t = 0; t < d; t++) load[t] = (load[t] ?? 0) - sz(j, t);
        members.pop();
        used[j] = 0;
      }
      if (extended || !isMaximalBlocked()) return;
      const waste = Array.from({ length: d }, (_, t) => (ws.cap[t] ?? 0) - (load[t] ?? 0));
      if (waste.every((wt, t) => wt <= (budget[t] ?? 0))) completions.push({ members: [...members], waste });
    };
    // A completion is maximal when no unused item (at any index) still fits.
    const isMaximalBlocked = (): boolean => {
      for (let j = 0; j < order.length; j++) if (used[j] === 0 && fitsNow(j)) return false;
      return true;
    };
    extend(first + 1);
    used[first] = 0;
    completions.sort((a, b) => a.waste.reduce((s, x) => s + x, 0) - b.waste.reduce((s, x) => s + x, 0));
    for (const c of completions) {
      if (nodes > nodeLimit) return false;
      for (const j of c.members) used[j] = 1;
      for (let t = 0; t < d; t++) budget[t] = (budget[t] ?? 0) - (c.waste[t] ?? 0);
      bins.push(c.members.map((j) => order[j] ?? 0));
      if (solve(binsLeft - 1)) return true;
      bins.pop();
      for (let t = 0; t < d; t++) budget[t] = (budget[t] ?? 0) + (c.waste[t] ?? 0);
      for (const j of c.members) used[j] = 0;
    }
    return false;
  };

  return solve(k) ? bins : undefined;
}

export interface ReduceBudget {
  /** Repack attempts (each on a fresh random set of bins). */
  readonly attempts: number;
  /** Search nodes per attempt. */
  readonly nodes: number;
  /** `performance.now()` after which every search gives up. */
  readonly deadline?: number;
}

/**
 * Returns a feasible packing with `bins.length − 1` bins, or undefined when no attempt found one.
 * Does not modify `bins`.
 */
export function reduceOneBin(ws: Workspace, bins: readonly Bin[], rng: Rng, budget: ReduceBudget): Bin[] | undefined {
  const nb = bins.length;
  if (nb <= 1) return undefined;
  const byFill = bins.map((_, i) => i).sort((a, b) => fill(ws, bins[a] as Bin) - fill(ws, bins[b] as Bin));
  const core: number[] = [];
  const room = new Float64Array(ws.d);
  const enough = (): boolean => {
    for (let t = 0; t < ws.d; t++) if ((room[t] ?? 0) < (ws.cap[t] ?? 0)) return false;
    return true;
  };
  for (const b of byFill) {
    if (enough()) break;
    core.push(b);
    for (let t = 0; t < ws.d; t++) room[t] = (room[t] ?? 0) + (ws.cap[t] ?? 0) - (bins[b]?.load[t] ?? 0);
  }
  if (!enough()) return undefined;
  for (let attempt = 0; attempt < budget.attempts && performance.now() < (budget.deadline ?? Infinity); attempt++) {
    const size = rng.bernoulli(0.2) ? nb : Math.min(nb, core.length + 1 + rng.int(8));
    const chosen = new Set<number>(core);
    while (chosen.size < size) chosen.add(rng.int(nb));
    const items: number[] = [];
    for (const b of chosen) items.push(...(bins[b]?.items ?? []));
    const packed = packInto(ws, items, chosen.size - 1, budget.nodes, budget.deadline);
    if (packed === undefined) continue;
    const out: Bin[] = bins.filter((_, i) => !chosen.has(i)).map((b) => ({ items: [...b.items], load: b.load.slice() }));
    for (const p of packed) if (p.length > 0) out.push(binOf(ws, p));
    return out;
  }
  return undefined;
}
