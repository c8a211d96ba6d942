import type { ClusterView } from '../../core/cluster.js';
import { MAX_SPEC_CPU, MAX_SPEC_GPU } from './dot-product.js';
import { cpuFreeMilli, type GpuDims, type GpuPod, nodeGpuFreeMilli } from './pod.js';
import { ScoredGpuAllocator, type GpuScorer, type TieOrder } from './scored.js';

/**
 * BestFit (the authors' BestFitScore): the least weighted leftover after placing the pod,
 * over CPU and total GPU milli (Σ devices; a node without devices: its scalar GPU free, see
 * nodeGpuFreeMilli), each divided by the largest node spec and weighted 1/2:
 *
 *   leftover = ½ (cpuFree − cpu) / 128000 + ½ (gpuFree − gpuCount × gpuMilli) / 8000
 *   score    = ⌊100 × (1 − leftover)⌋, then min-max normalised over the feasible nodes:
 *              ⌊(score − min) × 100 / (max − min)⌋
 *
 * Devices: the "best" selection.
 */
export const bestFitScorer: GpuScorer = {
  normalize: true,
  score(view: ClusterView, id: number, pod: GpuPod, dims: GpuDims): number {
    const cpuLeft = cpuFreeMilli(view, id, dims) - pod.cpuMilli;
    const gpuLeft = nodeGpuFreeMilli(view, id, dims) - pod.gpuMilli * pod.gpuCount;
    const leftover = (cpuLeft / MAX_SPEC_CPU) * 0.5 + (gpuLeft / MAX_SPEC_GPU) * 0.5;
    return Math.trunc((1 - leftover) * 100);
  },
};

export class GpuBestFit extends ScoredGpuAllocator {
  /** ties: 'shuffled' (default) is the authors' effective rule, a seeded random node order (see TieOrder). */
  constructor(ties: TieOrder = 'shuffled') {
    super('best-fit', bestFitScorer, ties);
  }
}
