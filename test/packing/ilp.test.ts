import { describe, expect, it } from 'vitest';
import {
  arcFlowModel,
  assertValidPacking,
  buildArcFlow,
  exactPack,
  ffd,
  makeInstance,
  runPackStrategy,
} from '../../src/packing/index.js';
import type { LpSolver, SolveOptions } from '../../src/core/lp.js';
import { flowToPacking, packingToFlow } from '../../src/packing/arcflow.js';
import { highsSolver, jslpSolver, maxViolation } from '../../src/algorithms/solvers/index.js';
import { Rng } from '../../src/core/rng.js';
import { HAVE_ORLIB, optimum, orlibInstance } from './data.js';

/**
 * The solver's budget in the tests that expect a proof: branch-and-bound nodes and GA generations,
 * no clock, so they pass or fail alike on any machine (these instances need one node).
 */
const BY_NODES = { timeLimitSeconds: Infinity, maxNodes: 1000, gaGenerations: 0 } as const;

describe('arc-flow graph', () => {
  // Capacity 10, sizes 6 4 5 5 3 3: optimum 3 ({6,4}, {5,5}, {3,3}); L1 = ⌈26/10⌉ = 3.
  const inst = makeInstance('small', [10], [[6], [4], [5], [5], [3], [3]]);

  it('maps a packing to a feasible flow and back', () => {
    const g = buildArcFlow(inst);
    expect(g).toBeDefined();
    if (g === undefined) return;
    expect(g.types.map((t) => t.size[0])).toEqual([6, 5, 4, 3]);
    const model = arcFlowModel(g, { lower: 1, upper: 6 });
    const start = ffd(inst);
    const flow = packingToFlow(g, inst, start);
    expect(maxViolation(model, flow)).toBe(0);
    expect(flow[flow.length - 1]).toBe(start.length);
    const back = flowToPacking(g, flow);
    assertValidPacking(inst, back, 'round trip');
    expect(back.length).toBe(start.length);
  });

  it('compresses the graph without losing patterns (t60-like decimals)', () => {
    // Every set of items that fits in a bin (here 46 of the 128 subsets: 7 singles, all 21 pairs, 18 triples, no four) must still be an S→T path:
    // the packing {that set} + one bin per other item maps onto a flow, and the flow back onto a
    // valid packing. (This test used to check only that the graph got smaller.)
    const inst = makeInstance('d', [1000], [[366], [268], [366], [500], [250], [250], [384]]);
    const g = buildArcFlow(inst);
    expect(g).toBeDefined();
    if (g === undefined) return;
    expect(g.nodeCount).toBeLessThan(g.uncompressed.nodes);
    const model = arcFlowModel(g, { lower: 1, upper: inst.n });
    let patterns = 0;
    for (let mask = 1; mask < 1 << inst.n; mask++) {
      const bin = [...Array(inst.n).keys()].filter((i) => (mask >> i) & 1);
      if (bin.reduce((s, i) => s + (inst.sizes[i] ?? 0), 0) > 1000) continue;
      patterns++;
      const packing = [bin, ...[...Array(inst.n).keys()].filter((i) => !bin.includes(i)).map((i) => [i])];
      const flow = packingToFlow(g, inst, packing);
      expect(maxViolation(model, flow)).toBe(0);
      const back = flowToPacking(g, flow);
      assertValidPacking(inst, back, `pattern ${bin.join(',')}`);
      expect(back.length).toBe(packing.length);
    }
    expect(patterns).toBe(46);
  });

  it('builds a graph where one item type adds 150,000 nodes (no call-stack overflow)', () => {
    const n = 150_000;
    const g = buildArcFlow(makeInstance('ones', [n], Array.from({ length: n }, () => [1])));
    expect(g).toBeDefined();
    expect(g?.uncompressed.nodes).toBe(n + 1);
  });
});

