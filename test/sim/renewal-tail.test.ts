import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { replay } from '../../src/sim/replay.js';

/*
 * A renewal naming a request that has ended for good (completed, expired, rejected) renews
 * nothing (production's renew answers not-found), so it must not stretch the run to its time
 * either (as a withdrawn repair or boot must not). By hand: one 4-cpu node at $1/h; request a
 * (4 cpu, 100 s, lease 60 s) at t = 0; renewals of a at t = 50 (100 s: the lease now ends at 150,
 * after the work) and at t = 500. a completes at 100 and the run ends there: 100 node-seconds,
 * cpu utilization 1. The void renewal at 500 moved the run's end to 500: 500 node-seconds billed,
 * utilization 0.2. Request b (5 cpu) fits no node and is rejected on arrival; its renewal at 800
 * is void from the start.
 */
const space = new ResourceSpace(['cpu']);
const pool: PoolSpec = { name: 'a', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} };
const req = (id: string, cpu: number, extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival: 0, demand: [cpu], duration: 100, priority: 'medium', ...extra });

async function run(renewals: { at: number; request: string; duration: number }[]) {
  const out = await replay({ space, pools: [pool], seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(), requests: [req('a', 4, { lease: 60 }), req('b', 5)], renewals });
  const kinds: [number, number][] = [];
  for (let i = 0; i < out.log.length; i++) if (out.log.kind(i) === EV.complete || out.log.kind(i) === EV.expire || out.log.kind(i) === EV.reject) kinds.push([out.log.kind(i), out.log.time(i)]);
  return { out, kinds, m: computeMetrics(out.log, space.names) };
}

describe('renewals of work that has ended', () => {
  it('do not stretch the run or the bill to their time', async () => {
    const { out, kinds, m } = await run([
      { at: 50, request: 'a', duration: 100 },
      { at: 500, request: 'a', duration: 100 },
      { at: 800, request: 'b', duration: 100 },
    ]);
    expect(kinds).toEqual([
      [EV.reject, 0],
      [EV.complete, 100], // the renewal at 50 kept a running past its 60-s lease
    ]);
    expect(out.endTime).toBe(100);
    expect(m.cost.nodeHours * 3600).toBeCloseTo(100, 9);
    expect(m.utilization.cpu).toBeCloseTo(1, 12);
  });

  it('a renewal still to come for running work keeps its effect', async () => {
    // The lease of a (60 s) would end it at 60; the renewal at 59 gives it 100 s more: it completes.
    const { out, kinds } = await run([{ at: 59, request: 'a', duration: 100 }]);
    expect(kinds).toEqual([
      [EV.reject, 0],
      [EV.complete, 100],
    ]);
    expect(out.endTime).toBe(100);
  });
});
