import { describe, expect, it } from 'vitest';
import { LearnedAllocator } from '../../src/algorithms/learned.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { PolicyNet } from '../../src/core/policy-net.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { LearnedQueue } from '../../src/queue/learned-queue.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';
import { randomModel } from './support.js';

/**
 * The very same model objects decide in the simulator and in production: one LearnedAllocator
 * (and one LearnedQueue) instance drives replay() and then a ResourceScheduler fed the same
 * stream on a manual clock; placements (request → node) and start times agree, and both runs
 * went through the same network object (its decision counter grew in each).
 */
const DIMS = ['cpu', 'memory', 'gpu'];
const space = new ResourceSpace(DIMS);
const POOLS = [
  { name: 'gpu', capacity: [64, 512, 8], nodes: 3, pricePerHour: 30, latencyMs: 20 },
  { name: 'small', capacity: [32, 128, 2], nodes: 3, pricePerHour: 5, latencyMs: 30 },
  { name: 'cpu', capacity: [96, 384, 0], nodes: 3, pricePerHour: 2, latencyMs: 5 },
];
const specs: PoolSpec[] = POOLS.map((p) => ({ name: p.name, capacity: p.capacity, nodes: { min: p.nodes, max: p.nodes, initial: p.nodes }, pricePerHour: p.pricePerHour, latencyMs: p.latencyMs, bootSeconds: 0, labels: {} }));

function stream(n: number, gap: number, dur: number): Request[] {
  const rng = new Rng(17);
  let t = 0;
  return Array.from({ length: n }, (_, i) => {
    t += Math.max(0.001, Math.round(rng.exponential(1 / gap) * 1000) / 1000);
    const gpu = rng.int(3) === 0 ? rng.pick([1, 2, 4]) : 0;
    return { id: `r${i}`, tenant: 't', arrival: t, demand: [rng.pick([1, 2, 4, 8, 16]), rng.pick([4, 16, 64]), gpu], duration: Math.round(rng.exponential(1 / dur) * 1000) / 1000 + 0.001, priority: 'medium' };
  });
}

async function viaSimulator(alloc: LearnedAllocator, queue: LearnedQueue, reqs: Request[]): Promise<Map<string, [number, number]>> {
  const out = await replay({ space, pools: specs, requests: reqs, allocator: alloc, queue, seed: 1 });
  const m = new Map<string, [number, number]>();
  for (let i = 0; i < out.log.length; i++) if (out.log.kind(i) === EV.start) m.set((out.log.requests[out.log.ref(i)] as Request).id, [out.log.node(i), out.log.time(i)]);
  return m;
}

function viaScheduler(alloc: LearnedAllocator, queue: LearnedQueue, reqs: Request[]): Map<string, [number, number]> {
  const t = { now: 0 };
  const s = new ResourceScheduler({ clock: () => t.now, timers: false, dimensions: DIMS, strategy: alloc, queue: { policy: queue, timeoutMs: 1e12 } });
  for (const p of POOLS) s.addPool({ name: p.name, capacity: space.record(p.capacity), nodes: p.nodes, pricePerHour: p.pricePerHour, latencyMs: p.latencyMs, labels: {} });
  const m = new Map<string, [number, number]>();
  const dur = new Map(reqs.map((r) => [r.id, r.duration]));
  let ends: { at: number; id: string }[] = [];
  s.on('allocated', (e) => {
    m.set(e.allocation.id, [e.allocation.nodeId, e.allocation.startMs / 1000]);
    ends.push({ at: e.allocation.startMs / 1000 + (dur.get(e.allocation.id) as number), id: e.allocation.id });
  });
  const releaseUntil = (time: number): void => {
    for (;;) {
      ends.sort((a, b) => a.at - b.at);
      const first = ends[0];
      if (first === undefined || first.at > time) return;
      ends = ends.slice(1);
      t.now = first.at * 1000;
      s.release(first.id);
    }
  };
  for (const r of reqs) {
    releaseUntil(r.arrival);
    t.now = r.arrival * 1000;
    s.allocate({ id: r.id, tenant: r.tenant, priority: r.priority, demand: space.record(r.demand), estimatedDurationMs: r.duration * 1000 });
  }
  releaseUntil(Infinity);
  s.close();
  return m;
}

describe('one learned model object, two drivers', () => {
  it.each([
    ['ample capacity (almost nothing waits)', 1],
    ['contention (requests wait; the learned queue picks among them)', 0.05],
  ])('the same LearnedAllocator and LearnedQueue objects place identically in replay() and in ResourceScheduler: %s', async (_, gap) => {
    const alloc = new LearnedAllocator(new PolicyNet(randomModel('allocator', 21)));
    const queue = new LearnedQueue(new PolicyNet(randomModel('queue', 22)));
    const reqs = stream(300, gap, 20);
    const sim = await viaSimulator(alloc, queue, reqs);
    const simDecisions = queue.decisions;
    queue.reset();
    const prod = viaScheduler(alloc, queue, reqs);
    const waited = reqs.filter((r) => (sim.get(r.id) as [number, number])[1] > r.arrival).length;
    if (gap < 1) {
      expect(waited).toBeGreaterThan(50);
      expect(queue.decisions - simDecisions).toBe(simDecisions); // the queue decided as often in production
    } else expect(waited).toBeLessThan(10);
    expect(sim.size).toBe(300);
    // Same node for every request; same start time up to the ms clock's rounding.
    expect(new Map([...prod].map(([k, v]) => [k, v[0]]))).toEqual(new Map([...sim].map(([k, v]) => [k, v[0]])));
    for (const [k, v] of sim) expect(Math.abs((prod.get(k) as [number, number])[1] - v[1])).toBeLessThan(1e-6);
    // The network chose among several nodes, not a single candidate each time.
    expect(new Set([...sim.values()].map(([node]) => node)).size).toBeGreaterThan(3);
  });

  it("a queue model's planner picks the same jobs in replay() and in ResourceScheduler (its draws depend on the queue, not on the driver)", async () => {
    const alloc = new LearnedAllocator(new PolicyNet(randomModel('allocator', 21)));
    const planner = { method: 'rollout' as const, candidates: 3, samples: 3, future: 6, seed: 'same', workload: { gaps: [0.01, 0.05, 0.2], jobs: [[1, 5], [8, 30], [16, 60]] as [number, number][] } };
    const queue = new LearnedQueue(new PolicyNet({ ...randomModel('queue', 22), planner }));
    const reqs = stream(300, 0.05, 20);
    const sim = await viaSimulator(alloc, queue, reqs);
    const simPicks = queue.planner?.picks as number;
    queue.reset();
    const prod = viaScheduler(alloc, queue, reqs);
    expect(simPicks).toBeGreaterThan(30);
    expect((queue.planner?.picks as number) - simPicks).toBe(simPicks);
    expect(new Map([...prod].map(([k, v]) => [k, v[0]]))).toEqual(new Map([...sim].map(([k, v]) => [k, v[0]])));
    for (const [k, v] of sim) expect(Math.abs((prod.get(k) as [number, number])[1] - v[1])).toBeLessThan(1e-6);
  });
});
