/**
 * A cancel (release of a queued request) frees no capacity. Where the pass that follows cannot
 * start anything by offering every waiting request again (no blocking, no screening, no
 * preemption, an `exhaustive` strategy: SchedulingPass.leavingOffersAll), the scheduler skips
 * that offer and does not read the wait queue. These tests run the same seeded operations on two
 * schedulers, one with the strategy as registered and one with the same strategy hidden behind a
 * wrapper that does not claim `exhaustive` (so each of its cancels offers every waiting request,
 * as every cancel did before), and compare every event, the placements and the queue, step by step.
 */
import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { PRIORITIES } from '../../src/core/priority.js';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';
import { counted, lockstep as sideBySide, type Operation, type Side, type SideBySideVariant } from './side-by-side/harness.js';

interface Variant extends SideBySideVariant {
  /** Whether cancels may skip the offer (SchedulingPass.leavingOffersAll is false). */
  readonly skips: boolean;
  readonly dependsOn?: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'priority, best-fit-decreasing', strategy: 'best-fit-decreasing', options: { queue: { policy: 'priority', timeoutMs: 6000 } }, skips: true },
  { name: 'priority, first-fit', strategy: 'first-fit', options: { queue: { policy: 'priority', timeoutMs: 6000 } }, skips: true },
  { name: 'drf, worst-fit', strategy: 'worst-fit', options: { queue: { policy: 'drf', timeoutMs: 6000 } }, skips: true },
  { name: 'priority, round-robin', strategy: 'round-robin', options: { queue: { policy: 'priority', timeoutMs: 6000 } }, skips: true },
  { name: 'fcfs (blocking), best-fit-decreasing', strategy: 'best-fit-decreasing', options: { queue: { policy: 'fcfs', timeoutMs: 6000 } }, skips: false },
  { name: 'priority, preemption', strategy: 'best-fit-decreasing', options: { preemption: true, queue: { policy: 'priority', timeoutMs: 6000 } }, skips: false },
  { name: 'priority, dependencies', strategy: 'first-fit', options: { queue: { policy: 'priority', timeoutMs: 6000 } }, skips: false, dependsOn: true },
  {
    name: 'priority, quotas',
    strategy: 'best-fit-decreasing',
    options: { queue: { policy: 'priority', timeoutMs: 6000 }, quotas: { tenants: { a: { guaranteed: { cpu: 0.4 }, max: { cpu: 0.7 } }, b: { max: { cpu: 0.5 } } } } },
    skips: false,
  },
];

const TENANTS = ['a', 'b', 'c'];

/** `steps` seeded random operations on both sides in lockstep; `counted` on each side is the decisions made by cancels. */
function lockstep(seed: number, variant: Variant, steps: number): { narrowed: Side; full: Side; cancels: number } {
  let cancels = 0;
  const sides = sideBySide(seed, variant, steps, (rng, { queued, live, clock }): Operation => {
    const k = rng.weighted([10, 4, 3, 2, 1, 1]);
    if (k === 0) {
      const priority = PRIORITIES[rng.int(PRIORITIES.length)] as (typeof PRIORITIES)[number];
      const deps = variant.dependsOn === true && live.length + queued.length > 0 && rng.bernoulli(0.3) ? { dependsOn: [[...live, ...queued][rng.int(live.length + queued.length)] as string] } : {};
      const req = { tenant: TENANTS[rng.int(TENANTS.length)] as string, demand: { cpu: 1 + rng.int(6), memory: 1 + rng.int(12) }, priority, preemptible: rng.bernoulli(0.5), ...deps, ...(rng.bernoulli(0.2) ? { pool: rng.bernoulli(0.5) ? 'p' : 'q' } : {}) };
      const lease = rng.bernoulli(0.7) ? 500 + rng.int(5000) : undefined;
      return { run: (s) => s.allocate(req, lease), counts: () => false };
    } else if (k === 1 && queued.length > 0) {
      const id = queued[rng.int(queued.length)] as string;
      cancels++;
      return { run: (s) => s.release(id), counts: () => true };
    } else if (k === 2 && live.length > 0) {
      const id = live[rng.int(live.length)] as string;
      return { run: (s) => s.release(id), counts: () => false };
    } else if (k === 3) {
      const dt = rng.int(1500);
      clock.now += dt;
      return { run: (s) => s.tick(), counts: () => false };
    } else if (k === 4) {
      const node = rng.int(5);
      const pool = node < 3 ? 'p' : 'q';
      const repair = rng.bernoulli(0.5);
      return { run: (s) => (repair ? s.repairNode(pool, node) : s.failNode(pool, node)), counts: () => false };
    }
    clock.now += 2000 + rng.int(3000);
    return { run: (s) => s.tick(), counts: () => false };
  });
  return { ...sides, cancels };
}

