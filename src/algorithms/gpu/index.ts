import { z } from 'zod';
import type { Allocator } from '../allocator.js';
import { GpuBestFit } from './best-fit.js';
import { GpuDotProduct } from './dot-product.js';
import { Fgd } from './fgd.js';
import { FgdPack } from './fgd-pack.js';
import { FgdRepair } from './fgd-repair.js';
import type { WorkloadDistribution } from './frag.js';
import type { GpuPod } from './pod.js';
import { GpuClustering } from './gpu-clustering.js';
import { GpuPacking } from './gpu-packing.js';
import { GpuRandom } from './random.js';

export { GpuBestFit } from './best-fit.js';
export { GpuDotProduct } from './dot-product.js';
export { Fgd, fgdEval, fgdScoreOf, WorkloadSource, type FgdOptions } from './fgd.js';
export { FgdPack, type FgdPackOptions, type FgdTie } from './fgd-pack.js';
export { FgdRepair, isRepairing, DEFAULT_MAX_CANDIDATES, type FgdRepairOptions, type Move, type RepairPlan, type RepairingAllocator } from './fgd-repair.js';
export { WorkloadDistribution, TYPICAL_COVERAGE, type PodType } from './frag.js';
export { GpuClustering } from './gpu-clustering.js';
export { GpuPacking, packingScore } from './gpu-packing.js';
export { GpuRandom } from './random.js';
export { ScoredGpuAllocator, type GpuScorer, type TieOrder } from './scored.js';
export { gpuPodOf, gpuDims, podKey, type GpuPod, type GpuDims } from './pod.js';

const none = z.object({}).strict();

/** The GPU-sharing policies of the FGD paper (and ours), by registry name. */
export const GPU_POLICY_NAMES = ['random', 'dot-product', 'gpu-clustering', 'gpu-packing', 'best-fit', 'fgd', 'fgd-pack', 'fgd-repair'] as const;
export type GpuPolicyName = (typeof GPU_POLICY_NAMES)[number];

export function isGpuPolicyName(s: string): s is GpuPolicyName {
  return (GPU_POLICY_NAMES as readonly string[]).includes(s);
}

/**
 * Build a GPU policy; FGD and its variants take the workload distribution when known (`fgd-pack`
 * builds its own from `pods`, the pod list the workload is drawn from, when given).
 */
export function createGpuPolicy(name: GpuPolicyName, workload?: WorkloadDistribution, pods?: readonly GpuPod[]): Allocator {
  switch (name) {
    case 'random':
      return new GpuRandom();
    case 'dot-product':
      return new GpuDotProduct();
    case 'gpu-clustering':
      return new GpuClustering();
    case 'gpu-packing':
      return new GpuPacking();
    case 'best-fit':
      return new GpuBestFit();
    case 'fgd':
      return new Fgd(workload === undefined ? {} : { workload });
    case 'fgd-pack':
      return new FgdPack({ ...(workload === undefined ? {} : { workload }), ...(pods === undefined ? {} : { pods }) });
    case 'fgd-repair':
      return new FgdRepair(workload === undefined ? {} : { workload });
  }
}

/**
 * Registry entries (src/algorithms/registry.ts spreads these into ALLOCATORS). `fgd-repair` is not
 * one: its repair step is applied by the `drs replay-openb` runner only (src/sim/openb.ts), so as a
 * scenario strategy it would silently be FGD.
 */
export const GPU_ALLOCATOR_ENTRIES = {
  random: { summary: 'GPU sharing: a feasible node drawn at random (seeded), a random device that holds the share', options: none, create: () => new GpuRandom() },
  'dot-product': { summary: 'GPU sharing: least dot product of free (CPU, GPU) and demand, normalised by the largest node (FGD paper baseline)', options: none, create: () => new GpuDotProduct() },
  'gpu-clustering': { summary: 'GPU sharing: keep pods of the same GPU request (share / k GPUs) on the same nodes', options: none, create: () => new GpuClustering() },
  'gpu-packing': { summary: 'GPU sharing: partly used GPUs first, then nodes with busy GPUs, idle nodes last', options: none, create: () => new GpuPacking() },
  'best-fit': { summary: 'GPU sharing: least weighted CPU + GPU leftover, min-max normalised', options: none, create: () => new GpuBestFit() },
  fgd: { summary: 'Fragmentation Gradient Descent (ATC 23): least growth of expected GPU fragmentation; workload learnt from the requests seen', options: none, create: () => new Fgd() },
  'fgd-pack': { summary: 'FGD against all pod types (not only the typical 95 %), at a coarser score resolution (50), equal scores to the fullest node (ours)', options: none, create: () => new FgdPack() },
} as const;

/**
 * What `drs replay-openb --policies` may name, with a line each for `drs list`: the registry's
 * GPU policies and `fgd-repair`, which only that runner applies.
 */
export const GPU_POLICY_SUMMARIES: Record<GpuPolicyName, { readonly summary: string }> = {
  ...GPU_ALLOCATOR_ENTRIES,
  'fgd-repair': { summary: 'FGD, and when a pod fits on no node, move one running pod to make room for it (drs replay-openb only; docs/gpu-sharing.md)' },
};
