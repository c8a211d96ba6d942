/**
 * Grouping genetic algorithm for bin packing (after Falkenauer's HGGA, 1996), seeded.
 *
 * Chromosome: the bins themselves (groups of items), not a permutation, so crossover passes
 * whole well-filled bins from parent to child.
 *
 * Fitness (to maximise), for a packing with N bins and fills f_b = Σ_k load_bk / (d·C_k) ∈ [0,1]:
 *     F = (1/N) · Σ_b f_b²
 * Fewer bins is always better; among equal N, F prefers a few very full bins and a nearly empty
 * one (which the next mutation can dissolve) over evenly half-full bins. Individuals compare by
 * (N ascending, F descending).
 *
 * Operators:
 * - Crossover (gene level, after Quiroz-Castellanos et al.'s GGA-CGT): take bins from both parents
 *   fullest first, skipping any that shares an item with a bin already taken; repair the items left
 *   over (regroup.ts: dominance swaps, then best-fit decreasing).
 * - Mutation: dissolve the emptiest bin and 0–2 random others, then repair.
 * - Steady state: each generation breeds one child from two binary-tournament parents, mutates it
 *   (probability 0.7), and replaces the worst individual if the child is better and not a
 *   duplicate (by N and F).
 * - Intensification: every 10 generations one individual with the best N gets a bin-reduction
 *   attempt (reduce.ts: exact repack of a few bins, sometimes all, into one bin fewer). Its node
 *   budget doubles after each failure (2,000 up to 4,000,000) and one call may use at most half
 *   the time budget. On perfect-fit instances (the triplet sets) this is what removes the last bin.
 *
 * The FFD packing is in the initial population and the best individual is never replaced by a
 * worse one, so the GA is never worse than FFD. It stops at the lower bound (max(L1, L2): proved
 * optimal), after `generations`, or at `timeLimitSeconds`. With only a generation budget the run
 * is a pure function of (instance, seed); a time limit makes the stopping point machine-dependent.
 */
import { Rng } from '../core/rng.js';
import type { StopReason } from '../core/solver-status.js';
import { lowerBound } from './bounds.js';
import { ffd } from './ffd.js';
import type { Packing, PackingInstance } from './instance.js';
import type { Bin } from './regroup.js';
import { Workspace, binOf, fill, repair } from './regroup.js';
import { reduceOneBin } from './reduce.js';

export interface GaOptions {
  readonly seed?: number | string;
  /** Wall-clock budget; default 5 s. */
  readonly timeLimitSeconds?: number;
  /** Generation budget; default unlimited (the time limit or the bound stops the run). */
  readonly generations?: number;
  /** Population size; default 24. */
  readonly population?: number;
  /** Stop as soon as this many bins is reached (default: the L1/L2 lower bound). */
  readonly target?: number;
}

export interface GaResult {
  readonly packing: Packing;
  readonly bins: number;
  readonly generations: number;
  /** `converged`: the target (lower bound) was reached; `work`: `generations` ran out; `wall`: the time limit. */
  readonly stoppedBy: StopReason;
  /** Bins of the FFD seed, for comparison. */
  readonly ffdBins: number;
}

/** Every this many generations, one individual gets a bin-reduction attempt (reduce.ts). */
const REDUCE_EVERY = 10;
const REDUCE_ATTEMPTS = 3;
/** Search nodes per repack: starts small, doubles after every failed call, up to the cap. */
const REDUCE_NODES_START = 2000;
const REDUCE_NODES_MAX = 4_000_000;
/** One reduction call may use at most this share of the whole time budget. */
const REDUCE_TIME_SHARE = 0.5;

interface Individual {
  bins: Bin[];
  score: number;
}

function score(ws: Workspace, bins: readonly Bin[]): number {
  let s = 0;
  for (const b of bins) {
    const f = fill(ws, b) / ws.d;
    s += f * f;
  }
  return bins.length === 0 ? 0 : s / bins.length;
}

function better(a: Individual, b: Individual): boolean {
  return a.bins.length < b.bins.length || (a.bins.length === b.bins.length && a.score > b.score + 1e-12);
}

function individual(ws: Workspace, bins: Bin[]): Individual {
  return { bins, score: score(ws, bins) };
}

function cloneBins(bins: readonly Bin[]): Bin[] {
  return bins.map((b) => ({ items: [...b.items], load: b.load.slice() }));
}

/** Dissolve the emptiest bin and `extra` random others, then repair. */
function mutate(ws: Workspace, bins: Bin[], rng: Rng, extra: number): Bin[] {
  if (bins.length <= 1) return bins;
  let emptiest = 0;
  bins.forEach((b, i) => {
    if (fill(ws, b) < fill(ws, bins[emptiest] as Bin)) emptiest = i;
  });
  const drop = new Set<number>([emptiest]);
  const want = Math.min(bins.length, 1 + extra);
  while (drop.size < want) drop.add(rng.int(bins.length));
  const free: number[] = [];
  const kept: Bin[] = [];
  bins.forEach((b, i) => (drop.has(i) ? free.push(...b.items) : kept.push(b)));
  rng.shuffle(kept);
  repair(ws, kept, free);
  return kept;
}

