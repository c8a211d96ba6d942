import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { Request } from '../../src/core/model.js';
import type { Priority } from '../../src/core/priority.js';
import { F1_KEY, FCFS_KEY, ORDER_KEYS, positiveOr01, SJF_KEY, sortByKey, UNICEP_KEY, WFP3_KEY, type JobFacts } from '../../src/queue/keys.js';
import { staticCompare, type QueuedRequest } from '../../src/queue/policy.js';
import { createQueuePolicy, QUEUE_POLICIES, QUEUE_POLICY_NAMES } from '../../src/queue/registry.js';
import { f1, fcfs, priorityClasses, sjf, unicep, weightedPriority, wfp3 } from '../../src/queue/index.js';

const job = (submit: number, requested: number, procs: number): JobFacts => ({ submit, requested, procs });

describe('ordering keys, hand-checked', () => {
  it('FCFS: s', () => {
    expect(FCFS_KEY.key(job(1234, 5, 6), 9999)).toBe(1234);
  });

  it('SJF: r, ties by s', () => {
    expect(SJF_KEY.key(job(50, 300, 8), 0)).toBe(300);
    expect(SJF_KEY.tie?.(job(50, 300, 8), 0)).toBe(50);
  });

  it('F1: log10(r)·n + 870·log10(s), 0.1 for non-positive values', () => {
    // log10(100)·4 + 870·log10(1000) = 8 + 2610
    expect(F1_KEY.key(job(1000, 100, 4), 0)).toBeCloseTo(2618, 10);
    // s = 0 → 0.1: log10(10)·2 + 870·(−1) = −868
    expect(F1_KEY.key(job(0, 10, 2), 0)).toBeCloseTo(-868, 10);
    // r = −1 → 0.1: −1·3 + 870·log10(10) = 867
    expect(F1_KEY.key(job(10, -1, 3), 0)).toBeCloseTo(867, 10);
    expect(positiveOr01(0)).toBe(0.1);
  });

  it('F1: no width (n = 0) drops the log10(r)·n term, also when r is unknown (∞), instead of NaN', () => {
    // Production gives a request without an estimate r = ∞; a memory-only request has n = 0 in
    // the cpu width. ∞ · 0 made the key NaN, which ties with every key: `a` (870·log10(100) =
    // 1740) went ahead of `b` (1 + 870·log10(50) ≈ 1479.1) by queue order.
    expect(F1_KEY.key(job(100, Infinity, 0), 0)).toBeCloseTo(1740, 10);
    expect(F1_KEY.key(job(100, 0, 0), 0)).toBeCloseTo(1740, 10);
    const a = { ...q('a', 100, 0, Infinity), seq: 0 };
    const b = { ...q('b', 50, 1, 10), seq: 1 };
    const c = { ...q('c', 200, 1, 10), seq: 2 }; // 1 + 870·log10(200) ≈ 2002.9
    const p = f1();
    expect(ids(p.order([a, b, c], 300))).toEqual(['b', 'a', 'c']);
    expect(ids([a, b, c].sort(staticCompare(p.staticKey as (x: QueuedRequest) => number, p.staticTie)))).toEqual(['b', 'a', 'c']);
  });

  it('WFP3: −(w/r)³·n with the real waiting time', () => {
    // w = 200 − 100 = 100, r = 50, n = 2: −(2)³·2 = −16
    expect(WFP3_KEY.key(job(100, 50, 2), 200)).toBeCloseTo(-16, 12);
    expect(WFP3_KEY.key(job(100, 50, 2), 100)).toBeCloseTo(0, 12); // just arrived
    expect(WFP3_KEY.timeDependent).toBe(true);
  });

  it('UNICEP: −(w + 1e-15)/(log2(max(n, 1) + 1e-15)·r)', () => {
    // w = 100, n = 4, r = 50: −100 / (2·50) = −1
    expect(UNICEP_KEY.key(job(0, 50, 4), 100)).toBeCloseTo(-1, 12);
    // a one-processor job: large but finite priority
    const one = UNICEP_KEY.key(job(0, 50, 1), 100);
    expect(Number.isFinite(one)).toBe(true);
    expect(one).toBeLessThan(-1e12);
  });

  it('WFP3: a width below 1 counts as 1, so a job with nothing in the width dimension still gains priority as it waits', () => {
    // before, n = 0 kept the key at 0 whatever the wait: behind every wider job that had waited at all
    for (const n of [0, 0.5]) {
      expect(WFP3_KEY.key(job(0, 50, n), 100), `n = ${n}`).toBe(WFP3_KEY.key(job(0, 50, 1), 100));
      expect(WFP3_KEY.key(job(0, 50, n), 200)).toBeLessThan(WFP3_KEY.key(job(0, 50, n), 100));
    }
    // a cpu-only job (width 0 in gpu) that has waited 1000 s goes ahead of a 1-GPU job that arrived at 900 s
    const gpuJob = (id: string, submit: number, gpu: number): QueuedRequest => {
      const r = q(id, submit, 1, 100);
      return { ...r, request: { ...r.request, demand: [1, 1, gpu] } };
    };
    expect(ids(wfp3({ widthDimension: 2 }).order([gpuJob('gpu', 900, 1), gpuJob('cpu-only', 0, 0)], 1000))).toEqual(['cpu-only', 'gpu']);
  });

  it('UNICEP: a width below 1 (a GPU share, half a cpu, none) counts as 1, so waiting raises its priority', () => {
    // before, log2(0.5) = −1 made the key +w/r: +2 at w = 100 and +4 at w = 200, further back the longer it waited
    for (const n of [0, 0.25, 0.5]) {
      const early = UNICEP_KEY.key(job(0, 50, n), 100);
      const late = UNICEP_KEY.key(job(0, 50, n), 200);
      expect(early, `n = ${n}`).toBe(UNICEP_KEY.key(job(0, 50, 1), 100));
      expect(late, `n = ${n}`).toBeLessThan(early);
    }
    // with widthDimension gpu: a half-GPU job that has waited goes ahead of a 2-GPU job that waited as long
    const gpuJob = (id: string, gpu: number): QueuedRequest => {
      const r = q(id, 0, 1, 600);
      return { ...r, request: { ...r.request, demand: [1, 1, gpu] } };
    };
    expect(ids(unicep({ widthDimension: 2 }).order([gpuJob('pair', 2), gpuJob('share', 0.5)], 100))).toEqual(['share', 'pair']);
  });

  it('sortByKey is stable: ties keep the current order (or the given rank)', () => {
    const items = ['a', 'b', 'c', 'd'];
    const facts: Record<string, JobFacts> = { a: job(5, 10, 1), b: job(3, 10, 1), c: job(1, 20, 1), d: job(3, 10, 1) };
    expect(sortByKey(items, (x) => facts[x] as JobFacts, SJF_KEY, 0)).toEqual(['b', 'd', 'a', 'c']);
    expect(sortByKey(['d', 'b'], (x) => facts[x] as JobFacts, SJF_KEY, 0)).toEqual(['d', 'b']);
    expect(sortByKey(['d', 'b'], (x) => facts[x] as JobFacts, SJF_KEY, 0, (x) => (x === 'b' ? 0 : 1))).toEqual(['b', 'd']);
    expect(Object.keys(ORDER_KEYS)).toEqual(['fcfs', 'sjf', 'f1', 'wfp3', 'unicep']);
  });
});

