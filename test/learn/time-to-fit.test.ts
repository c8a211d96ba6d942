import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import { POLICY_NET_FORMAT, type PolicyNetFile } from '../../src/core/policy-net.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { initLayers } from '../../src/learn/ppo.js';
import { FreeCopy, MAX_FEATURE_SECONDS } from '../../src/queue/learned-free.js';
import { LearnedQueue, QUEUE_FEATURES_TIME_TO_FIT } from '../../src/queue/learned-queue.js';
import type { QueuedRequest } from '../../src/queue/policy.js';

const space = new ResourceSpace(['cpu']);
const job = (id: string, width: number, requested: number, arrival = 0): Request => ({ id, tenant: 't', arrival, demand: [width], duration: requested, requestedDuration: requested, priority: 'medium' });

/**
 * One node of 10 processors at t = 60: A (4 processors) started at 0 and asked for 100 s (ends 100),
 * B (3) started at 50 and asked for 20 s (ends 70); 3 are free.
 */
function machine(): ClusterState {
  const s = new ClusterState(space, [{ name: 'm', capacity: [10], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 0, latencyMs: 0, bootSeconds: 0, labels: {} }]);
  s.addNode(0, 'up');
  s.allocate(job('A', 4, 100), 0, 0);
  s.allocate(job('B', 3, 20, 50), 0, 50);
  return s;
}

function ttfModel(): PolicyNetFile {
  const F = QUEUE_FEATURES_TIME_TO_FIT.length;
  return { format: POLICY_NET_FORMAT, kind: 'queue', name: 'ttf', features: QUEUE_FEATURES_TIME_TO_FIT, scaling: { mean: new Array<number>(F).fill(0), std: new Array<number>(F).fill(1) }, layers: initLayers([F, 4, 1], new Rng(3), 1) };
}

describe('time-to-fit (the seconds a job would wait as the committed head)', () => {
  it('walks the running jobs by requested end, hand-checked; a start in this order releases at its own requested end', () => {
    const free = new FreeCopy(machine(), 0, 60);
    expect(free.freeWidth).toBe(3);
    expect(free.timeToFit(3, true)).toBe(0);
    expect(free.timeToFit(5, false)).toBe(10); // 3 free + B's 3 at 70
    expect(free.timeToFit(7, false)).toBe(40); // 6 at 70, 10 at 100
    expect(free.timeToFit(10, false)).toBe(40);
    expect(free.timeToFit(11, false)).toBe(MAX_FEATURE_SECONDS); // wider than the machine
    free.take(0, [2], 5); // a 2-processor pick asking for 5 s starts at 60: back at 65
    expect(free.freeWidth).toBe(1);
    expect(free.timeToFit(3, false)).toBe(5); // 1 free + 2 at 65
    expect(free.timeToFit(5, false)).toBe(10); // 3 at 65, 6 at 70
  });

  it('is the 10th feature of a time-to-fit model, recomputed after each pick of the same order', () => {
    const rows: number[][] = [];
    const F = QUEUE_FEATURES_TIME_TO_FIT.length;
    const q = new LearnedQueue(ttfModel(), {
      chooser: {
        choose: (x, n) => {
          rows.push(Array.from({ length: n }, (_, j) => x[j * F + 9] as number));
          return 0;
        },
      },
    });
    expect(q.featureCount).toBe(10);
    const waiting: QueuedRequest[] = [job('small', 2, 5, 10), job('three', 3, 1000, 20)].map((request, seq) => ({ request, enqueuedAt: request.arrival, seq, attempts: 0 }));
    const out = q.order(waiting, 60, machine());
    expect(out.map((w) => w.request.id)).toEqual(['small', 'three']);
    // First decision: both fit (3 free). Second: 'small' took 2 (back at 65), 'three' needs 3: 5 s.
    expect(rows).toEqual([[0, 0], [Math.log1p(5)]]);
  });
});
