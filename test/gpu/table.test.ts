import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { comparisonTable } from '../../src/report/table.js';
import { compareStrategies } from '../../src/sim/compare.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (gpu: number): PoolSpec => ({ name: 'g', capacity: [16, 64, gpu], ...(gpu > 0 ? { gpus: { count: gpu, model: 'T4' } } : {}), nodes: { min: 2, max: 2, initial: 2 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} });
const req = (id: string, gpu: number, duration: number): Request => ({ id, tenant: 't', arrival: 0, demand: [1, 1, gpu], duration, priority: 'medium' });

const run = (gpu: number, requests: Request[]) =>
  compareStrategies({ scenario: 's', space, seed: 1, pools: [pool(gpu)], requests: () => requests, strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs() }] });

describe('drs run table: GPU fragmentation', () => {
  it('shows the gpuFragmentation of --json as a column when the cluster has GPUs, and leaves it out otherwise', async () => {
    // Two 2-GPU nodes; first-fit puts both pods on node 0 for 10 s: 0.5 of its 2 GPUs is free
    // there (partly used), 2 on node 1: 0.5 / 2.5 = 20 % of the free GPU is stranded.
    const res = await run(2, [req('a', 0.5, 10), req('b', 1, 10)]);
    const m = res.results[0]?.state === 'completed' ? res.results[0].metrics : undefined;
    expect(m?.gpuFragmentation).toBeCloseTo(0.2, 12);
    const lines = comparisonTable(res).split('\n');
    expect(lines[0]).toMatch(/preempt\s+gpu frag$/);
    expect(lines[2]).toMatch(/^ff\s.*\s20\.0%$/);
    const cpuOnly = await run(0, [req('a', 0, 10)]);
    expect(comparisonTable(cpuOnly).split('\n')[0]).not.toContain('gpu frag');
  });
});
