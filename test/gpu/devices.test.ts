import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import { CapacityError } from '../../src/core/errors.js';
import { chooseDevices, devicesFit, gpuShape } from '../../src/core/gpu.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (name: string, gpus: number, devices: boolean, nodes = 1): PoolSpec => ({
  name,
  capacity: [16, 64, gpus],
  nodes: { min: nodes, max: nodes, initial: nodes },
  pricePerHour: 1,
  latencyMs: 0,
  bootSeconds: 0,
  labels: {},
  ...(devices ? { gpus: { count: gpus, model: 'T4' } } : {}),
});
const req = (id: string, gpu: number, cpu = 1): Request => ({ id, tenant: 't', arrival: 0, demand: [cpu, 1, gpu], duration: 1, priority: 'medium' });

describe('GPU device shapes', () => {
  it('a share of one device below 1, whole devices at integers, anything else invalid', () => {
    expect(gpuShape(0)).toEqual({ kind: 'none' });
    expect(gpuShape(0.46)).toEqual({ kind: 'share', milli: 460 });
    expect(gpuShape(2)).toEqual({ kind: 'whole', count: 2 });
    expect(gpuShape(1.5).kind).toBe('invalid');
    expect(devicesFit([500, 500], gpuShape(0.8))).toBe(false);
    expect(devicesFit([500, 500], gpuShape(0.5))).toBe(true);
    expect(devicesFit([1000, 999], gpuShape(2))).toBe(false);
    // the tightest device that holds the share; lowest idle devices for whole GPUs
    expect(chooseDevices([1000, 300, 600], gpuShape(0.3))).toEqual([1]);
    expect(chooseDevices([1000, 300, 1000, 1000], gpuShape(2))).toEqual([0, 2]);
  });
});

describe('ClusterState with GPU devices', () => {
  it('never splits a share across devices, though the scalar total would allow it', () => {
    const c = ClusterState.fromPools(space, [pool('g', 2, true)]);
    c.allocate(req('a', 0.5), 0, 0);
    c.allocate(req('b', 0.5), 0, 0, 'b', [1]);
    expect(Array.from(c.gpuFree(0) ?? [])).toEqual([500, 500]);
    expect(c.free(0)[2]).toBeCloseTo(1, 12);
    // 0.8 of one GPU: 1 GPU is free in total, but no single device has 800 milli
    expect(c.fits(0, [1, 1, 0.8])).toBe(false);
    expect(c.bestFit(0, [1, 1, 0.8])).toBe(-1);
    expect(c.firstFit(0, [1, 1, 0.8])).toBe(-1);
    expect(() => c.allocate(req('c', 0.8), 0, 0)).toThrow(CapacityError);
    // a whole GPU needs an idle device
    expect(c.fits(0, [1, 1, 1])).toBe(false);
    expect(c.fits(0, [1, 1, 0.5])).toBe(true);
    c.checkInvariants();
    c.release('a');
    expect(Array.from(c.gpuFree(0) ?? [])).toEqual([1000, 500]);
    expect(c.fits(0, [1, 1, 1])).toBe(true);
    c.checkInvariants();
  });

  it('refuses an explicit device choice that does not hold the share', () => {
    const c = ClusterState.fromPools(space, [pool('g', 2, true)]);
    c.allocate(req('a', 0.7), 0, 0, 'a', [0]);
    expect(() => c.allocate(req('b', 0.5), 0, 0, 'b', [0])).toThrow(/device 0 has 300 milli free/);
    expect(() => c.allocate(req('b', 2), 0, 0)).toThrow(CapacityError);
  });

  it('trials stage and roll back device shares exactly', () => {
    const c = ClusterState.fromPools(space, [pool('g', 4, true)]);
    c.allocate(req('run', 0.25), 0, 0);
    const t = c.trial();
    t.place(req('x', 2), 0);
    t.place(req('y', 0.5), 0, [0]);
    t.evict('run');
    expect(Array.from(c.gpuFree(0) ?? [])).toEqual([500, 0, 0, 1000]);
    t.rollback();
    expect(Array.from(c.gpuFree(0) ?? [])).toEqual([750, 1000, 1000, 1000]);
    c.checkInvariants();
  });

  it('the fit index skips a node whose scalar GPU fits but whose devices do not', () => {
    const c = ClusterState.fromPools(space, [pool('g', 2, true, 2)]);
    c.allocate(req('a', 0.6), 0, 0, 'a', [0]);
    c.allocate(req('b', 0.6), 0, 0, 'b', [1]);
    // node 0: 0.8 GPU free in total as two 0.4 pieces; node 1: idle
    expect(c.bestFit(0, [1, 1, 0.7])).toBe(1);
    expect(c.worstFit(0, [1, 1, 0.3])).toBe(1);
    expect(c.bestFit(0, [1, 1, 0.3])).toBe(0);
  });

  it('scalar pools keep the scalar meaning (1.5 GPUs fit a 2-GPU scalar node)', () => {
    const c = ClusterState.fromPools(space, [pool('s', 2, false)]);
    expect(c.gpuFree(0)).toBeUndefined();
    c.allocate(req('a', 1.5), 0, 0);
    expect(c.fits(0, [1, 1, 0.5])).toBe(true);
    const d = ClusterState.fromPools(space, [pool('g', 2, true)]);
    expect(d.fits(0, [1, 1, 1.5])).toBe(false);
  });
});
