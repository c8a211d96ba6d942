import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { bfd, decreasingOrder, makeInstance } from '../../src/packing/index.js';
import type { Packing, PackingInstance } from '../../src/packing/index.js';
import { bestFitInto } from '../../src/packing/bfd.js';
import { Workspace, bestFitDecreasing, binOf } from '../../src/packing/regroup.js';

/**
 * Best fit picks the open bin the item leaves fullest. Sizes are integers, so that choice is exact
 * arithmetic; it was made on the normalised room Σ_k (C_k − load_k − w_k) / C_k with an absolute
 * 1e-12 tie tolerance, under which every bin of a capacity ≥ 10^12 whose rooms differ by a few
 * units "ties" and the first one wins, however much looser it is.
 */

/** The bin best fit must choose, by exact rational arithmetic (BigInt): the fullest that fits, ties to the lowest index. */
function exactBestFit(inst: PackingInstance, loads: readonly (readonly number[])[], item: number): number {
  const d = inst.dims;
  const caps = inst.capacity.map(BigInt);
  const product = caps.reduce((a, c) => a * c, 1n);
  // fill · Π C_k = Σ_k load_k · Π_{j≠k} C_j: an integer, so fills compare exactly.
  const scaledFill = (load: readonly number[]): bigint => load.reduce((s, l, k) => s + BigInt(l) * (product / (caps[k] as bigint)), 0n);
  let best = -1;
  let bestFill = -1n;
  loads.forEach((load, b) => {
    for (let k = 0; k < d; k++) if ((load[k] ?? 0) + (inst.sizes[item * d + k] ?? 0) > (inst.capacity[k] ?? 0)) return;
    const f = scaledFill(load);
    if (f > bestFill) {
      best = b;
      bestFill = f;
    }
  });
  return best;
}

/** Best-fit decreasing by the exact rule above. */
function exactBfd(inst: PackingInstance): Packing {
  const d = inst.dims;
  const bins: number[][] = [];
  const loads: number[][] = [];
  for (const i of decreasingOrder(inst)) {
    const b = exactBestFit(inst, loads, i);
    const size = Array.from({ length: d }, (_, k) => inst.sizes[i * d + k] ?? 0);
    if (b < 0) {
      bins.push([i]);
      loads.push(size);
    } else {
      (bins[b] as number[]).push(i);
      loads[b] = (loads[b] as number[]).map((l, k) => l + (size[k] ?? 0));
    }
  }
  return bins;
}

const CAPACITIES = [1e12, 1e13, 1e14, 1e15];

describe('best fit at capacities of 10^12 to 10^15', () => {
  it.each(CAPACITIES)('capacity %d: an item goes to the bin it leaves 1 unit free, not to an earlier one it leaves 2 units free', (cap) => {
    // Bins hold cap − 3 and cap − 2; an item of size 1 leaves them 2 and 1 units free.
    const inst = makeInstance('big', [cap], [[cap - 3], [cap - 2], [1]]);
    const bins = [[0], [1]];
    bestFitInto(inst, [2], bins, [[cap - 3], [cap - 2]]);
    expect(bins).toEqual([[0], [1, 2]]);
    // The GA's repair packs leftovers with its own best fit.
    const ws = new Workspace(inst);
    const wsBins = [binOf(ws, [0]), binOf(ws, [1])];
    bestFitDecreasing(ws, wsBins, [2]);
    expect(wsBins.map((b) => b.items)).toEqual([[0], [1, 2]]);
  });

  it.each(CAPACITIES)('capacity %d: two dimensions, the bin fuller by 1 unit of the first dimension wins', (cap) => {
    const inst = makeInstance('big2', [cap, 2 * cap], [[cap - 5, 7], [cap - 4, 7], [1, 1]]);
    const bins = [[0], [1]];
    bestFitInto(inst, [2], bins, [[cap - 5, 7], [cap - 4, 7]]);
    expect(bins).toEqual([[0], [1, 2]]);
  });

  it.each(CAPACITIES)('capacity %d: an exact tie (equal fill, different loads) goes to the lower-numbered bin', (cap) => {
    // Fills (cap − 4)/cap + 10/(2cap) and (cap − 3)/cap + 8/(2cap) are equal.
    const inst = makeInstance('tie', [cap, 2 * cap], [[cap - 4, 10], [cap - 3, 8], [1, 1]]);
    for (const [first, second] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const loads = [[cap - 4, 10], [cap - 3, 8]];
      const bins = [[first], [second]];
      bestFitInto(inst, [2], bins, [loads[first] as number[], loads[second] as number[]]);
      expect(bins).toEqual([[first, 2], [second]]);
    }
  });

  it.each([
    [1e12, [3, 7, -10]],
    [1e13, [1, 2, -3]],
    [1e15, [1, 2, -3]],
  ] as const)('capacity %d in three dimensions: loads %j apart tie exactly though their float fills differ by rounding', (cap, delta) => {
    // Σ_k δ_k / C = 0 exactly, but the float sum is ~1e-27..1e-31, not 0: still a tie, in either order.
    const base = [cap / 2, cap / 2, cap / 2];
    const other = base.map((x, k) => x + (delta[k] ?? 0));
    const inst = makeInstance('tie3', [cap, cap, cap], [base, other, [1, 1, 1]]);
    for (const [first, second] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const loads = [[...base], [...other]]; // bestFitInto adds to the chosen load in place
      const bins = [[first], [second]];
      bestFitInto(inst, [2], bins, [loads[first] as number[], loads[second] as number[]]);
      expect(bins).toEqual([[first, 2], [second]]);
    }
  });

  it('BFD equals exact-arithmetic BFD on 600 near-tie instances (1 to 3 dimensions, capacities 10^12 to 10^15)', () => {
    const rng = new Rng('large-capacity-ties');
    for (let t = 0; t < 600; t++) {
      const d = 1 + (t % 3);
      const caps = Array.from({ length: d }, () => (CAPACITIES[rng.int(CAPACITIES.length)] as number) + rng.int(1000));
      // Big items just around C/2 and C/3, then tiny ones (1 to 30 units): the bins the tiny items
      // choose from are a few units apart, where the old tolerance saw ties.
      const big = Array.from({ length: 2 + rng.int(6) }, () => {
        const part = 2 + rng.int(2);
        return caps.map((c) => Math.floor(c / part) - rng.int(40));
      });
      const tiny = Array.from({ length: 1 + rng.int(6) }, () => caps.map(() => 1 + rng.int(30)));
      const items = [...big, ...tiny];
      const inst = makeInstance(`near-tie-${t}`, caps, items);
      expect(bfd(inst), inst.name).toEqual(exactBfd(inst));
    }
  });
});
