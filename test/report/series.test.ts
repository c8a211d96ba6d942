import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { replay } from '../../src/sim/replay.js';
import { niceStep, sampleSeries } from '../../src/sim/series.js';

// One node of 4 cpu at $2/h. r0 (2 cpu, 10 s) and r1 (3 cpu, 10 s) arrive at 0; r1 does not fit
// beside r0 and starts at 10. By hand: utilization 2/4 on [0,10) and 3/4 on [10,20); one request
// waits on [0,10); waits 0 and 10 s; the tenant holds (2·10 + 3·10) / (4·20) = 0.625 of the cpu.
async function run() {
  const space = new ResourceSpace(['cpu']);
  const out = await replay({
    space, seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(),
    pools: [{ name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 2, latencyMs: 0, bootSeconds: 0, labels: {} }],
    requests: [
      { id: 'r0', tenant: 't', arrival: 0, demand: [2], duration: 10, priority: 'medium' as const },
      { id: 'r1', tenant: 't', arrival: 0, demand: [3], duration: 10, priority: 'medium' as const },
    ],
  });
  return out.log;
}

describe('sampleSeries', () => {
  it('bins time averages that match the hand-computed run', async () => {
    const s = sampleSeries(await run(), ['cpu'], { maxBins: 4 });
    expect(s.step).toBe(5);
    expect(s.t).toEqual([0, 5, 10, 15]);
    expect(s.utilization.cpu).toEqual([0.5, 0.5, 0.75, 0.75]);
    expect(s.queue).toEqual([1, 1, 0, 0]);
    expect(s.costRate).toEqual([2, 2, 2, 2]);
    expect(s.nodes.p?.up).toEqual([1, 1, 1, 1]);
    expect(s.demand.cpu?.demand).toEqual([5, 5, 3, 3]);
    expect(s.waitCdf.medium).toEqual({ wait: [0, 10], fraction: [0.5, 1], started: 2, total: 2 });
    expect(s.tenants.t).toEqual({ completed: 2, share: { cpu: 0.625 } });
    expect(s.gantt?.map((b) => [b.request, b.start, b.end, b.end_])).toEqual([
      ['r0', 0, 10, 'complete'],
      ['r1', 10, 20, 'complete'],
    ]);
  });

  it('picks 1-2-5 steps', () => {
    expect(niceStep(3600, 400)).toBe(10);
    expect(niceStep(20, 4)).toBe(5);
    expect(niceStep(48 * 3600, 400)).toBe(500);
  });
});
