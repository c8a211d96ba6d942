import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import type { PlannerSpec } from '../../src/core/planner-spec.js';
import { PolicyNet } from '../../src/core/policy-net.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { FreeCopy } from '../../src/queue/learned-free.js';
import { LearnedQueue, MAX_VISIBLE } from '../../src/queue/learned-queue.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { randomMachine, randomModel } from './support.js';

/**
 * `order` with a planner on long queues (picks beyond the 128 candidates), several nodes, jobs
 * without an estimate and of zero width: a permutation of the queue; the jobs before the first
 * that does not fit all fit in turn (first fit on a copy of the free capacity), that one is the
 * committed head and the next order puts it first; one decision per pick.
 */
const space = new ResourceSpace(['cpu', 'memory']);
const spec: PlannerSpec = { method: 'rollout', candidates: 4, samples: 3, future: 6, seed: 'rev9', workload: { gaps: [5, 60, 600], jobs: [[1, 30], [16, 600], [64, 3600]] } };

function jobs(rng: Rng, n: number, now: number): QueuedRequest[] {
  return Array.from({ length: n }, (_, seq) => {
    const requested = rng.uniform(0, 1) < 0.05 ? Infinity : [30, 600, 3600][rng.int(3)];
    // Late arrivals that are short and narrow: F1 ranks them ahead of most of the first 128.
    const late = seq >= MAX_VISIBLE && rng.uniform(0, 1) < 0.3;
    const width = late ? 1 : rng.uniform(0, 1) < 0.05 ? 0 : [1, 2, 4, 16, 64, 200][rng.int(6)];
    const r: Request = { id: `j${seq}`, tenant: 't', arrival: now - 20000 + seq * 10, demand: [width as number, rng.int(32)], duration: 10 + rng.int(4000), requestedDuration: (late ? 30 : requested) as number, priority: 'medium' };
    return { request: r, enqueuedAt: r.arrival, seq, attempts: 0 };
  });
}

describe('learned-queue order with a planner (rev9)', () => {
  it('keeps every job once, the committed head right, and counts each pick', () => {
    const rng = new Rng('rev9-order');
    let beyond = 0;
    for (let t = 0; t < 30; t++) {
      const now = 100000;
      const state = randomMachine(space, rng, now, 0.6);
      const qs = jobs(rng, 130 + rng.int(120), now);
      const q = new LearnedQueue(new PolicyNet({ ...randomModel('queue', 4), planner: spec }));
      const out = q.order(qs, now, state);
      expect(out.length).toBe(qs.length);
      expect(new Set(out).size).toBe(qs.length);
      const free = new FreeCopy(state, 0, now);
      let i = 0;
      for (; i < out.length; i++) {
        const r = (out[i] as QueuedRequest).request;
        const node = free.find(r.demand);
        if (node < 0) break;
        free.take(node, r.demand, 0);
        if (r.id.startsWith('j') && Number(r.id.slice(1)) >= MAX_VISIBLE && i < MAX_VISIBLE) beyond++;
      }
      const head = (q as unknown as { blockedHead: QueuedRequest | undefined }).blockedHead;
      expect(head).toBe(out[i]);
      expect(q.decisions).toBe(Math.min(i + 1, out.length));
      if (head !== undefined) {
        const again = q.order(qs, now, state);
        expect(again[0]).toBe(head);
        expect(new Set(again).size).toBe(qs.length);
      }
    }
    expect(beyond).toBeGreaterThan(0);
  });
});