/**
 * Gene-level crossover (after Quiroz-Castellanos et al.'s GGA-CGT): walk both parents' bins from
 * fullest to emptiest, alternating parents, and keep every bin that shares no item with a bin
 * already kept, until a random share (50–90 %) of the parents' bins has been looked at; the items
 * left out are repaired in. Full bins thus pass from either parent to the child. (Exported for
 * its test only.)
 */
export function crossover(ws: Workspace, a: readonly Bin[], b: readonly Bin[], rng: Rng): Bin[] {
  const byFill = (bins: readonly Bin[]): Bin[] => [...bins].sort((x, y) => fill(ws, y) - fill(ws, x));
  const sa = byFill(a);
  const sb = byFill(b);
  const taken = new Uint8Array(ws.n);
  const child: Bin[] = [];
  const look = Math.ceil((0.5 + 0.4 * rng.next()) * Math.max(sa.length, sb.length));
  const firstFromA = rng.bernoulli(0.5);
  for (let t = 0; t < look; t++) {
    for (const src of firstFromA ? [sa, sb] : [sb, sa]) {
      const bin = src[t];
      if (bin === undefined || bin.items.some((i) => taken[i] === 1)) continue;
      for (const i of bin.items) taken[i] = 1;
      child.push({ items: [...bin.items], load: bin.load.slice() });
    }
  }
  const free: number[] = [];
  for (let i = 0; i < ws.n; i++) if (taken[i] === 0) free.push(i);
  repair(ws, child, free);
  return child;
}

function tournament(pop: readonly Individual[], rng: Rng): Individual {
  const a = rng.pick(pop);
  const b = rng.pick(pop);
  return better(b, a) ? b : a;
}

export function geneticPack(inst: PackingInstance, options: GaOptions = {}): GaResult {
  const t0 = performance.now();
  const limitMs = (options.timeLimitSeconds ?? 5) * 1000;
  const maxGen = options.generations ?? Infinity;
  const target = options.target ?? lowerBound(inst);
  const rng = new Rng(options.seed ?? 0).fork('packing-ga');
  const ws = new Workspace(inst);
  const seed = ffd(inst);
  const ffdBins = seed.length;
  const toPacking = (bins: readonly Bin[]): Packing => bins.map((b) => [...b.items]);

  const pop: Individual[] = [individual(ws, seed.map((items) => binOf(ws, items)))];
  let best = pop[0] as Individual;
  let generations = 0;
  const done = (): GaResult['stoppedBy'] | undefined => {
    if (best.bins.length <= target) return 'converged';
    if (generations >= maxGen) return 'work';
    if (performance.now() - t0 >= limitMs) return 'wall';
    return undefined;
  };
  const size = Math.max(2, options.population ?? 24);
  // Initial population: mutations of the FFD packing (diverse, and each already repaired).
  while (pop.length < size && done() === undefined) {
    const child = individual(ws, mutate(ws, cloneBins(seed.map((items) => binOf(ws, items))), rng, 1 + rng.int(4)));
    pop.push(child);
    if (better(child, best)) best = child;
  }
  let reduceNodes = REDUCE_NODES_START;
  const tryReduce = (from: Individual): void => {
    const fewer = reduceOneBin(ws, from.bins, rng, {
      attempts: REDUCE_ATTEMPTS,
      nodes: reduceNodes,
      deadline: Math.min(t0 + limitMs, performance.now() + REDUCE_TIME_SHARE * limitMs),
    });
    if (fewer === undefined) {
      reduceNodes = Math.min(REDUCE_NODES_MAX, reduceNodes * 2);
      return;
    }
    reduceNodes = REDUCE_NODES_START;
    const child = individual(ws, fewer);
    let worst = 0;
    pop.forEach((p, i) => {
      if (better(pop[worst] as Individual, p)) worst = i;
    });
    pop[worst] = child;
    if (better(child, best)) best = child;
  };
  let stop = done();
  if (stop === undefined) tryReduce(best);
  stop = done();
  while (stop === undefined) {
    generations++;
    if (generations % REDUCE_EVERY === 0) {
      const pick = tournament(pop, rng);
      tryReduce(pick.bins.length === best.bins.length ? pick : best);
    }
    const pa = tournament(pop, rng);
    const pb = tournament(pop, rng);
    let bins = crossover(ws, pa.bins, pb.bins, rng);
    if (rng.bernoulli(0.7)) bins = mutate(ws, bins, rng, rng.int(3));
    const child = individual(ws, bins);
    let worst = 0;
    pop.forEach((p, i) => {
      if (better(pop[worst] as Individual, p)) worst = i;
    });
    const duplicate = pop.some((p) => p.bins.length === child.bins.length && Math.abs(p.score - child.score) < 1e-12);
    if (!duplicate && better(child, pop[worst] as Individual)) pop[worst] = child;
    if (better(child, best)) best = child;
    stop = done();
  }
  return { packing: toPacking(best.bins), bins: best.bins.length, generations, stoppedBy: stop, ffdBins };
}
