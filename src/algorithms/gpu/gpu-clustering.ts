import type { ClusterView } from '../../core/cluster.js';
import { GPU_MILLI } from '../../core/gpu.js';
import type { Request } from '../../core/model.js';
import { MAX_SPEC_GPU } from './dot-product.js';
import { type GpuDims, gpuPodOf, type GpuPod, nodeGpuFreeMilli } from './pod.js';
import { ScoredGpuAllocator, type GpuScorer, type TieOrder } from './scored.js';

/** A pod's GPU "affinity" tag: 'share' for a share of one device, 'k-gpu' for k whole devices, '' for none. */
export function affinityTag(pod: GpuPod): string {
  if (pod.gpuCount === 0 || pod.gpuMilli === 0) return '';
  return pod.gpuMilli < GPU_MILLI ? 'share' : `${pod.gpuCount}-gpu`;
}

/**
 * GpuClustering (the authors' GpuClusteringScore): keep pods of the same GPU request together.
 * With used = 8000 − free GPU milli of the node and integer division:
 *
 *   base = 75 if the node runs only pods of the pod's tag,
 *          50 if it runs that tag among others,
 *          25 if it runs no GPU pod, 0 if it runs only other tags
 *   score = ⌊25 × used / 8000⌋ + base   (pods without GPU: 0)
 *
 * "Runs" includes the pods placed earlier in the same decision (staged on the trial, which
 * `allocationsOn` does not list): a batch is placed as the same pods one decision each would be.
 *
 * Devices: the "best" selection.
 */
const tags = new WeakMap<Request, string>();

/** A scorer of its own per allocator: it keeps the tags staged on each node during a decision. */
export function gpuClusteringScorer(): GpuScorer {
  const staged = new Map<number, string[]>();
  return {
    startDecision: () => staged.clear(),
    staged(id: number, pod: GpuPod) {
      const tag = affinityTag(pod);
      if (tag === '') return;
      const list = staged.get(id);
      if (list === undefined) staged.set(id, [tag]);
      else list.push(tag);
    },
    score(view: ClusterView, id: number, pod: GpuPod, dims: GpuDims): number {
      const tag = affinityTag(pod);
      if (tag === '') return 0;
      let same = false;
      let other = false;
      const see = (t: string) => {
        if (t === '') return;
        if (t === tag) same = true;
        else other = true;
      };
      for (const a of view.allocationsOn(id)) {
        let t = tags.get(a.request);
        if (t === undefined) tags.set(a.request, (t = affinityTag(gpuPodOf(a.request, dims))));
        see(t);
      }
      for (const t of staged.get(id) ?? []) see(t);
      const base = same ? (other ? 50 : 75) : other ? 0 : 25;
      return Math.trunc((25 * (MAX_SPEC_GPU - nodeGpuFreeMilli(view, id, dims))) / MAX_SPEC_GPU) + base;
    },
  };
}

export class GpuClustering extends ScoredGpuAllocator {
  /** ties: 'shuffled' (default) is the authors' effective rule, a seeded random node order (see TieOrder). */
  constructor(ties: TieOrder = 'shuffled') {
    super('gpu-clustering', gpuClusteringScorer(), ties);
  }
}
