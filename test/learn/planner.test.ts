import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { Request } from '../../src/core/model.js';
import type { PlannerSpec } from '../../src/core/planner-spec.js';
import { PolicyNet, validatePolicyNetFile, type PolicyNetFile } from '../../src/core/policy-net.js';
import { withPlanner } from '../../src/learn/planner-build.js';
import { replaySwfWindow, protocolBackfill } from '../../src/learn/sim-adapter.js';
import { LearnedQueue } from '../../src/queue/learned-queue.js';
import { RolloutPlanner } from '../../src/queue/learned-planner.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { randomModel, syntheticWorkload } from './support.js';

/**
 * The planner of a queue model (src/queue/learned-planner.ts): hand-checked rollouts, picks that
 * are a function of the queue and the machine, the learned queue taking them, and the file rules.
 */

/** A workload whose futures arrive far away (gaps of 10⁹ s): they start at once and cost 1 each, the same for every candidate. */
const QUIET: PlannerSpec = { method: 'rollout', candidates: 4, samples: 2, future: 3, seed: 't', workload: { gaps: [1e9], jobs: [[1, 5]] } };

function queued(id: string, width: number, requested: number, submit: number, seq: number): QueuedRequest {
  const request: Request = { id, tenant: 't', arrival: submit, demand: [width], duration: requested, requestedDuration: requested, priority: 'medium' };
  return { request, enqueuedAt: submit, seq, attempts: 0 };
}

describe('RolloutPlanner.pick', () => {
  it('takes the wide short job F1 ranks second when the narrow long one would make it wait (hand-checked costs)', () => {
    // Machine of 4, empty, t = 100. F1: A (4 wide, 10 s) 4 + 870·2 = 1744; B (1 wide, 1000 s) 3 + 1740 = 1743: B first.
    // B then F1: B starts (1), A waits 1000 s: (1000 + 10) / 10 = 101; total 102.
    // A then F1: A starts (1), B waits 10 s: (10 + 1000) / 1000 = 1.01; total 2.01. The planner takes A.
    const A = queued('a', 4, 10, 100, 0);
    const B = queued('b', 1, 1000, 100, 1);
    const p = new RolloutPlanner(QUIET);
    expect(p.pick([A, B], [], 100, 4, 4, [], 0)).toBe(0);
    expect(p.pick([B, A], [], 100, 4, 4, [], 0)).toBe(1); // the same job, whatever the order given
    expect(p.picks).toBe(2);
  });

  it("keeps F1's first when it is also the rollouts' best, and sees the running jobs' requested ends", () => {
    // A (4 wide, 100 s) and B (1 wide, 10 s): F1 ranks B first; B then A costs 1 + (10 + 100) / 100 = 2.1,
    // A then B 1 + 110 / 10 = 12: B.
    const A = queued('a', 4, 100, 100, 0);
    const B = queued('b', 1, 10, 100, 1);
    const p = new RolloutPlanner(QUIET);
    expect(p.pick([A, B], [], 100, 4, 4, [], 0)).toBe(1);
    // With 2 of the 4 busy until t = 105: B first starts B (1) and A at 110, when B ends: 1 + 110 / 100
    // = 2.1; A first blocks as the head until 105 (105 / 100 = 1.05) and B waits behind it until A
    // ends at 205: 115 / 10 = 11.5, total 12.55. Still B.
    expect(p.pick([A, B], [], 100, 2, 4, [{ end: 105, width: 2 }], 0)).toBe(1);
  });

  it('is a function of what it is given: the same inputs, the same pick; and picks among all waiting jobs', () => {
    const w = syntheticWorkload(80, 3).jobs;
    const qs = w.map((j, i) => queued(String(j.id), j.procs, j.requested, j.submit, i));
    const spec: PlannerSpec = { method: 'rollout', candidates: 4, samples: 4, future: 8, seed: 's', workload: { gaps: [30, 60, 5], jobs: [[4, 100], [16, 2000], [1, 30]] } };
    const now = (w[79] as { submit: number }).submit;
    const rel = [{ end: now + 500, width: 20 }];
    const a = new RolloutPlanner(spec).pick(qs.slice(0, 60), qs.slice(60), now, 12, 32, rel, 0);
    const b = new RolloutPlanner(spec).pick(qs.slice(0, 60), qs.slice(60), now, 12, 32, rel, 0);
    expect(a).toBe(b);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(80);
  });

  it("draws a pick's futures from the model's seed, the time to the ms and the candidates: not from the driver's last float bits", () => {
    const spec: PlannerSpec = { method: 'rollout', candidates: 4, samples: 3, future: 5, seed: 's', workload: { gaps: [1, 2, 3, 4, 5, 6, 7], jobs: [[1, 10], [2, 20], [3, 30], [4, 40]] } };
    const p = new RolloutPlanner(spec);
    const rel = (f: { submit: number }[][], now: number): number[][] => f.map((x) => x.map((j) => j.submit - now));
    const at = 0.1 + 0.2; // 0.30000000000000004: what a seconds clock may hold where a ms clock gives 0.3
    expect(rel(p.futures(at, 8, ['a', 'b'], []), at)).toEqual(rel(p.futures(0.3, 8, ['a', 'b'], []), 0.3));
    expect(rel(p.futures(0.3, 8, ['a', 'b'], []), 0.3)).not.toEqual(rel(p.futures(0.301, 8, ['a', 'b'], []), 0.301));
    expect(rel(p.futures(0.3, 8, ['a', 'b'], []), 0.3)).not.toEqual(rel(p.futures(0.3, 8, ['a', 'c'], []), 0.3));
  });
});

