import type { ClusterView } from '../../core/cluster.js';
import { FgdMemo, WorkloadSource } from './fgd.js';
import type { WorkloadDistribution } from './frag.js';
import { cpuFreeMilli, deviceFree, type GpuDims, type GpuPod, podKey, totalGpuFree } from './pod.js';
import { ScoredGpuAllocator, type GpuScorer } from './scored.js';

/**
 * FGD-pack (ours): FGD without the score's rounding, plus a small pull towards packing.
 *
 *   key(n, d) = Δ(n, d) − λ · gpuFreeAfter(n)        (milli; Δ as in FGD, frag.ts)
 *
 * FGD maps Δ through ⌊100 σ(Δ/1000)⌋, which lumps every Δ within a few tens of milli together
 * and then draws among them at random; here the exact Δ decides, and among near-equal Δ the node
 * left with fewer free GPU milli wins (λ = 0.02 milli per milli, chosen on training seeds 1-5 of
 * the default pod list, never on the evaluation seeds 42-51; see docs/gpu-sharing.md).
 * Same cost per decision as FGD: one Δ per feasible (node, device choice).
 */
export interface FgdPackOptions {
  readonly workload?: WorkloadDistribution;
  /** Weight of the free GPU milli left on the node; default 0.02. */
  readonly lambda?: number;
}

export const DEFAULT_LAMBDA = 0.02;

export function fgdPackScorer(source: WorkloadSource, lambda: number): GpuScorer {
  let w: WorkloadDistribution;
  let pk = '';
  const key = (delta: number): number => delta;
  const memo = new FgdMemo();
  const ev = (view: ClusterView, id: number, pod: GpuPod, dims: GpuDims) => {
    const free = deviceFree(view, id);
    const after = totalGpuFree(free) - pod.gpuMilli * pod.gpuCount;
    // the packing term depends on the node, so it is added outside the memo (the memo keeps Δ)
    const e = memo.eval(w, id, view.gpuModel(id), cpuFreeMilli(view, id, dims), free, pod, pk, key);
    return { key: e.delta - lambda * after, devices: e.devices };
  };
  return {
    begin(pod: GpuPod) {
      source.observe(pod);
      w = source.get();
      pk = podKey(pod);
    },
    score: (view, id, pod, dims) => ev(view, id, pod, dims).key,
    devices: (view, id, pod, dims) => (pod.gpuCount === 0 ? undefined : ev(view, id, pod, dims).devices),
  };
}

export class FgdPack extends ScoredGpuAllocator {
  constructor(options: FgdPackOptions = {}) {
    super('fgd-pack', fgdPackScorer(new WorkloadSource(options.workload), options.lambda ?? DEFAULT_LAMBDA));
  }
}
