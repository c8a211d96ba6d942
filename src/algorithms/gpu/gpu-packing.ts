import type { ClusterView } from '../../core/cluster.js';
import { GPU_MILLI } from '../../core/gpu.js';
import { deviceFree, type GpuPod, idleDevices } from './pod.js';
import { ScoredGpuAllocator, type GpuScorer, type TieOrder } from './scored.js';

/**
 * GpuPacking (the authors' GpuPackingScore): prefer nodes whose GPUs are already partly used,
 * then nodes where the pod must open idle GPUs though others are busy, then idle nodes. With
 * integer division throughout, idle = number of idle devices, n = devices on the node:
 *
 *   pod without GPU                       → 0
 *   idle = n (node untouched)             → max(33 − idle, idle)
 *   else take devices in ascending free order that hold the pod (the tightest ones);
 *     if k of them are idle (k > 0)       → max(50 − k, 33)
 *     else                                → max(100 − ⌊Σ_used ⌊free × 100 / 1000⌋ / 10⌋, 50)
 *
 * Devices: the "best" selection.
 */
export function packingScore(free: ArrayLike<number>, pod: GpuPod): number {
  if (pod.gpuMilli <= 0) return 0;
  const idle = idleDevices(free);
  if (idle === free.length) return Math.max(33 - idle, idle);
  const order = Array.from({ length: free.length }, (_, i) => i).sort((a, b) => (free[a] as number) - (free[b] as number) || a - b);
  let need = pod.gpuCount;
  let idleUsed = 0;
  let ratio = 0;
  for (const i of order) {
    if (need === 0) break;
    const f = free[i] as number;
    if (pod.gpuMilli <= f) {
      need--;
      if (f === GPU_MILLI) idleUsed++;
      ratio += Math.trunc((f * 100) / GPU_MILLI);
    }
  }
  if (need !== 0) return 0;
  if (idleUsed > 0) return Math.max(50 - idleUsed, 33);
  return Math.max(100 - Math.trunc(ratio / 10), 50);
}

export const gpuPackingScorer: GpuScorer = {
  score: (view: ClusterView, id: number, pod: GpuPod) => packingScore(deviceFree(view, id), pod),
};

export class GpuPacking extends ScoredGpuAllocator {
  /** ties: 'shuffled' (default) is the authors' effective rule, a seeded random node order (see TieOrder). */
  constructor(ties: TieOrder = 'shuffled') {
    super('gpu-packing', gpuPackingScorer, ties);
  }
}
