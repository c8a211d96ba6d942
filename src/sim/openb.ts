import { WORK_BUDGET, type Allocator, type AllocatorContext } from '../algorithms/allocator.js';
import { decideAndApply } from '../algorithms/decide.js';
import { createGpuPolicy, type GpuPolicyName } from '../algorithms/gpu/index.js';
import { isRepairing, type RepairPlan } from '../algorithms/gpu/fgd-repair.js';
import { WorkloadDistribution } from '../algorithms/gpu/frag.js';
import { gpuDims, gpuPodOf, type GpuPod } from '../algorithms/gpu/pod.js';
import { ClusterState } from '../core/cluster.js';
import { InvalidDecisionError } from '../core/errors.js';
import type { Allocation, PoolSpec, Request } from '../core/model.js';
import type { ResourceSpace } from '../core/resources.js';
import { Rng } from '../core/rng.js';
import { clusterFragmentation } from './fragmentation.js';

/**
 * The FGD paper's experiment (Weng et al., ATC'23; the authors' simulator and run scripts), one
 * policy and one seed:
 *
 * 1. The pod list, ordered by pod name, is shuffled with the seed.
 * 2. "Tuning" to 130 % of the cluster's GPUs: while the pods' total GPU request is below the
 *    target, a pod drawn at random from the name-ordered list is copied to the end (the draw
 *    stops at the first copy whose per-device milli would pass the target, as theirs does);
 *    above it, random pods are removed until it is not.
 * 3. The cluster starts empty; pods arrive one at a time and never leave; a pod that fits
 *    nowhere stays unscheduled.
 * 4. After each arrival we record (arrived GPU milli, allocated GPU milli). The allocation at
 *    X % arrived is the authors' binning: the mean of round(allocated %, 2) over the arrivals
 *    whose round(arrived %) = X (or X ± 1 when there is none).
 *
 * FGD's workload distribution is the typical pod types of the (untuned) pod list.
 *
 * Repair hook (`fgd-repair`): when the allocator `isRepairing` and a pod was not placed, the
 * runner asks it for a RepairPlan and applies it here (the Allocator contract cannot say "move a
 * running pod": preemptions evict, placements name only the batch's requests). Each moved pod is
 * released and started again on its new node under the same allocation id, then the pod that did
 * not fit is started; every step is checked by ClusterState (a plan that does not fit throws
 * InvalidDecisionError). A moved pod's GPUs stay counted once in `allocated`; `moves` counts them.
 */
export interface OpenbRunOptions {
  readonly space: ResourceSpace;
  readonly pools: readonly PoolSpec[];
  /** The pod list in file order (device form). */
  readonly pods: readonly Request[];
  readonly policy: GpuPolicyName;
  readonly seed: number;
  /** Target total GPU request / cluster GPUs; default 1.3. */
  readonly tune?: number;
  /** Build the allocator instead of the named policy (variants, parameter searches). */
  readonly make?: (workload: WorkloadDistribution) => Allocator;
  /** Record the cluster fragmentation every `fragEvery` arrivals (0 = never; default 0). */
  readonly fragEvery?: number;
}

export interface OpenbRun {
  readonly policy: string;
  readonly seed: number;
  readonly totalGpuMilli: number;
  /** Per arrival: cumulative arrived and allocated GPU milli. */
  readonly arrived: Float64Array;
  readonly allocated: Float64Array;
  /** Sampled fragmentation: arrival index, amount (milli), rate. */
  readonly frag: { readonly at: number[]; readonly amount: number[]; readonly rate: number[] };
  readonly placed: number;
  readonly failed: number;
  /** Running pods moved by repair steps (0 for policies without one). */
  readonly moves: number;
}

/** Arrival order after shuffling and tuning (steps 1-2). */
export function openbArrivals(pods: readonly Request[], totalGpuMilli: number, seed: number, tune: number, dims: { cpu: number; gpu: number }): Request[] {
  const rng = new Rng(seed).fork('openb-workload');
  const byName = [...pods].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const list = [...byName];
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = list[i] as Request;
    list[i] = list[j] as Request;
    list[j] = t;
  }
  const milli = (r: Request): GpuPod => gpuPodOf(r, dims);
  let total = 0;
  for (const r of list) total += milli(r).gpuMilli * milli(r).gpuCount;
  const target = tune * totalGpuMilli;
  if (total < target && !byName.some((r) => milli(r).gpuMilli > 0)) {
    // Copies of pods without GPUs never raise the total: the loop below would never end.
    throw new RangeError(`openbArrivals: none of the ${pods.length} pods asks for a GPU, so the workload cannot be tuned to ${tune} × the cluster's GPUs`);
  }
  if (total < target) {
    for (let i = 0; ; i++) {
      const src = byName[rng.int(byName.length)] as Request;
      const p = milli(src);
      // As the authors' tuneUpPods: the stop test adds one GPU's milli, the total adds all of the pod's GPUs
      // (a multi-GPU pod can overshoot the target). Kept on purpose: the reproduced tables depend on it.
      if (total + p.gpuMilli > target) break;
      total += p.gpuMilli * p.gpuCount;
      list.push({ ...src, id: `${src.id}-tuned-${i}` });
    }
  } else {
    while (total > target && list.length > 0) {
      const k = rng.int(list.length);
      const p = milli(list[k] as Request);
      list.splice(k, 1);
      total -= p.gpuMilli * p.gpuCount;
    }
  }
  return list;
}

