import { describe, expect, it } from 'vitest';
import { FgdMemo, fgdEval, fgdScoreOf } from '../../src/algorithms/gpu/fgd.js';
import { WorkloadDistribution } from '../../src/algorithms/gpu/frag.js';
import { podKey, type GpuPod } from '../../src/algorithms/gpu/pod.js';
import { Rng } from '../../src/core/rng.js';

/** Pod types with shares, whole GPUs and none, on any model or one. */
const PODS: GpuPod[] = [
  { cpuMilli: 4000, gpuMilli: 500, gpuCount: 1, models: '' },
  { cpuMilli: 8000, gpuMilli: 250, gpuCount: 1, models: '' },
  { cpuMilli: 2000, gpuMilli: 1000, gpuCount: 2, models: '' },
  { cpuMilli: 16000, gpuMilli: 1000, gpuCount: 1, models: 'V100' },
  { cpuMilli: 1000, gpuMilli: 0, gpuCount: 0, models: '' },
];

describe('FgdMemo', () => {
  it('answers as a fresh fgdEval after random node changes, pod types and workload changes', () => {
    const rng = new Rng('fgd-memo');
    const memo = new FgdMemo();
    const nodes = Array.from({ length: 12 }, (_, i) => ({ model: i % 3 === 0 ? 'V100' : 'T4', cpu: 32000, free: [1000, 1000, 1000, 1000].slice(0, 1 + (i % 4)) }));
    const dists = [WorkloadDistribution.typical(PODS), WorkloadDistribution.typical([PODS[0], PODS[0], PODS[2], PODS[4]] as GpuPod[])];
    let w = dists[0] as WorkloadDistribution;
    for (let step = 0; step < 4000; step++) {
      const op = rng.int(10);
      const n = nodes[rng.int(nodes.length)] as (typeof nodes)[number];
      // Change a node (its CPU, one device, or back to a state it had), or the workload.
      if (op === 0) n.cpu = 1000 * rng.int(33);
      else if (op === 1) n.free[rng.int(n.free.length)] = 250 * rng.int(5);
      else if (op === 2) w = dists[rng.int(dists.length)] as WorkloadDistribution;
      const pod = PODS[rng.int(PODS.length)] as GpuPod;
      const id = nodes.indexOf(n);
      const got = memo.eval(w, id, n.model, n.cpu, n.free, pod, podKey(pod), fgdScoreOf);
      expect(got, `step ${step}`).toEqual(fgdEval(w, n.model, n.cpu, n.free, pod, fgdScoreOf));
    }
  });
});
