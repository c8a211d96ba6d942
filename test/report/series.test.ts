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

  it('integrates each tenant over the time it holds something, also after it held nothing', async () => {
    // One node of 4 cpu. a0 (tenant a, 2 cpu) runs [0,10); b0 (tenant b, 1 cpu) runs [5,30);
    // a1 (tenant a, 4 cpu) arrives at 20 and starts when b0 ends, [30,40); c never runs anything
    // but arrives (rejected: 5 cpu fits no node). By hand over [0,40): a (2·10 + 4·10) / (4·40) =
    // 0.375, b 25 / 160 = 0.15625, c 0.
    const space = new ResourceSpace(['cpu']);
    const out = await replay({
      space, seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(),
      pools: [{ name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 2, latencyMs: 0, bootSeconds: 0, labels: {} }],
      requests: [
        { id: 'a0', tenant: 'a', arrival: 0, demand: [2], duration: 10, priority: 'medium' as const },
        { id: 'c0', tenant: 'c', arrival: 1, demand: [5], duration: 10, priority: 'medium' as const },
        { id: 'b0', tenant: 'b', arrival: 5, demand: [1], duration: 25, priority: 'medium' as const },
        { id: 'a1', tenant: 'a', arrival: 20, demand: [4], duration: 10, priority: 'medium' as const },
      ],
    });
    const s = sampleSeries(out.log, ['cpu']);
    expect(s.tenants).toEqual({ a: { completed: 2, share: { cpu: 0.375 } }, b: { completed: 1, share: { cpu: 0.15625 } }, c: { completed: 0, share: { cpu: 0 } } });
  });

  it('keeps each tenant once, however the tenants holding something come and go', async () => {
    // One node of 10 cpu, every request 1 cpu. a [0,10), b [0,30), c [0,20) and again [40,50).
    // By hand over [0,50) (500 cpu-seconds): a 10/500 = 0.02, b 30/500 = 0.06, c 30/500 = 0.06.
    const space = new ResourceSpace(['cpu']);
    const r = (id: string, tenant: string, arrival: number, duration: number) => ({ id, tenant, arrival, demand: [1], duration, priority: 'medium' as const });
    const out = await replay({
      space, seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(),
      pools: [{ name: 'p', capacity: [10], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 2, latencyMs: 0, bootSeconds: 0, labels: {} }],
      requests: [r('a0', 'a', 0, 10), r('b0', 'b', 0, 30), r('c0', 'c', 0, 20), r('c1', 'c', 40, 10)],
    });
    const s = sampleSeries(out.log, ['cpu']);
    expect(s.tenants).toEqual({ a: { completed: 1, share: { cpu: 0.02 } }, b: { completed: 1, share: { cpu: 0.06 } }, c: { completed: 2, share: { cpu: 0.06 } } });
  });

  it('picks 1-2-5 steps', () => {
    expect(niceStep(3600, 400)).toBe(10);
    expect(niceStep(20, 4)).toBe(5);
    expect(niceStep(48 * 3600, 400)).toBe(500);
  });
});
