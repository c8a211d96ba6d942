import { GPU_MILLI } from '../../core/gpu.js';
import { type GpuPod, podKey } from './pod.js';

/**
 * FGD's fragmentation measure (Weng et al., ATC'23, and the authors' simulator).
 *
 * The workload is a distribution over pod types t (CPU, GPU milli per device, GPU count, allowed
 * models) with popularity p_t. Seen from one pod type, a node's free GPU milli splits in two:
 * the part that type could use, and the rest, which is "fragmented" for it:
 *
 *   if the type can run on the node (model allowed, cpuFree ≥ cpu_t, and at least count_t devices
 *   have ≥ milli_t free):  frag_t(node) = Σ_{devices with free < milli_t} free
 *   otherwise (lacks CPU, GPU, model; or needs no GPU at all): frag_t(node) = Σ_devices free
 *
 * The node's fragmentation is the expectation over the workload, and the cluster's the sum:
 *
 *   F(node) = Σ_t p_t · frag_t(node)            F(cluster) = Σ_nodes F(node)
 *   fragmentation rate = F(cluster) / Σ_nodes free GPU milli
 *
 * Rewritten for speed: with total = Σ free and H = the types that can run on the node,
 *   F(node) = total − Σ_{t ∈ H} p_t · (total − small_t),   small_t = Σ_{free < milli_t} free
 * Types are grouped by (milli, count) per GPU model; inside a group they are sorted by CPU with
 * cumulative popularity, so "cpuFree ≥ cpu_t" is one binary search.
 */
export interface PodType extends GpuPod {
  /** Popularity, normalised to sum 1 over the distribution. */
  readonly p: number;
}

interface Group {
  readonly milli: number;
  readonly count: number;
  /** CPU of the group's types, ascending. */
  readonly cpu: Float64Array;
  /** cum[i] = Σ p over types 0..i. */
  readonly cum: Float64Array;
}

/** Default share of pods the typical types must cover (the authors' podPopularityThreshold 95 %). */
export const TYPICAL_COVERAGE = 0.95;

export class WorkloadDistribution {
  private readonly byModel = new Map<string, Group[]>();

  constructor(readonly types: readonly PodType[]) {}

  /**
   * The authors' typical pods: count pods per type, sort by count (ties: larger CPU, GPU milli,
   * count, then models first), keep the most popular types until they cover `coverage` of the
   * pods, renormalise their popularity to sum 1. With `gpuWeight` w > 0 a pod of k whole GPUs
   * counts 1 + k·w times (the authors' gpuResWeight; 0 in their runs).
   */
  static typical(pods: Iterable<GpuPod>, coverage = TYPICAL_COVERAGE, gpuWeight = 0): WorkloadDistribution {
    const counts = new PodCounts(gpuWeight);
    for (const pod of pods) counts.add(pod);
    return counts.typical(coverage);
  }

  private groupsFor(model: string): Group[] {
    let g = this.byModel.get(model);
    if (g !== undefined) return g;
    const by = new Map<string, PodType[]>();
    for (const t of this.types) {
      if (t.gpuMilli === 0 || t.gpuCount === 0) continue; // no GPU: always counts the node's whole free GPU
      if (t.models !== '' && !t.models.split('|').includes(model)) continue; // no access
      const k = `${t.gpuMilli}x${t.gpuCount}`;
      const list = by.get(k) ?? [];
      list.push(t);
      by.set(k, list);
    }
    g = [...by.values()].map((list) => {
      list.sort((a, b) => a.cpuMilli - b.cpuMilli);
      const cum = new Float64Array(list.length);
      let s = 0;
      list.forEach((t, i) => (cum[i] = s += t.p));
      return { milli: (list[0] as PodType).gpuMilli, count: (list[0] as PodType).gpuCount, cpu: Float64Array.from(list, (t) => t.cpuMilli), cum };
    });
    this.byModel.set(model, g);
    return g;
  }

  /** F(node) in GPU milli, for a node of GPU `model` with `cpuFree` milli-cores and device frees `free`. */
  fragOf(model: string | undefined, cpuFree: number, free: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < free.length; i++) total += free[i] as number;
    if (total === 0) return 0;
    // A node without a model serves only pods that allow any model.
    return total - this.usable(this.groupsFor(model ?? ''), cpuFree, free, total);
  }

  /** Σ_{t ∈ H} p_t (total − small_t). */
  private usable(groups: readonly Group[], cpuFree: number, free: ArrayLike<number>, total: number): number {
    let u = 0;
    for (const g of groups) {
      const cpu = g.cpu;
      if ((cpu[0] as number) > cpuFree) continue;
      let fit = 0;
      let small = 0;
      for (let i = 0; i < free.length; i++) {
        const f = free[i] as number;
        if (f >= g.milli) fit++;
        else small += f;
      }
      if (fit < g.count) continue;
      // last index with cpu ≤ cpuFree
      let lo = 0;
      let hi = cpu.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((cpu[mid] as number) <= cpuFree) lo = mid;
        else hi = mid - 1;
      }
      u += (g.cum[lo] as number) * (total - small);
    }
    return u;
  }
}

/**
 * Pod counts per type (first pod seen of each type kept as its representative), from which the
 * typical distribution is drawn; kept incrementally by a learning source, so a rebuild costs the
 * number of types, not the number of pods seen.
 */
export class PodCounts {
  private readonly counts = new Map<string, { readonly pod: GpuPod; n: number }>();
  private total = 0;

  constructor(private readonly gpuWeight = 0) {}

  add(pod: GpuPod): void {
    const k = podKey(pod);
    const wt = this.gpuWeight > 0 && pod.gpuMilli === GPU_MILLI ? 1 + pod.gpuCount * this.gpuWeight : 1;
    const c = this.counts.get(k);
    if (c) c.n += wt;
    else this.counts.set(k, { pod, n: wt });
    this.total += wt;
  }

  /** See WorkloadDistribution.typical. */
  typical(coverage = TYPICAL_COVERAGE): WorkloadDistribution {
    const total = this.total;
    const list = [...this.counts.values()].sort(
      (a, b) =>
        b.n - a.n ||
        b.pod.cpuMilli - a.pod.cpuMilli ||
        b.pod.gpuMilli - a.pod.gpuMilli ||
        b.pod.gpuCount - a.pod.gpuCount ||
        (a.pod.models < b.pod.models ? 1 : a.pod.models > b.pod.models ? -1 : 0),
    );
    const kept: { pod: GpuPod; n: number }[] = [];
    let cum = 0;
    for (const c of list) {
      if (cum >= coverage * total) break;
      kept.push(c);
      cum += c.n;
    }
    return new WorkloadDistribution(kept.map((c) => ({ ...c.pod, p: c.n / cum })));
  }
}

/** Free GPUs in whole-GPU units from milli. */
export function milliToGpus(milli: number): number {
  return milli / GPU_MILLI;
}
