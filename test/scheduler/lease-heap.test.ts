import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { LeaseHeap } from '../../src/scheduler/lease-heap.js';

describe('LeaseHeap', () => {
  it('pops by deadline, and at equal deadlines in push order (the order the simulator expires them in)', () => {
    const h = new LeaseHeap();
    const rng = new Rng(3);
    const pushed: { at: number; n: number; id: string }[] = [];
    for (let n = 0; n < 600; n++) {
      const at = rng.int(7) * 1000;
      h.push(at, `a${n}`);
      pushed.push({ at, n, id: `a${n}` });
    }
    const got: string[] = [];
    while (h.size > 0) {
      got.push((h.peek() as { id: string }).id);
      h.pop();
    }
    expect(got).toEqual([...pushed].sort((x, y) => x.at - y.at || x.n - y.n).map((x) => x.id));
  });

  it('hand-checked: equal deadlines come out first-pushed first', () => {
    const h = new LeaseHeap();
    for (const [at, id] of [[5, 'x'], [3, 'y'], [5, 'z'], [3, 'w'], [1, 'v'], [5, 'u']] as const) h.push(at, id);
    const out: string[] = [];
    for (let top = h.peek(); top !== undefined; top = h.peek()) {
      out.push(top.id);
      h.pop();
    }
    expect(out).toEqual(['v', 'y', 'w', 'x', 'z', 'u']);
  });
});
