import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/scheduler.js';

describe('priority preemption in production', () => {
  it('what an eviction frees beyond its request lets another waiting request start in the same call', () => {
    // bg (3 cpu) and dep (1 cpu) fill the node; c1, c2, c3 (critical, 1 cpu) wait for dep. Its
    // release starts c1 in the cpu it frees, evicts bg for c2, and the 2 cpu left start c3 in the
    // same call (before: c3 waited beside them until the next release).
    const s = new ResourceScheduler({
      strategy: 'first-fit',
      preemption: true,
      queue: { policy: 'priority', requeuePreempted: true },
      timers: false,
      clock: () => 0,
      pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
    });
    expect(s.allocate({ id: 'bg', demand: { cpu: 3 }, priority: 'background', preemptible: true }).status).toBe('allocated');
    expect(s.allocate({ id: 'dep', demand: { cpu: 1 }, priority: 'medium' }).status).toBe('allocated');
    for (const id of ['c1', 'c2', 'c3']) expect(s.allocate({ id, demand: { cpu: 1 }, priority: 'critical', dependsOn: ['dep'] }).status).toBe('queued');
    s.release('dep');
    expect(['c1', 'c2', 'c3', 'bg'].map((id) => s.status(id).status)).toEqual(['allocated', 'allocated', 'allocated', 'queued']);
    s.checkInvariants();
    s.close();
  });
});
