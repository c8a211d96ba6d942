import { describe, expect, it } from 'vitest';
import type { AllocatorContext } from '../../src/algorithms/allocator.js';
import { WORK_BUDGET } from '../../src/algorithms/allocator.js';
import { decideAndApply } from '../../src/algorithms/decide.js';
import { GeneticAllocator, uniformCrossover } from '../../src/algorithms/genetic.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import { parseScenario } from '../../src/scenario/load.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (name: string, cpu: number, n: number, price: number): PoolSpec => ({
  name,
  capacity: [cpu, 64, 0],
  nodes: { min: n, max: n, initial: n },
  pricePerHour: price,
  latencyMs: 1,
  bootSeconds: 0,
  labels: {},
});
const req = (id: string, cpu: number, extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival: 0, demand: [cpu, 1, 0], duration: 10, priority: 'medium', ...extra });
const ctx = (seed: string): AllocatorContext => ({ now: 0, rng: new Rng(seed), budget: WORK_BUDGET, blocking: false });

describe('genetic allocator', () => {
  it('finds the placement with more demand where queue-order best-fit does not', () => {
    // Two 4-cpu nodes, X(2) Y(3) Z(3): greedy places X and Y (5 cpu), the optimum Y and Z (6 cpu).
    const state = ClusterState.fromPools(space, [pool('p', 4, 2, 1)]);
    const applied = decideAndApply(new GeneticAllocator(), [req('X', 2), req('Y', 3), req('Z', 3)], state, ctx('g'));
    expect(applied.started.map((s) => s.request.id).sort()).toEqual(['Y', 'Z']);
    expect(applied.solver).toMatchObject({ backend: 'genetic', status: 'feasible', stoppedBy: 'work', work: { unit: 'evaluations', done: 30 + 60 * 30 } });
    expect(applied.solver?.detail).toMatch(/60 generations of 30; U=/);
  });

  it('with the cost weight alone, puts work on the cheaper pool', () => {
    const state = ClusterState.fromPools(space, [pool('dear', 8, 2, 10), pool('cheap', 8, 2, 1)]);
    const g = new GeneticAllocator({ weights: { utilization: 0, sla: 0, cost: 1, fairness: 0 } });
    const applied = decideAndApply(g, [req('a', 2), req('b', 3)], state, ctx('c'));
    expect(applied.started.map((s) => state.pools[state.nodePool(s.nodeId)]?.name)).toEqual(['cheap', 'cheap']);
  });

  it('reports the fitness parts of the decision it returns (U and Jain over tenants, recomputed here)', () => {
    // Room for some of the batch only, three tenants: the best individual's parts, as reported,
    // must be those of its own placements (each evaluation starts from nothing placed).
    const state = ClusterState.fromPools(space, [pool('a', 8, 2, 1), pool('b', 6, 1, 2)]);
    const rng = new Rng('parts');
    const batch = Array.from({ length: 14 }, (_, i) => req(`r${i}`, 1 + rng.int(5), { tenant: `t${i % 3}` }));
    const d = new GeneticAllocator().allocate(batch, state, ctx('parts'));
    state.rollbackTrial();
    const placed = new Set(d.placements.map((p) => p.requestId));
    const size = (r: Request): number => Math.max(state.demandSize(r.demand), 1e-9);
    const total = batch.reduce((s, r) => s + size(r), 0);
    const u = batch.filter((r) => placed.has(r.id)).reduce((s, r) => s + size(r), 0) / total;
    const share = ['t0', 't1', 't2'].map((t) => {
      const mine = batch.filter((r) => r.tenant === t);
      return mine.filter((r) => placed.has(r.id)).reduce((s, r) => s + size(r), 0) / mine.reduce((s, r) => s + size(r), 0);
    });
    const jain = share.reduce((s, x) => s + x, 0) ** 2 / (3 * share.reduce((s, x) => s + x * x, 0));
    expect(placed.size).toBeGreaterThan(0);
    expect(placed.size).toBeLessThan(batch.length);
    expect(d.solver?.detail).toContain(`U=${u.toFixed(3)} `);
    expect(d.solver?.detail).toContain(`J=${jain.toFixed(3)}`);
  });

  it('is a function of the seed', () => {
    const run = (seed: string): unknown => {
      const state = ClusterState.fromPools(space, [pool('a', 8, 3, 1), pool('b', 16, 2, 4)]);
      const rng = new Rng('batch');
      const batch = Array.from({ length: 20 }, (_, i) => req(`r${i}`, 1 + rng.int(6), { tenant: `t${rng.int(3)}` }));
      const d = new GeneticAllocator().allocate(batch, state, ctx(seed));
      state.rollbackTrial();
      return d.placements;
    };
    expect(run('s1')).toEqual(run('s1'));
  });

  it('under a wall-clock budget already spent, stops before breeding and says so; still at least greedy', () => {
    const state = ClusterState.fromPools(space, [pool('p', 4, 2, 1)]);
    let t = 0;
    const wall: AllocatorContext = { now: 0, rng: new Rng('w'), budget: { kind: 'wall', ms: 1, clock: () => (t += 10) }, blocking: false };
    const applied = decideAndApply(new GeneticAllocator(), [req('X', 2), req('Y', 3), req('Z', 3)], state, wall);
    expect(applied.solver).toMatchObject({ backend: 'genetic', status: 'feasible', stoppedBy: 'wall', work: { unit: 'evaluations', done: 30 } });
    expect(applied.solver?.detail).toMatch(/^0 generations/);
    expect(applied.started).toHaveLength(2);
    expect(typeof applied.solver?.seconds).toBe('number');
  });

  it('rejects invalid options with the field named', () => {
    expect(() => new GeneticAllocator({ population: 1 })).toThrow(/population/);
  });

  it('refuses all four fitness weights at 0 (a blind search), naming the scenario field', () => {
    const zero = { utilization: 0, sla: 0, cost: 0, fairness: 0 };
    expect(() => createAllocator({ name: 'genetic', options: { weights: zero } })).toThrow(/field 'strategy\.options\.weights': at least one of utilization, sla, cost, fairness must be above 0/);
    const yaml = `name: w\nhorizon: 1m\npools: [{ name: p, capacity: { cpu: 4, memory: 8Gi }, nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1 }]\ntrace: { kind: synthetic, horizon: 1m, arrival: { rate: 1 }, profiles: [{ name: a, demand: { cpu: 1, memory: 1Gi }, duration: { dist: fixed, value: 5 } }] }\nstrategies:\n  - { name: genetic, options: { weights: { utilization: 0, sla: 0, cost: 0, fairness: 0 } } }\n`;
    expect(() => parseScenario(yaml, 'w.yaml')).toThrow(/w\.yaml:6, field 'strategies\[0\]\.options\.weights': at least one/);
    // one weight is enough
    expect(() => createAllocator({ name: 'genetic', options: { weights: { ...zero, cost: 1 } } })).not.toThrow();
  });
});

