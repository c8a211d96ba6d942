import type { ClusterView } from '../../core/cluster.js';
import { cpuFreeMilli, type GpuDims, type GpuPod, nodeGpuFreeMilli } from './pod.js';
import { ScoredGpuAllocator, type GpuScorer, type TieOrder } from './scored.js';

/** The authors' normalisation constants: the largest node spec (128 cores, 8 GPUs), in milli. */
export const MAX_SPEC_CPU = 128_000;
export const MAX_SPEC_GPU = 8_000;

/**
 * DotProd (the authors' DotProductScore with the "merge" GPU dimension and "max" normalisation):
 * the node's free vector and the pod's demand, each over (CPU, total GPU milli; a node without
 * devices counts its scalar GPU free, see nodeGpuFreeMilli) and divided by
 * the largest node spec, are multiplied; a large product (the pod matches where the node has a
 * lot free) is penalised, so pods go where the free vector is small:
 *
 *   free = (cpuFree / 128000, gpuFree / 8000),  req = (cpu / 128000, gpuCount × gpuMilli / 8000)
 *   score = ⌊100 × (1 − (free · req) / 2)⌋
 *
 * Devices: the "best" selection (tightest device for a share, lowest idle for whole GPUs).
 */
export const dotProductScorer: GpuScorer = {
  score(view: ClusterView, id: number, pod: GpuPod, dims: GpuDims): number {
    const cpu = cpuFreeMilli(view, id, dims) / MAX_SPEC_CPU;
    const gpu = nodeGpuFreeMilli(view, id, dims) / MAX_SPEC_GPU;
    const dot = cpu * (pod.cpuMilli / MAX_SPEC_CPU) + gpu * ((pod.gpuMilli * pod.gpuCount) / MAX_SPEC_GPU);
    return Math.trunc(100 * (1 - dot / 2));
  },
};

export class GpuDotProduct extends ScoredGpuAllocator {
  /** ties: 'shuffled' (default) is the authors' effective rule, a seeded random node order (see TieOrder). */
  constructor(ties: TieOrder = 'shuffled') {
    super('dot-product', dotProductScorer, ties);
  }
}
