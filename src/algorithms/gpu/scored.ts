import type { ClusterView } from '../../core/cluster.js';
import { eligiblePools, WaitExplainer } from '../../core/eligibility.js';
import type { Request } from '../../core/model.js';
import type { Rejection } from '../../core/rejection.js';
import type { Rng } from '../../core/rng.js';
import type { Allocator, AllocatorContext, Decision, Placement } from '../allocator.js';
import { bestDevices, deviceFree, gpuDims, type GpuDims, gpuPodOf, type GpuPod } from './pod.js';

/**
 * A node-scoring GPU policy, as in the authors' Kubernetes scheduler framework: every feasible
 * node (one that fits the pod's CPU, memory and GPU devices, of an allowed GPU model) gets an
 * integer score in [0, 100]; the best-scored node wins, ties go to the node first in the tie
 * order (`TieOrder`: by default a seeded random node order, which is what the authors' smallest-
 * name rule amounts to in their simulator; or the smallest name), then the policy picks the GPU
 * devices inside the node.
 */
export interface GpuScorer {
  /**
   * Per-request setup (e.g. a frag measure of the pod); called once before the nodes are scored,
   * in every decision the request is in (a waiting request comes again in later decisions).
   */
  begin?(pod: GpuPod, view: ClusterView, dims: GpuDims, request: Request): void;
  /** Integer score of placing `pod` on node `id` (the node fits it). */
  score(view: ClusterView, id: number, pod: GpuPod, dims: GpuDims, rng: Rng): number;
  /** Min-max normalise the scores to [0, 100] (integer) before choosing (the authors' NormalizeScore). */
  readonly normalize?: boolean;
  /** Devices to take on the chosen node; default: the authors' "best" selection. */
  devices?(view: ClusterView, id: number, pod: GpuPod, dims: GpuDims, rng: Rng): readonly number[] | undefined;
  /** A decision starts: forget what `staged` was told in the last one (its trial is rolled back). */
  startDecision?(): void;
  /**
   * `pod` was placed on node `id` earlier in this decision (staged on the trial: the node's free
   * capacity shows it, `allocationsOn` does not); for scorers that look at the pods on a node.
   */
  staged?(id: number, pod: GpuPod): void;
}

/**
 * How equal scores are broken.
 * - 'shuffled' (the default of every policy): the node first in a random order of the nodes,
 *   drawn once per allocator from the decision context's Rng (fork 'node-order') and kept for its
 *   lifetime. This is what the authors' simulator really does, for every policy alike: before
 *   creating the nodes it prefixes every node name with an index from a seeded random permutation
 *   ("0421-openb-node-0007"), and its `selectHost` then takes the smallest name among equal
 *   scores, i.e. the first node of a random order fixed for the run (pkg/simulator/simulator.go,
 *   syncClusterResourceList; vendored generic_scheduler.go, selectHost). Two allocators given
 *   contexts with the same Rng seed use the same node order (`drs replay-openb` does this, so
 *   all policies of one seed see the same cluster order, as in the authors' runs).
 * - 'name': the node with the smallest name (the rule without the renaming; kept for comparison).
 */
export type TieOrder = 'name' | 'shuffled';

/** Placements of a decision, one by one, each staged on a trial so the next request sees it. */
export class ScoredGpuAllocator implements Allocator {
  /** Random rank per node id for 'shuffled' ties (iid uniform keys = a uniform random order), drawn lazily. */
  private ranks: number[] = [];
  private rankRng: Rng | undefined;

  readonly name: string;

  /** `name` gets the suffix '(name-ties)' when ties are by name. */
  constructor(
    name: string,
    private readonly scorer: GpuScorer,
    private readonly ties: TieOrder = 'shuffled',
  ) {
    this.name = ties === 'name' ? `${name}(name-ties)` : name;
  }

