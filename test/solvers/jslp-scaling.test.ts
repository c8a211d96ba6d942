import { describe, expect, it } from 'vitest';
import { jslpSolver } from '../../src/algorithms/solvers/index.js';
import { exactPack, makeInstance } from '../../src/packing/index.js';

/**
 * javascript-lp-solver's tolerances are absolute: on the assignment model of bin packing with
 * sizes near 10^9 (and an item exactly the capacity) it called a model with a known solution
 * infeasible, so the exact strategy ended in error. Found by fuzzing the strategies against brute
 * force with the jslp backend injected; each row is now scaled to a largest coefficient of 1.
 */
describe('javascript-lp-solver with coefficients near 10^9', () => {
  it('solves the assignment model of a 2-D instance with an item equal to the capacity (3 bins)', async () => {
    // Item 0 fills dimension 0 of its bin exactly; items 1 and 2 overflow dimension 1 together
    // (376,349,755 + 761,226,369 = 1,137,576,124 > 913,963,259): three bins, and the solver proves it.
    const inst = makeInstance('big-2d', [932_498_429, 913_963_259], [[932_498_429, 0], [506_864_639, 376_349_755], [326_248_703, 761_226_369]]);
    const r = await exactPack(inst, { solver: jslpSolver, timeLimitSeconds: Infinity, maxNodes: 1000, gaGenerations: 0, maxArcs: 1 });
    expect(r.model).toBe('assignment');
    expect(r).toMatchObject({ bins: 3, status: 'optimal', solverStatus: 'optimal' });
  });

  it('solves a 4-D one (5 bins by brute force)', async () => {
    const inst = makeInstance('big-4d', [991_717_494, 707_689_454, 845_875_791, 986_774_237], [
      [473_567_978, 138_796_964, 149_363_346, 926_448_187],
      [0, 341_250_687, 740_025_839, 175_145_638],
      [162_201_541, 80_993_218, 63_083_448, 308_709_157],
      [788_144_234, 196_363_196, 845_875_791, 0],
      [486_004_233, 0, 845_875_791, 778_206_206],
      [0, 647_142_795, 282_520_197, 722_935_142],
    ]);
    const r = await exactPack(inst, { solver: jslpSolver, timeLimitSeconds: Infinity, maxNodes: 1000, gaGenerations: 0, maxArcs: 1 });
    expect(r).toMatchObject({ bins: 5, status: 'optimal', solverStatus: 'optimal' });
  });
});
