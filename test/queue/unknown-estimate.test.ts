import { describe, expect, it } from 'vitest';
import { sortByKey, UNICEP_KEY, WFP3_KEY, type JobFacts } from '../../src/queue/keys.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/*
 * WFP3 and UNICEP divide the wait by the estimate r. A production request with no estimate has
 * r = ∞, so its key was −0 however long it waited: it stayed behind every request with an
 * estimate that had waited at all, and starved while they kept coming. Rule: an unknown estimate
 * counts as the largest finite estimate among the requests being ordered (1 s when none has one),
 * so it ages as the longest known job does.
 */

describe('WFP3 / UNICEP: a request with no estimate ages', () => {
  for (const policy of ['wfp3', 'unicep'] as const) {
    it(`${policy}: the library scheduler starts the older request without an estimate first (was: the newer one with an estimate)`, () => {
      const t = { now: 1_000_000 };
      const s = new ResourceScheduler({ clock: () => t.now, timers: false, queue: { policy, timeoutMs: 10_000_000 }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1, pricePerHour: 1 }] });
      s.allocate({ id: 'blocker', demand: { cpu: 4 } });
      // a: no estimate, no lease (r = ∞), waits from t0.
      expect(s.allocate({ id: 'a', demand: { cpu: 4 } }).status).toBe('queued');
      t.now += 100_000;
      // b: an hour's estimate, arrives 100 s later.
      expect(s.allocate({ id: 'b', demand: { cpu: 4 }, estimatedDurationMs: 3_600_000 }).status).toBe('queued');
      t.now += 100_000;
      // a: 200 s over r = 3600 (the largest known) beats b: 100 s over 3600.
      s.release('blocker');
      expect(s.getAllocation('a')?.pool).toBe('p');
      expect(s.getAllocation('b')).toBeUndefined();
      s.checkInvariants();
    });
  }

  it('sortByKey: the unknown estimate is the largest finite one being ordered; with none, 1 s', () => {
    const jobs: JobFacts[] = [
      { submit: 100, requested: 10, procs: 1 },
      { submit: 0, requested: Infinity, procs: 1 },
      { submit: 50, requested: 400, procs: 1 },
    ];
    const id = (j: JobFacts) => j;
    // At 500: wait/r = 400/10 = 40, 500/400 = 1.25 (∞ → 400), 450/400 = 1.125.
    expect(sortByKey(jobs, id, WFP3_KEY, 500).map((j) => j.submit)).toEqual([100, 0, 50]);
    expect(sortByKey(jobs, id, UNICEP_KEY, 500).map((j) => j.submit)).toEqual([100, 0, 50]);
    // All unknown: by wait (the oldest first), not all tied at −0 in queue order.
    const none: JobFacts[] = [{ submit: 30, requested: Infinity, procs: 1 }, { submit: 10, requested: Infinity, procs: 1 }];
    expect(sortByKey(none, id, WFP3_KEY, 100).map((j) => j.submit)).toEqual([10, 30]);
    // Keys of finite estimates are unchanged.
    expect(WFP3_KEY.key({ submit: 0, requested: 10, procs: 2 }, 20)).toBe(-16);
  });
});
