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
      for (let c = 0; c < o.population; c++) {
        const a = tournament(pop, rng).genes;
        const b = tournament(pop, rng).genes;
        const genes = uniformCrossover(a, b, rng);
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

/** Uniform crossover: each gene from parent `a` or `b` with probability ½ (exported for its test). */
export function uniformCrossover(a: Int32Array, b: Int32Array, rng: Rng): Int32Array {
  return Int32Array.from(a, (g, i) => (rng.bernoulli(0.5) ? g : (b[i] ?? -1)));
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
  private readonly visit: number[];
  private readonly nodeIndex = new Map<number, number>();
  private readonly free0: Float64Array[];
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
    reqs.forEach((_, i) => (this.tenantDemand[this.tenant[i] ?? 0] = (this.tenantDemand[this.tenant[i] ?? 0] ?? 0) + (this.size[i] ?? 0)));
    this.visit = reqs.map((_, i) => i);
    if (!ctx.blocking) this.visit.sort((a, b) => priorityWeight(reqs[b] as Request) - priorityWeight(reqs[a] as Request) || a - b);
    cand.allNodes.forEach((n, k) => this.nodeIndex.set(n, k));
    this.free0 = cand.allNodes.map((n) => Float64Array.from(cluster.free(n)));
    this.totalSize = this.size.reduce((s, x) => s + x, 0);
    this.totalUrgency = this.urgency.reduce((s, x) => s + x, 0);
  }

  randomGenes(rng: Rng): Int32Array {
    return Int32Array.from(this.cand.requests, (_, i) => rng.int((this.cand.nodes[i]?.length ?? 0) + 1) - 1);
  }

  private fits(free: Float64Array, demand: readonly number[]): boolean {
    for (let d = 0; d < this.D; d++) if ((demand[d] ?? 0) > (free[d] ?? 0) + EPSILON) return false;
    return true;
  }

  /** Best-fit candidate of request i with room in `free`, as a gene, or −1. */
  private bestFit(i: number, free: readonly Float64Array[]): number {
    const demand = this.cand.requests[i]?.demand ?? [];
    let best = -1;
    let bestRoom = Infinity;
    (this.cand.nodes[i] ?? []).forEach((n, g) => {
      const f = free[this.nodeIndex.get(n) ?? 0] as Float64Array;
      if (!this.fits(f, demand)) return;
      let room = 0;
      for (let d = 0; d < this.D; d++) room += (f[d] ?? 0) - (demand[d] ?? 0);
      if (room < bestRoom) {
        bestRoom = room;
        best = g;
      }
    });
    return best;
  }

  /** Repairs `genes` in place (see the class comment) and scores them. */
  score(genes: Int32Array): Scored {
    const free = this.free0.map((f) => f.slice());
    const take = (i: number, g: number): void => {
      const f = free[this.nodeIndex.get(this.cand.nodes[i]?.[g] ?? -1) ?? 0] as Float64Array;
      const demand = this.cand.requests[i]?.demand ?? [];
      for (let d = 0; d < this.D; d++) f[d] = (f[d] ?? 0) - (demand[d] ?? 0);
    };
    let blocked = false;
    for (const i of this.visit) {
      let g = genes[i] ?? -1;
      if (blocked) g = -1;
      else if (g >= 0) {
        const f = free[this.nodeIndex.get(this.cand.nodes[i]?.[g] ?? -1) ?? 0] as Float64Array;
        if (!this.fits(f, this.cand.requests[i]?.demand ?? [])) g = this.bestFit(i, free);
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
    const tenantPlaced = new Float64Array(this.tenantDemand.length);
    genes.forEach((g, i) => {
      if (g < 0) return;
      const s = this.size[i] ?? 0;
      placedSize += s;
      placedUrgency += this.urgency[i] ?? 0;
      cheap += s * (1 - (this.rel[i]?.[g] ?? 0));
      tenantPlaced[this.tenant[i] ?? 0] = (tenantPlaced[this.tenant[i] ?? 0] ?? 0) + s;
    });
    const u = this.totalSize > 0 ? placedSize / this.totalSize : 0;
    const sla = this.totalUrgency > 0 ? placedUrgency / this.totalUrgency : 0;
    const cost = this.totalSize > 0 ? cheap / this.totalSize : 0;
    let sum = 0;
    let sq = 0;
    tenantPlaced.forEach((p, t) => {
      const x = p / (this.tenantDemand[t] ?? 1);
      sum += x;
      sq += x * x;
    });
    const fair = sq > 0 ? (sum * sum) / (tenantPlaced.length * sq) : 0;
    const fitness = this.w.utilization * u + this.w.sla * sla + this.w.cost * cost + this.w.fairness * fair;
    return { genes, fitness, parts: [u, sla, cost, fair] };
  }
}
