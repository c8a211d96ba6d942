import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import type { PlannerSpec } from '../../src/core/planner-spec.js';
import { RolloutPlanner } from '../../src/queue/learned-planner.js';
import type { QueuedRequest } from '../../src/queue/policy.js';

/**
 * A waiting job wider than the machine's up capacity (production: a node down or still booting)
 * never starts in a rollout, and a job that never starts cost nothing: taking it first blocked
 * every rollout at once, at cost 0, so the planner committed the queue to a head that cannot
 * start while jobs that fit now waited behind it.
 *
 * By hand: machine of 4 up and free at t = 100, A 8 wide, B and C 1 wide (10 s each), futures of
 * 1-wide 10 s jobs 30 s apart. F1: B (1 + 1740 = 1741), C (1741, later seq), A (8 + 1740 = 1748).
 * B first: B and C start at once (1 + 1), A becomes the head and blocks the rest; C first the
 * same. A first: A is the head at once and nothing starts: 0. The planner must take B (F1's
 * first of the jobs that can start at all), not A.
 */
const spec: PlannerSpec = { method: 'rollout', candidates: 4, samples: 2, future: 3, seed: 't', workload: { gaps: [30], jobs: [[1, 10]] } };

function queued(id: string, width: number, requested: number, submit: number, seq: number): QueuedRequest {
  const request: Request = { id, tenant: 't', arrival: submit, demand: [width], duration: requested, requestedDuration: requested, priority: 'medium' };
  return { request, enqueuedAt: submit, seq, attempts: 0 };
}

describe('the planner and a job wider than the machine (rev9)', () => {
  const A = queued('a', 8, 10, 100, 0);
  const B = queued('b', 1, 10, 100, 1);
  const C = queued('c', 1, 10, 100, 2);

  it('does not take a job that cannot start on the machine while others can', () => {
    expect(new RolloutPlanner(spec).pick([A, B, C], [], 100, 4, 4, [], 0)).toBe(1);
    expect(new RolloutPlanner(spec).pick([C, A], [B], 100, 4, 4, [], 0)).toBe(2);
  });

  it('with one job that can start, takes it; with none, F1 first', () => {
    expect(new RolloutPlanner(spec).pick([A, C], [], 100, 4, 4, [], 0)).toBe(1);
    // Submitted at 50, A is F1's first (8 + 870·log10 50 ≈ 1486): still C, the one that can start.
    const early = queued('a-early', 8, 10, 50, 4);
    expect(new RolloutPlanner(spec).pick([early, C], [], 100, 4, 4, [], 0)).toBe(1);
    expect(new RolloutPlanner(spec).pick([early, B, C], [], 100, 4, 4, [], 0)).toBe(1);
    const D = queued('d', 6, 10, 100, 3);
    expect(new RolloutPlanner(spec).pick([D, A], [], 100, 4, 4, [], 0)).toBe(0); // D (6 + 1740) before A (8 + 1740)
  });
});
