import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkloadDistribution } from '../../src/algorithms/gpu/frag.js';
import { packingScore } from '../../src/algorithms/gpu/gpu-packing.js';
import type { GpuPolicyName } from '../../src/algorithms/gpu/index.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { allocationAt, runOpenb } from '../../src/sim/openb.js';
import { readAlibabaNodePools, readAlibabaPodRequests } from '../../src/traces/alibaba-gpu.js';
import { DATA_ROOT, haveData } from '../support/data.js';
import { fixture, rejection } from '../traces/helpers.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const share = (milli: number, p: number) => ({ cpuMilli: 1000, gpuMilli: milli, gpuCount: 1, models: '', p });

describe('FGD fragmentation measure (hand-checked)', () => {
  const w = new WorkloadDistribution([share(500, 0.5), { cpuMilli: 1000, gpuMilli: 1000, gpuCount: 1, models: '', p: 0.5 }]);
  it('counts, per pod type, the free GPU milli that type cannot use', () => {
    // [1000, 300] free, CPU enough: both types run; each sees the 300-milli device as fragment
    expect(w.fragOf('T4', 10_000, [1000, 300])).toBeCloseTo(300, 9);
    // CPU short: no type runs, all 1300 milli are fragmented
    expect(w.fragOf('T4', 500, [1000, 300])).toBeCloseTo(1300, 9);
    // [600, 600]: the share type uses both (0 fragment), the whole-GPU type none (1200): 0.5 × 1200
    expect(w.fragOf('T4', 10_000, [600, 600])).toBeCloseTo(600, 9);
  });
  it('typical pods: most popular types up to 95 % of the pods, renormalised', () => {
    const pods = [...Array(19).fill({ cpuMilli: 1, gpuMilli: 500, gpuCount: 1, models: '' }), { cpuMilli: 2, gpuMilli: 0, gpuCount: 0, models: '' }];
    const d = WorkloadDistribution.typical(pods);
    expect(d.types).toEqual([{ cpuMilli: 1, gpuMilli: 500, gpuCount: 1, models: '', p: 1 }]);
  });
  it('GPU packing score: partly used GPUs first, then busy nodes, then idle ones', () => {
    const pod = { cpuMilli: 0, gpuMilli: 500, gpuCount: 1, models: '' };
    expect(packingScore([1000, 1000], pod)).toBe(31); // idle 2-GPU node: max(33 − 2, 2)
    expect(packingScore([1000, 0], pod)).toBe(49); // opens one idle GPU: max(50 − 1, 33)
    expect(packingScore([1000, 600], pod)).toBe(94); // uses the 600-milli GPU: 100 − ⌊60 / 10⌋
    // the authors' own cases (gpu_packing_score_test.go)
    const two = (milli: number) => ({ cpuMilli: 100, gpuMilli: milli, gpuCount: 2, models: '' });
    expect(packingScore([200, 1000, 1000, 500], two(1000))).toBe(48);
    expect(packingScore([1000, 1000, 1000, 1000], two(1000))).toBe(29);
    expect(packingScore(Array(8).fill(1000), two(1000))).toBe(25);
    expect(packingScore([200, 1000, 1000, 500], two(200))).toBe(93);
  });
});

describe.runIf(haveData('gpu-openb', 'gpu-cluster/openb_pod_list_default.csv.gz', 'gpu-cluster/openb_node_list_gpu_node.csv.gz'))('FGD paper experiment (default pod list, seed 42)', () => {
  let loaded: Promise<{ pools: PoolSpec[]; pods: Request[] }> | undefined;
  const load = () =>
    (loaded ??= (async () => {
      const pools = await readAlibabaNodePools(path.join(DATA_ROOT, 'gpu-cluster/openb_node_list_gpu_node.csv.gz'), { space });
      const pods: Request[] = [];
      for await (const r of readAlibabaPodRequests(path.join(DATA_ROOT, 'gpu-cluster/openb_pod_list_default.csv.gz'), { space, pools, staticDuration: 1, noDeletion: 1, nonPositive: 'clamp' })) pods.push(r);
      return { pools, pods };
    })());
  const runs = new Map<GpuPolicyName, Promise<number[]>>();
  /** Allocation (%) at 100 and 130 % arrived, seed 42; one run per policy, shared by the tests below. */
  const at42 = (policy: GpuPolicyName): Promise<number[]> => {
    let r = runs.get(policy);
    if (r === undefined) {
      r = load().then(({ pools, pods }) => {
        const run = runOpenb({ space, pools, pods, policy, seed: 42 });
        return [allocationAt(run, 100), allocationAt(run, 130)];
      });
      runs.set(policy, r);
    }
    return r;
  };

  // Seed 42, computed by this code (all policies tie in the same seeded node order). Each is
  // within the seed spread of the reference means over seeds 42-51 at 100 / 130 % arrived:
  // Random 86.30 / 87.47, DotProd 90.62 / 90.85, GpuClustering 91.65 / 91.88, GpuPacking
  // 91.78 / 92.00, BestFit 92.86 / 93.08, FGD 95.23 / 95.39.
  it.each([
    ['random', [85.87, 87.32]],
    ['dot-product', [90.83, 91.08]],
    ['gpu-clustering', [92.03, 92.28]],
    ['gpu-packing', [92.01, 92.26]],
    ['best-fit', [93.2, 93.41]],
    ['fgd', [95.38, 95.51]],
  ] as const)('%s: seed 42 gives the checked values', async (policy, want) => {
    const { pools } = await load();
    expect(pools.reduce((s, p) => s + (p.gpus?.count ?? 0) * p.nodes.initial, 0)).toBe(6212);
    expect(await at42(policy)).toEqual(want);
  }, 60_000);

  it('ranks the policies as the reference does wherever the reference separates them on every seed', async () => {
    // In the authors' results (seeds 42-51, default list) Random < DotProd < {GpuClustering,
    // GpuPacking} < BestFit < FGD holds on each of the 10 seeds, at 100 and at 130 % arrived;
    // GpuClustering vs GpuPacking does not (paired difference +0.12 ± 0.09 se, mixed signs), so
    // that pair is not asserted.
    const order: GpuPolicyName[][] = [['random'], ['dot-product'], ['gpu-clustering', 'gpu-packing'], ['best-fit'], ['fgd']];
    for (const col of [0, 1]) {
      for (let i = 0; i + 1 < order.length; i++) {
        for (const lo of order[i] as GpuPolicyName[]) {
          for (const hi of order[i + 1] as GpuPolicyName[]) {
            const a = (await at42(lo))[col] as number;
            const b = (await at42(hi))[col] as number;
            expect(b, `${lo} < ${hi} at ${col === 0 ? 100 : 130} %`).toBeGreaterThan(a);
          }
        }
      }
    }
  }, 180_000);

  it('a node list with a missing column is an error naming file, line and field', async () => {
    const f = fixture('nodes-bad.csv', 'sn,cpu_milli,gpu,model\nn0,64000,2,P100\n');
    const e = await rejection(readAlibabaNodePools(f, { space }));
    expect(e.message).toContain(`${f}:1, field 'memory_mib'`);
  });
});
