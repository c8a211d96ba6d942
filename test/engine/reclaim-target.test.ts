import { describe, expect, it } from 'vitest';
import { ALLOCATOR_NAMES, createAllocator, type AllocatorName } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { ClusterState } from '../../src/core/cluster.js';
import { FairShare, planReclaim, type QuotaConfig } from '../../src/engine/quota.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { EV } from '../../src/sim/log.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { replay } from '../../src/sim/replay.js';

/**
 * Rule 7 (reclaim) must not evict for nothing: the request a reclaim is made for starts on the
 * node whose victims were evicted, and a request that already fits somewhere reclaims nothing.
 *
 * Two nodes of 4 cpu; b (no quota: all it holds is borrowed) fills both, b1 on node 0, b2 on
 * node 1. g is guaranteed 0.5 · 8 = 4 cpu; g1 and g2 (2 cpu each) arrive together at 5 and
 * neither fits, so both escalate in the same pass. g1 reclaims b1 (one victim on node 0 or on
 * node 1: the lowest id, node 0) and starts there, leaving 2 cpu free on node 0. g2 is still
 * covered (2 + 2 ≤ 4); it fits the 2 cpu on node 0 as things stand. Before the fix, reclaim
 * planned on node 1 (node 0 had no victim left), evicted b2 and offered g2 to the whole cluster:
 * first-fit (and best-fit) put it on node 0, so b2 was evicted for nothing (node 1 stood empty).
 * Now g2 reclaims nothing: the pass runs again (g1 started through reclaim) and g2 starts on
 * node 0 at 5; b2 runs on, uninterrupted.
 */
const pool = (name: string, capacity: number[], nodes: number): PoolSpec => ({ name, capacity, nodes: { min: nodes, max: nodes, initial: nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} });
const req = (id: string, tenant: string, arrival: number, cpu: number, duration: number): Request => ({ id, tenant, arrival, demand: [cpu], duration, priority: 'medium' });

interface Life {
  starts: [number, number][];
  preempted: number[];
}

async function lives(strategy: AllocatorName): Promise<Record<string, Life>> {
  const quotas: QuotaConfig = { tenants: { g: { guaranteed: { cpu: 0.5 } } } };
  const out = await replay({
    space: new ResourceSpace(['cpu']),
    pools: [pool('p', [4], 2)],
    requests: [req('b1', 'b', 0, 4, 1000), req('b2', 'b', 0, 4, 1000), req('g1', 'g', 5, 2, 100), req('g2', 'g', 5, 2, 100)],
    seed: 1,
    allocator: createAllocator({ name: strategy }),
    queue: fcfs({ blocking: false }),
    quotas,
  });
  const res: Record<string, Life> = {};
  const { log } = out;
  for (let i = 0; i < log.length; i++) {
    const k = log.kind(i);
    const r = log.requests[log.ref(i)];
    if (r === undefined || (k !== EV.start && k !== EV.preempt)) continue;
    const l = (res[r.id] ??= { starts: [], preempted: [] });
    if (k === EV.start) l.starts.push([log.time(i), log.node(i)]);
    else l.preempted.push(log.time(i));
  }
  return res;
}

describe('planReclaim', () => {
  it('plans nothing for a request that fits some node as things stand, even with victims elsewhere', () => {
    // Node 0: b1 (4 cpu, borrowed). Node 1: 2 cpu free. g (2 cpu) fits node 1: no plan. Once
    // node 1 is full too (b3, 2 cpu), g fits nowhere: one victim frees either node (b1 on node 0,
    // or b3, the youngest, on node 1); ties go to the lowest node id, so b1 on node 0.
    const space = new ResourceSpace(['cpu']);
    const state = ClusterState.fromPools(space, [pool('p', [4], 2)]);
    state.allocate(req('b1', 'b', 0, 4, 1000), 0, 0);
    state.allocate(req('b2', 'b', 0, 2, 1000), 1, 0);
    const fair = new FairShare(space, { tenants: { g: { guaranteed: { cpu: 0.5 } } } });
    fair.setCapacity([8]);
    fair.add('b', [6]);
    const g = req('g', 'g', 5, 2, 100);
    expect(planReclaim(state, fair, g, () => true)).toBeUndefined();
    state.allocate(req('b3', 'b', 0, 2, 1000), 1, 1);
    fair.add('b', [2]);
    expect(planReclaim(state, fair, g, () => true)?.victims.map((v) => v.id)).toEqual(['b1']);
  });
});