describe('exact strategy', () => {
  it('proves a small optimum with either backend', async () => {
    const inst = makeInstance('small', [10], [[6], [4], [5], [5], [3], [3], [2]]);
    for (const solver of [highsSolver, jslpSolver]) {
      const backend = solver.name;
      const r = await exactPack(inst, { solver, ...BY_NODES });
      expect(r).toMatchObject({ bins: 3, status: 'optimal', proof: 'solver', model: 'arc-flow', solverStatus: 'optimal' });
      assertValidPacking(inst, r.packing, backend);
    }
  });

  it('proves a two-dimensional optimum above the lower bound, by arc-flow and by the assignment fallback', async () => {
    const inst = makeInstance('v', [10, 10], [[6, 1], [2, 7], [5, 5], [4, 4], [1, 3]]);
    const arc = await exactPack(inst, { solver: highsSolver, ...BY_NODES });
    expect(arc).toMatchObject({ bins: 3, status: 'optimal', proof: 'solver', model: 'arc-flow', lowerBound: 3 });
    const assign = await exactPack(inst, { solver: highsSolver, ...BY_NODES, maxArcs: 1 });
    expect(assign).toMatchObject({ bins: 3, status: 'optimal', proof: 'solver', model: 'assignment' });
  });

  it('reports feasible, stopped by the wall clock, with its incumbent when the time limit runs out before a proof', async () => {
    // 20 perfect triplets on capacity 1000 (like OR-Library's t300): L1 = 20 = the optimum, FFD
    // needs more. The solver is HiGHS with a clock that is past the deadline from its first
    // reading after the start: the time limit stops it at its first checkpoint, on any machine.
    // (A real 0.2-s limit assumed the machine too slow to prove anything in it.)
    const rng = new Rng('triplets');
    const items: number[][] = [];
    for (let b = 0; b < 20; b++) {
      const x = 380 + rng.int(111);
      const y = 250 + rng.int(Math.floor((1000 - x) / 2) - 250 + 1);
      items.push([x], [y], [1000 - x - y]);
    }
    const inst = makeInstance('triplets', [1000], items);
    const seen: SolveOptions[] = [];
    const lateClock: LpSolver = {
      name: 'highs',
      solve: (m, o = {}) => {
        seen.push(o);
        let reads = 0;
        return highsSolver.solve(m, { ...o, clock: () => (reads++ === 0 ? 0 : 1e12) });
      },
      solveSync: (m, o) => highsSolver.solveSync(m, o),
    };
    const r = await exactPack(inst, { solver: lateClock, timeLimitSeconds: 30, gaSeconds: 0 });
    assertValidPacking(inst, r.packing, 'triplets');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.timeLimitSeconds).toBeGreaterThan(0);
    expect(seen[0]?.timeLimitSeconds).toBeLessThanOrEqual(30);
    expect(r.lowerBound).toBe(20);
    expect(r).toMatchObject({ status: 'feasible', stoppedBy: 'wall', bins: ffd(inst).length });
    expect(r.proof).toBeUndefined();
    expect(r.bins).toBe(r.incumbentBins);
    expect(r.bins).toBeGreaterThan(20);
  });

  it('under a node budget alone, hands HiGHS mip_max_nodes and no clock limit, and the incumbent GA a generation count', async () => {
    // The 2-D instance above needs 3 bins but FFD takes 4, so both the GA and the solve run.
    const inst = makeInstance('v', [10, 10], [[6, 1], [2, 7], [5, 5], [4, 4], [1, 3]]);
    const seen: SolveOptions[] = [];
    const recording: LpSolver = { name: 'highs', solve: (m, o = {}) => (seen.push(o), highsSolver.solve(m, o)), solveSync: (m, o) => highsSolver.solveSync(m, o) };
    const r = await runPackStrategy('ilp', inst, { seed: 0, solver: recording, maxNodes: 7, generations: 1 });
    expect(r.bins).toBe(3);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.workLimit).toEqual({ nodes: 7 });
    expect(seen[0]).not.toHaveProperty('timeLimitSeconds');
    // Both: the node budget and what is left of the clock.
    seen.length = 0;
    await runPackStrategy('ilp', inst, { seed: 0, solver: recording, maxNodes: 7, timeLimitSeconds: 30 });
    expect(seen[0]?.workLimit).toEqual({ nodes: 7 });
    expect(seen[0]?.timeLimitSeconds).toBeGreaterThan(20);
  });

  it('under a time limit, solves a model of over 100,000 columns without HiGHS presolve and symmetry detection (they ignore the clock), and a smaller one with them', async () => {
    // 450 distinct items over half a bin (501..950 of 1000): one per bin, so the assignment model
    // (maxArcs 1; item i in bins 0..i) has 450 · 451 / 2 + 450 = 101,925 columns. The recording
    // solver answers without solving.
    const big = makeInstance('wide', [1000], Array.from({ length: 450 }, (_, i) => [501 + i]));
    const small = makeInstance('small', [10], [[6], [4], [5], [5], [3], [3]]);
    const seen: { columns: number; options: SolveOptions }[] = [];
    const recording: LpSolver = {
      name: 'highs',
      solve: (m, o = {}) => {
        seen.push({ columns: m.variables.length, options: o });
        return Promise.resolve({ backend: 'highs', status: 'no-solution', stoppedBy: 'wall', work: { lpIterations: 0, nodes: 0 }, seconds: 0 });
      },
      solveSync: (m, o) => highsSolver.solveSync(m, o),
    };
    const budget = { solver: recording, gaSeconds: 0, maxArcs: 1 } as const;
    await exactPack(big, { ...budget, timeLimitSeconds: 30 });
    await exactPack(small, { ...budget, timeLimitSeconds: 30 });
    await exactPack(big, { ...budget, timeLimitSeconds: Infinity, maxNodes: 3 }); // no clock: nothing to protect
    await exactPack(big, { ...budget, timeLimitSeconds: 30, highsOptions: { presolve: 'on' } }); // the caller's choice wins
    expect(seen.map((s) => s.columns)).toEqual([101_925, expect.any(Number), 101_925, 101_925]);
    expect(seen[1]?.columns).toBeLessThan(100);
    expect(seen.map((s) => s.options.highsOptions)).toEqual([
      { presolve: 'off', mip_detect_symmetry: false },
      {},
      {},
      { presolve: 'on', mip_detect_symmetry: false },
    ]);
  });

  it('stops at the node budget on the assignment model too, with the same packing on every run', async () => {
    // Fifteen perfect triplets, on the weak assignment model (maxArcs 1), from the FFD packing
    // (gaGenerations 0): with no branch-and-bound node the solver neither improves nor proves it.
    const rng = new Rng('assignment-triplets');
    const items: number[][] = [];
    for (let b = 0; b < 15; b++) {
      const x = 380 + rng.int(111);
      const y = 250 + rng.int(Math.floor((1000 - x) / 2) - 250 + 1);
      items.push([x], [y], [1000 - x - y]);
    }
    const inst = makeInstance('triplets', [1000], rng.shuffle(items));
    const run = () => exactPack(inst, { solver: highsSolver, timeLimitSeconds: Infinity, maxNodes: 0, gaGenerations: 0, maxArcs: 1 });
    const [a, b] = [await run(), await run()];
    expect(a).toMatchObject({ model: 'assignment', status: 'feasible', stoppedBy: 'work' });
    expect(a.proof).toBeUndefined();
    expect(a.bins).toBeGreaterThan(15);
    expect(b.packing).toEqual(a.packing);
  });
});

