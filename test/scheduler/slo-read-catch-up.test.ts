import { describe, expect, it } from 'vitest';
import { MemoryStore, ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';

/**
 * `sloAttainment()` is a read like `status()`: it must first do what fell due while nobody looked
 * (a restart after downtime, or between two ticks with timers off), as the other reads do
 * (`Background.current`). It read the counts as they were: a lease that ran out during the
 * downtime had not freed its room, so a queued request that would have started in time counted
 * as pending, and a request whose SLO passed while the service was down stayed pending until
 * the first tick (never, with timers off), though it could only miss.
 *
 * By hand, one node of 4 cpu, fcfs queue, SLO high 2 s, every request 4 cpu:
 *   t = 1000  a (lease 1000 ms, ends at 2000) placed: met. q queued (SLO ends at 3000).
 *   restart at 2500: a expired at 2500 (stamped now), q starts, waited 1.5 s: met 2, none pending.
 *   restart at 5000 instead, a leased to 6000: q's SLO ran out at 3000: met 1, missed 1, none pending.
 */
const clock = { now: 0 };
const options = (store: MemoryStore): ResourceSchedulerOptions => ({
  store,
  clock: () => clock.now,
  timers: false,
  queue: { policy: 'fcfs', timeoutMs: 3_600_000 },
  sloWaitMs: { high: 2000 },
  pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
});

function stored(leaseMs: number): MemoryStore {
  const store = new MemoryStore();
  clock.now = 1000;
  const s = new ResourceScheduler(options(store));
  expect(s.allocate({ id: 'a', priority: 'high', units: 4 }, leaseMs).status).toBe('allocated');
  expect(s.allocate({ id: 'q', priority: 'high', units: 4 }).status).toBe('queued');
  expect(s.sloAttainment()).toMatchObject({ overall: { met: 1, missed: 0 }, pending: 1 });
  s.close();
  return store;
}

describe('sloAttainment() catches up first, as the other reads do', () => {
  it('a lease that ran out while the service was down lets the queued request start in time: met', () => {
    const store = stored(1000);
    clock.now = 2500;
    const s = new ResourceScheduler(options(store));
    expect(s.sloAttainment()).toMatchObject({ overall: { withSlo: 2, met: 2, missed: 0 }, pending: 0 });
    expect(s.status('q').status).toBe('allocated');
    s.close();
    // Committed: the next process starts from these counts.
    const again = new ResourceScheduler(options(store));
    expect(again.sloAttainment()).toMatchObject({ overall: { met: 2, missed: 0 }, pending: 0 });
    again.close();
  });

  it('a request whose SLO ran out while the service was down has missed it (its queue row says so)', () => {
    const store = stored(5000);
    clock.now = 5000;
    const s = new ResourceScheduler(options(store));
    expect(s.sloAttainment()).toMatchObject({ overall: { withSlo: 2, met: 1, missed: 1 }, pending: 0 });
    expect(s.status('q').status).toBe('queued');
    s.close();
    // Started later, after another restart: counted once (its row says missed).
    clock.now = 6001;
    const again = new ResourceScheduler(options(store));
    expect(again.status('q').status).toBe('allocated');
    expect(again.sloAttainment()).toMatchObject({ overall: { met: 1, missed: 1 }, pending: 0 });
    again.close();
  });

  it('between two ticks of a running service, too', () => {
    clock.now = 1000;
    const s = new ResourceScheduler(options(new MemoryStore()));
    s.allocate({ id: 'a', priority: 'high', units: 4 }, 5000);
    s.allocate({ id: 'q', priority: 'high', units: 4 });
    clock.now = 3000; // exactly at its SLO: it may still start in time
    expect(s.sloAttainment()).toMatchObject({ overall: { met: 1, missed: 0 }, pending: 1 });
    clock.now = 3001;
    expect(s.sloAttainment()).toMatchObject({ overall: { met: 1, missed: 1 }, pending: 0 });
    s.close();
  });
});
