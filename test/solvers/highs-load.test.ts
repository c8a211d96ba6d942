import { describe, expect, it, vi } from 'vitest';

// HiGHS that cannot be loaded (e.g. WebAssembly unavailable): the module's loader rejects.
vi.mock('highs', () => ({ default: () => Promise.reject(new Error('WebAssembly is not available here')) }));

const { IlpAllocator } = await import('../../src/algorithms/ilp.js');
const { LpModelBuilder, prepareSolvers, solve } = await import('../../src/algorithms/solvers/index.js');

describe('HiGHS that cannot load', () => {
  it('makes prepare() fail with a clear message, for the solvers and the ilp allocator', async () => {
    await expect(prepareSolvers()).rejects.toThrow(/could not load the HiGHS solver.*WebAssembly is not available here/);
    await expect(new IlpAllocator().prepare()).rejects.toThrow(/could not load the HiGHS solver/);
  });

  it('does not switch to another backend behind the caller: the solve reports the error', async () => {
    const b = new LpModelBuilder('max');
    const xs = Array.from({ length: 60 }, (_, j) => b.addVar({ ub: 1, integer: true, cost: 1 + (j % 7) }));
    b.addConstraint({ vars: xs, coefs: xs.map((_, j) => 1 + (j % 5)) }, { ub: 40 });
    const r = await solve(b.build()); // 'auto' picks HiGHS for a model this size
    expect(r).toMatchObject({ backend: 'highs', status: 'error' });
    if (r.status === 'error') expect(r.message).toMatch(/could not load HiGHS/);
  });

  it('the jslp-only ilp allocator needs no HiGHS', async () => {
    await expect(new IlpAllocator({ backend: 'jslp' }).prepare()).resolves.toBeUndefined();
  });
});
