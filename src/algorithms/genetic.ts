import { z } from 'zod';
import type { ClusterView } from '../core/cluster.js';
import type { Request } from '../core/model.js';
import { EPSILON } from '../core/resources.js';
import type { Rng } from '../core/rng.js';
import type { Allocator, AllocatorContext, Decision } from './allocator.js';
import { chooseBestFit } from './best-fit-decreasing.js';
import type { Candidates } from './batch.js';
import { buildCandidates, finishBatch, priorityWeight, relativeCost } from './batch.js';
import { greedyAllocate } from './greedy.js';

const weights = z
  .object({
    utilization: z.number().min(0).default(0.4),
    sla: z.number().min(0).default(0.3),
    cost: z.number().min(0).default(0.2),
    fairness: z.number().min(0).default(0.1),
  })
  .strict()
  // All four at 0 makes every individual equally fit: a blind search, never what was meant.
  .refine((w) => w.utilization + w.sla + w.cost + w.fairness > 0, { message: 'at least one of utilization, sla, cost, fairness must be above 0 (all 0 leaves the search nothing to maximise)' });

export const geneticOptions = z
  .object({
    population: z.number().int().min(4).max(1000).default(30),
    /** Deterministic work budget: generations per decision (each breeds `population` children). */
    generations: z.number().int().min(1).max(1_000_000).default(60),
    /** Probability that a gene is redrawn at random. */
    mutationRate: z.number().min(0).max(1).default(0.05),
    candidatesPerPool: z.number().int().min(1).max(256).default(12),
    maxRequests: z.number().int().min(1).max(2000).default(150),
    /** Under a wall-clock budget (production), the share of it the search may use. */
    budgetShare: z.number().min(0.05).max(1).default(0.8),
    weights: weights.default({ utilization: 0.4, sla: 0.3, cost: 0.2, fairness: 0.1 }),
  })
  .strict();
export type GeneticOptions = z.infer<typeof geneticOptions>;

interface Scored {
  genes: Int32Array;
  fitness: number;
  parts: readonly [number, number, number, number];
}

/**
 * Genetic batch allocator (seeded through `ctx.rng`).
 *
 * Chromosome: one gene per waiting request (up to `maxRequests`, queue order): the index of its
 * candidate node (batch.ts: a few nodes per eligible pool), or −1 for "not placed".
 *
 * Repair to feasibility: requests are visited in priority order (queue order under head-of-line
 * blocking); a request keeps its gene's node if it still fits there given the requests placed
 * before it, else moves to its best-fit candidate with room, else is unplaced. Then every
 * unplaced request gets the best-fit candidate with room, if any (so solutions are maximal).
 * The repaired genes are written back (Lamarckian). Under blocking, nothing is placed after the
 * first request that cannot be.
 *
 * Fitness (maximise), with s_r = demand size (Σ_d demand_d / ref_d), w_r = priority weight,
 * P = placed requests, B = the batch:
 *   U  = Σ_{r∈P} s_r / Σ_{r∈B} s_r                                   utilization: demand placed
 *   S  = Σ_{r∈P} u_r / Σ_{r∈B} u_r,  u_r = w_r · (1 + min(4, wait_r / sloWait_r))   SLA urgency placed
 *   Cs = Σ_{r∈P} s_r · (1 − ĉ_r) / Σ_{r∈B} s_r,  ĉ_r = cost rate on its node / r's dearest candidate
 *   J  = Jain's index over tenants of x_t = placed / requested demand of t  (0 when nothing placed)
 *   F  = 0.4·U + 0.3·S + 0.2·Cs + 0.1·J          (defaults; `weights` option)
 *
 * Search: population 30 = the greedy best-fit answer plus random gene vectors, all repaired.
 * Each generation breeds `population` children (binary tournament, uniform crossover, per-gene
 * mutation at `mutationRate`), repairs them, and keeps the best `population` of parents and
 * children (ties: older first). It stops after `generations` (the deterministic work budget, all
 * the simulator uses: the decision is then a function of the seed; `stoppedBy: 'work'`), or under
 * a wall-clock budget (production) when `budgetShare` of it is spent (`stoppedBy: 'wall'`). The
 * report counts fitness evaluations. The greedy answer is in the first population and the best
 * individual survives, so the result is never below greedy on F.
 */
