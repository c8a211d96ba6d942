import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import type { PlannerSpec } from '../../src/core/planner-spec.js';
import { Rng } from '../../src/core/rng.js';
import { F1_KEY } from '../../src/queue/keys.js';
import { RolloutPlanner } from '../../src/queue/learned-planner.js';
import type { QueuedRequest } from '../../src/queue/policy.js';

/**
 * The planner's rollouts against a plain reading of the reference protocol without backfilling
 * (arrays, no heap): for random queues, machines and running jobs, the pick is the candidate
 * whose summed bounded slowdown over the same futures is least (ties: F1's order).
 */
interface J { submit: number; req: number; width: number; key: number; seq: number }
const f1 = (submit: number, req: number, width: number, seq: number): J => ({ submit, req, width, seq, key: F1_KEY.key({ submit, requested: req, procs: width }, 0) });
const cmp = (a: J, b: J): number => a.key - b.key || a.seq - b.seq;

function naiveCost(now0: number, free0: number, running0: { end: number; width: number }[], waiting0: J[], pickAt: number, arrivals: J[]): number {
  let now = now0;
  let free = free0;
  const running = running0.map((r) => ({ end: Math.max(now0, r.end), width: r.width }));
  const waiting = [...waiting0].sort(cmp);
  let head: J | undefined;
  let cost = 0;
  const start = (j: J): void => {
    free -= j.width;
    running.push({ end: now + j.req, width: j.width });
    cost += Math.max(1, (now - j.submit + j.req) / Math.max(j.req, 10));
  };
  const take = (i: number): void => {
    const j = waiting.splice(i, 1)[0] as J;
    if (j.width <= free) start(j);
    else head = j;
  };
  const pass = (): void => {
    for (;;) {
      if (head !== undefined) {
        if (head.width > free) return;
        start(head);
        head = undefined;
      }
      if (waiting.length === 0) return;
      take(0);
    }
  };
  take(pickAt);
  pass();
  let next = 0;
  for (;;) {
    let ci = -1;
    for (let i = 0; i < running.length; i++) if (ci < 0 || (running[i] as { end: number }).end < (running[ci] as { end: number }).end) ci = i;
    const a = arrivals[next];
    if (a === undefined && ci < 0) return cost;
    if (a !== undefined && (ci < 0 || a.submit <= (running[ci] as { end: number }).end)) {
      now = Math.max(now, a.submit);
      next++;
      waiting.push(a);
      waiting.sort(cmp);
    } else {
      const r = running.splice(ci, 1)[0] as { end: number; width: number };
      now = r.end;
      free += r.width;
    }
    pass();
  }
}

function queued(id: string, width: number, requested: number, submit: number, seq: number): QueuedRequest {
  const request: Request = { id, tenant: 't', arrival: submit, demand: [width], duration: requested, requestedDuration: requested, priority: 'medium' };
  return { request, enqueuedAt: submit, seq, attempts: 0 };
}

describe('RolloutPlanner against a plain protocol simulation', () => {
  it('picks the least-cost candidate of F1 first K on random queues', () => {
    const rng = new Rng('rev9');
    let checked = 0;
    for (let trial = 0; trial < 600; trial++) {
      const cap = 1 + rng.int(16);
      const now = 1000 + rng.int(50);
      const m = 2 + rng.int(8);
      const qs: QueuedRequest[] = [];
      for (let i = 0; i < m; i++) qs.push(queued(`j${trial}.${i}`, 1 + rng.int(cap), 5 * (1 + rng.int(20)), 900 + rng.int(100), i));
      const running: { end: number; width: number }[] = [];
      let free = cap;
      while (free > 0 && rng.int(3) > 0) {
        const w = 1 + rng.int(free);
        running.push({ end: now - 20 + 5 * rng.int(30), width: w }); // ends on the arrivals' 5 s grid: ties
        free -= w;
      }
      const spec: PlannerSpec = { method: 'rollout', candidates: 2 + rng.int(4), samples: 2, future: 4, seed: `s${trial}`, workload: { gaps: [0, 5, 10, 40], jobs: [[1, 10], [Math.max(1, cap >> 1), 100], [cap, 50], [cap + 3, 5]] } };
      const p = new RolloutPlanner(spec);
      const split = rng.int(m + 1);
      const cand = qs.slice(0, split);
      const others = qs.slice(split);
      const got = p.pick(cand, others, now, free, cap, running, 0);
      const jobs = qs.map((q) => f1(q.request.arrival, q.request.duration, q.request.demand[0] as number, q.seq));
      const order = [...jobs.keys()].sort((a, b) => cmp(jobs[a] as J, jobs[b] as J));
      const k = Math.min(spec.candidates, m);
      const top = order.slice(0, k);
      const futures = p.futures(now, cap, top.map((i) => (qs[i] as QueuedRequest).request.id), jobs);
      let best = -1;
      let bestCost = Infinity;
      for (let at = 0; at < k; at++) {
        let c = 0;
        for (const f of futures) c += naiveCost(now, free, running, jobs, at, f);
        if (c < bestCost - 1e-9) {
          bestCost = c;
          best = top[at] as number;
        }
      }
      expect(got, `trial ${trial}`).toBe(best);
      checked++;
    }
    expect(checked).toBe(600);
  });
});
