import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { poolScalingStates } from '../../src/autoscale/observe.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { createQueuePolicy } from '../../src/queue/registry.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';

/*
 * Queued demand goes to the cheapest eligible pool that may still grow. It went to the cheapest
 * one whether or not it could grow: next to a fixed (or full) cheap pool an elastic dearer pool
 * saw no demand and never scaled, even when a policy managed only the dear pool (the workaround
 * docs/autoscaling.md gave), and the work queued on the cheap pool's one node.
 */

const space = new ResourceSpace(['cpu']);
const pool = (name: string, price: number, nodes: PoolSpec['nodes']): PoolSpec => ({ name, capacity: [4], nodes, pricePerHour: price, latencyMs: 0, bootSeconds: 0, labels: {} });
const req = (id: string): Request => ({ id, tenant: 't', arrival: 0, demand: [4], duration: 600, priority: 'medium' });

describe('queued demand per pool (poolScalingStates)', () => {
  it('fills the cheap pool up to its max, then spills over to the next cheapest', () => {
    // cheap: 1 node up of max 2 (room 1); dear: 0 of max 4 (room 4). Three 1-node requests wait.
    const state = new ClusterState(space, [pool('cheap', 1, { min: 1, max: 2, initial: 1 }), pool('dear', 10, { min: 0, max: 4, initial: 0 })]);
    state.addNode(0, 'up');
    const waiting = [req('a'), req('b'), req('c')];
    expect(poolScalingStates(state, waiting).map((s) => s.queuedNodes)).toEqual([1, 2]);
    // The cheap pool with a node booting has no room left: all three go to the dear pool.
    state.addNode(0, 'booting');
    expect(poolScalingStates(state, waiting).map((s) => s.queuedNodes)).toEqual([0, 3]);
  });

  it('counts demand towards the cheapest pool when no pool may grow (as before)', () => {
    const state = new ClusterState(space, [pool('cheap', 1, { min: 1, max: 1, initial: 1 }), pool('dear', 10, { min: 1, max: 1, initial: 1 })]);
    state.addNode(0, 'up');
    state.addNode(1, 'up');
    expect(poolScalingStates(state, [req('a'), req('b')]).map((s) => s.queuedNodes)).toEqual([2, 0]);
  });
});

describe('an elastic pool next to a fixed cheap one', () => {
  const pools = [pool('cheap', 1, { min: 1, max: 1, initial: 1 }), pool('dear', 10, { min: 0, max: 4, initial: 0 })];

  it('scales out in the simulator: the overflow starts on it at the next tick instead of queuing for 40 min', async () => {
    for (const options of [{}, { pools: ['dear'] }]) {
      // Five 1-node requests of 600 s at t = 0: r1 starts on the cheap node; the tick at 15 s sees
      // 4 nodes of demand on 'dear' (reactive 0.8: ceil(4 / 0.8) = 5, clamped to 4), no boot time:
      // r2-r5 start there at 15 s. Before: one after the other on the cheap node, the last at 2400 s.
      const out = await replay({
        space,
        pools,
        requests: ['r1', 'r2', 'r3', 'r4', 'r5'].map(req),
        allocator: createAllocator({ name: 'first-fit' }),
        queue: createQueuePolicy('priority'),
        scaling: createScalingPolicy('reactive', options, { seed: '1', dimensions: space.names }),
        seed: 1,
      });
      const starts: [string, number, string][] = [];
      for (let i = 0; i < out.log.length; i++) {
        if (out.log.kind(i) !== EV.start) continue;
        const node = out.log.node(i);
        starts.push([(out.log.requests[out.log.ref(i)] as Request).id, out.log.time(i), (pools[out.log.nodePool[node] as number] as PoolSpec).name]);
      }
      expect(starts, JSON.stringify(options)).toEqual([
        ['r1', 0, 'cheap'],
        ['r2', 15, 'dear'],
        ['r3', 15, 'dear'],
        ['r4', 15, 'dear'],
        ['r5', 15, 'dear'],
      ]);
    }
  });

  it('scales out in ResourceScheduler (the same rule)', () => {
    const s = new ResourceScheduler({
      timers: false,
      clock: () => 0,
      dimensions: ['cpu'],
      pools: [
        { name: 'cheap', capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 },
        { name: 'dear', capacity: { cpu: 4 }, nodes: { min: 0, max: 4, initial: 0 }, pricePerHour: 10 },
      ],
      queue: { policy: 'priority' },
      scaling: { policy: 'reactive' },
    });
    expect(s.allocate({ id: 'a', tenant: 't', demand: { cpu: 4 } }, 600_000).status).toBe('allocated');
    expect(s.allocate({ id: 'b', tenant: 't', demand: { cpu: 4 } }, 600_000).status).toBe('queued');
    // One node of demand on 'dear': ceil(1 / 0.8) = 2 nodes (before: none, 'cheap' was at its max).
    expect(s.scale().map((e) => [e.pool, e.action])).toEqual([
      ['dear', 'provision'],
      ['dear', 'up'],
      ['dear', 'provision'],
      ['dear', 'up'],
    ]);
    expect(s.getAllocation('b')?.pool).toBe('dear');
    s.close();
  });
});
