import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { createQueuePolicy } from '../../src/queue/registry.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { replay } from '../../src/sim/replay.js';

/*
 * With a horizon, nodes are billed until it whatever the last event (docs/scenarios.md). The
 * scaling ticks used to stop once the trace was over and the work done, so a pool grown for a
 * burst was billed at its peak size until the horizon, never scaled in: 4 nodes for 2 h where
 * the policy would have kept 1. The policy now keeps deciding until the horizon.
 *
 * By hand: one pool of 4-cpu nodes, min 1, max 4, initial 1, no boot, price 3.6/h (1 per 1000
 * node-seconds); four 4-cpu requests of 600 s at t = 0; reactive, target 0.5, a 60-s scale-down
 * stabilization, a tick every 15 s. t = 0: r1 starts on node 0 (the first tick saw no work).
 * t = 15: 1 running + 3 queued on 1 node, m = 4 → ceil(4 / 0.5) = 8, clamped to 4: nodes 1-3
 * start r2-r4; every tick to 600 recommends 4 (at 600, r1 done: m = 3/4, r = 1.5, 6 → 4).
 * t = 615: all done, the raw recommendation is min 1, but the window (600 s, still inside it)
 * holds 4; at 660 the window (600, 660] holds only 1s: nodes 1-3 are removed. The last tick of
 * the old rule was 615 (nothing ran or waited), so the 4 nodes stayed until the horizon. Billed
 * now: node 0 for the whole run, nodes 1-3 for 15-660 s.
 */

const space = new ResourceSpace(['cpu']);
const pools: PoolSpec[] = [{ name: 'w', capacity: [4], nodes: { min: 1, max: 4, initial: 1 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 0, labels: {} }];
const requests: Request[] = [1, 2, 3, 4].map((i) => ({ id: `r${i}`, tenant: 't', arrival: 0, demand: [4], duration: 600, priority: 'medium' }));

async function run(horizon?: number) {
  const out = await replay({
    space,
    pools,
    requests,
    allocator: createAllocator({ name: 'first-fit' }),
    queue: createQueuePolicy('fcfs'),
    scaling: createScalingPolicy('reactive', { target: 0.5, scaleDown: { stabilizationSeconds: 60 } }, { seed: '1', dimensions: space.names }),
    seed: 1,
    ...(horizon !== undefined ? { horizon } : {}),
  });
  const removed: [number, number][] = [];
  for (let i = 0; i < out.log.length; i++) if (out.log.kind(i) === EV.nodeRemove) removed.push([out.log.node(i), out.log.time(i)]);
  return { removed, cost: computeMetrics(out.log, space.names).cost, endTime: out.endTime };
}

describe('autoscaling until the horizon', () => {
  it('scales the pool in once the work is done, and bills the nodes removed only until then', async () => {
    const r = await run(7200);
    expect(r.removed).toEqual([
      [3, 660],
      [2, 660],
      [1, 660],
      [0, 7200],
    ]);
    // 7200 + 3 × 645 = 9135 node-seconds, × 3.6 / 3600 = 9.135 (was 7200 + 3 × 7185 = 28,755: 28.755).
    expect(r.cost.nodeHours * 3600).toBeCloseTo(9135, 9);
    expect(r.cost.total).toBeCloseTo(9.135, 12);
    expect(r.cost.perCompleted).toBeCloseTo(9.135 / 4, 12);
  });

  it('without a horizon the run still ends with the last completion', async () => {
    const r = await run();
    expect(r.endTime).toBe(615);
    // The run ends at 615, before the window lets the pool shrink: node 0 for 615 s, nodes 1-3
    // for 600 s, 2415 node-seconds (as before).
    expect(r.cost.nodeHours * 3600).toBeCloseTo(2415, 9);
  });
});
