import { describe, expect, it } from 'vitest';
import { PreemptingAllocator } from '../../src/algorithms/preemption.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool: PoolSpec = { name: 'a', capacity: [4, 64, 0], nodes: { min: 0, max: 2, initial: 1 }, pricePerHour: 1, latencyMs: 1, bootSeconds: 0, labels: {} };
const req = (id: string, cpu: number, priority: Request['priority'], extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival: 0, demand: [cpu, 1, 0], duration: 10, priority, ...extra });
const ctx = (blocking: boolean) => ({ now: 1, rng: new Rng('p'), budget: { kind: 'work' as const }, blocking });

describe('PreemptingAllocator over a queue', () => {
  it('a smaller request that fits without evicting anything does not stop a larger one from preempting', () => {
    // One 4-cpu node: a preemptible low job holds 2, 2 are free. Head-of-line blocking: `head`
    // (3 cpu) must wait, so the base allocator leaves everything behind it waiting.
    const state = ClusterState.fromPools(space, [pool]);
    state.allocate(req('low', 2, 'low', { preemptible: true }), 0, 0);
    const alloc = new PreemptingAllocator(createAllocator({ name: 'first-fit' }));
    // `small` (high, 1 cpu) fits the free 2 cpu, so its eviction search finds nothing to plan;
    // `large` (high, 3 cpu) needs the low job's 2 cpu and must get its plan.
    const d = alloc.allocate([req('head', 3, 'medium'), req('small', 1, 'high'), req('large', 3, 'high')], state, ctx(true) as never);
    expect(d.preemptions).toEqual([expect.objectContaining({ allocationId: 'low', forRequestId: 'large' })]);
    expect(d.placements).toEqual([{ requestId: 'large', nodeId: 0 }]);
  });

  it('after a failed search, a larger request of no higher priority fails too; a more important one may still preempt', () => {
    // One 4-cpu node full: a preemptible high job (2) and a preemptible medium job (2).
    const state = ClusterState.fromPools(space, [pool]);
    state.allocate(req('hp', 2, 'high', { preemptible: true }), 0, 0);
    state.allocate(req('med', 2, 'medium', { preemptible: true }), 0, 0);
    const alloc = new PreemptingAllocator(createAllocator({ name: 'first-fit' }));
    // b (high, 3): only the medium job is below it, 2 < 3, no plan. c (high, 3): the same, skipped.
    // d (critical, 3): may evict both, medium first, then high: placed. a (high, 2): nothing left.
    const d = alloc.allocate([req('b', 3, 'high'), req('c', 3, 'high'), req('d', 3, 'critical'), req('a', 2, 'high')], state, ctx(false) as never);
    expect(d.placements).toEqual([{ requestId: 'd', nodeId: 0 }]);
    expect(d.preemptions.map((p) => p.allocationId)).toEqual(['med', 'hp']);
    expect(d.rejections.map((j) => `${j.requestId}:${j.code}`).sort()).toEqual(['a:wait', 'b:wait', 'c:wait']);
  });

  it('evicts only victims the request needs: a cpu-only job spared for a GPU request', () => {
    // One node of 8 cpu, 2 GPU. bg (background, 4 cpu) and low (low, 2 cpu + 2 GPU), both
    // preemptible: 2 cpu and no GPU free. crit needs 1 cpu + 2 GPU: only low's eviction helps.
    // Taking victims lowest priority first, bg came first and was evicted too, for nothing.
    const gpuPool: PoolSpec = { ...pool, capacity: [8, 64, 2], nodes: { min: 1, max: 1, initial: 1 } };
    const state = ClusterState.fromPools(space, [gpuPool]);
    state.allocate(req('bg', 4, 'background', { preemptible: true }), 0, 0);
    state.allocate(req('low', 2, 'low', { preemptible: true, demand: [2, 1, 2] }), 0, 0);
    const alloc = new PreemptingAllocator(createAllocator({ name: 'first-fit' }));
    const d = alloc.allocate([req('crit', 1, 'critical', { demand: [1, 1, 2] })], state, ctx(false) as never);
    expect(d.preemptions.map((p) => p.allocationId)).toEqual(['low']);
    expect(d.placements).toEqual([{ requestId: 'crit', nodeId: 0 }]);
  });

  it('spares a victim taken first that a later, larger one makes redundant', () => {
    // One 4-cpu node full: bg (background, 1 cpu) and low (low, 3 cpu). crit needs 3 cpu:
    // bg alone frees 1 (not enough), then low frees 3 more; low alone suffices, so bg stays.
    const state = ClusterState.fromPools(space, [pool]);
    state.allocate(req('bg', 1, 'background', { preemptible: true }), 0, 0);
    state.allocate(req('low', 3, 'low', { preemptible: true }), 0, 0);
    const alloc = new PreemptingAllocator(createAllocator({ name: 'first-fit' }));
    const d = alloc.allocate([req('crit', 3, 'critical')], state, ctx(false) as never);
    expect(d.preemptions.map((p) => p.allocationId)).toEqual(['low']);
  });

  it('spares the more important of two victims either of which could go', () => {
    // One 4-cpu node full: bg (background, 1 cpu), v2 (low, 1 cpu, younger), v3 (low, 2 cpu,
    // older). crit needs 3 cpu: the rule takes bg, v2, v3. bg+v3 or v2+v3 would do; the sparing
    // runs from the last taken back, so v2 (low) is spared and bg (background) goes.
    const state = ClusterState.fromPools(space, [pool]);
    state.allocate(req('bg', 1, 'background', { preemptible: true }), 0, 0);
    state.allocate(req('v3', 2, 'low', { preemptible: true }), 0, 0);
    state.allocate(req('v2', 1, 'low', { preemptible: true }), 0, 5);
    const alloc = new PreemptingAllocator(createAllocator({ name: 'first-fit' }));
    const d = alloc.allocate([req('crit', 3, 'critical')], state, ctx(false) as never);
    expect(d.preemptions.map((p) => p.allocationId)).toEqual(['bg', 'v3']);
  });

  it('nodes are compared on the victims they need, after sparing', () => {
    // Node 0 (4 cpu): lowB (low, 3 cpu, older) and bgA (background, 1 cpu, younger). Node 1
    // (4 cpu): bgX and bgY (background, 2 cpu each). crit needs 3 cpu. Node 0 takes bgA then
    // lowB and spares bgA: 1 victim. Node 1 needs both: 2. Node 0 wins. Compared before sparing
    // (2 against 2), node 1's least important top victim (background) would win and evict two.
    const two: PoolSpec = { ...pool, nodes: { min: 2, max: 2, initial: 2 } };
    const state = ClusterState.fromPools(space, [two]);
    state.allocate(req('lowB', 3, 'low', { preemptible: true }), 0, 0);
    state.allocate(req('bgA', 1, 'background', { preemptible: true }), 0, 5);
    state.allocate(req('bgX', 2, 'background', { preemptible: true }), 1, 0);
    state.allocate(req('bgY', 2, 'background', { preemptible: true }), 1, 0);
    const alloc = new PreemptingAllocator(createAllocator({ name: 'first-fit' }));
    const d = alloc.allocate([req('crit', 3, 'critical')], state, ctx(false) as never);
    expect(d.preemptions.map((p) => p.allocationId)).toEqual(['lowB']);
    expect(d.placements).toEqual([{ requestId: 'crit', nodeId: 0 }]);
  });
});