describe('reclaim evicts only for the request it starts (simulator, every registered strategy)', () => {
  it('first-fit, hand-checked: g2 starts beside g1 on node 0, b2 is left alone', async () => {
    const l = await lives('first-fit');
    // b1 is requeued and starts again on node 0 when g1 and g2 end (105); b2 never stops.
    expect(l.b1).toEqual({ starts: [[0, 0], [105, 0]], preempted: [5] });
    expect(l.b2).toEqual({ starts: [[0, 1]], preempted: [] });
    expect(l.g1?.starts).toEqual([[5, 0]]);
    expect(l.g2?.starts).toEqual([[5, 0]]);
  });

  for (const strategy of ALLOCATOR_NAMES) {
    it(`${strategy}: one victim, and both g requests start on its node`, async () => {
      const l = await lives(strategy);
      const evicted = (['b1', 'b2'] as const).filter((b) => (l[b]?.preempted.length ?? 0) > 0);
      expect(evicted).toHaveLength(1);
      const victim = l[evicted[0] as string] as Life;
      const other = l[evicted[0] === 'b1' ? 'b2' : 'b1'] as Life;
      const node = (victim.starts[0] as [number, number])[1];
      expect(victim.preempted).toEqual([5]);
      expect(other.preempted).toEqual([]);
      expect(other.starts).toHaveLength(1);
      expect(l.g1?.starts).toEqual([[5, node]]);
      expect(l.g2?.starts).toEqual([[5, node]]);
    });
  }
});

describe('reclaim evicts only for the request it starts (ResourceScheduler, the same pass)', () => {
  it('two requests escalate in one pass: the second fits beside the first and reclaims nothing', () => {
    // Pool p: two nodes of 4 cpu, filled by b (borrowed). Pool q: one node of 4 cpu, where g0
    // runs (g holds 4 cpu, its guarantee 0.34 · 12 = 4.08: g1 and g2, 2 cpu each and only for
    // pool p, are not covered and wait). When g0 is released, one pass offers g1 and g2: neither
    // fits pool p, both are covered again (2 and 2 + 2 ≤ 4.08), so both escalate. g1 reclaims b1
    // on p-0; g2 then fits the 2 cpu g1 left on p-0, so b2 on p-1 must not be evicted.
    const s = new ResourceScheduler({
      strategy: 'first-fit',
      queue: { policy: 'priority' },
      timers: false,
      clock: () => 0,
      quotas: { tenants: { g: { guaranteed: { cpu: 0.34 } } } },
      pools: [
        { name: 'p', capacity: { cpu: 4 }, nodes: 2 },
        { name: 'q', capacity: { cpu: 4 }, nodes: 1 },
      ],
    });
    const ask = (id: string, tenant: string, pool: string, cpu: number): string => s.allocate({ id, tenant, pool, demand: { cpu }, priority: 'medium' }).status;
    expect([ask('b1', 'b', 'p', 4), ask('b2', 'b', 'p', 4), ask('g0', 'g', 'q', 4)]).toEqual(['allocated', 'allocated', 'allocated']);
    expect([ask('g1', 'g', 'p', 2), ask('g2', 'g', 'p', 2)]).toEqual(['queued', 'queued']);
    s.release('g0');
    expect(s.getPreemptions().map((p) => [p.allocationId, p.forRequestId, p.kind])).toEqual([['b1', 'g1', 'reclaim']]);
    expect([s.getAllocation('g1')?.node, s.getAllocation('g2')?.node, s.getAllocation('b2')?.node]).toEqual(['p-0', 'p-0', 'p-1']);
    s.checkInvariants();
    s.close();
  });
});
