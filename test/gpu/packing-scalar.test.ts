import { describe, expect, it } from 'vitest';
import { WORK_BUDGET, type AllocatorContext } from '../../src/algorithms/allocator.js';
import { decideAndApply } from '../../src/algorithms/decide.js';
import { GpuPacking, packingFree } from '../../src/algorithms/gpu/gpu-packing.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

/**
 * gpu-packing on nodes without devices (a pool declared with a plain `gpu: N`): the node's GPUs
 * are read as devices, the whole free GPUs idle and the fraction left on one device, so a partly
 * used scalar node is a "partly used" node, not an idle one.
 */
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (name: string, extra: Partial<PoolSpec> = {}): PoolSpec => ({
  name,
  capacity: [16, 64, 4],
  nodes: { min: 2, max: 2, initial: 2 },
  pricePerHour: 1,
  latencyMs: 0,
  bootSeconds: 0,
  labels: {},
  nodeNames: [`${name}0`, `${name}1`],
  ...extra,
});
const req = (id: string, gpu: number): Request => ({ id, tenant: 't', arrival: 0, demand: [1, 1, gpu], duration: 1, priority: 'medium' });
const ctx = (): AllocatorContext => ({ now: 0, rng: new Rng(1), budget: WORK_BUDGET, blocking: false });

describe('gpu-packing on scalar GPU nodes', () => {
  it('reads a scalar node as devices: whole free GPUs idle, the fraction on one device, the rest busy', () => {
    const c = ClusterState.fromPools(space, [pool('s')]);
    c.allocate({ id: 'run', tenant: 't', arrival: 0, demand: [0, 0, 2.5], duration: 1, priority: 'medium' }, 1, 0);
    expect(Array.from(packingFree(c, 0))).toEqual([1000, 1000, 1000, 1000]);
    expect(Array.from(packingFree(c, 1))).toEqual([1000, 500, 0, 0]);
  });

  it('a share pod goes to the partly used scalar node, not to the idle one first in name order', () => {
    // s0 idle: max(33 − 4, 4) = 29. s1 with 2.5 of 4 GPUs busy, read as [1000, 500, 0, 0]: the
    // 0.5 pod fits the 500 device (no idle one opened): max(100 − ⌊50 / 10⌋, 50) = 95.
    const c = ClusterState.fromPools(space, [pool('s')]);
    c.allocate({ id: 'run', tenant: 't', arrival: 0, demand: [0, 0, 2.5], duration: 1, priority: 'medium' }, 1, 0);
    const a = decideAndApply(new GpuPacking('name'), [req('p', 0.5)], c, ctx()).started[0];
    expect(c.nodeName(a?.nodeId ?? -1)).toBe('s1');
  });

  it('on a mixed cluster, an idle scalar node scores as an idle node of its size', () => {
    // Idle nodes score max(33 − idle, idle): s0 (scalar, 4 GPUs) 29, d0 (2 devices) 31 → d0.
    // Read with no devices, s0 scored 33 and took the pod.
    const c = ClusterState.fromPools(space, [pool('s', { nodes: { min: 1, max: 1, initial: 1 }, nodeNames: ['s0'] }), pool('d', { capacity: [16, 64, 2], gpus: { count: 2, model: 'T4' }, nodes: { min: 1, max: 1, initial: 1 }, nodeNames: ['d0'] })]);
    const a = decideAndApply(new GpuPacking('name'), [req('p', 1)], c, ctx()).started[0];
    expect(c.nodeName(a?.nodeId ?? -1)).toBe('d0');
  });
});
