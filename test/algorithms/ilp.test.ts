import { describe, expect, it, vi } from 'vitest';
import type { AllocatorContext, DecisionBudget } from '../../src/algorithms/allocator.js';
import { WORK_BUDGET } from '../../src/algorithms/allocator.js';
import { decideAndApply } from '../../src/algorithms/decide.js';
import { buildCandidates } from '../../src/algorithms/batch.js';
import { IlpAllocator } from '../../src/algorithms/ilp.js';
import { buildIlpModel, fromClassValues } from '../../src/algorithms/ilp-model.js';
import { BACKENDS, resetHighs } from '../../src/algorithms/solvers/index.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (name: string, cpu: number, n: number, price: number, latency: number): PoolSpec => ({
  name,
  capacity: [cpu, 64, 0],
  nodes: { min: n, max: n, initial: n },
  pricePerHour: price,
  latencyMs: latency,
  bootSeconds: 0,
  labels: {},
});
const req = (id: string, cpu: number, extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival: 0, demand: [cpu, 1, 0], duration: 10, priority: 'high', ...extra });
const ctx = (budget: DecisionBudget = WORK_BUDGET, blocking = false): AllocatorContext => ({ now: 0, rng: new Rng('ilp'), budget, blocking });

describe('ILP allocator', () => {
  it('places the batch that maximises weighted demand, where queue-order best-fit does not', async () => {
    // Two 4-cpu nodes; X(2) Y(3) Z(3), equal priority. Best-fit in queue order: X and Y on
    // separate nodes, Z waits (placed cpu 5). Optimum: Y and Z, X waits (placed cpu 6).
    const a = new IlpAllocator();
    await a.prepare();
    const state = ClusterState.fromPools(space, [pool('p', 4, 2, 1, 1)]);
    const applied = decideAndApply(a, [req('X', 2), req('Y', 3), req('Z', 3)], state, ctx());
    expect(applied.started.map((s) => s.request.id).sort()).toEqual(['Y', 'Z']);
    expect(applied.rejections).toMatchObject([{ requestId: 'X', code: 'wait' }]);
    expect(applied.solver).toMatchObject({ backend: expect.any(String), status: 'optimal' });
    expect(applied.solver?.bound).toBeGreaterThanOrEqual((applied.solver?.objective ?? 0) - 1e-6);
  });

  it('prefers the cheaper pool, and honours a latency constraint that rules it out', async () => {
    const a = new IlpAllocator();
    await a.prepare();
    const state = ClusterState.fromPools(space, [pool('dear', 8, 2, 10, 1), pool('cheap', 8, 2, 1, 50)]);
    const applied = decideAndApply(a, [req('any', 2), req('fast', 2, { constraints: { maxLatencyMs: 5 } })], state, ctx());
    const poolOf = (id: string): string | undefined => state.pools[state.nodePool(applied.started.find((s) => s.request.id === id)?.nodeId ?? -1)]?.name;
    expect(poolOf('any')).toBe('cheap');
    expect(poolOf('fast')).toBe('dear');
  });

  it('puts the higher priority first when capacity is short', async () => {
    const a = new IlpAllocator();
    await a.prepare();
    const state = ClusterState.fromPools(space, [pool('p', 4, 1, 1, 1)]);
    const applied = decideAndApply(a, [req('low', 3, { priority: 'low' }), req('crit', 3, { priority: 'critical' })], state, ctx());
    expect(applied.started.map((s) => s.request.id)).toEqual(['crit']);
  });

  it('uses the greedy answer, with status error, when HiGHS is not loaded (no prepare)', () => {
    resetHighs();
    const state = ClusterState.fromPools(space, [pool('p', 4, 2, 1, 1)]);
    const applied = decideAndApply(new IlpAllocator({ backend: 'highs' }), [req('X', 2), req('Y', 3), req('Z', 3)], state, ctx());
    expect(applied.solver).toMatchObject({ status: 'error', backend: 'highs' });
    expect(applied.solver?.detail).toMatch(/not loaded.*greedy answer/);
    expect(applied.started).toHaveLength(2);
  });

  it('skips the solver when the greedy start meets the upper bound', async () => {
    const a = new IlpAllocator();
    await a.prepare();
    const state = ClusterState.fromPools(space, [pool('p', 16, 8, 1, 1)]);
    const batch = Array.from({ length: 30 }, (_, i) => req(`r${i}`, 1 + (i % 3)));
    const applied = decideAndApply(a, batch, state, ctx());
    expect(applied.solver).toMatchObject({ backend: 'greedy', status: 'optimal' });
    expect(applied.started).toHaveLength(30);
  });

  // Identical requests form one class (one integer per class and node). Two 8-cpu nodes; four
  // A (3 cpu) then two B (5 cpu), equal priority. Greedy in queue order: A A on each node (6 of 8
  // used), neither B fits: 12 cpu placed. Optimum: A + B on each node, 16 cpu. The model has
  // 2 classes × 2 nodes = 4 variables (one binary per request and node would be 12), and the
  // two A's placed are the first two in queue order.
  const identical = (): Request[] => [...['A1', 'A2', 'A3', 'A4'].map((id) => req(id, 3)), req('B1', 5), req('B2', 5)];

  it.each(['auto', 'highs'] as const)('finds the optimum over classes of identical requests (backend %s)', async (backend) => {
    const a = new IlpAllocator({ backend });
    await a.prepare();
    const state = ClusterState.fromPools(space, [pool('p', 8, 2, 1, 1)]);
    const applied = decideAndApply(a, identical(), state, ctx());
    expect(applied.started.map((s) => s.request.id).sort()).toEqual(['A1', 'A2', 'B1', 'B2']);
    expect(new Set(applied.started.filter((s) => s.request.id.startsWith('B')).map((s) => s.nodeId)).size).toBe(2);
    expect(applied.solver).toMatchObject({ status: 'optimal' });
    expect(applied.solver?.detail).toMatch(/^4 variables/);
    state.checkInvariants();
  });

  it('with classes: false solves one binary per request and node, to the same optimum', async () => {
    const a = new IlpAllocator({ classes: false });
    await a.prepare();
    const state = ClusterState.fromPools(space, [pool('p', 8, 2, 1, 1)]);
    const applied = decideAndApply(a, identical(), state, ctx());
    expect(applied.solver?.detail).toMatch(/^12 variables/);
    expect(applied.started.filter((s) => s.request.id.startsWith('B'))).toHaveLength(2);
    expect(applied.started).toHaveLength(4);
  });

  it('under head-of-line blocking keeps one variable per request, so the placed requests stay a prefix', async () => {
    // Blocking: B may start only once every A has. The best prefix is the four A's (12 cpu); over
    // classes, "no more B than A" would allow A A B B, which blocking then cuts to A A.
    const a = new IlpAllocator();
    await a.prepare();
    const state = ClusterState.fromPools(space, [pool('p', 8, 2, 1, 1)]);
    const applied = decideAndApply(a, identical(), state, ctx(WORK_BUDGET, true));
    expect(applied.started.map((s) => s.request.id).sort()).toEqual(['A1', 'A2', 'A3', 'A4']);
  });

  it('bounds each class variable by the copies that fit on its node and the class by its size', () => {
    // Three identical 3-cpu requests, two 8-cpu nodes: two fit on a node alone, so x ≤ 2 per node
    // (no node row is needed for a lone class), and x_0 + x_1 ≤ 3 (4 would fit, 3 exist).
    const state = ClusterState.fromPools(space, [pool('p', 8, 2, 1, 1)]);
    const batch = ['A1', 'A2', 'A3'].map((id) => req(id, 3));
    const m = buildIlpModel(buildCandidates(batch, state, 12), state, { costWeight: 0.3, packWeight: 0.02 }, false);
    expect(m.model.variables.map((v) => [v.ub, v.integer])).toEqual([[2, true], [2, true]]);
    expect(m.model.constraints.map((r) => [r.vars, r.coefs, r.ub])).toEqual([[[0, 1], [1, 1], 3]]);
    expect(m.classes.map((c) => c.members)).toEqual([[0, 1, 2]]);
    // Counts back to requests: the class's members, in queue order, take the variables' nodes in order.
    expect([...fromClassValues(m, [1, 2])]).toEqual([[0, m.varNode[0]], [1, m.varNode[1]], [2, m.varNode[1]]]);
  });

  // A congested batch: 150 requests on 80 nodes, where the greedy start does not meet the bound.
  const congested = (): { state: ClusterState; batch: Request[] } => {
    const rng = new Rng('big');
    const state = ClusterState.fromPools(space, [pool('a', 16, 40, 1, 1), pool('b', 32, 40, 3, 1)]);
    const batch = Array.from({ length: 150 }, (_, i) => req(`r${i}`, 0.5 + rng.int(12), { priority: rng.pick(['critical', 'high', 'medium', 'low'] as const) }));
    return { state, batch };
  };

  it('stops on the deterministic work budget, says so, and repeats exactly', async () => {
    const run = async (): Promise<unknown> => {
      const a = new IlpAllocator({ maxNodes: 0, maxLpIterations: 50 });
      await a.prepare();
      const { state, batch } = congested();
      const applied = decideAndApply(a, batch, state, ctx());
      state.checkInvariants();
      expect(applied.started.length + applied.rejections.length).toBe(150);
      return { solver: applied.solver, started: applied.started.map((s) => [s.request.id, s.nodeId]) };
    };
    const first = (await run()) as { solver: Record<string, unknown> };
    expect(first.solver).toMatchObject({ backend: 'highs', stoppedBy: 'work', work: { unit: 'lp-iterations' } });
    expect(['feasible', 'no-solution']).toContain(first.solver['status']);
    expect(first.solver['seconds']).toBeUndefined(); // no clock under a work budget
    expect(await run()).toEqual(first);
  });

  it('under a wall-clock budget that is already spent, does not start the solver, says so and still decides', async () => {
    const a = new IlpAllocator();
    await a.prepare();
    const { state, batch } = congested();
    let t = 0;
    // HiGHS cannot be stopped during its presolve (~0.3 s on a model of this size): started with
    // no time left, it overran a 100 ms budget several times over. With no time left it must not run.
    const spy = vi.spyOn(BACKENDS.highs, 'solveSync');
    const applied = decideAndApply(a, batch, state, ctx({ kind: 'wall', ms: 1, clock: () => (t += 5) }));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(applied.solver).toMatchObject({ backend: 'greedy', status: 'feasible', stoppedBy: 'wall' });
    expect(applied.solver?.detail).toMatch(/budget.*spent.*greedy answer/);
    expect(typeof applied.solver?.seconds).toBe('number');
    state.checkInvariants();
    expect(applied.started.length + applied.rejections.length).toBe(150);
  });
});