describe('the pass after a cancel', () => {
  for (const variant of VARIANTS) {
    it(`${variant.name}: the same events, placements and queue with and without the skipped offer (seeded random operations)`, () => {
      let cancels = 0;
      let narrowedCancelCalls = 0;
      let fullCancelCalls = 0;
      for (const seed of [1, 2, 3, 4]) {
        const { narrowed, full, cancels: c } = lockstep(seed, variant, 400);
        cancels += c;
        narrowedCancelCalls += narrowed.counted;
        fullCancelCalls += full.counted;
        void narrowed.s.shutdown();
        void full.s.shutdown();
      }
      // Not vacuous: the runs cancelled, and the full side's cancels made decisions.
      expect(cancels).toBeGreaterThan(50);
      expect(fullCancelCalls).toBeGreaterThan(50);
      if (variant.skips) expect(narrowedCancelCalls).toBe(0);
      else expect(narrowedCancelCalls).toBe(fullCancelCalls);
    });
  }

  it('cancelling queued requests behind a full node makes no decision and leaves the rest waiting in order', () => {
    const calls = { n: 0 };
    const s = new ResourceScheduler({
      timers: false,
      clock: () => 0,
      strategy: counted(createAllocator({ name: 'best-fit-decreasing' }), true, calls),
      queue: 'priority',
      pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: 1 }],
    });
    expect(s.allocate({ id: 'full', tenant: 'x', demand: { cpu: 8 } }).status).toBe('allocated');
    for (let i = 0; i < 50; i++) expect(s.allocate({ id: `w${i}`, tenant: 'x', demand: { cpu: 1 + (i % 4) } }).status).toBe('queued');
    const before = calls.n;
    for (let i = 0; i < 50; i += 5) expect(s.release(`w${i}`).status).toBe('cancelled');
    expect(calls.n - before).toBe(0);
    expect(s.listQueued().map((w) => w.requestId)).toEqual(Array.from({ length: 50 }, (_, i) => `w${i}`).filter((_, i) => i % 5 !== 0));
    // Freed capacity still offers the queue: best-fit-decreasing takes the largest first (w3, w7: 4 cpu each, the 8 of the node).
    expect(s.release('full').status).toBe('released');
    expect(s.listAllocations().map((a) => a.id)).toEqual(['w3', 'w7']);
    void s.shutdown();
  });


  /**
   * A store left by an FCFS scheduler (blocking, no backfilling) on one 8-cpu node: x (4 cpu)
   * running, the head (8 cpu) queued, and 'small' (2 cpu) queued behind it though it fits.
   */
  function restoredBehindHead(): { store: MemoryStore; pools: { name: string; capacity: { cpu: number; memory: number }; nodes: number }[] } {
    const store = new MemoryStore();
    const pools = [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: 1 }];
    const s1 = new ResourceScheduler({ timers: false, clock: () => 0, store, queue: 'fcfs', pools });
    expect(s1.allocate({ id: 'x', tenant: 't', demand: { cpu: 4 } }).status).toBe('allocated');
    expect(s1.allocate({ id: 'head', tenant: 't', demand: { cpu: 8 } }).status).toBe('queued');
    expect(s1.allocate({ id: 'small', tenant: 't', demand: { cpu: 2 } }).status).toBe('queued');
    void s1.shutdown();
    return { store, pools };
  }
  it('a restored queue never offered yet (another policy before the restart) is offered by the first cancel', () => {
    const { store, pools } = restoredBehindHead();
    // Not create(): no first tick, so the restored queue waits for its first offer.
    const s2 = new ResourceScheduler({ timers: false, clock: () => 0, store, queue: 'priority', pools });
    expect(s2.release('head').status).toBe('cancelled');
    expect(s2.status('small').status).toBe('allocated');
    void s2.shutdown();
  });

  it('a restored queue stays unoffered through a pass that offered only a newcomer: the cancel after it offers everything', () => {
    // As above, but a request arrives before the cancel. Its pass (nothing freed) offers it alone,
    // so the restored 'small' (fits: 8 - 4 - 1 = 3 cpu free) was still never offered, and the
    // cancel must offer it: only a pass that offered every waiting request settles the queue.
    const { store, pools } = restoredBehindHead();
    const s2 = new ResourceScheduler({ timers: false, clock: () => 0, store, queue: 'priority', pools });
    expect(s2.allocate({ id: 'n', tenant: 't', demand: { cpu: 1 } }).status).toBe('allocated');
    expect(s2.status('small').status).toBe('queued');
    expect(s2.release('head').status).toBe('cancelled');
    expect(s2.status('small').status).toBe('allocated');
    void s2.shutdown();
  });
});