export class GeneticAllocator implements Allocator {
  readonly name = 'genetic';
  private readonly opts: GeneticOptions;

  constructor(options: Partial<GeneticOptions> = {}) {
    this.opts = geneticOptions.parse(options);
  }

  allocate(requests: readonly Request[], cluster: ClusterView, ctx: AllocatorContext): Decision {
    const budget = ctx.budget;
    const t0 = budget.kind === 'wall' ? budget.clock() : 0;
    const deadline = budget.kind === 'wall' ? t0 + budget.ms * this.opts.budgetShare : Infinity;
    const o = this.opts;
    const modelled = requests.slice(0, o.maxRequests);
    const order = ctx.blocking ? modelled : [...modelled].sort((a, b) => priorityWeight(b) - priorityWeight(a));
    const greedy = greedyAllocate(order, cluster, ctx, chooseBestFit);
    const greedyNode = new Map(greedy.placements.map((p) => [p.requestId, p.nodeId]));
    const cand = buildCandidates(modelled, cluster, o.candidatesPerPool, greedyNode);
    const problem = new Problem(cand, cluster, ctx, o.weights);

    const rng = ctx.rng.fork('genetic');
    const seedGenes = Int32Array.from(cand.requests, (r, i) => (cand.nodes[i] ?? []).indexOf(greedyNode.get(r.id) ?? -1));
    let pop: Scored[] = [problem.score(seedGenes)];
    while (pop.length < o.population) pop.push(problem.score(problem.randomGenes(rng)));
    pop.sort((a, b) => b.fitness - a.fitness);
    let generations = 0;
    let evaluations = pop.length;
    let timedOut = false;
    while (generations < o.generations && cand.requests.length > 0) {
      if (budget.kind === 'wall' && budget.clock() > deadline) {
        timedOut = true;
        break;
      }
      generations++;
      const children: Scored[] = [];
      // The generation's genes in one buffer (a typed array of its own per child cost more to
      // allocate than its breeding and repair); a child keeps its slice.
      const n = cand.requests.length;
      const block = new Int32Array(o.population * n);
      for (let c = 0; c < o.population; c++) {
        const a = tournament(pop, rng).genes;
        const b = tournament(pop, rng).genes;
        const genes = uniformCrossover(a, b, rng, block.subarray(c * n, (c + 1) * n));
        for (let i = 0; i < genes.length; i++) {
          if (rng.bernoulli(o.mutationRate)) genes[i] = rng.int((cand.nodes[i]?.length ?? 0) + 1) - 1;
        }
        children.push(problem.score(genes));
        evaluations++;
      }
      pop = [...pop, ...children].map((s, k) => ({ s, k })).sort((x, y) => y.s.fitness - x.s.fitness || x.k - y.k).slice(0, o.population).map((e) => e.s);
    }
    const best = pop[0] as Scored;
    const chosen = new Map<string, number>();
    cand.requests.forEach((r, i) => {
      const g = best.genes[i] ?? -1;
      if (g >= 0) chosen.set(r.id, cand.nodes[i]?.[g] ?? -1);
    });
    const [u, sla, cost, fair] = best.parts;
    return {
      ...finishBatch(cand, chosen, requests.slice(o.maxRequests), cluster, ctx),
      solver: {
        backend: 'genetic',
        status: 'feasible',
        stoppedBy: timedOut ? 'wall' : cand.requests.length === 0 ? 'converged' : 'work',
        work: { unit: 'evaluations', done: evaluations },
        objective: best.fitness,
        ...(budget.kind === 'wall' ? { seconds: (budget.clock() - t0) / 1000 } : {}),
        detail: `${generations} generations of ${o.population}; U=${u.toFixed(3)} S=${sla.toFixed(3)} cost=${cost.toFixed(3)} J=${fair.toFixed(3)}`,
      },
    };
  }
}

