import { describe, expect, it } from 'vitest';
import { EndHeap } from '../../src/core/end-heap.js';
import { Rng } from '../../src/core/rng.js';

describe('EndHeap', () => {
  it('pops by time, equal times in the order pushed, against a stable sort', () => {
    const rng = new Rng('end-heap');
    const h = new EndHeap<number>();
    const pushed: [number, number][] = [];
    const popped: number[] = [];
    for (let i = 0; i < 2000; i++) {
      if (h.size > 0 && rng.bernoulli(0.4)) popped.push(h.pop());
      else {
        const t = rng.int(20); // many equal times
        h.push(t, i);
        pushed.push([t, i]);
      }
    }
    while (h.size > 0) popped.push(h.pop());
    expect(popped.length).toBe(pushed.length);
    // Replay the same operations on a stable-sorted list.
    const rng2 = new Rng('end-heap');
    const list: [number, number][] = [];
    const want: number[] = [];
    for (let i = 0; i < 2000; i++) {
      if (list.length > 0 && rng2.bernoulli(0.4)) want.push((list.shift() as [number, number])[1]);
      else {
        const t = rng2.int(20);
        const at = list.findIndex(([u]) => u > t);
        list.splice(at < 0 ? list.length : at, 0, [t, i]);
      }
    }
    want.push(...list.map(([, i]) => i));
    expect(popped).toEqual(want);
  });

  it('clones independently, keeping the order of equal times', () => {
    const h = new EndHeap<string>();
    h.push(5, 'a');
    h.push(3, 'b');
    h.push(5, 'c');
    const c = h.clone();
    c.push(1, 'd');
    expect([h.pop(), h.pop(), h.pop()]).toEqual(['b', 'a', 'c']);
    expect(c.first).toBe(1);
    expect([c.pop(), c.pop(), c.pop(), c.pop()]).toEqual(['d', 'b', 'a', 'c']);
    expect(c.first).toBe(Infinity);
  });
});
