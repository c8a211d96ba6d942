import type { ClusterView } from '../../core/cluster.js';
import type { Rng } from '../../core/rng.js';
import { deviceFree, lowestIdle, type GpuPod } from './pod.js';
import { ScoredGpuAllocator, type GpuScorer, type TieOrder } from './scored.js';

/**
 * Random (the authors' RandomScore with random GPU selection):
 *
 *   score(node) = u ~ Uniform(0, 1), drawn per feasible node → the best is a uniform draw
 *                 among the feasible nodes (theirs draws one feasible node and scores it 100)
 *   device      = a share goes to a device drawn uniformly among those with enough free milli;
 *                 whole GPUs take the lowest-indexed idle devices
 *
 * All draws come from the decision context's seeded Rng.
 */
export const randomScorer: GpuScorer = {
  score: (_view, _id, _pod, _dims, rng: Rng) => rng.next(),
  devices(view: ClusterView, id: number, pod: GpuPod, _dims, rng: Rng): readonly number[] | undefined {
    if (pod.gpuCount === 0) return undefined;
    const free = deviceFree(view, id);
    if (pod.gpuMilli >= 1000) return lowestIdle(free, pod.gpuCount);
    let chosen = -1;
    let seen = 0;
    for (let i = 0; i < free.length; i++) if ((free[i] as number) >= pod.gpuMilli && rng.int(++seen) === 0) chosen = i;
    return chosen < 0 ? undefined : [chosen];
  },
};

export class GpuRandom extends ScoredGpuAllocator {
  /** ties: the scores are continuous draws, so the tie order (see TieOrder) practically never decides. */
  constructor(ties: TieOrder = 'shuffled') {
    super('random', randomScorer, ties);
  }
}
