import type { ClusterView } from '../../core/cluster.js';
import { GPU_MILLI } from '../../core/gpu.js';
import type { Request } from '../../core/model.js';
import { PodCounts, TYPICAL_COVERAGE, type WorkloadDistribution } from './frag.js';
import { cpuFreeMilli, deviceFree, type GpuDims, type GpuPod, podKey } from './pod.js';
import { ScoredGpuAllocator, type GpuScorer, type TieOrder } from './scored.js';

/**
 * FGD, Fragmentation Gradient Descent (the authors' FGDScore, with FGD GPU selection): place the
 * pod where the expected fragmentation F (see frag.ts) grows least. For a node n and each way d
 * of taking the pod's devices on it (each device that holds a share; the lowest idle devices for
 * whole GPUs):
 *
 *   Δ(n, d) = F(n) − F(n after placing the pod on d)         (milli; > 0: fragmentation shrinks)
 *   score(n) = max_d ⌊100 · σ(Δ(n, d) / 1000)⌋,  σ(x) = 1 / (1 + e^(−x))
 *
 * and the devices are the first d (lowest index) reaching that score. The integer score is the
 * authors'; equal scores go to the node first in the seeded node order, like every policy here
 * (TieOrder in scored.ts).
 *
 * The workload distribution is given (`drs replay-openb` passes the pod list's typical pods, as
 * the authors do) or, when absent, learnt from the requests the allocator has seen so far.
 */
export interface FgdOptions {
  readonly workload?: WorkloadDistribution;
  /** Tie order among equal scores; default 'shuffled' (see TieOrder). */
  readonly ties?: TieOrder;
}

