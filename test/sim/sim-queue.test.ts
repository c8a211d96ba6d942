import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import type { Priority } from '../../src/core/priority.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { createQueuePolicy } from '../../src/queue/registry.js';
import type { QueuePolicy } from '../../src/queue/policy.js';
import type { EventLog } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';
import { SimQueue, type SimEntry } from '../../src/sim/sim-queue.js';

/**
 * The simulator's sorted wait queue tells the pass where its first live entry is (`from`), so a
 * pass does not walk the entries that started from the front one by one at every event. Pinned
 * here: `from` is exactly that index after any mix of adds (also in front of the dead prefix, as
 * requeued work with an early key lands), drops, sweeps and passes; and a replay through the
 * sorted queue (kept by the static key and, for SJF, its tie key) gives the same event log as
 * through the policy's own `order` over the filtered queue (the path without a static key).
 */
const req = (id: string, arrival: number): Request => ({ id, tenant: 't', arrival, demand: [1], duration: 1, priority: 'medium' });

type Op = { k: 'add'; key: number } | { k: 'drop'; pick: number } | { k: 'compact' } | { k: 'begin' } | { k: 'end' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('add' as const), key: fc.integer({ min: 0, max: 40 }) }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('drop' as const), pick: fc.nat() }), weight: 4 },
  { arbitrary: fc.constant({ k: 'compact' as const }), weight: 1 },
  { arbitrary: fc.constant({ k: 'begin' as const }), weight: 1 },
  { arbitrary: fc.constant({ k: 'end' as const }), weight: 1 },
);

describe('SimQueue.from', () => {
  for (const sorted of [true, false]) {
    it(`is the index of the first live entry after any operations (${sorted ? 'static key' : 'arrival order'})`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 120 }), fc.array(fc.nat(), { maxLength: 40 }), (ops, frontDrops) => {
          const q = new SimQueue(sorted ? (e) => e.request.arrival : undefined);
          let n = 0;
          let f = 0;
          const check = (): void => {
            const items = q.entries;
            let first = 0;
            while (first < items.length && !(items[first] as SimEntry).live) first++;
            expect(q.from).toBe(first);
            expect(q.liveRequests()).toEqual(items.filter((e) => e.live).map((e) => e.request));
          };
          for (const op of ops) {
            if (op.k === 'add') q.add(req(`r${n++}`, op.key), n, 0, 0);
            else if (op.k === 'compact') q.compact();
            else if (op.k === 'begin') q.beginPass();
            else if (op.k === 'end') q.endPass();
            else {
              const live = q.entries.filter((e) => e.live);
              // Mostly drop the first live entry (as a blocking policy starts its head), else any.
              const front = (frontDrops[f++ % Math.max(1, frontDrops.length)] ?? 0) % 3 !== 0;
              const e = front ? live[0] : live[op.pick % Math.max(1, live.length)];
              if (e !== undefined) q.drop(e);
            }
            check();
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});

const PRIORITIES: readonly Priority[] = ['critical', 'high', 'medium', 'low'];

/** The policy without its static key: the driver then keeps arrival order and the pass sorts with `order`. */
function unsorted(p: QueuePolicy): QueuePolicy {
  const { staticKey: _key, staticTie: _tie, ...rest } = p;
  return rest;
}

function rows(log: EventLog): string[] {
  const out: string[] = [];
  for (let i = 0; i < log.length; i++) out.push(`${log.kind(i)} ${log.time(i)} ${log.ref(i)} ${log.node(i)}`);
  return out;
}

describe('replay through the sorted queue', () => {
  it('gives the same event log as the policy ordering the filtered queue itself', async () => {
    const space = new ResourceSpace(['cpu', 'memory']);
    const policies: readonly [string, Record<string, unknown>][] = [
      ['fcfs', { blocking: true }],
      ['fcfs', { blocking: true, backfill: 'easy' }],
      ['fcfs', { blocking: true, headOfLine: 'commit' }],
      ['fcfs', { blocking: true, backfill: 'conservative' }],
      ['fcfs', { blocking: false }],
      ['sjf', { blocking: true }],
      ['sjf', { blocking: true, backfill: 'easy', headOfLine: 'commit' }],
      ['sjf', { blocking: false }],
      ['f1', { blocking: true, backfill: 'easy' }],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 6 }), duration: fc.integer({ min: 1, max: 80 }), estimate: fc.constantFrom(10, 40, 80), cpu: fc.integer({ min: 1, max: 8 }), memory: fc.integer({ min: 1, max: 16 }), priority: fc.constantFrom(...PRIORITIES), preemptible: fc.boolean() }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: policies.length - 1 }),
        fc.boolean(),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 150 }), repair: fc.integer({ min: 1, max: 60 }) }), { maxLength: 3 }),
        fc.nat(),
        async (reqs, o, preemption, fails, seed) => {
          let t = 0;
          const requests: Request[] = reqs.map((r, i) => {
            t += r.gap;
            // Estimates from a few values, so that SJF's key ties and its tie key (arrival) decides.
            return { id: `r${i}`, tenant: 't', arrival: t, demand: [r.cpu, r.memory], duration: r.duration, requestedDuration: r.estimate, priority: r.priority, ...(r.preemptible ? { preemptible: true } : {}) };
          });
          const pools: PoolSpec[] = [{ name: 'p', capacity: [8, 16], nodes: { min: 2, max: 2, initial: 2 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }];
          const [name, options] = policies[o] as (typeof policies)[number];
          const policy = createQueuePolicy(name as 'fcfs', options);
          expect(policy.staticKey).toBeDefined();
          expect(policy.staticTie !== undefined).toBe(name === 'sjf');
          const run = async (queue: QueuePolicy): Promise<string[]> => {
            const out = await replay({
              space,
              pools,
              requests,
              seed,
              allocator: createAllocator({ name: 'first-fit', preemption }),
              queue,
              failures: { events: fails.map((f) => ({ at: f.at, pool: 'p', count: 1, repairAfter: f.repair })) },
            });
            return rows(out.log);
          };
          expect(await run(policy)).toEqual(await run(unsorted(policy)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
