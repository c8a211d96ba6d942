import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/compat/index.js';
import { MemoryStore } from '../../src/scheduler/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('compat on a store: a restarted process works on the allocations it restored', () => {
  it('preempts, releases and expires a restored allocation, and reports each end', () => {
    const store = new MemoryStore();
    const now = { t: T0 };
    const s1 = new ResourceScheduler({ store, clock: () => now.t });
    const p = s1.addPool({ name: 'x', resourceType: 't', totalCapacity: 10, availableCapacity: 9, costPerUnit: 0.1, latencyMs: 1 });
    const base = { poolId: p.id, maxLatencyMs: 10, maxCostUsdc: 1, requestedAt: '2026-01-01T00:00:00Z' } as const;
    const low = s1.allocate({ ...base, id: 'low', requestingAgent: 'sherlock', unitsRequested: 6, priority: 'low' }, 60_000)!;
    const med = s1.allocate({ ...base, id: 'med', requestingAgent: 'watson', unitsRequested: 2, priority: 'medium' }, 60_000)!;
    const short = s1.allocate({ ...base, id: 'short', requestingAgent: 'moriarty', unitsRequested: 1, priority: 'medium' }, 1_000)!;

    const s2 = new ResourceScheduler({ store, clock: () => now.t });
    expect(s2.getPool(p.id)?.availableCapacity).toBe(0); // 1 held + 6 + 2 + 1
    expect(s2.getAllocation(low.id)).toMatchObject({ requestId: low.id, agentId: 'sherlock', unitsAllocated: 6, costUsdc: 0.6000000000000001, status: 'active' });
    expect(s2.getAllocation(`${p.id}:unavailable`)).toBeUndefined(); // the hold is not an allocation of the package

    const res = s2.preempt(low.id, { ...base, id: 'crit', requestingAgent: 'harvey', unitsRequested: 6, priority: 'critical' })!;
    expect(res.preemption).toMatchObject({ preemptedAllocationId: low.id, preemptedAgent: 'sherlock', preemptingAgent: 'harvey' });
    expect(s2.getAllocation(low.id)?.status).toBe('preempted');

    expect(s2.release(med.id)).toBe(true);
    expect(s2.getAllocation(med.id)?.status).toBe('released');
    now.t = T0 + 1_000;
    expect(s2.expireAllocations()).toBe(1);
    expect(s2.getAllocation(short.id)?.status).toBe('expired');
    expect(s2.getPool(p.id)?.availableCapacity).toBe(3); // 10 − 1 held − 6 critical
  });
});
