import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import type { Request } from '../../src/core/model.js';
import { PolicyNet } from '../../src/core/policy-net.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { sampleAgent } from '../../src/learn/env.js';
import { LearnedQueue, MAX_VISIBLE, QUEUE_FEATURES } from '../../src/queue/learned-queue.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { createQueuePolicy, isQueuePolicyName, type QueuePolicyName } from '../../src/queue/registry.js';
import { randomModel } from './support.js';

const space = new ResourceSpace(['cpu']);
function machine(cpus: number, used: number): ClusterState {
  const s = new ClusterState(space, [{ name: 'm', capacity: [cpus], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 0, latencyMs: 0, bootSeconds: 0, labels: {} }]);
  s.addNode(0, 'up');
  if (used > 0) s.allocate({ id: 'busy', tenant: 't', arrival: 0, demand: [used], duration: 100, priority: 'medium' }, 0, 0);
  return s;
}
function waiting(n: number, seed = 1): QueuedRequest[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const r: Request = { id: `j${i}`, tenant: 't', arrival: i, demand: [1 + rng.int(16)], duration: 10 + rng.int(1000), priority: 'medium' };
    return { request: r, enqueuedAt: i, seq: i, attempts: 0 };
  });
}

describe('learned-queue (a QueuePolicy)', () => {
  it('returns every waiting job exactly once, beyond 128 too; the jobs past the first 128 keep arrival order', () => {
    const q = new LearnedQueue(randomModel('queue', 2));
    const w = waiting(200);
    const out = q.order([...w].reverse(), 500, machine(16, 0));
    expect(out.length).toBe(200);
    expect(new Set(out)).toEqual(new Set(w));
    const late = out.filter((x) => x.seq >= MAX_VISIBLE).map((x) => x.seq);
    expect(late).toEqual([...late].sort((a, b) => a - b));
  });

  it('behind a blocked head keeps arrival order, a candidate before a later job of the same seq (as a stable sort did)', () => {
    const q = new LearnedQueue(randomModel('queue', 2));
    const w = waiting(200).map((x) => ({ ...x, request: { ...x.request, demand: [17] } })); // nothing fits 16 cpus
    // The first job past the 128 candidates shares the last candidate's seq.
    const last = w[MAX_VISIBLE - 1] as QueuedRequest;
    const twin = { ...(w[150] as QueuedRequest), seq: last.seq };
    const out = q.order([...w.slice(0, MAX_VISIBLE), twin, ...w.slice(MAX_VISIBLE)], 500, machine(16, 0));
    expect(out).toHaveLength(201);
    const rest = out.slice(1);
    expect(rest.map((x) => x.seq)).toEqual([...rest.map((x) => x.seq)].sort((a, b) => a - b));
    if (out[0] !== last) expect(rest.indexOf(last)).toBeLessThan(rest.indexOf(twin));
  });

  it('without a sampler takes the highest-scoring job, and while it does not fit keeps it as head without a new decision', () => {
    const model = randomModel('queue', 5);
    const net = new PolicyNet(model);
    const q = new LearnedQueue(net);
    const w = waiting(20, 3);
    const full = machine(16, 16); // nothing fits
    const first = q.order(w, 50, full);
    // Head = argmax of the scores computed with fits-now = 0 for everyone.
    const F = QUEUE_FEATURES.length;
    const scores = w.map((x) => {
      const row = new Float64Array(F);
      const r = x.request;
      const wait = 50 - r.arrival;
      row.set([Math.log1p(wait), Math.log1p(r.duration), Math.log1p(r.demand[0] as number), (r.demand[0] as number) / 16, 0, Math.log1p(wait / Math.max(r.duration, 10)), 0, Math.log1p(20)]);
      return net.score(row);
    });
    const best = scores.indexOf(Math.max(...scores));
    expect(first[0]).toBe(w[best]);
    const decisions = q.decisions;
    // Later, with more arrivals: the committed head stays first and no decision is taken.
    const more = [...w, ...waiting(25, 9).slice(20).map((x) => ({ ...x, seq: x.seq + 100, request: { ...x.request, id: `k${x.seq}` } }))];
    expect(q.order(more, 80, full)[0]).toBe(w[best]);
    expect(q.decisions).toBe(decisions);
  });

  it('masking: the sampler never picks an absent job, even when the absent slots score far higher', () => {
    const rng = new Rng(11);
    const agent = sampleAgent(rng);
    for (let trial = 0; trial < 2000; trial++) {
      const n = 1 + rng.int(MAX_VISIBLE - 1);
      const scores = new Float64Array(MAX_VISIBLE).fill(1e6); // stale values beyond n
      for (let j = 0; j < n; j++) scores[j] = rng.normal(0, 3);
      const a = agent.act({ features: new Float64Array(MAX_VISIBLE * QUEUE_FEATURES.length), n, featureCount: QUEUE_FEATURES.length, scores });
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThan(n);
    }
    // And the recorded log-probabilities are those of the n present jobs only: they sum to 1 over a decision.
    const s = new Float64Array([0.5, -1, 2, 1e6]);
    const probs = [0, 1, 2].map((j) => Math.exp(s[j] as number) / [0, 1, 2].reduce((z, k) => z + Math.exp(s[k] as number), 0));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const counts = [0, 0, 0, 0];
    const ag = sampleAgent(new Rng(3));
    for (let k = 0; k < 3000; k++) counts[ag.act({ features: new Float64Array(4 * 8), n: 3, featureCount: 8, scores: s })]!++;
    expect(counts[3]).toBe(0);
    expect((counts[2] as number) / 3000).toBeCloseTo(probs[2] as number, 1);
  });

  it('is registered: learned-queue with a model option, learned-queue:NAME for every shipped model', () => {
    expect(isQueuePolicyName('learned-queue')).toBe(true);
    expect(() => createQueuePolicy('learned-queue' as QueuePolicyName, { model: 'nope' })).toThrow(/no shipped queue model named 'nope'/);
  });
});
