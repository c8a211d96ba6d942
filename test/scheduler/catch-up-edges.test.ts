import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/*
 * A catch-up (one late tick) over stale lease entries and equal times: one node of 4 cpu, every
 * request takes it whole, an fcfs queue; timers off, a manual clock.
 */
function setup() {
  const clock = { now: 0 };
  const s = new ResourceScheduler({
    clock: () => clock.now,
    timers: false,
    strategy: 'first-fit',
    queue: { policy: 'fcfs', timeoutMs: 60_000 },
    sloWaitMs: { medium: 1000 },
    pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: { min: 1, max: 1, initial: 1 } }],
  });
  const ask = (id: string, leaseMs?: number, queueTimeoutMs?: number) =>
    s.allocate({ id, tenant: 't', demand: { cpu: 4, memory: 1 }, ...(queueTimeoutMs === undefined ? {} : { queueTimeoutMs }) }, leaseMs).status;
  const how = (id: string) => {
    const st = s.status(id);
    return st.status === 'ended' ? `ended ${st.how}` : st.status;
  };
  return { s, clock, ask, how };
}

describe('a late tick over stale lease entries and equal times', () => {
  it('a renewed lease’s old end, at a request’s deadline, is no capacity: that request times out, the next gets the node at the lease’s new end', () => {
    const { s, clock, ask, how } = setup();
    expect(ask('A', 1000)).toBe('allocated'); // until 1000 ms...
    expect(ask('B', undefined, 1000)).toBe('queued'); // deadline 1000: the old end
    expect(ask('C', undefined, 2000)).toBe('queued'); // deadline 2000
    clock.now = 500;
    expect(s.renew('A', 1000).status).toBe('renewed'); // ...now until 1500: the entry at 1000 is stale
    clock.now = 5000;
    s.tick();
    expect([how('A'), how('B'), how('C')]).toEqual(['ended expired', 'ended timed-out', 'allocated']);
    // SLO 1 s: B missed (timed out), C missed (started, stamped at the tick, 5 s after it arrived), A met.
    expect(s.sloAttainment().byPriority.medium).toEqual({ withSlo: 3, met: 1, missed: 2, attainment: 1 / 3 });
    s.checkInvariants();
    s.close();
  });

  it('a lease that ends exactly at a deadline is offered to that request first', () => {
    const { s, clock, ask, how } = setup();
    expect(ask('A', 1000)).toBe('allocated');
    expect(ask('B', undefined, 1000)).toBe('queued'); // deadline 1000 = A's end
    expect(ask('C', undefined, 1000)).toBe('queued'); // the same deadline, behind B
    clock.now = 5000;
    s.tick();
    expect([how('A'), how('B'), how('C')]).toEqual(['ended expired', 'allocated', 'ended timed-out']);
    s.checkInvariants();
    s.close();
  });
});