  /** Does node a come before node b on equal scores? */
  private before(view: ClusterView, a: number, b: number): boolean {
    if (this.ties === 'name') return view.nodeName(a) < view.nodeName(b);
    const ra = this.rank(a);
    const rb = this.rank(b);
    return ra < rb || (ra === rb && view.nodeName(a) < view.nodeName(b));
  }

  private rank(id: number): number {
    const rng = this.rankRng as Rng;
    while (this.ranks.length <= id) this.ranks.push(rng.next());
    return this.ranks[id] as number;
  }

  allocate(requests: readonly Request[], view: ClusterView, ctx: AllocatorContext): Decision {
    if (this.ties === 'shuffled') this.rankRng ??= ctx.rng.fork('node-order');
    const placements: Placement[] = [];
    const rejections: Rejection[] = [];
    const explainer = new WaitExplainer(view);
    const dims = gpuDims(view);
    const trial = view.trial();
    this.scorer.startDecision?.();
    let blockedBy: string | undefined;
    try {
      for (const r of requests) {
        const elig = eligiblePools(view, r);
        if ('rejection' in elig) {
          rejections.push(elig.rejection);
          continue;
        }
        if (blockedBy !== undefined) {
          rejections.push({ requestId: r.id, code: 'wait', message: `behind the head of the queue (${blockedBy})` });
          continue;
        }
        const pod = gpuPodOf(r, dims);
        const node = this.choose(view, elig.pools, r, pod, dims, ctx.rng);
        if (node < 0) {
          rejections.push(explainer.explain(r, elig.pools));
          if (ctx.blocking) blockedBy = r.id;
          continue;
        }
        const devices = view.gpuFree(node) === undefined ? undefined : (this.scorer.devices ?? defaultDevices)(view, node, pod, dims, ctx.rng);
        trial.place(r, node, devices);
        this.scorer.staged?.(node, pod);
        placements.push(devices === undefined ? { requestId: r.id, nodeId: node } : { requestId: r.id, nodeId: node, devices });
      }
    } finally {
      trial.rollback();
    }
    return { placements, preemptions: [], rejections };
  }

  /** Best-scored feasible node, ties to the node first in the tie order, or -1. */
  private choose(view: ClusterView, pools: readonly number[], r: Request, pod: GpuPod, dims: GpuDims, rng: Rng): number {
    const s = this.scorer;
    s.begin?.(pod, view, dims, r);
    if (s.normalize === true) return this.chooseNormalized(view, pools, r, pod, dims, rng);
    let best = -Infinity;
    let chosen = -1;
    for (const p of pools) {
      for (const id of view.upNodes(p)) {
        if (!view.fits(id, r.demand)) continue;
        const v = s.score(view, id, pod, dims, rng);
        if (chosen < 0 || v > best || (v === best && this.before(view, id, chosen))) {
          best = v;
          chosen = id;
        }
      }
    }
    return chosen;
  }

  /** normalised = ⌊(score − min) × 100 / (max − min)⌋ (0 when all scores are equal), then the best wins. */
  private chooseNormalized(view: ClusterView, pools: readonly number[], r: Request, pod: GpuPod, dims: GpuDims, rng: Rng): number {
    const ids: number[] = [];
    const scores: number[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of pools) {
      for (const id of view.upNodes(p)) {
        if (!view.fits(id, r.demand)) continue;
        const v = this.scorer.score(view, id, pod, dims, rng);
        ids.push(id);
        scores.push(v);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    let best = -Infinity;
    let chosen = -1;
    for (let i = 0; i < ids.length; i++) {
      const v = hi === lo ? 0 : Math.trunc(((scores[i] as number) - lo) * 100 / (hi - lo));
      const id = ids[i] as number;
      if (chosen < 0 || v > best || (v === best && this.before(view, id, chosen))) {
        best = v;
        chosen = id;
      }
    }
    return chosen;
  }
}

function defaultDevices(view: ClusterView, id: number, pod: GpuPod): readonly number[] | undefined {
  return bestDevices(deviceFree(view, id), pod);
}
