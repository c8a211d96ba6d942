import { describe, expect, it } from 'vitest';
import { ClusterState, type NodeStatus } from '../../src/core/cluster.js';
import { CapacityError } from '../../src/core/errors.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

const space = new ResourceSpace();
const P = (name: string, capacity: number[], n: number, extra: Partial<PoolSpec> = {}): PoolSpec => ({
  name, capacity, nodes: { min: 0, max: 10_000, initial: n }, pricePerHour: 1, latencyMs: 10, bootSeconds: 0, labels: {}, ...extra,
});
const req = (id: string, demand: number[]): Request => ({ id, tenant: 't', arrival: 0, demand, duration: 1, priority: 'medium' });
const STATUSES: NodeStatus[] = ['booting', 'up', 'failed', 'removed'];

describe('ClusterState under node churn', () => {
  it('a removed node keeps its id, pool and name but no per-node state; counts and indexes stay exact', () => {
    const pools = [P('a', [8, 32, 0], 2, { nodeNames: ['alpha', 'beta', 'gamma'] }), P('b', [4, 16, 0], 1)];
    const c = ClusterState.fromPools(space, pools);
    const names = new Map<number, string>();
    for (let id = 0; id < c.nodeCount; id++) names.set(id, c.nodeName(id));
    const rng = new Rng(11);
    let next = 0;
    for (let step = 0; step < 3000; step++) {
      const r = rng.next();
      const id = Math.floor(rng.next() * c.nodeCount);
      const st = c.nodeStatus(id);
      if (r < 0.2) {
        const nid = c.addNode(rng.next() < 0.5 ? 0 : 1, rng.next() < 0.5 ? 'up' : 'booting');
        names.set(nid, c.nodeName(nid));
      } else if (r < 0.45) {
        if (st === 'up' && c.fits(id, [1, 2, 0])) c.allocate(req(`r${next++}`, [1, 2, 0]), id, step);
      } else if (r < 0.6) {
        const mine = [...c.allocationsOn(id)];
        if (mine.length > 0) c.release((mine[0] as { id: string }).id);
      } else if (r < 0.7) {
        if (st === 'up') c.failNode(id);
      } else if (r < 0.8) {
        if (st === 'failed' || st === 'booting') c.bringUp(id);
      } else if (st !== 'removed' && [...c.allocationsOn(id)].length === 0) {
        c.removeNode(id);
      }
      c.checkInvariants();
      let own = 0;
      for (let p = 0; p < pools.length; p++) {
        for (const s of STATUSES) {
          let k = 0;
          for (let n = 0; n < c.nodeCount; n++) if (c.nodePool(n) === p && c.nodeStatus(n) === s) k++;
          expect(c.countNodes(p, s)).toBe(k);
          if (s !== 'removed') own += k;
        }
      }
      expect(c.nodeRecords).toBe(own);
    }
    let removed = 0;
    for (let id = 0; id < c.nodeCount; id++) {
      expect(c.nodeName(id)).toBe(names.get(id));
      if (c.nodeStatus(id) !== 'removed') continue;
      removed++;
      expect(Array.from(c.free(id))).toEqual(pools[c.nodePool(id)]?.capacity);
      expect(Array.from(c.capacity(id))).toEqual(pools[c.nodePool(id)]?.capacity);
      expect([...c.allocationsOn(id)]).toEqual([]);
      expect(c.fits(id, [0, 0, 0])).toBe(false);
    }
    expect(removed).toBeGreaterThan(100);
    expect(c.nodeName(0)).toBe('alpha');
    for (let p = 0; p < pools.length; p++) for (const id of c.upNodes(p)) expect(c.nodeStatus(id)).toBe('up');
  });

  it('removed nodes hold no record of their own: records follow the live fleet, not every node ever added', () => {
    const c = new ClusterState(space, [P('p', [8, 32, 0], 0)]);
    for (let cycle = 0; cycle < 50; cycle++) {
      const ids = Array.from({ length: 20 }, () => c.addNode(0, 'up'));
      expect(c.nodeRecords).toBe(20);
      for (const id of ids) c.removeNode(id);
      expect(c.nodeRecords).toBe(0);
    }
    expect(c.nodeCount).toBe(1000);
    expect(c.countNodes(0, 'removed')).toBe(1000);
    expect(c.nodeName(999)).toBe('p-999');
    expect(c.bestFit(0, [1, 1, 0])).toBe(-1);
    expect(c.firstFit(0, [1, 1, 0])).toBe(-1);
    c.checkInvariants();
  });

  it('a removed node cannot come back, fail, or take work; removing it again changes nothing', () => {
    const c = ClusterState.fromPools(space, [P('p', [8, 32, 0], 2)]);
    c.removeNode(1);
    expect(() => c.bringUp(1)).toThrow(/node p-1 was removed/);
    expect(() => c.failNode(1)).toThrow(CapacityError);
    expect(() => c.allocate(req('x', [1, 1, 0]), 1, 0)).toThrow(/node p-1 is removed/);
    c.removeNode(1);
    expect(c.countNodes(0, 'removed')).toBe(1);
    expect(c.countNodes(0, 'up')).toBe(1);
    c.checkInvariants();
  });

  it("a node added after a removal takes the pool's next inventory name, never a removed node's", () => {
    // The k-th node of a pool is named nodeNames[k]; k counts every node the pool ever had,
    // removed ones included (their records are gone, so k comes from the per-status counts).
    const c = ClusterState.fromPools(space, [P('p', [8, 32, 0], 2, { nodeNames: ['alpha', 'beta', 'gamma', 'delta'] }), P('q', [4, 16, 0], 1)]);
    c.removeNode(1);
    c.failNode(0);
    expect(c.nodeName(c.addNode(0, 'up'))).toBe('gamma'); // after a removed and a failed node
    c.removeNode(0);
    expect(c.nodeName(c.addNode(0, 'booting'))).toBe('delta');
    expect(c.nodeName(c.addNode(0, 'up'))).toBe('p-5');
    expect([0, 1].map((id) => c.nodeName(id))).toEqual(['alpha', 'beta']);
    c.checkInvariants();
  });

  it('a removed GPU device node forgets its devices', () => {
    const gspace = new ResourceSpace(['cpu', 'memory', 'gpu']);
    const c = ClusterState.fromPools(gspace, [P('g', [8, 32, 2], 2, { gpus: { count: 2, model: 'A100' } })]);
    c.allocate(req('x', [1, 1, 0.5]), 0, 0);
    c.release('x');
    expect(c.gpuFree(1)).toBeDefined();
    c.removeNode(1);
    expect(c.gpuFree(1)).toBeUndefined();
    expect(c.fits(1, [0, 0, 0])).toBe(false);
    c.checkInvariants();
  });
});