describe('genetic allocator operators', () => {
  it('uniform crossover takes genes from both parents, about half from each', () => {
    const a = new Int32Array(400).fill(0);
    const b = new Int32Array(400).fill(1);
    const child = uniformCrossover(a, b, new Rng('x'));
    const fromB = child.reduce((s, g) => s + g, 0);
    // Binomial(400, ½): mean 200, sd 10; a crossover that copies one parent gives 0 or 400.
    expect(fromB).toBeGreaterThan(150);
    expect(fromB).toBeLessThan(250);
    expect(child.every((g) => g === 0 || g === 1)).toBe(true);
  });

  it('a congested batch is placed better by crossover than by the greedy start alone', () => {
    // Capacity 4 per node, 6 nodes; sizes 3,3,2,2,2,2,1,1,... in queue order: the GA's result
    // (U part of the fitness) must reach the packing optimum of placed demand, 24 of 27 cpu.
    const state = ClusterState.fromPools(space, [pool('p', 4, 6, 1)]);
    const sizes = [1, 1, 2, 3, 2, 3, 2, 1, 3, 2, 3, 2, 2];
    const batch = sizes.map((c, i) => req(`r${i}`, c));
    const applied = decideAndApply(new GeneticAllocator({ weights: { utilization: 1, sla: 0, cost: 0, fairness: 0 } }), batch, state, ctx('pack'));
    const placed = applied.started.reduce((s, a) => s + (a.request.demand[0] ?? 0), 0);
    expect(placed).toBe(24);
  });
});
