import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { Allocation, PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { clusterCapacities, FairShare, planReclaim, type QuotaConfig } from '../../src/engine/quota.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';

/**
 * Quota reclaim on GPU device nodes: the victims must free the right devices (a whole GPU needs
 * an idle device), not just enough GPU in the scalar sum. x and y have no quota (all they hold is
 * borrowed); g is guaranteed one of the two GPUs.
 */
const space = new ResourceSpace(['cpu', 'gpu']);
const pool = (nodes: number): PoolSpec => ({ name: 'g', capacity: [8, 2], gpus: { count: 2, model: 'T4' }, nodes: { min: nodes, max: nodes, initial: nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} });
const req = (id: string, tenant: string, gpu: number, arrival = 0, duration = 100): Request => ({ id, tenant, arrival, demand: [1, gpu], duration, priority: 'medium' });
const quotas: QuotaConfig = { tenants: { g: { guaranteed: { gpu: 0.5 } } } };

function fairShare(state: ClusterState): FairShare {
  const fair = new FairShare(space, quotas);
  const { up, ceiling } = clusterCapacities(state);
  fair.setCapacity(up, ceiling);
  for (const a of state.allocations()) fair.add(a.request.tenant, a.request.demand);
  return fair;
}

const ids = (plan: { nodeId: number; victims: Allocation[] } | undefined) => plan && { nodeId: plan.nodeId, victims: plan.victims.map((v) => v.id) };

describe('planReclaim on GPU devices', () => {
  it('evicts when the free GPU sum holds the request but no device is idle', () => {
    // device 0: x 0.5 (started at 0); device 1: y 0.5 (started at 1). 1 GPU free in sum, as
    // 0.5 + 0.5: a whole GPU needs one of them gone; y is the youngest. Before: the scalar sum
    // "fit" with no victim, so no plan at all and g waited beside lent capacity.
    const state = ClusterState.fromPools(space, [pool(1)]);
    state.allocate(req('x', 'x', 0.5), 0, 0, 'x', [0]);
    state.allocate(req('y', 'y', 0.5), 0, 1, 'y', [1]);
    expect(ids(planReclaim(state, fairShare(state), req('g1', 'g', 1), () => true))).toEqual({ nodeId: 0, victims: ['y'] });
  });

  it('does not pick a node whose victims free the GPU sum but no device; another node can be freed', () => {
    // node 0: device 0 holds o 0.5 (not borrowed) and y 0.5 (borrowed, youngest), device 1 holds
    // o2 0.5 (not borrowed). Evicting y frees 1 GPU in sum, as 0.5 + 0.5: no idle device.
    // node 1: device 0 holds x (1 GPU, borrowed), device 1 o3 (not borrowed): evicting x frees a device.
    // Before: node 0 (one victim, lowest id) won on the scalar sum; g1 could not start there, y
    // was put back, and nothing was reclaimed.
    const state = ClusterState.fromPools(space, [pool(2)]);
    state.allocate(req('o', 'o', 0.5), 0, 0, 'o', [0]);
    state.allocate(req('o2', 'o', 0.5), 0, 0, 'o2', [1]);
    state.allocate(req('y', 'y', 0.5), 0, 5, 'y', [0]);
    state.allocate(req('x', 'x', 1), 1, 0, 'x', [0]);
    state.allocate(req('o3', 'o', 1), 1, 0, 'o3', [1]);
    const borrowed = (a: Allocation) => a.request.tenant !== 'o';
    expect(ids(planReclaim(state, fairShare(state), req('g1', 'g', 1), borrowed))).toEqual({ nodeId: 1, victims: ['x'] });
  });

  it('spares a borrowed share on a device the request does not take', () => {
    // device 0: o 0.5 (not borrowed) and y 0.5 (borrowed, youngest, started at 5); device 1:
    // x 1 GPU (borrowed, started at 1). Youngest first takes y (device 0 still half held by o),
    // then x (device 1 idle): g1 fits on device 1 without y's eviction, so y is spared.
    // Before: both were evicted, y for nothing.
    const state = ClusterState.fromPools(space, [pool(1)]);
    state.allocate(req('o', 'o', 0.5), 0, 0, 'o', [0]);
    state.allocate(req('x', 'x', 1), 0, 1, 'x', [1]);
    state.allocate(req('y', 'y', 0.5), 0, 5, 'y', [0]);
    expect(ids(planReclaim(state, fairShare(state), req('g1', 'g', 1), (a) => a.request.tenant !== 'o'))).toEqual({ nodeId: 0, victims: ['x'] });
  });

  it('plans nothing when no victims can free a device', () => {
    // device 0: o 0.5 (not borrowed) and y 0.5 (borrowed); device 1: o2 0.5 (not borrowed).
    // Evicting y frees 1 GPU in sum but no idle device: evicting it would be for nothing.
    const state = ClusterState.fromPools(space, [pool(1)]);
    state.allocate(req('o', 'o', 0.5), 0, 0, 'o', [0]);
    state.allocate(req('o2', 'o', 0.5), 0, 0, 'o2', [1]);
    state.allocate(req('y', 'y', 0.5), 0, 5, 'y', [0]);
    expect(planReclaim(state, fairShare(state), req('g1', 'g', 1), (a) => a.request.tenant !== 'o')).toBeUndefined();
  });

  it('plans nothing when the request fits a device of another node as things stand', () => {
    // node 0: x and x2 (borrowed) hold both devices; node 1: o 0.5 (not borrowed) on device 0,
    // device 1 idle. g1 (1 GPU) fits node 1 now: evicting x or x2 would be for nothing (the
    // allocator may start g1 on node 1 and leave their room to someone else).
    const state = ClusterState.fromPools(space, [pool(2)]);
    state.allocate(req('x', 'x', 1), 0, 0, 'x', [0]);
    state.allocate(req('x2', 'x', 1), 0, 1, 'x2', [1]);
    state.allocate(req('o', 'o', 0.5), 1, 0, 'o', [0]);
    expect(planReclaim(state, fairShare(state), req('g1', 'g', 1), (a) => a.request.tenant !== 'o')).toBeUndefined();
    // With o2 0.5 on node 1's device 1, node 1 has 1 GPU free in sum but no idle device: g1 fits
    // nowhere, so the youngest victim on node 0 is taken.
    state.allocate(req('o2', 'o', 0.5), 1, 0, 'o2', [1]);
    expect(ids(planReclaim(state, fairShare(state), req('g1', 'g', 1), (a) => a.request.tenant !== 'o'))).toEqual({ nodeId: 0, victims: ['x2'] });
  });
});

describe('reclaim on GPU devices, end to end', () => {
  it('simulator: a guaranteed whole-GPU request reclaims a half-GPU share when both devices are half lent', async () => {
    // x1 0.5 at 0 -> device 0; tmp 0.5 at 0 -> device 0 (the tightest share); y1 0.5 at 1 ->
    // device 1; tmp ends at 2: 0.5 free on each device. g1 (1 GPU, covered by g's guarantee)
    // arrives at 5 and reclaims y1 (the youngest borrowed share), starting at 5 on device 1.
    // Before: it waited until x1 ended at 100.
    const out = await replay({
      space,
      pools: [pool(1)],
      requests: [req('x1', 'x', 0.5), req('tmp', 'x', 0.5, 0, 2), req('y1', 'y', 0.5, 1), req('g1', 'g', 1, 5, 10)],
      seed: 1,
      allocator: createAllocator({ name: 'first-fit' }),
      queue: fcfs({ blocking: false }),
      quotas,
    });
    const { log } = out;
    const events: string[] = [];
    for (let i = 0; i < log.length; i++) {
      const k = log.kind(i);
      const r = log.requests[log.ref(i)];
      if (r === undefined || (k !== EV.start && k !== EV.preempt)) continue;
      events.push(`${log.time(i)} ${k === EV.start ? 'start' : 'preempt'} ${r.id}`);
    }
    expect(events.filter((e) => e.includes('g1') || e.includes('preempt'))).toEqual(['5 preempt y1', '5 start g1']);
  });

  it('ResourceScheduler: the same, and the owner gets the device its victim freed', () => {
    let now = 0;
    const s = new ResourceScheduler({
      clock: () => now,
      timers: false,
      strategy: 'first-fit',
      queue: { policy: 'fcfs', options: { blocking: false } },
      quotas: { tenants: { g: { guaranteed: { gpu: 0.5 } }, x: {}, y: {} } },
      pools: [{ name: 't4', capacity: { cpu: 8 }, gpus: { count: 2, model: 'T4' }, nodes: 1 }],
    });
    expect(s.allocate({ id: 'x1', tenant: 'x', demand: { cpu: 1, gpu: 0.5 } })).toMatchObject({ allocation: { devices: [0] } });
    expect(s.allocate({ id: 'tmp', tenant: 'x', demand: { cpu: 1, gpu: 0.5 } })).toMatchObject({ allocation: { devices: [0] } });
    now = 1000;
    expect(s.allocate({ id: 'y1', tenant: 'y', demand: { cpu: 1, gpu: 0.5 } })).toMatchObject({ allocation: { devices: [1] } });
    s.release('tmp');
    now = 2000;
    // 0.5 free on each GPU: g1 reclaims y1 (the youngest borrowed share) and runs on GPU 1.
    expect(s.allocate({ id: 'g1', tenant: 'g', demand: { cpu: 1, gpu: 1 } })).toMatchObject({ status: 'allocated', allocation: { devices: [1] } });
    expect(s.getAllocation('y1')).toBeUndefined();
    expect(s.getAllocation('x1')?.devices).toEqual([0]);
    s.checkInvariants();
    s.close();
  });
});
