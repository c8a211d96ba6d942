import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { replay } from '../../src/sim/replay.js';

/*
 * A repair still to come when the work is done must not stretch the run, for the reason random
 * draws must not (FailureInjector.settle): the clock, the run's end and every node's bill would
 * move to a repair nothing could use. Three 4-cpu nodes at $1/h, two 3000-s jobs at t = 0, random
 * failures (MTBF 3000 s) with a 10-hour repair. Seed 2 (hand-traced from the log): node 0 fails at
 * t = 178.02 s, its job restarts on node 2 and completes at 3178.02 s. The repair was due at
 * 36,178 s; the run ran to it, billing 3 nodes for 10 h (30.15 node-hours) instead of 2.65.
 */
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (n: number): PoolSpec => ({ name: 'a', capacity: [4, 16, 0], nodes: { min: 0, max: 8, initial: n }, pricePerHour: 1, latencyMs: 5, bootSeconds: 60, labels: {} });
const r = (id: string, duration: number): Request => ({ id, tenant: 't', arrival: 0, demand: [4, 1, 0], duration, priority: 'medium' });

async function run(seed: number) {
  const out = await replay({
    space, pools: [pool(3)], seed, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(),
    requests: [r('a', 3000), r('b', 3000)],
    failures: { random: { mtbfSeconds: 3000, repairSeconds: 36_000 } },
  });
  let last = 0;
  const fails: number[] = [];
  for (let i = 0; i < out.log.length; i++) {
    if (out.log.kind(i) === EV.complete) last = Math.max(last, out.log.time(i));
    if (out.log.kind(i) === EV.nodeFail) fails.push(out.log.time(i));
  }
  return { out, last, fails };
}

describe('a repair due after the work is done', () => {
  it('does not stretch the run or the bill (seed 2, hand-traced)', async () => {
    const { out, last, fails } = await run(2);
    expect(fails).toHaveLength(1);
    expect(fails[0]).toBeCloseTo(178.02, 2);
    expect(last).toBeCloseTo(3178.02, 2); // the evicted job ran again from the start
    expect(out.endTime).toBe(last);
    // 3 nodes × 3178.02 s (the failed one billed while failed) = 2.65 node-hours.
    expect(computeMetrics(out.log, ['cpu', 'memory', 'gpu']).cost.nodeHours).toBeCloseTo((3 * last) / 3600, 9);
  });

  it('ends with the last completion whatever the seed', async () => {
    for (const seed of [1, 3, 4, 5]) {
      const { out, last } = await run(seed);
      expect(out.endTime).toBe(last);
    }
  });
});