/** Scratch device arrays by length (no allocation per scored node). */
const scratch: Int32Array[] = [];
function scratchOf(free: ArrayLike<number>): Int32Array {
  const n = free.length;
  let s = scratch[n];
  if (s === undefined) scratch[n] = s = new Int32Array(n);
  for (let i = 0; i < n; i++) s[i] = free[i] as number;
  return s;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Learns the workload from the requests it is shown when no distribution is given. A request
 * counts once: one that waits is shown again in every later decision, and counting each showing
 * would weigh the workload towards the pods that wait longest (the large ones that do not fit).
 */
export class WorkloadSource {
  private readonly seen = new PodCounts();
  /** Requests already counted (weak: a finished request is not kept alive by this). */
  private readonly counted = new WeakSet<Request>();
  private n = 0;
  private current: WorkloadDistribution | undefined;
  private builtAt = 0;

  /** `coverage`: the share of the seen pods the learnt typical types must cover (the authors' 0.95). */
  constructor(
    private readonly fixed?: WorkloadDistribution,
    private readonly coverage = TYPICAL_COVERAGE,
  ) {}

  /** Count `pod`, the GPU shape of `request`, unless this request was counted already. */
  observe(pod: GpuPod, request?: Request): void {
    if (this.fixed !== undefined) return;
    if (request !== undefined) {
      if (this.counted.has(request)) return;
      this.counted.add(request);
    }
    this.seen.add(pod);
    this.n++;
  }

  get(): WorkloadDistribution {
    if (this.fixed !== undefined) return this.fixed;
    const n = this.n;
    // Rebuild at 1, 2, 4, ... 512 pods, then every 512, each from the counts per type (PodCounts).
    if (this.current === undefined || (n !== this.builtAt && (n >= 2 * this.builtAt || n - this.builtAt >= 512))) {
      this.current = this.seen.typical(this.coverage);
      this.builtAt = n;
    }
    return this.current;
  }
}

export interface FgdEval {
  /** Best Δ over the device choices (milli). */
  readonly delta: number;
  /** Devices reaching it (first on ties), empty for pods without GPU. */
  readonly devices: number[];
}

/**
 * Δ for every device choice of `pod` on the node; returns the best by `better(a, b)` (a replaces
 * b when strictly better), first device on ties. Used by FGD and by our FGD variants.
 */
export function fgdEval(w: WorkloadDistribution, model: string | undefined, cpuFree: number, free: ArrayLike<number>, pod: GpuPod, key: (delta: number) => number): { key: number; delta: number; devices: number[] } {
  const before = w.fragOf(model, cpuFree, free);
  const cpuAfter = cpuFree - pod.cpuMilli;
  const s = scratchOf(free);
  if (pod.gpuCount === 0 || s.length === 0) {
    // no GPU asked, or a node without devices (scalar GPU): only the CPU changes
    const d = before - w.fragOf(model, cpuAfter, s);
    return { key: key(d), delta: d, devices: [] };
  }
  if (pod.gpuMilli >= GPU_MILLI) {
    const devices: number[] = [];
    for (let i = 0; i < s.length && devices.length < pod.gpuCount; i++) {
      if (s[i] === GPU_MILLI) {
        devices.push(i);
        s[i] = 0;
      }
    }
    const d = before - w.fragOf(model, cpuAfter, s);
    return { key: key(d), delta: d, devices };
  }
  let best = -Infinity;
  let bestDelta = 0;
  let dev = -1;
  for (let i = 0; i < s.length; i++) {
    const f = s[i] as number;
    if (f < pod.gpuMilli) continue;
    s[i] = f - pod.gpuMilli;
    const d = before - w.fragOf(model, cpuAfter, s);
    s[i] = f;
    const k = key(d);
    if (dev < 0 || k > best) {
      best = k;
      bestDelta = d;
      dev = i;
    }
  }
  return { key: best, delta: bestDelta, devices: dev < 0 ? [] : [dev] };
}

type Eval = { key: number; delta: number; devices: number[] };

/**
 * Memo of fgdEval results per node and pod type, valid while the node's free CPU and device frees
 * are unchanged (checked exactly on every lookup) and the workload distribution is the same.
 * Between two arrivals of a pod type only the nodes that changed are evaluated again, which is
 * what makes FGD cheap per decision.
 *
 * A node's state carries a stamp, a new one whenever the state changes; a pod type keeps, per
 * node id, its result and the stamp of the state it was computed on. A decision asks one pod type
 * about every node, so these are two arrays indexed by node id (no map per node to search).
 */
export class FgdMemo {
  private w: WorkloadDistribution | undefined;
  private readonly nodes: ({ cpu: number; free: Int32Array; stamp: number } | undefined)[] = [];
  private readonly types = new Map<string, PodTypeMemo>();
  private stamps = 0;
  /** The pod type asked about last (a decision asks the same one node after node). */
  private lastKey: string | undefined;
  private last: PodTypeMemo | undefined;

  eval(w: WorkloadDistribution, id: number, model: string | undefined, cpuFree: number, free: ArrayLike<number>, pod: GpuPod, podKeyStr: string, key: (delta: number) => number): Eval {
    if (w !== this.w) {
      this.nodes.length = 0;
      this.types.clear();
      this.lastKey = this.last = undefined;
      this.w = w;
    }
    let n = this.nodes[id];
    if (n === undefined || n.cpu !== cpuFree || !same(n.free, free)) {
      n = { cpu: cpuFree, free: Int32Array.from(free), stamp: ++this.stamps };
      this.nodes[id] = n;
    }
    const t = this.typeMemo(podKeyStr);
    if (t.stamp[id] === n.stamp) return t.evals[id] as Eval;
    const e = fgdEval(w, model, cpuFree, free, pod, key);
    t.stamp[id] = n.stamp;
    t.evals[id] = e;
    return e;
  }

  private typeMemo(podKeyStr: string): PodTypeMemo {
    if (podKeyStr === this.lastKey) return this.last as PodTypeMemo;
    let t = this.types.get(podKeyStr);
    if (t === undefined) this.types.set(podKeyStr, (t = { stamp: [], evals: [] }));
    this.lastKey = podKeyStr;
    this.last = t;
    return t;
  }
}

/** One pod type's results by node id, each with the stamp of the node state it was computed on. */
interface PodTypeMemo {
  readonly stamp: number[];
  readonly evals: Eval[];
}

function same(a: Int32Array, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The authors' integer score of a Δ. */
export const fgdScoreOf = (delta: number): number => Math.trunc(sigmoid(delta / 1000) * 100);

export function fgdScorer(source: WorkloadSource): GpuScorer {
  let w: WorkloadDistribution;
  let pk = '';
  const memo = new FgdMemo();
  const ev = (view: ClusterView, id: number, pod: GpuPod, dims: GpuDims) =>
    memo.eval(w, id, view.gpuModel(id), cpuFreeMilli(view, id, dims), deviceFree(view, id), pod, pk, fgdScoreOf);
  return {
    begin(pod: GpuPod, _view, _dims, request) {
      source.observe(pod, request);
      w = source.get();
      pk = podKey(pod);
    },
    score: (view, id, pod, dims) => ev(view, id, pod, dims).key,
    devices: (view, id, pod, dims) => (pod.gpuCount === 0 ? undefined : ev(view, id, pod, dims).devices),
  };
}

export class Fgd extends ScoredGpuAllocator {
  constructor(options: FgdOptions = {}) {
    super('fgd', fgdScorer(new WorkloadSource(options.workload)), options.ties);
  }
}
