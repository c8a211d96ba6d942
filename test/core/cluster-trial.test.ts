import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';

/* ClusterState.trial(): what-if placements and evictions (core/cluster-trial.ts), undone by rollback. */

const space = new ResourceSpace();
const pool: PoolSpec = { name: 'a', capacity: [8, 16, 0], nodes: { min: 0, max: 2, initial: 2 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} };
const req = (id: string, demand: number[]): Request => ({ id, tenant: 't', arrival: 0, demand, duration: 1, priority: 'medium' });

describe('ClusterState trials', () => {
  it('stages placements and evictions on free capacity and rolls them back exactly', () => {
    const c = ClusterState.fromPools(space, [pool]);
    c.allocate(req('x', [6, 4, 0]), 0, 0);
    const t = c.trial();
    t.evict('x');
    expect(t.isEvicted('x')).toBe(true);
    expect(Array.from(c.free(0))).toEqual([8, 16, 0]);
    t.place(req('y', [7, 2, 0]), 0);
    t.place(req('z', [8, 16, 0]), 1);
    expect(Array.from(c.free(0))).toEqual([1, 14, 0]);
    expect(() => t.place(req('w', [2, 0, 0]), 0)).toThrow(/trial: w does not fit on a-0/);
    expect(() => t.evict('x')).toThrow(/trial: cannot evict x/); // twice
    expect(() => t.evict('nope')).toThrow(/trial: cannot evict nope/);
    t.rollback();
    expect(Array.from(c.free(0))).toEqual([2, 12, 0]);
    expect(Array.from(c.free(1))).toEqual([8, 16, 0]);
    expect(c.trial().isEvicted('x')).toBe(false); // a new trial starts clean
    c.rollbackTrial();
    c.checkInvariants();
  });

  it('one trial at a time, and no real change while one is open', () => {
    const c = ClusterState.fromPools(space, [pool]);
    c.trial();
    expect(() => c.trial()).toThrow(/a trial is already open/);
    expect(() => c.allocate(req('x', [1, 1, 0]), 0, 0)).toThrow(/changed while a trial was open/);
    c.rollbackTrial();
    c.rollbackTrial(); // idempotent
    expect(c.allocate(req('x', [1, 1, 0]), 0, 0).nodeId).toBe(0);
  });
});