/** Uniform crossover: each gene from parent `a` or `b` with probability ½, written to `child` (exported for its test). */
export function uniformCrossover(a: Int32Array, b: Int32Array, rng: Rng, child = new Int32Array(a.length)): Int32Array {
  for (let i = 0; i < a.length; i++) child[i] = rng.bernoulli(0.5) ? (a[i] as number) : (b[i] ?? -1);
  return child;
}

function tournament(pop: readonly Scored[], rng: Rng): Scored {
  const a = rng.int(pop.length);
  const b = rng.int(pop.length);
  return pop[Math.min(a, b)] as Scored; // the population is sorted best first
}

/** The batch as flat arrays: repair and fitness of gene vectors. */
class Problem {
  private readonly size: Float64Array;
  private readonly urgency: Float64Array;
  private readonly rel: number[][];
  private readonly tenant: Int32Array;
  private readonly tenantDemand: Float64Array;
  /** Demand placed per tenant, as an evaluation sums it. */
  private readonly tenantPlaced: Float64Array;
  private readonly visit: number[];
  private readonly demand: (readonly number[])[];
  /** Per request, per gene: the offset of its candidate node's free vector in `free0`. */
  private readonly slot: Int32Array[];
  /** Free vectors of `cand.allNodes` as they are now, one after the other (D numbers each). */
  private readonly free0: Float64Array;
  /** The free vectors as a repair goes (reset to `free0` at each). */
  private readonly free: Float64Array;
  private readonly D: number;
  private readonly totalSize: number;
  private readonly totalUrgency: number;

  constructor(
    private readonly cand: Candidates,
    cluster: ClusterView,
    private readonly ctx: AllocatorContext,
    private readonly w: GeneticOptions['weights'],
  ) {
    const reqs = cand.requests;
    this.D = cluster.space.size;
    this.size = Float64Array.from(reqs, (r) => Math.max(cluster.demandSize(r.demand), 1e-9));
    this.urgency = Float64Array.from(reqs, (r) => priorityWeight(r) * (1 + (r.sloWait !== undefined && r.sloWait > 0 ? Math.min(4, Math.max(0, (ctx.now - r.arrival) / r.sloWait)) : 0)));
    this.rel = cand.costRate.map((rates) => relativeCost(rates));
    const tenants = new Map<string, number>();
    this.tenant = Int32Array.from(reqs, (r) => {
      if (!tenants.has(r.tenant)) tenants.set(r.tenant, tenants.size);
      return tenants.get(r.tenant) ?? 0;
    });
    this.tenantDemand = new Float64Array(tenants.size);
    this.tenantPlaced = new Float64Array(tenants.size);
    reqs.forEach((_, i) => (this.tenantDemand[this.tenant[i] ?? 0] = (this.tenantDemand[this.tenant[i] ?? 0] ?? 0) + (this.size[i] ?? 0)));
    this.visit = reqs.map((_, i) => i);
    if (!ctx.blocking) this.visit.sort((a, b) => priorityWeight(reqs[b] as Request) - priorityWeight(reqs[a] as Request) || a - b);
    const D = this.D;
    const nodeIndex = new Map<number, number>();
    cand.allNodes.forEach((n, k) => nodeIndex.set(n, k));
    this.demand = reqs.map((r) => r.demand);
    this.slot = cand.nodes.map((list) => Int32Array.from(list, (n) => (nodeIndex.get(n) ?? 0) * D));
    this.free0 = new Float64Array(cand.allNodes.length * D);
    cand.allNodes.forEach((n, k) => {
      const f = cluster.free(n);
      for (let d = 0; d < D; d++) this.free0[k * D + d] = f[d] ?? 0;
    });
    this.free = new Float64Array(this.free0.length);
    this.totalSize = this.size.reduce((s, x) => s + x, 0);
    this.totalUrgency = this.urgency.reduce((s, x) => s + x, 0);
  }

  randomGenes(rng: Rng): Int32Array {
    return Int32Array.from(this.cand.requests, (_, i) => rng.int((this.cand.nodes[i]?.length ?? 0) + 1) - 1);
  }

