import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { QueuePolicy } from '../../src/queue/policy.js';
import { createQueuePolicy } from '../../src/queue/registry.js';
import { MemoryStore, ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';

/**
 * Under a queue policy with a static key, the production wait queue is kept in the policy's order
 * on insert (WaitQueue.policyOrder) and the pass is told `sorted: true`, instead of sorting the
 * queue at every operation. Pinned here: for seeded random sequences of allocate, release (end and
 * cancel), lease expiry and queue timeouts, with node failures and repairs, priority preemption
 * whose evictions are requeued during the pass, quotas, and restarts from the store, the scheduler
 * decides exactly as one given the same policy without its static key (the policy's `order`
 * sorting the filtered queue at every pass, the path taken before): the same answer to every call,
 * the same event log, the same queue. Keys tie often (three requests per clock ms, repeated
 * durations and classes, requests without a duration), so the tie key and `seq` decide.
 */

const DIMS = ['cpu', 'memory', 'gpu'];
const PRIORITIES = ['critical', 'high', 'medium', 'low', 'background'] as const;

/** The policy as the registry builds it, and the same without its static key (the sort at every pass). */
function policies(name: string, options: Record<string, unknown>): [QueuePolicy, QueuePolicy] {
  const kept = createQueuePolicy(name as 'fcfs', options, DIMS);
  expect(kept.staticKey).toBeTypeOf('function');
  const { staticKey: _k, staticTie: _t, ...sorting } = kept;
  return [kept, sorting];
}

interface Case {
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly preemption?: boolean;
  readonly quotas?: boolean;
}

const CASES: Case[] = [
  { name: 'fcfs', options: {} },
  { name: 'fcfs', options: { headOfLine: 'commit' } },
  { name: 'fcfs', options: { backfill: 'easy' } },
  { name: 'sjf', options: {} },
  { name: 'sjf', options: { backfill: 'conservative' } },
  { name: 'f1', options: {} },
  { name: 'priority', options: {} },
  { name: 'priority', options: { blocking: true } },
  { name: 'priority', options: { blocking: true }, preemption: true },
  { name: 'priority', options: {}, preemption: true },
  { name: 'fcfs', options: {}, quotas: true },
  { name: 'priority', options: { blocking: true }, quotas: true, preemption: true },
  { name: 'weighted-priority', options: {} },
  { name: 'weighted-priority', options: { blocking: true }, preemption: true },
];

function options(c: Case, policy: QueuePolicy, store: MemoryStore, clock: { now: number }): ResourceSchedulerOptions {
  let ids = 0;
  return {
    timers: false,
    clock: () => clock.now,
    store,
    strategy: 'best-fit-decreasing',
    newId: () => `id${ids++}`,
    queue: { policy, timeoutMs: 40, maxLength: 200, requeuePreempted: c.preemption === true },
    ...(c.preemption === true ? { preemption: true } : {}),
    ...(c.quotas === true ? { quotas: { tenants: { t0: { guaranteed: { cpu: 0.3 }, max: { cpu: 0.6 } }, t1: { max: { cpu: 0.5 } } } } } : {}),
    pools: [
      { name: 'a', capacity: { cpu: 8, memory: 32 }, nodes: 2 },
      { name: 'b', capacity: { cpu: 4, memory: 16 }, nodes: 1 },
    ],
  };
}

/** What one call answered, as data (both schedulers must answer the same). */
function answer(f: () => unknown): string {
  try {
    return JSON.stringify(f());
  } catch (e) {
    return `threw ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Run `steps` seeded operations on both schedulers (restarting both from their stores now and then); the transcripts. */
async function run(c: Case, seed: number, steps: number): Promise<{ kept: string[]; sorting: string[]; queued: number }> {
  const [kept, sorting] = policies(c.name, c.options);
  const clock = { now: 1_000 };
  const stores = [new MemoryStore(), new MemoryStore()];
  const make = (k: number): ResourceScheduler => new ResourceScheduler(options(c, k === 0 ? kept : sorting, stores[k] as MemoryStore, clock));
  let pair = [make(0), make(1)];
  const logs: string[][] = [[], []];
  const rng = new Rng(`policy-order-${c.name}-${seed}`);
  let n = 0;
  let maxQueued = 0;
  const both = (what: string, f: (s: ResourceScheduler) => unknown): void => {
    pair.forEach((s, k) => (logs[k] as string[]).push(`${what}: ${answer(() => f(s))}`));
    // The policy order holds exactly the waiting requests, in order (WaitQueue.checkInvariants).
    (pair[0] as ResourceScheduler).checkInvariants();
  };
  for (let step = 0; step < steps; step++) {
    const u = rng.next();
    if (u < 0.5) {
      const id = `r${n++}`;
      const req = {
        id,
        tenant: `t${rng.int(3)}`,
        demand: { cpu: 1 + rng.int(4), memory: 1 + rng.int(4) },
        priority: PRIORITIES[rng.int(PRIORITIES.length)] as 'medium',
        // Repeated durations, and none at all (an unknown run time: ∞ under SJF, all tied).
        ...(rng.bernoulli(0.2) ? {} : { durationMs: 10 * (1 + rng.int(4)) }),
        ...(rng.bernoulli(0.2) ? { estimatedDurationMs: 10 * (1 + rng.int(3)) } : {}),
        ...(rng.bernoulli(0.1) ? { queueTimeoutMs: 5 * rng.int(4) } : {}),
        ...(c.preemption === true ? { preemptible: rng.bernoulli(0.5) } : {}),
      };
      both(`allocate ${id}`, (s) => s.allocate(req));
    } else if (u < 0.7 && n > 0) {
      const id = `r${rng.int(n)}`;
      both(`release ${id}`, (s) => s.release(id));
    } else if (u < 0.72) {
      const node = rng.int(2);
      both(`fail a/${node}`, (s) => s.failNode('a', node));
    } else if (u < 0.75) {
      const node = rng.int(2);
      both(`repair a/${node}`, (s) => s.repairNode('a', node));
    } else if (u < 0.78) {
      // A restart: each scheduler is rebuilt from what its store committed.
      pair.forEach((s) => s.close());
      pair = [make(0), make(1)];
      both('restart', (s) => s.queueLength);
    } else {
      // Three requests share each clock ms on average: ties in arrival.
      clock.now += rng.int(3) === 0 ? 1 : 0;
      if (rng.bernoulli(0.3)) clock.now += 5 + rng.int(20);
      both(`tick ${clock.now}`, (s) => {
        s.tick();
        return s.queueLength;
      });
    }
    maxQueued = Math.max(maxQueued, (pair[0] as ResourceScheduler).queueLength);
  }
  for (let i = 0; i < n; i++) both(`status r${i}`, (s) => s.status(`r${i}`));
  both('queued', (s) => s.listQueued().map((q) => q.requestId));
  pair.forEach((s) => s.close());
  for (let k = 0; k < 2; k++) (logs[k] as string[]).push(...(await (stores[k] as MemoryStore).readEvents(0, 1_000_000)).map((e) => JSON.stringify(e)));
  return { kept: logs[0] as string[], sorting: logs[1] as string[], queued: maxQueued };
}

describe('the production queue kept in policy order', () => {
  for (const c of CASES) {
    const label = `${c.name} ${JSON.stringify(c.options)}${c.preemption === true ? ' +preemption' : ''}${c.quotas === true ? ' +quotas' : ''}`;
    it(`decides as the policy sorting the queue at every pass: ${label}`, async () => {
      let queued = 0;
      for (let seed = 0; seed < 4; seed++) {
        const out = await run(c, seed, 250);
        // Compared line by line first: a divergence names its step.
        const at = out.kept.findIndex((line, i) => line !== out.sorting[i]);
        expect(at === -1 ? null : { at, kept: out.kept[at], sorting: out.sorting[at] }).toBeNull();
        expect(out.kept.length).toBe(out.sorting.length);
        queued = Math.max(queued, out.queued);
      }
      // The queue was long enough for its order to matter.
      expect(queued).toBeGreaterThanOrEqual(8);
    });
  }
});
