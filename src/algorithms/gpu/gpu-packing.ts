import type { ClusterView } from '../../core/cluster.js';
import { GPU_MILLI } from '../../core/gpu.js';
import { gpuDims, type GpuPod, idleDevices } from './pod.js';
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

/**
 * The free milli per device packingScore reads: the node's devices, or, on a node without devices
 * (a pool declared with a plain `gpu: N`), its scalar GPUs read as ⌈N⌉ devices, the whole free
 * GPUs idle, the fraction left on one device and the rest busy (the tightest reading of the free
 * total). Reading no devices at all scored every scalar node as an idle node, however loaded.
 */
export function packingFree(view: ClusterView, id: number): ArrayLike<number> {
  const devices = view.gpuFree(id);
  if (devices !== undefined) return devices;
  const g = gpuDims(view).gpu;
  if (g < 0) return [];
  const n = Math.ceil((view.capacity(id)[g] as number) - 1e-9);
  let left = Math.max(0, Math.round((view.free(id)[g] as number) * GPU_MILLI));
  const out = new Array<number>(Math.max(0, n)).fill(0);
  for (let i = 0; i < out.length && left > 0; i++) {
    out[i] = Math.min(GPU_MILLI, left);
    left -= out[i] as number;
  }
  return out;
}

export const gpuPackingScorer: GpuScorer = {
  score: (view: ClusterView, id: number, pod: GpuPod) => packingScore(packingFree(view, id), pod),
};

export class GpuPacking extends ScoredGpuAllocator {
  /** ties: 'shuffled' (default) is the authors' effective rule, a seeded random node order (see TieOrder). */
  constructor(ties: TieOrder = 'shuffled') {
    super('gpu-packing', gpuPackingScorer, ties);
  }
}
