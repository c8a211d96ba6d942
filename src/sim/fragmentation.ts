import { WorkloadDistribution } from '../algorithms/gpu/frag.js';
import { gpuPodOf } from '../algorithms/gpu/pod.js';
import type { ClusterView } from '../core/cluster.js';
import type { PoolSpec } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { EV, type EventLog } from './log.js';

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

/**
 * GPU series of a run, from its event log (pure): the device state is rebuilt event by event
 * (starts take the logged devices, completions, preemptions, failures and expiries give them
 * back) and sampled at each time of `t` (the state at that instant, after the events at it):
 * allocation ratio (%), fragmentation amount (GPUs) and rate (%). The workload distribution is
 * the typical pod types of the run's requests (FGD's). Empty when no pool declares devices.
 */
export function gpuSeriesFromLog(log: EventLog, space: ResourceSpace, t: readonly number[]): Record<string, { unit: string; values: (number | null)[] }> {
  if (!log.pools.some((p) => p.gpus !== undefined)) return {};
  const dims = { cpu: space.indexOf('cpu'), gpu: space.indexOf('gpu') };
  const workload = WorkloadDistribution.typical(Array.from({ length: log.store.length }, (_, i) => gpuPodOf(log.store.get(i), dims)));
  const free: (Int32Array | undefined)[] = [];
  const cpuFree: number[] = [];
  const up: boolean[] = [];
  const running = new Map<number, { node: number; devices: readonly number[] }>();
  const nodeOf = (node: number) => {
    if (free[node] === undefined) {
      const p = log.pools[log.nodePool[node] as number] as PoolSpec;
      free[node] = new Int32Array(p.gpus?.count ?? 0).fill(1000);
      cpuFree[node] = dims.cpu >= 0 ? Math.round((p.capacity[dims.cpu] ?? 0) * 1000) : 0;
    }
    return free[node] as Int32Array;
  };
  const out = { alloc: [] as (number | null)[], amount: [] as (number | null)[], rate: [] as (number | null)[] };
  const sample = () => {
    let cap = 0;
    let fr = 0;
    let frag = 0;
    free.forEach((f, node) => {
      if (f === undefined || up[node] !== true || f.length === 0) return;
      cap += f.length * 1000;
      let s = 0;
      for (let i = 0; i < f.length; i++) s += f[i] as number;
      fr += s;
      if (s > 0) frag += workload.fragOf((log.pools[log.nodePool[node] as number] as PoolSpec).gpus?.model, cpuFree[node] as number, f);
    });
    out.alloc.push(cap > 0 ? round2((100 * (cap - fr)) / cap) : null);
    out.amount.push(cap > 0 ? round2(frag / 1000) : null);
    out.rate.push(fr > 0 ? round2((100 * frag) / fr) : cap > 0 ? 0 : null);
  };
  let k = 0;
  for (let i = 0; i < log.length; i++) {
    while (k < t.length && (t[k] as number) < log.time(i)) {
      sample();
      k++;
    }
    const node = log.node(i);
    switch (log.kind(i)) {
      case EV.nodeUp:
        nodeOf(node);
        up[node] = true;
        break;
      case EV.nodeFail:
      case EV.nodeRemove:
        up[node] = false;
        break;
      case EV.start: {
        const r = log.store.get(log.ref(i));
        const f = nodeOf(node);
        const devices = log.devices.get(i) ?? [];
        const p = gpuPodOf(r, dims);
        for (const d of devices) f[d] = (f[d] as number) - p.gpuMilli;
        cpuFree[node] = (cpuFree[node] as number) - p.cpuMilli;
        running.set(log.ref(i), { node, devices });
        break;
      }
      case EV.complete:
      case EV.preempt:
      case EV.failEvict:
      case EV.expire: {
        const run = running.get(log.ref(i));
        if (run === undefined) break;
        running.delete(log.ref(i));
        const p = gpuPodOf(log.store.get(log.ref(i)), dims);
        const f = nodeOf(run.node);
        for (const d of run.devices) f[d] = (f[d] as number) + p.gpuMilli;
        cpuFree[run.node] = (cpuFree[run.node] as number) + p.cpuMilli;
        break;
      }
      default:
        break;
    }
  }
  while (k < t.length) {
    sample();
    k++;
  }
  return {
    'GPU allocation': { unit: '%', values: out.alloc },
    'FGD fragmentation': { unit: 'GPUs', values: out.amount },
    'FGD fragmentation rate': { unit: '%', values: out.rate },
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
