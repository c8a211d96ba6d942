import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { replay, type ReplayOptions } from '../../src/sim/replay.js';

/*
 * An allocation's end event goes stale when the allocation ends otherwise (evicted by a failure
 * or preemption) or a renewal moves its end; a stale event does nothing, but it must not move the
 * clock either (the run's end, and every node's bill, would move to it). One 4-cpu node at $1/h.
 */
const space = new ResourceSpace(['cpu']);
const pool: PoolSpec = { name: 'a', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} };
const req = (duration: number, extra: Partial<Request> = {}): Request => ({ id: 'a', tenant: 't', arrival: 0, demand: [4], duration, priority: 'medium', ...extra });

async function run(opts: Partial<ReplayOptions> & { requests: Request[] }) {
  const out = await replay({ space, pools: [pool], seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(), ...opts });
  const ends: [number, number][] = [];
  for (let i = 0; i < out.log.length; i++) if ([EV.complete, EV.expire, EV.failEvict, EV.unfinished].includes(out.log.kind(i) as never)) ends.push([out.log.kind(i), out.log.time(i)]);
  return { endTime: out.endTime, ends, nodeSeconds: computeMetrics(out.log, space.names).cost.nodeHours * 3600 };
}

describe('stale end events', () => {
  it('work evicted by a failure that never starts again: the run ends at the failure', async () => {
    // a (1000 s) starts at 0; its node fails for good at 100 and a waits for ever. Nothing happens
    // after 100: the run ends there, the node billed 100 s (was: to a's old end at 1000, 1000 s).
    const r = await run({ requests: [req(1000)], failures: { events: [{ at: 100, pool: 'a', count: 1 }] } });
    expect(r.ends).toEqual([
      [EV.failEvict, 100],
      [EV.unfinished, 100],
    ]);
    expect(r.endTime).toBe(100);
    expect(r.nodeSeconds).toBeCloseTo(100, 9);
  });

  it('a void end at the instant of a real one: the pass of that instant still runs', async () => {
    // Pools p0 (node 0) and p1 (node 1). b (100 s) starts on node 0 at 0, a (90 s) on node 1 at
    // 10; node 1 fails for good at 50 and a waits. At 100 b completes, then a's void end (scheduled
    // later, at the same time) is dropped: the pass of t = 100 starts a on node 0, done at 190.
    const pools: PoolSpec[] = [pool, { ...pool, name: 'b' }];
    const out = await replay({
      space, pools, seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(),
      requests: [{ ...req(100), id: 'b' }, { ...req(90), arrival: 10 }],
      failures: { events: [{ at: 50, pool: 'b', count: 1 }] },
    });
    const starts: [string, number, number][] = [];
    for (let i = 0; i < out.log.length; i++) if (out.log.kind(i) === EV.start) starts.push([out.log.store.id(out.log.ref(i)), out.log.time(i), out.log.node(i)]);
    expect(starts).toEqual([
      ['b', 0, 0],
      ['a', 10, 1],
      ['a', 100, 0],
    ]);
    expect(out.endTime).toBe(190);
  });

  it('a renewal that brings the end forward: the run ends at the new end', async () => {
    // a (100 s, lease 300 s) starts at 0, its completion due at 100; a renewal at 50 for 20 s ends
    // the lease at 70, before the work: a expires at 70 and the run ends there (was: at 100).
    const r = await run({ requests: [req(100, { lease: 300 })], renewals: [{ at: 50, request: 'a', duration: 20 }] });
    expect(r.ends).toEqual([[EV.expire, 70]]);
    expect(r.endTime).toBe(70);
    expect(r.nodeSeconds).toBeCloseTo(70, 9);
  });
});
