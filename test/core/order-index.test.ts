import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pools: PoolSpec[] = [
  { name: 'cpu', capacity: [16, 64, 0], nodes: { min: 0, max: 400, initial: 150 }, pricePerHour: 1, latencyMs: 1, bootSeconds: 0, labels: {} },
  { name: 'gpu', capacity: [32, 128, 4], nodes: { min: 0, max: 400, initial: 70 }, pricePerHour: 1, latencyMs: 1, bootSeconds: 0, labels: {} },
];

/** The reference: a linear scan of the pool's up nodes in id order. */
function linear(state: ClusterState, pool: number, demand: readonly number[], from: number): number {
  const up = state.upNodes(pool);
  for (let i = from; i < up.length; i++) if (state.fits(up[i] as number, demand)) return up[i] as number;
  return -1;
}

describe('ClusterState.firstFit (blocked index over the up nodes in id order)', () => {
  it('answers as a linear scan through placements, releases, trials, failures and nodes coming up', () => {
    const state = ClusterState.fromPools(space, pools);
    const rng = new Rng('order-index');
    const live: string[] = [];
    const shapes = [[1, 4, 0], [4, 16, 0], [8, 32, 0], [16, 64, 0], [2, 8, 1], [8, 32, 2], [0.5, 2, 0], [31, 100, 4]];
    let seq = 0;
    const check = (): void => {
      for (const demand of shapes) {
        for (let p = 0; p < pools.length; p++) {
          const from = rng.int(3) === 0 ? rng.int(state.upNodes(p).length + 1) : 0;
          expect(state.firstFit(p, demand, from)).toBe(linear(state, p, demand, from));
        }
      }
    };
    for (let step = 0; step < 3000; step++) {
      const op = rng.int(20);
      if (op < 10 || live.length === 0) {
        const demand = shapes[rng.int(shapes.length)] as number[];
        const pool = demand[2] === 0 && rng.int(2) === 0 ? 0 : 1;
        const node = state.firstFit(pool, demand);
        if (node >= 0) {
          const r: Request = { id: `r${seq++}`, tenant: 't', arrival: 0, demand, duration: 1, priority: 'medium' };
          state.allocate(r, node, 0);
          live.push(r.id);
        }
      } else if (op < 17) {
        const k = rng.int(live.length);
        state.release(live[k] as string);
        live[k] = live[live.length - 1] as string;
        live.pop();
      } else if (op < 18) {
        // A trial: placements staged, the index asked in between, then rolled back.
        const trial = state.trial();
        for (let j = 0; j < 5; j++) {
          const demand = shapes[rng.int(shapes.length)] as number[];
          const node = state.firstFit(1, demand);
          if (node >= 0) trial.place({ id: `t${j}`, tenant: 't', arrival: 0, demand, duration: 1, priority: 'medium' }, node);
          check();
        }
        trial.rollback();
      } else if (op < 19) {
        const up = state.upNodes(rng.int(2));
        if (up.length > 0) {
          const lost = state.failNode(up[rng.int(up.length)] as number);
          const gone = new Set(lost.map((a) => a.id));
          for (let k = live.length - 1; k >= 0; k--) if (gone.has(live[k] as string)) live.splice(k, 1);
        }
      } else state.addNode(rng.int(2), 'up');
      if (step % 10 === 0) check();
    }
    check();
    state.checkInvariants();
  });
});
