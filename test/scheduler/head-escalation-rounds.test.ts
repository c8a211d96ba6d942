import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/scheduler.js';

describe('a blocked head that starts by reclaim', () => {
  it('the request behind it starts in the same operation (the pass asks for another round)', () => {
    // One node of 4 cpu; fcfs blocking, quotas: A is guaranteed half the cpu (2), B and C nothing (B borrows).
    // a0 (A, 1 cpu) and b1 (B, 3 cpu) fill the node. a1 (A, 2 cpu) waits: A would use 3 > its
    // guarantee, so it cannot reclaim. c (C, 1 cpu) waits behind it. a0 is released: 1 cpu free,
    // a1 still does not fit, but A now uses 0 and a1 is within its guarantee: it reclaims b1
    // (3 cpu borrowed) and starts, leaving 2 cpu free. c fits there: it must start now, in the
    // round that follows the head's escalation, not at some later, unrelated operation.
    const s = new ResourceScheduler({
      strategy: 'first-fit',
      queue: { policy: 'fcfs', options: { blocking: true } },
      timers: false,
      clock: () => 0,
      quotas: { tenants: { A: { guaranteed: { cpu: 0.5 } }, B: {}, C: {} } },
      pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
    });
    expect(s.allocate({ id: 'a0', tenant: 'A', demand: { cpu: 1 }, priority: 'medium' }).status).toBe('allocated');
    expect(s.allocate({ id: 'b1', tenant: 'B', demand: { cpu: 3 }, priority: 'medium' }).status).toBe('allocated');
    expect(s.allocate({ id: 'a1', tenant: 'A', demand: { cpu: 2 }, priority: 'medium' }).status).toBe('queued');
    expect(s.allocate({ id: 'c', tenant: 'C', demand: { cpu: 1 }, priority: 'medium' }).status).toBe('queued');
    s.release('a0');
    expect(s.getAllocation('b1')).toBeUndefined();
    expect(s.getAllocation('a1')).toBeDefined();
    expect(s.getAllocation('c')).toBeDefined();
    s.checkInvariants();
    s.close();
  });
});