let seq = 0;
function q(id: string, arrival: number, cpu: number, requested: number, priority: Priority = 'medium'): QueuedRequest {
  const request: Request = { id, tenant: 't', arrival, demand: [cpu, 0, 0], duration: requested, requestedDuration: requested, priority };
  return { request, enqueuedAt: arrival, seq: seq++, attempts: 0 };
}
const ids = (xs: readonly QueuedRequest[]): string[] => xs.map((x) => x.request.id);

describe('queue policies order requests by the shared keys', () => {
  // arrival, cpu, requested
  const a = q('a', 0, 8, 3600);
  const b = q('b', 10, 1, 60);
  const c = q('c', 20, 2, 600);
  const d = q('d', 30, 1, 60);
  const waiting = [d, c, b, a];

  it('FCFS, SJF', () => {
    expect(ids(fcfs().order(waiting, 100))).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(sjf().order(waiting, 100))).toEqual(['b', 'd', 'c', 'a']);
  });

  it('F1 (on arrival times): a=8·log10(3600)+870·log10(0.1), ...', () => {
    // a: 28.45 − 870 = −841.5; b: 1.78 + 870 = 871.8; c: 5.56 + 1131.9; d: 1.78 + 1285.1
    expect(ids(f1().order(waiting, 100))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('WFP3 and UNICEP use the waiting time at `now`', () => {
    // now 100: a: −(100/3600)³·8 ≈ −1.7e-4; b: −(90/60)³ = −3.375; c: −(80/600)³·2 ≈ −0.0047; d: −(70/60)³ ≈ −1.588
    expect(ids(wfp3().order(waiting, 100))).toEqual(['b', 'd', 'c', 'a']);
    // UNICEP: 1-processor jobs b, d first (b waited longer), then c: −80/(1·600), a: −100/(3·3600)
    expect(ids(unicep().order(waiting, 100))).toEqual(['b', 'd', 'c', 'a']);
  });

  it('static keys are published for the driver exactly when the order does not change with time', () => {
    expect(fcfs().staticKey).toBeDefined();
    expect(f1().staticKey).toBeDefined();
    expect(sjf().staticKey).toBeDefined();
    expect(sjf().staticTie).toBeDefined(); // r, then s
    expect(fcfs().staticTie).toBeUndefined();
    expect(wfp3().staticKey).toBeUndefined();
    expect(unicep().staticKey).toBeUndefined();
    expect(weightedPriority().staticKey).toBeDefined();
  });

  it('the static key and tie key give the order of order() (what the replay keeps sorted on insert)', () => {
    const entry = fc.record({ submit: fc.integer({ min: 0, max: 6 }), requested: fc.constantFrom(-1, 0, 1, 10, 10, 100, Infinity), procs: fc.integer({ min: 1, max: 4 }), priority: fc.constantFrom<Priority>('critical', 'high', 'medium', 'low') });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 30 }), (facts, seqs) => {
        // Requeued work keeps its arrival under a new seq: seq order need not follow submit order.
        const waiting = facts.map((f, i) => {
          const e = q(`j${i}`, f.submit, f.procs, f.requested, f.priority);
          return { ...e, seq: (seqs[i] ?? 0) * 100 + i };
        });
        for (const p of [fcfs(), sjf(), f1(), weightedPriority(), priorityClasses()]) {
          const key = p.staticKey;
          if (key === undefined) throw new Error(`${p.name} publishes no static key`);
          expect(ids([...waiting].sort(staticCompare(key, p.staticTie)))).toEqual(ids(p.order(waiting, 0)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('F1/WFP3/UNICEP width is a chosen dimension (default 0 = cpu)', () => {
    const x = { ...q('x', 0, 1, 100), request: { ...q('x', 0, 1, 100).request, demand: [1, 64, 0] } };
    const y = { ...q('y', 0, 4, 100), request: { ...q('y', 0, 4, 100).request, demand: [4, 1, 0] } };
    expect(ids(f1().order([y, x], 0))).toEqual(['x', 'y']);
    expect(ids(f1({ widthDimension: 1 }).order([x, y], 0))).toEqual(['y', 'x']);
  });

  it('widthDimension by name or index, checked against the dimensions when they are given', () => {
    const x = { ...q('x', 0, 1, 100), request: { ...q('x', 0, 1, 100).request, demand: [1, 64, 0] } };
    const y = { ...q('y', 0, 4, 100), request: { ...q('y', 0, 4, 100).request, demand: [4, 1, 0] } };
    const dims = ['cpu', 'memory', 'gpu'];
    // `memory` is index 1: the same order as widthDimension 1 (y, narrower in memory, first).
    expect(ids(createQueuePolicy('f1', { widthDimension: 'memory' }, dims).order([x, y], 0))).toEqual(['y', 'x']);
    expect(ids(createQueuePolicy('f1', { widthDimension: 'cpu' }, dims).order([y, x], 0))).toEqual(['x', 'y']);
    const refused = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        expect((e as UserError).location.field).toBe('queue.options.widthDimension');
        return (e as UserError).detail;
      }
      throw new Error('expected a UserError');
    };
    expect(refused(() => createQueuePolicy('wfp3', { widthDimension: 3 }, dims))).toBe('there is no dimension 3: expected an index 0-2 or a name of the dimensions (0 = cpu, 1 = memory, 2 = gpu)');
    expect(refused(() => createQueuePolicy('sjf', { widthDimension: 'gpus' }, dims))).toBe("unknown dimension 'gpus': expected a dimension's name or index (dimensions: 0 = cpu, 1 = memory, 2 = gpu)");
    expect(refused(() => createQueuePolicy('learned-queue:hpc2n', { widthDimension: 1 }, ['cpu']))).toMatch(/^there is no dimension 1: expected an index 0-0/);
    // Without the dimensions an index is taken as given; a name cannot be resolved.
    expect(createQueuePolicy('unicep', { widthDimension: 7 }).name).toBe('unicep');
    expect(refused(() => createQueuePolicy('f1', { widthDimension: 'gpu' }))).toMatch(/^the dimension 'gpu' is named, but the dimensions are not known here/);
  });
});

describe('priority classes', () => {
  it('strict: class first, then arrival; background can wait for ever', () => {
    const bg = q('bg', 0, 1, 10, 'background');
    const crit = q('crit', 10_000, 1, 10, 'critical');
    expect(ids(priorityClasses().order([bg, crit], 20_000))).toEqual(['crit', 'bg']);
  });

  it('strict: within a class by arrival to the sub-millisecond, not lost under the class offset', () => {
    // The key used to be rank · 10¹² + arrival: at 4·10¹² (background) a double resolves only
    // 2⁻¹¹ s ≈ 0.49 ms, so arrivals 1000.0005 and 1000.0007 gave the same key and the tie went to
    // seq. `early` was preempted and requeued (new seq 9) and fell behind `late` (seq 2), which
    // arrived 0.2 ms after it.
    const early = { ...q('early', 1000.0005, 1, 10, 'background'), seq: 9 };
    const late = { ...q('late', 1000.0007, 1, 10, 'background'), seq: 2 };
    const p = priorityClasses();
    expect(ids(p.order([late, early], 2000))).toEqual(['early', 'late']);
    expect(ids([late, early].sort(staticCompare(p.staticKey as (x: QueuedRequest) => number, p.staticTie)))).toEqual(['early', 'late']);
    // Classes still come first whatever the arrivals.
    const crit = { ...q('crit', 5000.5, 1, 10, 'critical'), seq: 10 };
    expect(ids(p.order([late, crit, early], 6000))).toEqual(['crit', 'early', 'late']);
  });

  it('weighted: each class is a head start of rank · step seconds (default 600)', () => {
    const bg = q('bg', 0, 1, 10, 'background'); // key 0 + 4·600 = 2400
    const critSoon = q('critSoon', 2000, 1, 10, 'critical'); // key 2000
    const critLate = q('critLate', 2500, 1, 10, 'critical'); // key 2500
    const medLate = q('medLate', 1299, 1, 10, 'medium'); // key 1299 + 1200 = 2499
    const order = ids(weightedPriority().order([critLate, medLate, bg, critSoon], 3000));
    expect(order).toEqual(['critSoon', 'bg', 'medLate', 'critLate']);
    expect(ids(weightedPriority({ step: 0 }).order([critLate, bg], 3000))).toEqual(['bg', 'critLate']);
    expect(ids(weightedPriority({ offsets: { background: 10_000 } }).order([critLate, bg], 3000))).toEqual(['critLate', 'bg']);
  });

  it('weighted: step and offsets are seconds, or durations with a unit, as a scenario writes them', () => {
    const bg = q('bg', 0, 1, 10, 'background');
    const crit = q('crit', 2500, 1, 10, 'critical');
    // step 10m = 600 s: background's head start is 2400 s, before the critical arrival at 2500.
    expect(ids(createQueuePolicy('weighted-priority', { step: '10m' }).order([crit, bg], 3000))).toEqual(['bg', 'crit']);
    // step 11m = 660 s: background's head start is 2640 s, after it.
    expect(ids(createQueuePolicy('weighted-priority', { step: '11m' }).order([crit, bg], 3000))).toEqual(['crit', 'bg']);
    expect(ids(createQueuePolicy('weighted-priority', { offsets: { background: '1h' } }).order([crit, bg], 3000))).toEqual(['crit', 'bg']);
    // A negative offset stays a number (a class ahead of critical's 0).
    expect(ids(createQueuePolicy('weighted-priority', { offsets: { background: -3000 } }).order([q('c', 0, 1, 10, 'critical'), q('b', 1000, 1, 10, 'background')], 3000))).toEqual(['b', 'c']);
    expect(() => createQueuePolicy('weighted-priority', { step: 'soon' })).toThrow(/queue\.options\.step.*expected a non-negative duration/);
    expect(() => createQueuePolicy('weighted-priority', { step: -1 })).toThrow(/queue\.options\.step/);
  });

  it('weighted: no starvation: past its head start, a background request is overtaken by nothing new', () => {
    const bg = q('bg', 0, 1, 10, 'background');
    // A stream of critical requests, one per minute for a day: only those arriving before 2400 s go first.
    const stream = Array.from({ length: 1440 }, (_, i) => q(`c${i}`, i * 60, 1, 10, 'critical'));
    const order = ids(weightedPriority().order([...stream, bg], 86_400));
    expect(order.indexOf('bg')).toBe(40); // c0..c39 arrived before 2400 s; c40 arrives at 2400 (tie: queue order)
  });
});

describe('registry', () => {
  it('creates every policy by name, with backfilling', () => {
    expect(QUEUE_POLICY_NAMES.slice(0, 8)).toEqual(['fcfs', 'priority', 'weighted-priority', 'sjf', 'f1', 'wfp3', 'unicep', 'drf']);
    for (const name of ['fcfs', 'priority', 'weighted-priority', 'sjf', 'f1', 'wfp3', 'unicep', 'drf'] as const) {
      const p = createQueuePolicy(name, { backfill: 'easy', headOfLine: 'commit' });
      expect(p.name).toBe(name);
      expect(p.headOfLine).toBe('commit');
      expect(p.backfill?.name).toBe('easy');
    }
    expect(createQueuePolicy('sjf', { backfill: 'conservative', backfillDepth: 5 }).backfill?.name).toBe('conservative');
    expect(createQueuePolicy('fcfs', { backfill: 'none' }).backfill).toBeUndefined();
    expect(createQueuePolicy('fcfs').blocking).toBe(true);
    expect(() => createQueuePolicy('fcfs', { backfil: 'easy' })).toThrow();
    expect(() => createQueuePolicy('f1', { backfill: 'greedy' })).toThrow();
    expect(QUEUE_POLICIES['weighted-priority'].options.parse({ step: 60, offsets: { critical: 0 } })).toEqual({ step: 60, offsets: { critical: 0 } });
  });
});