describe('the learned queue with a planner', () => {
  const model = (planner?: PlannerSpec): PolicyNetFile => ({ ...randomModel('queue', 5), ...(planner === undefined ? {} : { planner }) });
  const spec: PlannerSpec = { method: 'rollout', candidates: 4, samples: 4, future: 8, seed: 'q', workload: { gaps: [10, 30, 90], jobs: [[1, 60], [8, 600], [32, 3600], [4, 120]] } };

  it('orders every waiting job exactly once, decides with the planner without backfilling, and replays deterministically', async () => {
    const w = syntheticWorkload(700, 9);
    const q1 = new LearnedQueue(new PolicyNet(model(spec)));
    const r1 = await replaySwfWindow(w.jobs, 100, 500, w.machine, q1);
    const q2 = new LearnedQueue(new PolicyNet(model(spec)));
    const r2 = await replaySwfWindow(w.jobs, 100, 500, w.machine, q2);
    expect(r1.boundedSlowdown).toBe(r2.boundedSlowdown);
    expect(q1.planner?.picks).toBeGreaterThan(50);
    const scorerOnly = await replaySwfWindow(w.jobs, 100, 500, w.machine, new LearnedQueue(new PolicyNet(model(spec)), { planner: false }));
    const noPlanner = await replaySwfWindow(w.jobs, 100, 500, w.machine, new LearnedQueue(new PolicyNet(model())));
    expect(scorerOnly.boundedSlowdown).toBe(noPlanner.boundedSlowdown);
    expect(r1.boundedSlowdown).not.toBe(noPlanner.boundedSlowdown);
    // order() returns a permutation of the queue (no job lost, none twice), with jobs beyond 128 too.
    const qs = w.jobs.slice(0, 200).map((j, i) => queued(String(j.id), j.procs, j.requested, j.submit, i));
    const out = new LearnedQueue(new PolicyNet(model(spec))).order(qs, (w.jobs[199] as { submit: number }).submit);
    expect(out.length).toBe(200);
    expect(new Set(out).size).toBe(200);
  });

  it('leaves runs with backfilling to the scorer', () => {
    const q = new LearnedQueue(new PolicyNet(model(spec)), { backfill: protocolBackfill('easy') as NonNullable<ReturnType<typeof protocolBackfill>> });
    expect(q.planner).toBeUndefined();
    expect(new LearnedQueue(new PolicyNet(model(spec))).planner).toBeDefined();
  });
});

