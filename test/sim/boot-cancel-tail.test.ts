import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { ScalingPolicy } from '../../src/autoscale/policy.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { replay } from '../../src/sim/replay.js';

/*
 * A booting node the autoscaler cancels must not stretch the run to the time its boot would have
 * ended (as a withdrawn repair must not: failure-repair-tail.test.ts). By hand: one pool of 4-cpu
 * nodes at $1/h, min 1, initial 1, boot 600 s; one 4-cpu request of 100 s at t = 0; a policy
 * ticking every 60 s that asks for a node at t = 0 and gives one back at t = 60 (planScaleSteps
 * cancels the booting node). Ticks at 0 and 60; the work ends at 100, and the run with it (the
 * tick at 120 would see nothing running or waiting: test/sim/scaling-run-end.test.ts): node 0
 * billed 100 s, node 1 60 s, 160 node-seconds. The cancelled node's boot event stayed in the
 * kernel and moved the run's end to 600: node 0 billed 600 s (0.183 node-hours).
 */
const space = new ResourceSpace(['cpu']);
const pool: PoolSpec = { name: 'a', capacity: [4], nodes: { min: 1, max: 4, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 600, labels: {} };
const request: Request = { id: 'a', tenant: 't', arrival: 0, demand: [4], duration: 100, priority: 'medium' };
const upThenDown: ScalingPolicy = {
  name: 'up-then-down',
  intervalSeconds: 60,
  decide: ({ now }) => (now === 0 ? [{ pool: 0, delta: 1, reason: 'up' }] : now === 60 ? [{ pool: 0, delta: -1, reason: 'down' }] : []),
};

describe('a booting node cancelled by scale-in', () => {
  it('does not stretch the run or the bill to its boot time', async () => {
    const out = await replay({ space, pools: [pool], seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(), requests: [request], scaling: upThenDown });
    const removed: [number, number][] = [];
    let ups = 0;
    for (let i = 0; i < out.log.length; i++) {
      if (out.log.kind(i) === EV.nodeRemove) removed.push([out.log.node(i), out.log.time(i)]);
      if (out.log.kind(i) === EV.nodeUp) ups++;
    }
    expect(ups).toBe(1); // node 1 never came up
    expect(removed).toEqual([
      [1, 60],
      [0, 100],
    ]);
    expect(out.endTime).toBe(100);
    expect(computeMetrics(out.log, space.names).cost.nodeHours * 3600).toBeCloseTo(160, 9);
  });
});
