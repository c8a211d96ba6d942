import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LpModelBuilder } from '../../src/core/lp.js';
import type { LpModel, SolveResult } from '../../src/core/lp.js';
import { moduleBeside } from '../../src/core/thread.js';
import { highsSolver } from '../../src/algorithms/solvers/index.js';
import { exactPack, ffd, makeInstance, threadSolver } from '../../src/packing/index.js';
import type { ThreadSolver } from '../../src/packing/index.js';

const FIXTURES = moduleBeside(import.meta.url, './fixtures/thread-solvers');
const opened: ThreadSolver[] = [];
/** A thread solver on one of the fixture solvers (closed after the file). */
function fixture(exportName: string): ThreadSolver {
  const s = threadSolver({ name: 'highs', url: FIXTURES, exportName, prepare: 'prepareNothing' });
  opened.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

const clock = (): number => performance.now();
const boundOf = (r: SolveResult): number | undefined => ('bound' in r ? r.bound : undefined);
function tinyModel(): LpModel {
  const b = new LpModelBuilder('min');
  b.addVar({ lb: 0, ub: 1, cost: 1 });
  b.addVar({ lb: 0, ub: 1, cost: 2 });
  return b.build();
}

// Capacity 10, sizes 5 5 4 4 3 3 3 3: FFD takes 4 bins ({5,5}, {4,4}, {3,3,3}, {3}); the bound
// and the optimum are 3 ({5,5}, {4,3,3}, {4,3,3}).
const inst = makeInstance('small', [10], [[5], [5], [4], [4], [3], [3], [3], [3]]);

describe('threadSolver: a hard time limit', () => {
  it('stops a solve that never returns at its time limit, and the ILP keeps its incumbent (stopped by the wall)', async () => {
    const s = fixture('stuckAfterFirstSolver');
    // The first solve readies the thread; the ILP's solve then spins on it until terminated.
    expect(await s.solve(tinyModel())).toMatchObject({ status: 'no-solution', stoppedBy: 'converged' });
    const r = await exactPack(inst, { solver: s, timeLimitSeconds: 1, gaSeconds: 0 });
    expect(r).toMatchObject({ status: 'feasible', stoppedBy: 'wall', bins: 4, incumbentBins: 4, lowerBound: 3, solverStatus: 'no-solution' });
    expect(r.proof).toBeUndefined();
    expect(r.packing).toEqual(ffd(inst));
  });

  it('answers the next solve after a terminated one, on a fresh thread', async () => {
    const s = fixture('stuckAfterFirstSolver');
    await s.solve(tinyModel());
    expect(await s.solve(tinyModel(), { timeLimitSeconds: 0.3, clock })).toMatchObject({ status: 'no-solution', stoppedBy: 'wall', work: { lpIterations: 0, nodes: 0 } });
    // A new thread's first solve answers (a reused, spinning thread would be stopped by the wall).
    expect(await s.solve(tinyModel(), { timeLimitSeconds: 60, clock })).toMatchObject({ status: 'no-solution', stoppedBy: 'converged' });
  });

  it('stops a solve whose thread is still starting when the limit strikes', async () => {
    const r = await fixture('stuckSolver').solve(tinyModel(), { timeLimitSeconds: 0.001, clock });
    expect(r).toMatchObject({ status: 'no-solution', stoppedBy: 'wall' });
  });

  it('leaves no thread that keeps the process alive once it has terminated one', () => {
    // A thread still running (or its replacement, started at once) would keep this process from
    // ending: spawnSync would then run into its timeout and kill it (status null).
    const script = fileURLToPath(new URL('./fixtures/stuck-exit.ts', import.meta.url));
    const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
    const r = spawnSync(process.execPath, [tsx, script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('no-solution converged, no-solution wall');
  });

  it('never terminates a solve whose limit is beyond what a timer can hold (2^31 ms)', async () => {
    // setTimeout fires at once for longer delays; the limit (1e10 s) must not become "now".
    const r = await fixture('echoSolver').solve(tinyModel(), { timeLimitSeconds: 1e10, clock });
    expect(r).toMatchObject({ status: 'no-solution', stoppedBy: 'converged' });
  });

  it('hands the thread what is left of the limit and a clock, and no clock without one', async () => {
    const s = fixture('echoSolver');
    const timed = await s.solve(tinyModel(), { timeLimitSeconds: 30, clock });
    // bound = the time limit the thread's solver got; nodes = 1 when it got a clock.
    expect(timed).toMatchObject({ work: { lpIterations: 2, nodes: 1 } });
    const given = boundOf(timed);
    expect(given).toBeLessThanOrEqual(30);
    expect(given).toBeGreaterThan(20);
    const untimed = await s.solve(tinyModel(), {});
    expect(untimed).toMatchObject({ work: { lpIterations: 2, nodes: 0 } });
    expect(boundOf(untimed)).toBeUndefined();
  });
});

describe('threadSolver: a thread that fails is an error, not a hang', () => {
  // No time limit in these: only the failure itself can end the solve.
  it('an uncaught error in the thread', async () => {
    const r = await fixture('throwingSolver').solve(tinyModel());
    expect(r).toMatchObject({ status: 'error', message: 'the solver thread failed: boom inside the solver thread' });
  });

  it('a thread that exits', async () => {
    const r = await fixture('exitingSolver').solve(tinyModel());
    expect(r).toMatchObject({ status: 'error', message: 'the solver thread exited (code 3) without an answer' });
  });

  it('a rejected solve, after which the thread still answers', async () => {
    const s = fixture('rejectingSolver');
    expect(await s.solve(tinyModel())).toMatchObject({ status: 'error', message: 'the solver thread failed: this solver refuses every model' });
    expect(await s.solve(tinyModel())).toMatchObject({ status: 'error', message: 'the solver thread failed: this solver refuses every model' });
  });

  it('a module without the named solver', async () => {
    const r = await fixture('noSuchSolver').solve(tinyModel());
    expect(r.status).toBe('error');
    expect(r.status === 'error' ? r.message : '').toMatch(/^the solver thread failed: .*thread-solvers\.ts has no LP solver named 'noSuchSolver'$/);
  });

  it('the ILP reports the failure with its incumbent (error, so drs pack exits 1)', async () => {
    const r = await exactPack(inst, { solver: fixture('exitingSolver'), timeLimitSeconds: 30, gaSeconds: 0 });
    expect(r).toMatchObject({ status: 'error', bins: 4, solverStatus: 'error', message: 'the solver thread exited (code 3) without an answer' });
  });
});

describe('threadSolver on HiGHS', () => {
  const highs = threadSolver({ name: 'highs', url: moduleBeside(import.meta.url, '../../src/algorithms/solvers/highs'), exportName: 'highsSolver', prepare: 'prepareHighs' });
  opened.push(highs);

  it('gives the packing HiGHS gives in this thread, without a time limit', async () => {
    // Capacity 100: 30 items of 34 and 20 of 33. FFD takes 22 bins (15 × {34,34}, 6 × {33,33,33},
    // {33,33}); the optimum is 20 (10 × {34,33,33}, 10 × {34,34}), above L1 = ⌈1680/100⌉ = 17.
    const items = [...Array.from({ length: 30 }, () => [34]), ...Array.from({ length: 20 }, () => [33])];
    const hard = makeInstance('thirds', [100], items);
    const budget = { timeLimitSeconds: Infinity, maxNodes: 50, gaGenerations: 5, seed: 1 } as const;
    const here = await exactPack(hard, { ...budget, solver: highsSolver });
    const there = await exactPack(hard, { ...budget, solver: highs });
    expect(there.packing).toEqual(here.packing);
    expect({ ...there, solverSeconds: 0 }).toEqual({ ...here, solverSeconds: 0 });
  });
});
