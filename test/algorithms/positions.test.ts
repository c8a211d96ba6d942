import { describe, expect, it } from 'vitest';
import { positionOf } from '../../src/algorithms/positions.js';
import type { Request } from '../../src/core/model.js';
import { Rng } from '../../src/core/rng.js';

const req = (id: string): Request => ({ id, tenant: 't', arrival: 0, demand: [1], duration: 1, priority: 'medium' });

/** The answer of a full scan. */
function recount(requests: readonly Request[], id: string): number | undefined {
  const i = requests.findIndex((r) => r.id === id);
  return i < 0 ? undefined : i;
}

describe('positionOf', () => {
  // Request ids are unique within a decision's batch (a batch that repeats one cannot be answered
  // exactly once per request, and decideAndApply refuses it), so the arrays here keep them unique.
  it('equals a full recount after random changes to the arrays it is asked about, in place or new', () => {
    const rng = new Rng('positions');
    const pool = Array.from({ length: 40 }, (_, i) => req(`r${i}`));
    const arrays: Request[][] = [[], [], []];
    for (let step = 0; step < 3000; step++) {
      const a = arrays[rng.int(arrays.length)] as Request[];
      const op = rng.int(5);
      const absent = pool.filter((x) => !a.includes(x));
      const r = absent.length === 0 ? undefined : absent[rng.int(absent.length)];
      // In place: push, remove, overwrite, swap two, reverse (positions move, ids come and go).
      if (op === 0 && r !== undefined) a.push(r);
      else if (op === 1 && a.length > 0) a.splice(rng.int(a.length), 1);
      else if (op === 2 && a.length > 0 && r !== undefined) a[rng.int(a.length)] = r;
      else if (op === 3 && a.length > 1) {
        const i = rng.int(a.length);
        const j = rng.int(a.length);
        [a[i], a[j]] = [a[j] as Request, a[i] as Request];
      } else if (op === 4) a.reverse();
      for (let k = 0; k < 3; k++) {
        const id = (pool[rng.int(pool.length)] as Request).id;
        expect(positionOf(a, id), `step ${step}, ${id}`).toBe(recount(a, id));
      }
    }
  });

  it('answers each of several arrays asked in turn, and an unknown id with undefined', () => {
    const a = [req('x'), req('y')];
    const b = [req('y'), req('z'), req('x')];
    expect([positionOf(a, 'y'), positionOf(b, 'y'), positionOf(a, 'x'), positionOf(b, 'x')]).toEqual([1, 0, 0, 2]);
    expect(positionOf(b, 'nope')).toBeUndefined();
    expect(positionOf([], 'x')).toBeUndefined();
  });
});
