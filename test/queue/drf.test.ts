import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { drf } from '../../src/queue/drf.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { createQueuePolicy, QUEUE_POLICY_NAMES } from '../../src/queue/registry.js';

// The example of Ghodsi et al. (NSDI'11): 9 CPUs and 18 GB; A's tasks need <1 CPU, 4 GB>
// (dominant: memory), B's <3 CPU, 1 GB> (dominant: CPU).
const space = new ResourceSpace(['cpu', 'memory']);
const cluster = (): ClusterState =>
  ClusterState.fromPools(space, [{ name: 'p', capacity: [9, 18], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }]);
const task = (id: string, tenant: 'A' | 'B'): Request => ({ id, tenant, arrival: 0, demand: tenant === 'A' ? [1, 4] : [3, 1], duration: 10, priority: 'medium' });
let seq = 0;
const q = (r: Request): QueuedRequest => ({ request: r, enqueuedAt: 0, seq: seq++, attempts: 0 });

describe('DRF queue order (progressive filling)', () => {
  it('alternates by dominant share, as in the paper', () => {
    seq = 0;
    const waiting = [q(task('a1', 'A')), q(task('a2', 'A')), q(task('a3', 'A')), q(task('a4', 'A')), q(task('b1', 'B')), q(task('b2', 'B')), q(task('b3', 'B'))];
    // Shares after each pick (A: 4/18 per task, B: 3/9 per task):
    // a1 (0 = 0, a1 older) → A 2/9; b1 (0) → B 1/3; a2 (2/9) → A 4/9; b2 (1/3) → B 2/3;
    // a3 (4/9) → A 2/3; tie 2/3 = 2/3, a4 is older than b3 → a4, then b3.
    expect(drf().order(waiting, 0, cluster()).map((x) => x.request.id)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'a4', 'b3']);
  });

  it('counts what tenants already run, and weights', () => {
    seq = 0;
    const c = cluster();
    c.allocate(task('run-b1', 'B'), 0, 0);
    c.allocate(task('run-b2', 'B'), 0, 0); // B holds 6/9 cpu: dominant share 2/3
    const waiting = [q(task('a1', 'A')), q(task('a2', 'A')), q(task('a3', 'A')), q(task('a4', 'A')), q(task('b1', 'B'))];
    // A: 0 → 2/9 → 4/9 → 2/3 (three picks below B's 2/3), then a4 (older) ties B at 2/3.
    expect(drf().order(waiting, 0, c).map((x) => x.request.id)).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
    // B with weight 4: its share counts 2/3 ÷ 4 = 1/6. A (0) → a1, A at 2/9 > 1/6 → b1, then A.
    expect(drf({ weights: { B: 4 } }).order(waiting, 0, c).map((x) => x.request.id)).toEqual(['a1', 'b1', 'a2', 'a3', 'a4']);
  });

  it('is registered by name', () => {
    expect(QUEUE_POLICY_NAMES).toContain('drf');
    expect(createQueuePolicy('drf', { weights: { A: 2 } }).name).toBe('drf');
    expect(() => createQueuePolicy('drf', { weights: { A: 0 } })).toThrow();
  });
});
