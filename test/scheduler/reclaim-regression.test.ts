import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/scheduler.js';

describe('reclaim within one operation', () => {
  it('preempt() never answers "allocated" for an allocation its own queue pass reclaimed', () => {
    // T (tenant C, within its guarantee, so not borrowed) fills the node; A waits for the whole
    // node; B, with no guarantee, preempts T for half of it. Before the fix the queue pass that
    // follows in the same operation reclaimed B's new (borrowed) allocation for A, and preempt()
    // still answered 'allocated' with an allocation that no longer existed.
    const s = new ResourceScheduler({
      strategy: 'first-fit',
      queue: { policy: 'fcfs' },
      timers: false,
      clock: () => 0,
      quotas: { tenants: { A: { guaranteed: { cpu: 1 } }, C: { guaranteed: { cpu: 1 } }, B: {} } },
      pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
    });
    expect(s.allocate({ id: 'T', tenant: 'C', demand: { cpu: 4 }, priority: 'low', preemptible: true }).status).toBe('allocated');
    expect(s.allocate({ id: 'a1', tenant: 'A', demand: { cpu: 4 }, priority: 'medium' }).status).toBe('queued');
    const r = s.preempt('T', { id: 'rB', tenant: 'B', demand: { cpu: 2 }, priority: 'high' });
    expect(r.status).toBe('allocated');
    expect(s.getAllocation('rB')).toBeDefined();
    expect(s.status('a1').status).toBe('queued');
    s.checkInvariants();
    s.close();
  });
});
