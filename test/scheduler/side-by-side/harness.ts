/**
 * The side-by-side harness of cancel-pass.test.ts and timeout-pass.test.ts: the same seeded
 * operations on two schedulers, one with the strategy as registered ("narrowed": it may claim
 * `exhaustive`, so SchedulingPass.leavingOffersAll can let a pass skip the offer) and one with the
 * same strategy hidden behind a wrapper that does not claim `exhaustive` ("full": every pass offers
 * every waiting request), comparing every event, the placements and the queue after each step.
 * Each test file draws its own operations; the harness applies each to both sides and counts the
 * allocator decisions made by the operations the test file marks.
 */
import { expect } from 'vitest';
import type { Allocator } from '../../../src/algorithms/allocator.js';
import { createAllocator, type AllocatorName } from '../../../src/algorithms/registry.js';
import { Rng } from '../../../src/core/rng.js';
import { ResourceScheduler, type ResourceSchedulerOptions } from '../../../src/scheduler/index.js';

const KINDS = ['allocated', 'queued', 'released', 'cancelled', 'expired', 'timed-out', 'preempted', 'lost', 'rejected', 'node-failed', 'node-repaired'] as const;

/** `inner` with its decisions counted; `exhaustive` as `inner` says, or hidden (every pass then offers everything). */
export function counted(inner: Allocator, keepExhaustive: boolean, calls: { n: number }): Allocator {
  return {
    name: inner.name,
    ...(keepExhaustive && inner.exhaustive === true ? { exhaustive: true } : {}),
    allocate: (requests, cluster, ctx) => {
      calls.n++;
      return inner.allocate(requests, cluster, ctx);
    },
  };
}

export interface SideBySideVariant {
  readonly name: string;
  readonly strategy: AllocatorName;
  readonly options: Partial<ResourceSchedulerOptions>;
}

export interface Side {
  readonly s: ResourceScheduler;
  /** Every event, in order, as `kind payload-json`. */
  readonly log: string[];
  readonly calls: { n: number };
  /** Allocator decisions made by the operations whose `counts` said yes. */
  counted: number;
}

/** One drawn operation, applied to both sides. */
export interface Operation {
  readonly run: (s: ResourceScheduler) => unknown;
  /** Whether the decisions it made count, given the events it emitted on that side. */
  readonly counts: (events: readonly string[]) => boolean;
}

/** What an operation may be drawn from: the narrowed side's waiting and live ids, and the shared clock (to move). */
export interface View {
  readonly queued: readonly string[];
  readonly live: readonly string[];
  readonly clock: { now: number };
}

function side(variant: SideBySideVariant, clock: { now: number }, keepExhaustive: boolean): Side {
  const calls = { n: 0 };
  let n = 0;
  const s = new ResourceScheduler({
    timers: false,
    clock: () => clock.now,
    newId: () => `r${n++}`,
    strategy: counted(createAllocator({ name: variant.strategy }), keepExhaustive, calls),
    pools: [
      { name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: 3 },
      { name: 'q', capacity: { cpu: 4, memory: 16 }, nodes: 2 },
    ],
    ...variant.options,
  });
  const log: string[] = [];
  for (const kind of KINDS) s.on(kind, (payload) => log.push(`${kind} ${JSON.stringify(payload)}`));
  return { s, log, calls, counted: 0 };
}

/** `steps` operations drawn by `draw` (seeded) on both sides in lockstep; everything they show must agree after each. */
export function lockstep(seed: number, variant: SideBySideVariant, steps: number, draw: (rng: Rng, view: View) => Operation): { narrowed: Side; full: Side } {
  const clock = { now: 1_000 };
  const narrowed = side(variant, clock, true);
  const full = side(variant, clock, false);
  const rng = new Rng(seed);
  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed}, ${variant.name}, step ${step}`;
    const queued = narrowed.s.listQueued().map((w) => w.requestId);
    const live = narrowed.s.listAllocations().map((a) => a.id);
    // The operation, drawn once, applied to both sides.
    const op = draw(rng, { queued, live, clock });
    const [a, b] = [narrowed, full].map((x) => {
      const calls = x.calls.n;
      const events = x.log.length;
      const out = JSON.stringify(op.run(x.s)) ?? '';
      if (op.counts(x.log.slice(events))) x.counted += x.calls.n - calls;
      return out;
    });
    expect(a, where).toEqual(b);
    expect(narrowed.log, where).toEqual(full.log);
    expect(narrowed.s.listAllocations().map((x) => `${x.id}@${x.pool}/${x.node}`), where).toEqual(full.s.listAllocations().map((x) => `${x.id}@${x.pool}/${x.node}`));
    expect(narrowed.s.listQueued().map((w) => w.requestId), where).toEqual(full.s.listQueued().map((w) => w.requestId));
  }
  return { narrowed, full };
}
