import type { ClusterView } from '../../core/cluster.js';
import { GPU_MILLI, gpuShape } from '../../core/gpu.js';
import type { Request } from '../../core/model.js';

/**
 * The quantities the GPU policies score with, in the authors' units: CPU in milli-cores, GPU in
 * milli per device. A pod asks for `gpuCount` devices with `gpuMilli` of each (a share: count 1,
 * milli < 1000; whole GPUs: milli 1000), or nothing (count 0, milli 0). `models` is the allowed
 * GPU models joined with '|' ('' = any).
 */
export interface GpuPod {
  readonly cpuMilli: number;
  readonly gpuMilli: number;
  readonly gpuCount: number;
  readonly models: string;
}

/** Dimension indexes of a cluster's resource space (-1 when absent). */
export interface GpuDims {
  readonly cpu: number;
  readonly gpu: number;
}

export function gpuDims(view: ClusterView): GpuDims {
  return { cpu: view.space.indexOf('cpu'), gpu: view.space.indexOf('gpu') };
}

export function gpuPodOf(r: Request, dims: GpuDims): GpuPod {
  const cpuMilli = dims.cpu >= 0 ? Math.round((r.demand[dims.cpu] ?? 0) * 1000) : 0;
  const shape = gpuShape(dims.gpu >= 0 ? (r.demand[dims.gpu] ?? 0) : 0);
  const models = r.gpuModels === undefined ? '' : r.gpuModels.join('|');
  switch (shape.kind) {
    case 'share':
      return { cpuMilli, gpuMilli: shape.milli, gpuCount: 1, models };
    case 'whole':
      return { cpuMilli, gpuMilli: GPU_MILLI, gpuCount: shape.count, models };
    case 'none':
    case 'invalid':
      return { cpuMilli, gpuMilli: 0, gpuCount: 0, models };
  }
}

/** A stable key of a pod type (the authors' PodResource: cpu, GPU milli, GPU count, GPU models). */
export function podKey(p: GpuPod): string {
  return `${p.cpuMilli}/${p.gpuMilli}x${p.gpuCount}/${p.models}`;
}

/** Free CPU of a node in milli-cores. */
export function cpuFreeMilli(view: ClusterView, id: number, dims: GpuDims): number {
  return dims.cpu >= 0 ? Math.round((view.free(id)[dims.cpu] as number) * 1000) : 0;
}

const NO_DEVICES = new Int32Array(0);

/** Free milli per GPU device (empty for a node without devices). */
export function deviceFree(view: ClusterView, id: number): ArrayLike<number> {
  return view.gpuFree(id) ?? NO_DEVICES;
}

/**
 * Free GPU milli of a node in total: Σ over its devices, or, on a node without devices (a pool
 * declared with a plain `gpu: N`), its scalar GPU free × 1000. The scores that read the node's
 * total (best fit, dot product, clustering's used GPU) then see the GPU of every node; reading
 * only devices gave a scalar node 0 free, so those policies placed GPU pods there by CPU alone.
 */
export function nodeGpuFreeMilli(view: ClusterView, id: number, dims: GpuDims): number {
  const devices = view.gpuFree(id);
  if (devices !== undefined) return totalGpuFree(devices);
  return dims.gpu >= 0 ? Math.round((view.free(id)[dims.gpu] as number) * GPU_MILLI) : 0;
}

/** Σ free milli over the node's devices. */
export function totalGpuFree(free: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < free.length; i++) s += free[i] as number;
  return s;
}

/** Number of devices with all 1000 milli free. */
export function idleDevices(free: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < free.length; i++) if (free[i] === GPU_MILLI) k++;
  return k;
}

/** Lowest-indexed idle devices for k whole GPUs (the authors' AllocateExclusiveGpuId). */
export function lowestIdle(free: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < free.length && out.length < k; i++) if (free[i] === GPU_MILLI) out.push(i);
  return out;
}

/** The device with the least free milli that still holds `milli` (lowest index on ties), or -1. */
export function tightestDevice(free: ArrayLike<number>, milli: number): number {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const f = free[i] as number;
    if (f >= milli && (best < 0 || f < (free[best] as number))) best = i;
  }
  return best;
}

/** The authors' "best" GPU selection: tightest device for a share, lowest idle ones for whole GPUs. */
export function bestDevices(free: ArrayLike<number>, pod: GpuPod): number[] | undefined {
  if (pod.gpuCount === 0 || free.length === 0) return undefined;
  if (pod.gpuMilli < GPU_MILLI) {
    const d = tightestDevice(free, pod.gpuMilli);
    return d < 0 ? undefined : [d];
  }
  return lowestIdle(free, pod.gpuCount);
}
