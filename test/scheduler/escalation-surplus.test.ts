import { describe, expect, it } from 'vitest';
import type { Priority } from '../../src/core/priority.js';
import { MemoryStore, ResourceScheduler, type AllocateResult } from '../../src/scheduler/index.js';

/**
 * Regression (found by the fresh-seed property test): with quotas and a non-blocking queue, a
 * reclaim that evicts more than the reclaiming request needs frees capacity another waiting
 * request fits in (here r1, which r11 needs for its 6 cpu, also frees 4 GPUs; r1 once had no cpu
 * and was evicted only because the reclaim took a victim that did not help, which it no longer
 * does). The pass must say so (`again`), so the driver offers the freed capacity at
 * once; before, that request kept waiting, and the next newcomer of lower priority started and
 * was preempted for it in the same call, so `allocate` answered 'allocated' for an allocation
 * already gone.
 */
describe('a reclaim that frees more than it uses', () => {
  it('lets a waiting request start in the same call, and never answers allocated for an allocation already preempted', () => {
    let n = 0;
    const s = new ResourceScheduler({
      clock: () => 10_000,
      timers: false,
      store: new MemoryStore(),
      newId: () => `r${n++}`,
      strategy: 'worst-fit',
      preemption: true,
      queue: { policy: 'priority', timeoutMs: 4000 },
      quotas: { tenants: { a: { guaranteed: { gpu: 0.5, cpu: 0.3 }, max: { gpu: 0.8 } }, b: { guaranteed: { gpu: 0.25 }, max: { cpu: 0.6 } } } },
      pools: [
        { name: 'gpu', capacity: { cpu: 16, memory: 64, gpu: 4 }, nodes: { min: 1, max: 4, initial: 2 }, primary: 'gpu' },
        { name: 'cpu', capacity: { cpu: 24, memory: 48 }, nodes: { min: 0, max: 4, initial: 2 } },
      ],
    });
    const ask = (cpu: number, gpu: number, tenant: string, priority: Priority = 'critical', preemptible = false): AllocateResult =>
      s.allocate({ pool: 'gpu', demand: { cpu, memory: 0, gpu }, priority, tenant, preemptible });
    ask(1, 0, 'a'); // r0
    ask(6, 4, 'b'); // r1: b borrows a whole node's GPUs (and 6 cpu)
    for (let i = 0; i < 5; i++) ask(1, 0, 'a'); // r2..r6
    ask(1, 4, 'a'); // r7: the other node's GPUs
    expect(ask(3, 1, 'a').status).toBe('queued'); // r8: no GPU free
    ask(1, 0, 'a'); // r9
    ask(6, 0, 'c'); // r10
    const r11 = ask(10, 0, 'a'); // a, under its guarantee, reclaims from b and c: r1's 4 GPUs come free
    expect(r11.status).toBe('allocated');
    expect(s.getPreemptions().filter((p) => p.forRequestId === 'r11').map((p) => [p.allocationId, p.kind])).toContainEqual(['r1', 'reclaim']);
    // r8 fits in what the reclaim freed: it starts in the same call.
    expect(s.getAllocation('r8')).toBeDefined();
    expect(s.listQueued()).toEqual([]);
    const r12 = ask(3, 0, 'a', 'medium', true);
    if (r12.status === 'allocated') expect(s.getAllocation(r12.allocation.id)).toEqual(r12.allocation);
    s.checkInvariants();
    s.close();
  });
});
