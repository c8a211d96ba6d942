import { describe, expect, it } from 'vitest';
import { WORK_BUDGET, type AllocatorContext } from '../../src/algorithms/allocator.js';
import { decideAndApply } from '../../src/algorithms/decide.js';
import { GpuBestFit } from '../../src/algorithms/gpu/best-fit.js';
import { GpuDotProduct } from '../../src/algorithms/gpu/dot-product.js';
import { fgdScorer, WorkloadSource } from '../../src/algorithms/gpu/fgd.js';
import { GpuClustering } from '../../src/algorithms/gpu/gpu-clustering.js';
import { ScoredGpuAllocator } from '../../src/algorithms/gpu/scored.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const devPool = (name: string, gpus: number, nodes = 1, cpu = 16): PoolSpec => ({
  name,
  capacity: [cpu, 64, gpus],
  nodes: { min: nodes, max: nodes, initial: nodes },
  pricePerHour: 1,
  latencyMs: 0,
  bootSeconds: 0,
  labels: {},
  gpus: { count: gpus, model: 'T4' },
  nodeNames: Array.from({ length: nodes }, (_, i) => `${name}${i}`),
});
const req = (id: string, gpu: number, cpu = 1): Request => ({ id, tenant: 't', arrival: 0, demand: [cpu, 1, gpu], duration: 1, priority: 'medium' });
const ctx = (seed = 1): AllocatorContext => ({ now: 0, rng: new Rng(seed), budget: WORK_BUDGET, blocking: false });

describe('gpu-clustering sees the pods placed earlier in the same decision', () => {
  it('a share pod does not follow a 1-GPU pod staged on an idle node in the same batch', () => {
    // two idle 8-GPU nodes; one decision: a 1-GPU pod, then a 0.5-GPU pod. The 1-GPU pod goes to
    // the first node (name ties). For the share pod that node now runs only another tag:
    // ⌊25·1000/8000⌋ + 0 = 3, while the idle node scores ⌊25·0/8000⌋ + 25 = 25.
    const c = ClusterState.fromPools(space, [devPool('n', 8, 2)]);
    const d = decideAndApply(new GpuClustering('name'), [req('whole', 1), req('share', 0.5)], c, ctx());
    const on = Object.fromEntries(d.started.map((a) => [a.request.id, c.nodeName(a.nodeId)]));
    expect(on).toEqual({ whole: 'n0', share: 'n1' });
    // the same as two decisions in a row
    const c2 = ClusterState.fromPools(space, [devPool('n', 8, 2)]);
    const alloc = new GpuClustering('name');
    const a1 = decideAndApply(alloc, [req('whole', 1)], c2, ctx()).started[0];
    const a2 = decideAndApply(alloc, [req('share', 0.5)], c2, ctx()).started[0];
    expect([c2.nodeName(a1?.nodeId ?? -1), c2.nodeName(a2?.nodeId ?? -1)]).toEqual(['n0', 'n1']);
  });

  it('what a decision staged is forgotten with its trial: the next decision sees only the cluster', () => {
    // a decision that is computed but not applied (its trial rolled back) leaves both nodes idle:
    // the share pod then ties at 25 on both and goes to n0 by name
    const c = ClusterState.fromPools(space, [devPool('n', 8, 2)]);
    const alloc = new GpuClustering('name');
    expect(alloc.allocate([req('whole', 1)], c, ctx()).placements).toEqual([{ requestId: 'whole', nodeId: 0, devices: [0] }]);
    const a = decideAndApply(alloc, [req('share', 0.5)], c, ctx()).started[0];
    expect(c.nodeName(a?.nodeId ?? -1)).toBe('n0');
  });

  it('a second share pod of the batch joins the first (75 band), not an idle node', () => {
    // n0 runs a 1-GPU pod (other tag), n1 and n2 are idle. Batch: two 0.5-GPU pods. The first goes
    // to an idle node (25) rather than n0 (3); the second must join it: ⌊25·500/8000⌋ + 75 = 76.
    const c = ClusterState.fromPools(space, [devPool('n', 8, 3)]);
    c.allocate(req('run', 1), 0, 0);
    const d = decideAndApply(new GpuClustering('name'), [req('s1', 0.5), req('s2', 0.5)], c, ctx());
    const on = d.started.map((a) => c.nodeName(a.nodeId));
    expect(on).toEqual(['n1', 'n1']);
  });
});

describe('FGD learns the workload from requests, not from decision attempts', () => {
  it('a request retried while it waits counts once', () => {
    const source = new WorkloadSource();
    const alloc = new ScoredGpuAllocator('fgd', fgdScorer(source));
    // a 2-GPU node with one GPU taken: a 2-GPU pod waits, decision after decision
    const c = ClusterState.fromPools(space, [devPool('g', 2)]);
    c.allocate(req('run', 1), 0, 0);
    const big = req('big', 2);
    for (let i = 0; i < 5; i++) expect(decideAndApply(alloc, [big], c, ctx()).started).toHaveLength(0);
    expect(decideAndApply(alloc, [req('small', 0.5)], c, ctx()).started).toHaveLength(1);
    // two requests seen, one of each type: 1/2 each (counting attempts gives 5/6 and 1/6)
    const w = source.get();
    expect(w.types.map((t) => [t.gpuCount, t.gpuMilli, t.p])).toEqual([
      [2, 1000, 0.5],
      [1, 500, 0.5],
    ]);
  });
});

describe('best-fit and dot-product count the GPU of nodes without devices (scalar `gpu: N` pools)', () => {
  const scalarPool: PoolSpec = {
    name: 's',
    capacity: [16, 64, 4],
    nodes: { min: 2, max: 2, initial: 2 },
    pricePerHour: 1,
    latencyMs: 0,
    bootSeconds: 0,
    labels: {},
    nodeNames: ['s0', 's1'],
  };
  it.each([
    ['best-fit', () => new GpuBestFit('name')],
    ['dot-product', () => new GpuDotProduct('name')],
  ] as const)('%s: a 1-GPU pod goes to the node with 1 GPU left, not to the idle one first in name order', (_n, make) => {
    // s1 runs 3 GPUs (no CPU, no memory): same CPU free as s0, 1 GPU left against 4.
    // best-fit: leftover on s1 ½·0 + ½·0/8000 < on s0 ½·3000/8000 → s1 (scores 100 vs 81, normalised 100 vs 0)
    // dot-product: free·req on s1 (1000/8000)(1000/8000) < on s0 (4000/8000)(1000/8000) → s1
    const c = ClusterState.fromPools(space, [scalarPool]);
    c.allocate({ id: 'run', tenant: 't', arrival: 0, demand: [0, 0, 3], duration: 1, priority: 'medium' }, 1, 0);
    const a = decideAndApply(make(), [req('p', 1, 2)], c, ctx()).started[0];
    expect(c.nodeName(a?.nodeId ?? -1)).toBe('s1');
  });
});
