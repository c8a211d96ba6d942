import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/scheduler.js';
import { SloBook } from '../../src/scheduler/slo.js';
import type { Request } from '../../src/core/model.js';

/**
 * SLO outcomes at their edges, on a manual clock (timers off): one node of 4 cpu, a priority queue.
 * The clock reads epoch milliseconds, as `drs serve`'s does: at 1.765e12 ms a time in seconds has
 * only about 2.4e-7 s of resolution, far coarser than the rule's 1e-9 s tolerance.
 */
const T0 = 1_765_000_000_007; // (T0 + 100) / 1000 − T0 / 1000 = 0.10000014305114746 in doubles

async function setUp(sloWaitMs: Record<string, number>): Promise<{ s: ResourceScheduler; at: (ms: number) => void }> {
  let now = T0;
  const s = await ResourceScheduler.create({
    clock: () => now,
    timers: false,
    queue: { policy: 'priority', timeoutMs: 3_600_000 },
    sloWaitMs,
    pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: 1 }],
  });
  return { s, at: (ms) => void (now = T0 + ms) };
}

describe('SLO outcomes at their edges', () => {
  it('on an epoch clock, a request that starts exactly at its 100 ms SLO meets it; a tick exactly at it leaves it undecided', async () => {
    const { s, at } = await setUp({ critical: 100 });
    expect(s.allocate({ id: 'A', priority: 'critical', units: 4 }).status).toBe('allocated');
    expect(s.allocate({ id: 'B', priority: 'critical', units: 4 }).status).toBe('queued');
    expect(s.allocate({ id: 'C', priority: 'critical', units: 4 }).status).toBe('queued');
    at(100);
    s.tick(); // B and C have waited exactly 100 ms: they can still meet it
    expect(s.sloAttainment().pending).toBe(2);
    s.release('A'); // B starts after exactly 100 ms: met
    expect(s.getAllocation('B')).toBeDefined();
    expect(s.sloAttainment().byPriority.critical).toEqual({ withSlo: 2, met: 2, missed: 0, attainment: 1 });
    at(101);
    s.tick(); // C is past it now
    expect(s.sloAttainment().byPriority.critical).toEqual({ withSlo: 3, met: 2, missed: 1, attainment: 2 / 3 });
    s.close();
  });

  it('a request withdrawn after its SLO ran out has missed it, whether or not a tick came in between', async () => {
    for (const tickBetween of [false, true]) {
      const { s, at } = await setUp({ critical: 100 });
      s.allocate({ id: 'A', priority: 'critical', units: 4 });
      expect(s.allocate({ id: 'B', priority: 'critical', units: 4 }).status).toBe('queued');
      expect(s.allocate({ id: 'C', priority: 'critical', units: 4 }).status).toBe('queued');
      at(50);
      expect(s.release('C').status).toBe('cancelled'); // within its SLO: the owner gave up, not counted
      if (tickBetween) {
        at(150);
        s.tick();
      }
      at(200);
      expect(s.release('B').status).toBe('cancelled');
      expect(s.sloAttainment().byPriority.critical).toEqual({ withSlo: 2, met: 1, missed: 1, attainment: 0.5 });
      expect(s.sloAttainment().pending).toBe(0);
      s.close();
    }
  });

  it('the SLO deadline heap stays near the number followed when no tick comes to settle it (timers off)', () => {
    const book = new SloBook();
    const req = (id: string, arrival: number, sloWait: number) => ({ id, tenant: 't', demand: [1], arrival, duration: 1, priority: 'low', sloWait }) as unknown as Request;
    const head = req('head', 0, 1);
    book.submitted(head); // waits all along
    for (let i = 0; i < 10_000; i++) {
      const r = req(`r${i}`, i / 1000, 300);
      book.submitted(r);
      book.started(r, i); // placed at once: met, its deadline entry stale
    }
    expect(book.deadlineEntries).toBeLessThanOrEqual(2 * 1 + 64 + 1);
    book.settle(1000); // exactly head's SLO: undecided
    expect(book.attainment().pending).toBe(1);
    book.settle(1001);
    expect(book.attainment().byPriority.low).toEqual({ withSlo: 10_001, met: 10_000, missed: 1, attainment: 10_000 / 10_001 });
    expect(book.attainment().pending).toBe(0);
  });
});
