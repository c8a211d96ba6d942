import type { WorkloadDistribution } from '../algorithms/gpu/frag.js';
import type { ClusterView } from '../core/cluster.js';

/**
 * GPU metrics of a cluster with GPU devices, at one moment (pure functions of the state):
 *
 *   allocation ratio   = allocated GPU milli / GPU milli of the up device nodes
 *   fragmentation F    = Σ_nodes F(node), the GPU milli that a pod drawn from the workload
 *                        distribution could not use (the FGD paper's measure; frag.ts)
 *   fragmentation rate = F / free GPU milli (0 when nothing is free)
 *
 * Amounts are returned in GPUs (milli / 1000). Scalar-GPU nodes have no devices and are left out.
 */
export interface GpuSnapshot {
  /** GPUs of the up device nodes. */
  readonly capacity: number;
  readonly allocated: number;
  readonly free: number;
  readonly allocationRatio: number;
  /** Fragmented GPUs (F / 1000). */
  readonly amount: number;
  readonly rate: number;
}

export function clusterFragmentation(view: ClusterView, workload: WorkloadDistribution): GpuSnapshot {
  const cpu = view.space.indexOf('cpu');
  let cap = 0;
  let free = 0;
  let frag = 0;
  for (let p = 0; p < view.pools.length; p++) {
    for (const id of view.upNodes(p)) {
      const f = view.gpuFree(id);
      if (f === undefined) continue;
      cap += f.length * 1000;
      let s = 0;
      for (let i = 0; i < f.length; i++) s += f[i] as number;
      free += s;
      if (s > 0) frag += workload.fragOf(view.gpuModel(id), cpu >= 0 ? Math.round((view.free(id)[cpu] as number) * 1000) : 0, f);
    }
  }
  return {
    capacity: cap / 1000,
    allocated: (cap - free) / 1000,
    free: free / 1000,
    allocationRatio: cap > 0 ? (cap - free) / cap : 0,
    amount: frag / 1000,
    rate: free > 0 ? frag / free : 0,
  };
}

/** Time series of GPU metrics, one sample per call of `sample` (for run results and the report). */
export interface GpuSeries {
  readonly t: number[];
  readonly allocationRatio: number[];
  readonly fragAmount: number[];
  readonly fragRate: number[];
}

export class GpuSeriesRecorder {
  readonly series: GpuSeries = { t: [], allocationRatio: [], fragAmount: [], fragRate: [] };

  constructor(private readonly workload: WorkloadDistribution) {}

  sample(t: number, view: ClusterView): void {
    const s = clusterFragmentation(view, this.workload);
    const last = this.series.t.length - 1;
    if (last >= 0 && this.series.t[last] === t) {
      // one sample per instant: the latest state wins
      this.series.allocationRatio[last] = s.allocationRatio;
      this.series.fragAmount[last] = s.amount;
      this.series.fragRate[last] = s.rate;
      return;
    }
    this.series.t.push(t);
    this.series.allocationRatio.push(s.allocationRatio);
    this.series.fragAmount.push(s.amount);
    this.series.fragRate.push(s.rate);
  }
}