  /** Does request i fit the free vector at offset `at` of `free`? */
  private fits(free: Float64Array, at: number, i: number): boolean {
    const demand = this.demand[i] as readonly number[];
    for (let d = 0; d < this.D; d++) if ((demand[d] ?? 0) > (free[at + d] as number) + EPSILON) return false;
    return true;
  }

  /** Best-fit candidate of request i with room in `free`, as a gene, or −1. */
  private bestFit(i: number, free: Float64Array): number {
    const demand = this.demand[i] as readonly number[];
    const slots = this.slot[i] as Int32Array;
    let best = -1;
    let bestRoom = Infinity;
    for (let g = 0; g < slots.length; g++) {
      const at = slots[g] as number;
      if (!this.fits(free, at, i)) continue;
      let room = 0;
      for (let d = 0; d < this.D; d++) room += (free[at + d] as number) - (demand[d] ?? 0);
      if (room < bestRoom) {
        bestRoom = room;
        best = g;
      }
    }
    return best;
  }

  /** Take request i's demand from its gene-g candidate in `free`. */
  private take(free: Float64Array, i: number, g: number): void {
    const at = (this.slot[i] as Int32Array)[g] as number;
    const demand = this.demand[i] as readonly number[];
    for (let d = 0; d < this.D; d++) free[at + d] = (free[at + d] as number) - (demand[d] ?? 0);
  }

  /** Repairs `genes` in place (see the class comment) and scores them. */
  score(genes: Int32Array): Scored {
    const free = this.free;
    free.set(this.free0);
    const take = (i: number, g: number): void => this.take(free, i, g);
    let blocked = false;
    for (const i of this.visit) {
      let g = genes[i] ?? -1;
      if (blocked) g = -1;
      else if (g >= 0) {
        if (!this.fits(free, (this.slot[i] as Int32Array)[g] as number, i)) g = this.bestFit(i, free);
        if (g >= 0) take(i, g);
        else if (this.ctx.blocking) blocked = true;
      } else if (this.ctx.blocking) {
        g = this.bestFit(i, free);
        if (g >= 0) take(i, g);
        else blocked = true;
      }
      genes[i] = g;
    }
    if (!this.ctx.blocking) {
      for (const i of this.visit) {
        if ((genes[i] ?? -1) >= 0) continue;
        const g = this.bestFit(i, free);
        if (g >= 0) take(i, g);
        genes[i] = g;
      }
    }
    return this.evaluate(genes);
  }

  private evaluate(genes: Int32Array): Scored {
    let placedSize = 0;
    let placedUrgency = 0;
    let cheap = 0;
    const tenantPlaced = this.tenantPlaced;
    tenantPlaced.fill(0);
    for (let i = 0; i < genes.length; i++) {
      const g = genes[i] as number;
      if (g < 0) continue;
      const s = this.size[i] ?? 0;
      placedSize += s;
      placedUrgency += this.urgency[i] ?? 0;
      cheap += s * (1 - (this.rel[i]?.[g] ?? 0));
      tenantPlaced[this.tenant[i] ?? 0] = (tenantPlaced[this.tenant[i] ?? 0] ?? 0) + s;
    }
    const u = this.totalSize > 0 ? placedSize / this.totalSize : 0;
    const sla = this.totalUrgency > 0 ? placedUrgency / this.totalUrgency : 0;
    const cost = this.totalSize > 0 ? cheap / this.totalSize : 0;
    let sum = 0;
    let sq = 0;
    for (let t = 0; t < tenantPlaced.length; t++) {
      const x = (tenantPlaced[t] as number) / (this.tenantDemand[t] ?? 1);
      sum += x;
      sq += x * x;
    }
    const fair = sq > 0 ? (sum * sum) / (tenantPlaced.length * sq) : 0;
    const fitness = this.w.utilization * u + this.w.sla * sla + this.w.cost * cost + this.w.fairness * fair;
    return { genes, fitness, parts: [u, sla, cost, fair] };
  }
}