export function runOpenb(o: OpenbRunOptions): OpenbRun {
  const state = ClusterState.fromPools(o.space, o.pools);
  const dims = { cpu: o.space.indexOf('cpu'), gpu: o.space.indexOf('gpu') };
  let totalGpuMilli = 0;
  for (const p of o.pools) totalGpuMilli += (p.gpus?.count ?? 0) * 1000 * p.nodes.initial;
  const arrivals = openbArrivals(o.pods, totalGpuMilli, o.seed, o.tune ?? 1.3, dims);
  const listPods = o.pods.map((r) => gpuPodOf(r, gpuDims(state)));
  const workload = WorkloadDistribution.typical(listPods);
  const allocator = o.make?.(workload) ?? createGpuPolicy(o.policy, workload, listPods);
  // One policy-independent stream per seed: the tie order among equal scores (fork 'node-order', see
  // TieOrder) is the same node order for every policy of a seed, as the authors' renaming of the
  // nodes is a property of the run, not of the scoring plugin.
  const ctx: AllocatorContext = { now: 0, rng: new Rng(o.seed).fork('openb-policy'), budget: WORK_BUDGET, blocking: false };
  const arrived = new Float64Array(arrivals.length);
  const allocated = new Float64Array(arrivals.length);
  const frag = { at: [] as number[], amount: [] as number[], rate: [] as number[] };
  const every = o.fragEvery ?? 0;
  let arr = 0;
  let used = 0;
  let placed = 0;
  let moves = 0;
  const repairing = isRepairing(allocator) ? allocator : undefined;
  arrivals.forEach((r, i) => {
    const p = gpuPodOf(r, dims);
    arr += p.gpuMilli * p.gpuCount;
    const applied = decideAndApply(allocator, [r], state, ctx);
    if (applied.started.length > 0) {
      used += p.gpuMilli * p.gpuCount;
      placed++;
    } else if (repairing !== undefined) {
      let plan: RepairPlan | undefined;
      try {
        plan = repairing.repair(r, state, ctx);
      } finally {
        state.rollbackTrial();
      }
      if (plan !== undefined) {
        applyRepair(state, r, plan, ctx.now, repairing.name);
        moves += plan.moves.length;
        used += p.gpuMilli * p.gpuCount;
        placed++;
      }
    }
    arrived[i] = arr;
    allocated[i] = used;
    if (every > 0 && (i % every === 0 || i === arrivals.length - 1)) {
      const f = clusterFragmentation(state, workload);
      frag.at.push(i);
      frag.amount.push(f.amount);
      frag.rate.push(f.rate);
    }
  });
  return { policy: o.policy, seed: o.seed, totalGpuMilli, arrived, allocated, frag, placed, failed: arrivals.length - placed, moves };
}

/**
 * Apply a repair: each move (start again on its node under the same id, then the pod that did not
 * fit). A step that does not fit throws InvalidDecisionError after putting a moved pod back where
 * it ran (a pod is never lost); moves applied before it stay applied.
 */
export function applyRepair(state: ClusterState, r: Request, plan: RepairPlan, now: number, policy: string): Allocation {
  const fail = (msg: string): never => {
    throw new InvalidDecisionError(policy, msg, now);
  };
  if (plan.placement.requestId !== r.id) fail(`repair plan places '${plan.placement.requestId}', not '${r.id}'`);
  for (const m of plan.moves) {
    const a = state.allocation(m.allocationId);
    if (a === undefined) return fail(`repair moves unknown allocation '${m.allocationId}'`);
    if (m.nodeId === a.nodeId) fail(`repair moves '${a.id}' to the node it runs on`);
    if (!state.fits(m.nodeId, a.request.demand)) fail(`repair moves '${a.id}' to node ${m.nodeId}, where it does not fit`);
    state.release(a.id);
    try {
      state.allocate(a.request, m.nodeId, a.start, a.id, m.devices);
    } catch (e) {
      state.allocate(a.request, a.nodeId, a.start, a.id, a.devices);
      fail(`repair moves '${a.id}' to node ${m.nodeId}: ${(e as Error).message}`);
    }
  }
  if (!state.fits(plan.placement.nodeId, r.demand)) fail(`repair places '${r.id}' on node ${plan.placement.nodeId}, where it does not fit`);
  return state.allocate(r, plan.placement.nodeId, now, r.id, plan.placement.devices);
}

/** Python's round(x) (half to even), as the authors' analysis uses. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Allocation ratio (percent) at `x` % arrived, by the authors' binning (see the top of this file). */
export function allocationAt(run: Pick<OpenbRun, 'arrived' | 'allocated' | 'totalGpuMilli'>, x: number): number {
  const pct = (v: number) => (v / run.totalGpuMilli) * 100;
  const pick = (ok: (a: number) => boolean): number[] => {
    const out: number[] = [];
    for (let i = 0; i < run.arrived.length; i++) {
      if (ok(roundHalfEven(pct(run.arrived[i] as number)))) out.push(Math.round(pct(run.allocated[i] as number) * 100) / 100);
    }
    return out;
  };
  let vals = pick((a) => a === x);
  if (vals.length === 0) vals = pick((a) => a >= x - 1 && a <= x + 1);
  if (vals.length === 0) return NaN;
  return Math.round((vals.reduce((s, v) => s + v, 0) / vals.length) * 100) / 100;
}
