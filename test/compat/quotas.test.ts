import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/compat/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const pool = { name: 'x', resourceType: 't', totalCapacity: 10, costPerUnit: 0.1, latencyMs: 1 } as const;
const ask = (poolId: string, id: string, requestingAgent: string, unitsRequested: number, priority: 'critical' | 'medium' = 'medium') =>
  ({ id, requestingAgent, poolId, unitsRequested, priority, maxLatencyMs: 10, maxCostUsdc: 5, requestedAt: '2026-01-01T00:00:00Z' }) as const;

describe('compat with quotas: a pool registered partly used keeps its unavailable units held', () => {
  it('under a default max of 25 %, the 6 unavailable units of a 10-unit pool are still held (4 available)', () => {
    const s = new ResourceScheduler({ clock: () => T0, quotas: { tenants: {}, default: { max: { units: 0.25 } } } });
    const p = s.addPool({ ...pool, availableCapacity: 4 });
    expect(p.availableCapacity).toBe(4);
    expect(s.allocate(ask(p.id, 'r', 'a', 2))?.unitsAllocated).toBe(2); // 2 ≤ 25 % of 10
    expect(s.getPool(p.id)?.availableCapacity).toBe(2);
  });

  it('a critical request covered by its guarantee cannot reclaim the held units (they do not exist)', () => {
    const s = new ResourceScheduler({ clock: () => T0, quotas: { tenants: { owner: { guaranteed: { units: 0.5 } } } } });
    const p = s.addPool({ ...pool, availableCapacity: 2 });
    expect(s.allocate(ask(p.id, 'o', 'owner', 5, 'critical'))).toBeNull();
    expect(s.lastFailure?.rule).toBe('capacity');
    expect(s.getPool(p.id)?.availableCapacity).toBe(2);
    expect(s.allocate(ask(p.id, 'o2', 'owner', 2, 'critical'))?.unitsAllocated).toBe(2); // what is there, it gets
  });

  it('with a guarantee, allocate reclaims capacity another agent borrowed (the one eviction allocate does, docs/compat.md)', () => {
    const s = new ResourceScheduler({ clock: () => T0, quotas: { tenants: { owner: { guaranteed: { units: 0.5 } } } } });
    const p = s.addPool({ ...pool, availableCapacity: 10 });
    const b = s.allocate(ask(p.id, 'b', 'borrower', 8))!;
    expect(s.allocate(ask(p.id, 'o', 'owner', 5))?.status).toBe('active');
    expect(s.getAllocation(b.id)?.status).toBe('preempted');
    expect(s.getPool(p.id)?.availableCapacity).toBe(5);
  });
});
