import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { ScalingInput, ScalingPolicy } from '../../src/autoscale/policy.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { meanOverEpisodes } from '../../src/sim/reference/episodes.js';
import { replay, type ReplayOptions } from '../../src/sim/replay.js';

/*
 * Events at one instant whose order decides an outcome (hand-checked on one 4-cpu node):
 * - work whose end (completion or lease expiry) falls at a node failure's instant is done: the
 *   failure cannot evict it (scenario failures are scheduled first, so they used to win the tie:
 *   a 100-s job, a failure at 100 with repair after 10 → requeued, completed at 210);
 * - a scaling tick at T sees the work that ended at T as ended, whichever was scheduled first
 *   (production's scale() does what fell due by now first: catchUp, src/scheduler/due-work.ts).
 */
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const DIMS = ['cpu', 'memory', 'gpu'];
const pool = (n: number, max = 4): PoolSpec => ({ name: 'a', capacity: [4, 16, 0], nodes: { min: 0, max, initial: n }, pricePerHour: 1, latencyMs: 5, bootSeconds: 0, labels: {} });
const r = (id: string, arrival: number, duration: number, extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival, demand: [4, 1, 0], duration, priority: 'medium', ...extra });

async function run(o: Partial<ReplayOptions>) {
  const out = await replay({ space, pools: [pool(1)], seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(), requests: [], ...o });
  const events: string[] = [];
  const name: Record<number, string> = { [EV.complete]: 'complete', [EV.expire]: 'expire', [EV.failEvict]: 'lost', [EV.nodeFail]: 'node-failed', [EV.start]: 'start' };
  for (let i = 0; i < out.log.length; i++) {
    const k = name[out.log.kind(i)];
    if (k !== undefined) events.push(`${out.log.time(i)} ${k}`);
  }
  return { out, events };
}

describe('an end and a node failure at the same instant', () => {
  it('the work that completed at t is done; the failure at t evicts nothing', async () => {
    const { out, events } = await run({ requests: [r('j', 0, 100)], failures: { events: [{ at: 100, pool: 'a', count: 1, repairAfter: 10 }] } });
    expect(events).toEqual(['0 start', '100 complete', '100 node-failed']);
    const m = computeMetrics(out.log, DIMS);
    expect(m.requests.completed).toBe(1);
    expect(m.makespan).toBe(100);
  });

  it('a lease that runs out at t ends expired, not lost to the failure at t', async () => {
    const { events } = await run({ requests: [r('j', 0, 500, { lease: 100 })], failures: { events: [{ at: 100, pool: 'a', count: 1, repairAfter: 10 }] } });
    expect(events).toEqual(['0 start', '100 expire', '100 node-failed']);
  });

  it('the room of work done at t is offered before the failure at t, as production drains after the release (then lost to the failure)', async () => {
    // a runs 0 → 100; b (queued behind it) starts at 100 on the freed node, which fails at 100:
    // b is lost, requeued, and runs again after the repair at 110 (110 → 160).
    const { events } = await run({ requests: [r('a', 0, 100), r('b', 0, 50)], failures: { events: [{ at: 100, pool: 'a', count: 1, repairAfter: 10 }] } });
    expect(events).toEqual(['0 start', '100 complete', '100 start', '100 lost', '100 node-failed', '110 start', '160 complete']);
  });

  it('work still running at t is evicted by the failure at t, and runs again after the repair', async () => {
    const { events } = await run({ requests: [r('j', 0, 100.5)], failures: { events: [{ at: 100, pool: 'a', count: 1, repairAfter: 10 }] } });
    expect(events).toEqual(['0 start', '100 lost', '100 node-failed', '110 start', '210.5 complete']);
  });
});

describe('a scaling tick and an end at the same instant', () => {
  /** A policy that only records the running node-equivalents it is shown at each tick. */
  const recorder = (seen: [number, number][]): ScalingPolicy => ({
    name: 'recorder',
    intervalSeconds: 60,
    decide: (input: ScalingInput) => {
      seen.push([input.now, input.pools[0]?.runningNodes ?? NaN]);
      return [];
    },
  });

  it('the tick at 60 sees the job that ended at 60 as ended (the job started at 30, after the tick was scheduled)', async () => {
    const seen: [number, number][] = [];
    await run({ requests: [r('j', 30, 30)], scaling: recorder(seen), horizon: 120 });
    // At 0 nothing runs; at 60 the job (30 → 60) is over; at 120 nothing.
    expect(seen).toEqual([[0, 0], [60, 0], [120, 0]]);
  });

  it('the tick at 60 sees the job that ends at 61 as running (sanity: a full node is one node-equivalent)', async () => {
    const seen: [number, number][] = [];
    await run({ requests: [r('j', 30, 31)], scaling: recorder(seen), horizon: 120 });
    expect(seen).toEqual([[0, 0], [60, 1], [120, 0]]);
  });
});

describe('throughput over a zero makespan', () => {
  it('is null (undefined rate) when work completed at the instant of the first arrival, 0 when nothing completed', async () => {
    const { out } = await run({ requests: [r('a', 5, 0), r('b', 5, 0)] });
    const m = computeMetrics(out.log, DIMS);
    expect(m.requests.completed).toBe(2);
    expect(m.makespan).toBe(0);
    expect(m.throughputPerHour).toBeNull();
    const none = computeMetrics((await run({ requests: [r('x', 5, 10, { demand: [99, 1, 0] })] })).out.log, DIMS);
    expect(none.requests.completed).toBe(0);
    expect(none.throughputPerHour).toBe(0);
    // Over episodes (the HPC reference protocol's windows) a window without a rate is left out, as a
    // window without a wait is: one job of 10 s is 360 an hour.
    const one = computeMetrics((await run({ requests: [r('c', 0, 10)] })).out.log, DIMS);
    expect(one.throughputPerHour).toBe(360);
    expect(meanOverEpisodes([m, one]).throughputPerHour).toBe(360);
  });
});
