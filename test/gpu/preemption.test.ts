import { describe, expect, it } from 'vitest';
import { decideAndApply } from '../../src/algorithms/decide.js';
import { PreemptingAllocator } from '../../src/algorithms/preemption.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

// One node with two GPU devices: preemption must free the right devices, not just enough GPU in sum.
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool: PoolSpec = { name: 'g', capacity: [16, 64, 2], gpus: { count: 2, model: 'T4' }, nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} };
const req = (id: string, gpu: number, priority: Request['priority'], preemptible = false): Request => ({ id, tenant: 't', arrival: 0, demand: [1, 1, gpu], duration: 10, priority, preemptible });
const ctx = () => ({ now: 1, rng: new Rng('p'), budget: { kind: 'work' as const }, blocking: false }) as never;

describe('PreemptingAllocator on GPU devices', () => {
  it('evicts until a device holds the request, not until the scalar GPU sum does', () => {
    // device 0: keep 0.6 (not preemptible); device 1: bg 0.5 and low 0.4 (preemptible).
    // Evicting bg alone frees 1.0 GPU in sum, but no device is idle: a whole GPU needs low gone too.
    const state = ClusterState.fromPools(space, [pool]);
    state.allocate(req('keep', 0.6, 'high'), 0, 0, 'keep', [0]);
    state.allocate(req('bg', 0.5, 'background', true), 0, 0, 'bg', [1]);
    state.allocate(req('low', 0.4, 'low', true), 0, 0, 'low', [1]);
    const alloc = new PreemptingAllocator(createAllocator({ name: 'first-fit' }));
    const applied = decideAndApply(alloc, [req('hi', 1, 'critical')], state, ctx());
    expect(applied.evicted.map((e) => e.allocation.id)).toEqual(['bg', 'low']);
    expect(state.allocation('hi')?.devices).toEqual([1]);
    state.checkInvariants();
  });

  it('evicts when the free GPU sum would hold the request but no single device does', () => {
    // 0.5 free on each device: 1 GPU in sum, yet a whole GPU fits only once bg is evicted.
    const state = ClusterState.fromPools(space, [pool]);
    state.allocate(req('keep', 0.5, 'high'), 0, 0, 'keep', [0]);
    state.allocate(req('bg', 0.5, 'background', true), 0, 0, 'bg', [1]);
    const alloc = new PreemptingAllocator(createAllocator({ name: 'first-fit' }));
    const applied = decideAndApply(alloc, [req('hi', 1, 'critical')], state, ctx());
    expect(applied.evicted.map((e) => e.allocation.id)).toEqual(['bg']);
    expect(state.allocation('hi')?.devices).toEqual([1]);
    state.checkInvariants();
  });
});
