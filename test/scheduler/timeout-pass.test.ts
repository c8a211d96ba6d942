/**
 * A queue timeout frees no capacity, as a cancel does not. Where the pass that follows cannot
 * start anything by offering every waiting request again (SchedulingPass.leavingOffersAll false:
 * no blocking, no screening, no preemption, an `exhaustive` strategy), the scheduler skips that
 * offer after timeouts as after a cancel. These tests run the same seeded operations, with short
 * queue timeouts, on two schedulers: one with the strategy as registered, one with it hidden behind
 * a wrapper that does not claim `exhaustive` (so every timeout offers the whole queue, as every
 * timeout did before), and compare every event, the placements and the queue, step by step.
 */
import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { PRIORITIES } from '../../src/core/priority.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { counted, lockstep as sideBySide, type Operation, type Side, type SideBySideVariant } from './side-by-side/harness.js';

interface Variant extends SideBySideVariant {
  /** Whether a tick that only times requests out may skip the offer. */
  readonly skips: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'priority, best-fit-decreasing', strategy: 'best-fit-decreasing', options: { queue: { policy: 'priority', timeoutMs: 1500 } }, skips: true },
  { name: 'drf, worst-fit', strategy: 'worst-fit', options: { queue: { policy: 'drf', timeoutMs: 1500 } }, skips: true },
  { name: 'priority, first-fit', strategy: 'first-fit', options: { queue: { policy: 'priority', timeoutMs: 1500 } }, skips: true },
  { name: 'fcfs (blocking), best-fit-decreasing', strategy: 'best-fit-decreasing', options: { queue: { policy: 'fcfs', timeoutMs: 1500 } }, skips: false },
  { name: 'priority, preemption', strategy: 'best-fit-decreasing', options: { preemption: true, queue: { policy: 'priority', timeoutMs: 1500 } }, skips: false },
  {
    name: 'priority, quotas',
    strategy: 'best-fit-decreasing',
    options: { queue: { policy: 'priority', timeoutMs: 1500 }, quotas: { tenants: { a: { guaranteed: { cpu: 0.4 }, max: { cpu: 0.7 } }, b: { max: { cpu: 0.5 } } } } },
    skips: false,
  },
];

const TENANTS = ['a', 'b', 'c'];

/** An operation that timed requests out and ended no lease (nothing expired, nothing released). */
const onlyTimeouts = (events: readonly string[]): boolean => events.some((l) => l.startsWith('timed-out')) && !events.some((l) => /^(expired|released) /.test(l));

/** `steps` seeded random operations on both sides in lockstep; `counted` on each side is the decisions made by timeout-only operations. */
function lockstep(seed: number, variant: Variant, steps: number): { narrowed: Side; full: Side; timeouts: number } {
  const sides = sideBySide(seed, variant, steps, (rng, { queued, live, clock }): Operation => {
    const k = rng.weighted([10, 2, 2, 4, 1]);
    if (k === 0) {
      const priority = PRIORITIES[rng.int(PRIORITIES.length)] as (typeof PRIORITIES)[number];
      const req = { tenant: TENANTS[rng.int(TENANTS.length)] as string, demand: { cpu: 1 + rng.int(6), memory: 1 + rng.int(12) }, priority, preemptible: rng.bernoulli(0.5), ...(rng.bernoulli(0.2) ? { pool: rng.bernoulli(0.5) ? 'p' : 'q' } : {}) };
      // Mostly long leases, so that ticks time requests out with no lease ending.
      const lease = rng.bernoulli(0.5) ? 4000 + rng.int(20000) : undefined;
      return { run: (s) => s.allocate(req, lease), counts: onlyTimeouts };
    } else if (k === 1 && queued.length > 0) {
      const id = queued[rng.int(queued.length)] as string;
      return { run: (s) => s.release(id), counts: onlyTimeouts };
    } else if (k === 2 && live.length > 0) {
      const id = live[rng.int(live.length)] as string;
      return { run: (s) => s.release(id), counts: onlyTimeouts };
    }
    clock.now += rng.int(k === 4 ? 3000 : 600);
    return { run: (s) => s.tick(), counts: onlyTimeouts };
  });
  return { ...sides, timeouts: sides.narrowed.log.filter((l) => l.startsWith('timed-out')).length };
}

describe('the pass after queue timeouts', () => {
  for (const variant of VARIANTS) {
    it(`${variant.name}: the same events, placements and queue with and without the skipped offer (seeded random operations)`, () => {
      let timeouts = 0;
      let narrowedCalls = 0;
      let fullCalls = 0;
      for (const seed of [1, 2, 3, 4]) {
        const { narrowed, full, timeouts: t } = lockstep(seed, variant, 400);
        timeouts += t;
        narrowedCalls += narrowed.counted;
        fullCalls += full.counted;
        void narrowed.s.shutdown();
        void full.s.shutdown();
      }
      // Not vacuous: requests timed out, and the full side's timeout-only ticks made decisions.
      expect(timeouts).toBeGreaterThan(50);
      expect(fullCalls).toBeGreaterThan(20);
      if (variant.skips) expect(narrowedCalls).toBe(0);
      else expect(narrowedCalls).toBe(fullCalls);
    });
  }

  it('requests timing out behind a full node make no decision; the rest wait in order; freed capacity still offers the queue', () => {
    const calls = { n: 0 };
    const clock = { now: 0 };
    const s = new ResourceScheduler({
      timers: false,
      clock: () => clock.now,
      strategy: counted(createAllocator({ name: 'best-fit-decreasing' }), true, calls),
      queue: { policy: 'priority', timeoutMs: 100 },
      pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: 1 }],
    });
    expect(s.allocate({ id: 'full', tenant: 'x', demand: { cpu: 8 } }).status).toBe('allocated');
    for (let i = 0; i < 20; i++) {
      clock.now = i;
      expect(s.allocate({ id: `w${i}`, tenant: 'x', demand: { cpu: 1 + (i % 4) } }).status).toBe('queued');
    }
    const before = calls.n;
    // Deadlines at 100, 101, …: by 104, w0..w4 time out, one tick at a time.
    for (const t of [100, 101, 102, 103, 104]) {
      clock.now = t;
      s.tick();
    }
    expect(calls.n - before).toBe(0);
    expect(s.listQueued().map((w) => w.requestId)).toEqual(Array.from({ length: 15 }, (_, i) => `w${i + 5}`));
    // w7 and w11 (4 cpu each) take the freed node (best-fit-decreasing: largest first).
    expect(s.release('full').status).toBe('released');
    expect(s.listAllocations().map((a) => a.id)).toEqual(['w7', 'w11']);
    void s.shutdown();
  });
});