describe("exact strategy, when the solver's 'optimal' is within a gap tolerance only", () => {
  // 20,002 items of 50 in bins of 100: L1 = 10,001 = the optimum. The incumbent leaves two items
  // alone (10,002 bins). HiGHS's default relative gap (1e-4) lets it stop "optimal" with that
  // incumbent and a dual bound of 10,001: (10,002 − 10,001) / 10,002 < 1e-4. The fake solver
  // answers exactly that (the MIP start back as the solution), with the bound it is given.
  const n = 20_002;
  const inst = makeInstance('halves', [100], Array.from({ length: n }, () => [50]));
  const incumbent = [...Array.from({ length: n / 2 - 1 }, (_, b) => [2 * b, 2 * b + 1]), [n - 2], [n - 1]];
  const claiming = (bound: number, seen: SolveOptions[] = []): LpSolver => ({
    name: 'highs',
    solve: (m, o = {}) => {
      seen.push(o);
      const values = new Float64Array(m.variables.length);
      o.start?.vars.forEach((j, k) => (values[j] = o.start?.values[k] ?? 0));
      return Promise.resolve({ backend: 'highs', status: 'optimal', stoppedBy: 'converged', work: { lpIterations: 0, nodes: 0 }, objective: n / 2 + 1, bound, values });
    },
    solveSync: (m, o) => highsSolver.solveSync(m, o),
  });

  it('asks the solver for no relative gap, only the absolute one below one bin', async () => {
    const seen: SolveOptions[] = [];
    await exactPack(inst, { solver: claiming(n / 2, seen), timeLimitSeconds: Infinity, maxNodes: 0, incumbent });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ mipRelGap: 0, mipAbsGap: 0.999 });
  });

  it('does not call 10,002 bins optimal when the dual bound proves only 10,001', async () => {
    const r = await exactPack(inst, { solver: claiming(n / 2), timeLimitSeconds: Infinity, maxNodes: 0, incumbent });
    assertValidPacking(inst, r.packing, 'halves');
    expect(r).toMatchObject({ bins: 10_002, status: 'feasible', stoppedBy: 'converged', lowerBound: 10_001, solverStatus: 'optimal' });
    expect(r.proof).toBeUndefined();
    expect(r.message).toBe('the solver called 10002 bins optimal within its gap tolerance, but its bound proves only 10001');
  });

  it('takes the same answer as a proof when the bound rounds up to its bins (a gap below one bin)', async () => {
    const r = await exactPack(inst, { solver: claiming(n / 2 + 0.01), timeLimitSeconds: Infinity, maxNodes: 0, incumbent });
    expect(r).toMatchObject({ bins: 10_002, status: 'optimal', proof: 'solver', lowerBound: 10_002 });
  });
});