describe('planner in a model file', () => {
  const base = (): Record<string, unknown> => ({ ...randomModel('queue', 5), planner: { ...QUIET, workload: { gaps: [1], jobs: [[1, 5]] } } });
  const cases: [string, (m: Record<string, unknown>) => void, string][] = [
    ['candidates below 2', (m) => ((m.planner as Record<string, unknown>).candidates = 1), 'planner.candidates'],
    ['samples 0', (m) => ((m.planner as Record<string, unknown>).samples = 0), 'planner.samples'],
    ['an empty seed', (m) => ((m.planner as Record<string, unknown>).seed = ''), 'planner.seed'],
    ['a job of width 0', (m) => ((m.planner as Record<string, unknown>).workload = { gaps: [1], jobs: [[0, 5]] }), 'planner.workload.jobs[0]'],
    ['a negative gap', (m) => ((m.planner as Record<string, unknown>).workload = { gaps: [3, -1], jobs: [[1, 5]] }), 'planner.workload.gaps[1]'],
    ['an unknown key', (m) => ((m.planner as Record<string, unknown>).horizon = 3), 'planner.horizon'],
    ['another method', (m) => ((m.planner as Record<string, unknown>).method = 'mcts'), 'planner.method'],
    ['too many arrivals per pick', (m) => ((m.planner as Record<string, unknown>).future = 5000), 'planner'],
    ['more candidates than the queue has', (m) => ((m.planner as Record<string, unknown>).candidates = 129), 'planner.candidates'],
    ['a list as the workload', (m) => ((m.planner as Record<string, unknown>).workload = [[1], [[1, 5]]]), 'planner.workload'],
    ['an allocator model', (m) => (m.kind = 'allocator'), 'planner'],
  ];
  it.each(cases)('refuses %s, naming the field', (_, spoil, field) => {
    const m = base();
    spoil(m);
    let err: unknown;
    try {
      validatePolicyNetFile(m, 'm.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).location.field).toBe(field);
    expect((err as ConfigError).location.file).toBe('m.json');
  });
  it('accepts a good one', () => {
    expect(validatePolicyNetFile(base(), 'm.json').planner?.candidates).toBe(4);
  });
});

describe('withPlanner (the workload from the training ranges)', () => {
  const w = syntheticWorkload(50, 2).jobs;
  const trained = (ranges: unknown, evaluation: number[] = [40], length = 5): PolicyNetFile => ({ ...randomModel('queue', 1), training: { trainingRanges: ranges, evaluationWindows: evaluation, evaluationLength: length } });

  it('reads (width, requested) of each training job and the gaps inside each range', () => {
    const m = withPlanner(trained([[0, 3], [10, 12]]), w, 'x.swf', { seed: 's' });
    const p = m.planner as PlannerSpec;
    expect(p.workload.jobs).toEqual([0, 1, 2, 10, 11].map((i) => [w[i]?.procs, w[i]?.requested]));
    const g = (i: number): number => (w[i]?.submit as number) - (w[i - 1]?.submit as number);
    expect(p.workload.gaps).toEqual([g(1), g(2), g(11)]);
    expect([p.candidates, p.samples, p.future]).toEqual([4, 8, 32]);
  });

  it('refuses ranges that overlap an evaluation window, or a model without ranges', () => {
    expect(() => withPlanner(trained([[0, 42]]), w, 'x.swf', { seed: 's' })).toThrow(/overlaps the evaluation window at 40/);
    expect(() => withPlanner(trained(undefined), w, 'x.swf', { seed: 's' })).toThrow(/training ranges/);
    expect(() => withPlanner(trained([[0, 60]], []), w, 'x.swf', { seed: 's' })).toThrow(/past the log's 50 jobs/);
  });
});
