import { describe, expect, it } from 'vitest';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';

/**
 * Backfilling when running work has no estimate. In production a request without
 * `estimatedDurationMs` and without a lease has an infinite duration. Counting such work as
 * released "at the shadow time" (infinity) made EASY recompute, at every pass, an extra capacity
 * that included the work it had just backfilled, and conservative's profiles released everything
 * at infinity: on one node of 10 cpu with A (2 cpu, no estimate) running and the head H (9 cpu)
 * waiting, four 1-cpu requests backfilled one per pass, and when A was released H (9 > 10 − 4)
 * still could not start. Now work with no finite expected end is never counted as released.
 */
for (const backfill of ['easy', 'conservative'] as const) {
  describe(`${backfill} backfilling with running work that has no estimate`, () => {
    function setup() {
      const clock = { now: 0 };
      let n = 0;
      const s = new ResourceScheduler({
        clock: () => clock.now,
        timers: false,
        store: new MemoryStore(),
        newId: () => `r${n++}`,
        strategy: 'first-fit',
        queue: { policy: 'fcfs', options: { backfill } },
        pools: [{ name: 'p', capacity: { cpu: 10, memory: 100 }, nodes: { min: 1, max: 1, initial: 1 } }],
      });
      const ask = (cpu: number, estimatedDurationMs?: number): string =>
        s.allocate({ pool: 'p', demand: { cpu, memory: 1 }, priority: 'medium', tenant: 't', ...(estimatedDurationMs === undefined ? {} : { estimatedDurationMs }) }).status;
      return { s, clock, ask };
    }

    it('nothing starts ahead of the head when the work in its way has no estimate; the head starts when it ends', () => {
      const { s, clock, ask } = setup();
      expect(ask(2)).toBe('allocated'); // r0 = A, no estimate
      expect(ask(9)).toBe('queued'); // r1 = H
      for (let i = 0; i < 4; i++) {
        clock.now += 1000;
        expect(ask(1)).toBe('queued'); // r2..r5: H's start cannot be bounded, so none may go first
      }
      clock.now += 1000;
      s.release('r0');
      expect(s.status('r1').status).toBe('allocated');
    });

    it('with an estimate on the work in the way, backfilling into the room the head leaves still works', () => {
      const { s, clock, ask } = setup();
      expect(ask(2, 10_000)).toBe('allocated'); // r0 = A, expected to end at 10 s
      expect(ask(9)).toBe('queued'); // r1 = H: reserved at 10 s, 10 − 9 = 1 cpu to spare
      clock.now = 1000;
      expect(ask(1)).toBe('allocated'); // r2, no estimate, in the 1 cpu H leaves
      clock.now = 2000;
      expect(ask(1)).toBe('queued'); // r3, no estimate: the spare cpu is taken
      expect(ask(1, 5000)).toBe('allocated'); // r4 ends at 7 s, before H's reservation
      clock.now = 7000;
      s.release('r4');
      s.release('r0');
      expect(s.status('r1').status).toBe('allocated');
    });
  });
}