describe("exact strategy, when the solver's answer breaks a capacity", () => {
  // Nine items of 333,333,334 (and 1) in bins of 10^9 × 10^9: three per bin overfill by 2 units,
  // so the optimum is 5 (pairs); L1 = L2 = 4. The arc-flow key space (10^9 + 1)^2 is past 2^53,
  // so the assignment model solves it, and HiGHS's feasibility tolerance (relative to rows of
  // 10^9) accepts three items in one bin: it reported 4 bins "optimal", and decoding that
  // packing threw an internal error that lost every strategy's result.
  const inst = makeInstance('tolerance', [1e9, 1e9], Array.from({ length: 9 }, () => [333_333_334, 1]));

  it('keeps its incumbent, proves nothing, and says why (status error), with HiGHS', async () => {
    const r = await exactPack(inst, { solver: highsSolver, ...BY_NODES });
    assertValidPacking(inst, r.packing, 'tolerance');
    expect(r).toMatchObject({ model: 'assignment', bins: 5, status: 'error', lowerBound: 4, incumbentBins: 5 });
    expect(r.proof).toBeUndefined();
    expect(r.message).toMatch(/^the solver's packing is not valid \(bin \d+ holds 1000000002 in dimension 0, capacity 1000000000\)/);
  });

  it("does not take a solver's 'optimal' for a proof when its packing is invalid, nor its bound", async () => {
    // A solver that answers 'optimal' with every item in bin 0 and a dual bound of 5.
    const lying: LpSolver = {
      name: 'highs',
      solve: (m) => {
        const values = new Float64Array(m.variables.length);
        m.variables.forEach((v, j) => (values[j] = /^x\d+_0$|^y0$/.test(v.name) ? 1 : 0));
        return Promise.resolve({ backend: 'highs', status: 'optimal', stoppedBy: 'converged', work: { lpIterations: 0, nodes: 0 }, objective: 1, bound: 5, values });
      },
      solveSync: (m, o) => highsSolver.solveSync(m, o),
    };
    const r = await exactPack(inst, { solver: lying, timeLimitSeconds: 20, gaSeconds: 0 });
    expect(r).toMatchObject({ bins: 5, status: 'error', lowerBound: 4 });
    expect(r.message).toMatch(/holds 3000000006 in dimension 0/);
  });
});

describe.skipIf(!HAVE_ORLIB)('exact strategy on OR-Library instances', () => {
  it.each([
    ['binpack1.txt', 'u120_06', 0],
    ['binpack1.txt', 'u120_08', 100],
    ['binpack5.txt', 't60_08', 0],
    ['binpack5.txt', 't60_15', 100],
  ])('%s %s (GA generations %s): HiGHS proves the optimum', async (file, name, gaGenerations) => {
    // Node and generation budgets, no clock (a 60-s limit and a 5-s GA assumed a fast machine):
    // all four are proved at the root node.
    const inst = orlibInstance(file, name);
    const r = await exactPack(inst, { solver: highsSolver, seed: 1, ...BY_NODES, gaGenerations });
    assertValidPacking(inst, r.packing, 'ilp');
    expect(r).toMatchObject({ status: 'optimal', proof: 'solver', model: 'arc-flow', bins: optimum(name) });
  });
});

describe("exact strategy: a solver answer that does not decode, and a fault of our own", () => {
  // Seven items of 4 in bins of 10: the lower bound is 3 (28 / 10), any packing needs 4.
  const inst = makeInstance('decode', [10], Array.from({ length: 7 }, () => [4]));
  const answering = (value: (j: number) => number, values?: (n: number) => Float64Array): LpSolver => ({
    name: 'highs',
    solve: (m) =>
      Promise.resolve({ backend: 'highs', status: 'optimal', stoppedBy: 'converged', work: { lpIterations: 0, nodes: 0 }, objective: 0, bound: 0, values: values?.(m.variables.length) ?? Float64Array.from(m.variables, (_, j) => value(j)) }),
    solveSync: (m, o) => highsSolver.solveSync(m, o),
  });

  it("an arc flow that leaves items out is the solver's error, with the incumbent kept", async () => {
    const r = await exactPack(inst, { solver: answering(() => 0), ...BY_NODES });
    assertValidPacking(inst, r.packing, 'decode');
    expect(r).toMatchObject({ model: 'arc-flow', status: 'error', bins: 4, lowerBound: 3 });
    expect(r.message).toMatch(/arc-flow: flow does not cover every item/);
  });

  it('a fault while decoding that is not about the answer is thrown, not reported as the solver\'s', async () => {
    // Reading the values throws a TypeError, as a bug in our decoding would.
    const faulty = answering(() => 0, (n) => new Proxy(new Float64Array(n), { get: (t, k) => (typeof k === 'string' && /^\d+$/.test(k) ? (() => { throw new TypeError('a fault of ours'); })() : Reflect.get(t, k)) }));
    await expect(exactPack(inst, { solver: faulty, ...BY_NODES })).rejects.toThrow(TypeError);
  });
});
