import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { defaultScheduler, ResourceScheduler, type AllocationRequest } from '../../src/compat/index.js';
import { MemoryStore } from '../../src/scheduler/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function setup(now = { t: T0 }) {
  let n = 0;
  const s = new ResourceScheduler({ clock: () => now.t, newId: () => `id${++n}` });
  // 10 units at 0.01 USDC each, 45 ms.
  const pool = s.addPool({ name: 'gpu', resourceType: 'gpu-m4', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 45 });
  const req = (over: Partial<AllocationRequest> = {}): AllocationRequest => ({
    id: 'r', requestingAgent: 'a', poolId: pool.id, unitsRequested: 3, priority: 'medium', maxLatencyMs: 100, maxCostUsdc: 0.1, requestedAt: new Date(now.t).toISOString(), ...over,
  });
  return { s, pool, req, now };
}

describe('compat ResourceScheduler: each failing rule returns null and changes nothing', () => {
  it('capacity: availableCapacity must cover unitsRequested (10 units, 7 then 4 asked)', () => {
    const { s, pool, req } = setup();
    expect(s.allocate(req({ id: 'r1', unitsRequested: 7, maxCostUsdc: 1 }))).not.toBeNull();
    expect(s.allocate(req({ id: 'r2', unitsRequested: 4, maxCostUsdc: 1 }))).toBeNull();
    expect(s.lastFailure?.rule).toBe('capacity');
    expect(s.allocate(req({ id: 'r3', unitsRequested: 3, maxCostUsdc: 1 }))).not.toBeNull(); // exactly fits
    expect(s.getPool(pool.id)?.availableCapacity).toBe(0);
    expect(s.allocate(req({ id: 'r4', unitsRequested: 11, maxCostUsdc: 1 }))).toBeNull(); // more than the pool has
  });

  it('latency: pool.latencyMs ≤ maxLatencyMs (45 ms pool; 44 fails, 45 passes)', () => {
    const { s, pool, req } = setup();
    expect(s.allocate(req({ id: 'r1', maxLatencyMs: 44 }))).toBeNull();
    expect(s.lastFailure?.rule).toBe('latency');
    expect(s.getPool(pool.id)?.availableCapacity).toBe(10);
    expect(s.allocate(req({ id: 'r2', maxLatencyMs: 45 }))).not.toBeNull();
  });

  it('cost: unitsRequested × costPerUnit ≤ maxCostUsdc (3 × 0.01 = 0.03)', () => {
    const { s, pool, req } = setup();
    expect(s.allocate(req({ id: 'r1', maxCostUsdc: 0.029 }))).toBeNull();
    expect(s.lastFailure?.rule).toBe('cost');
    expect(s.getPool(pool.id)?.availableCapacity).toBe(10);
    expect(s.allocate(req({ id: 'r2', maxCostUsdc: 0.03 }))?.costUsdc).toBe(0.03);
  });

  it('cost: a cost equal to the budget passes despite floating point (3 × 0.1 = 0.30000000000000004 vs 0.3), as in the engine', () => {
    const s = new ResourceScheduler({ clock: () => T0 });
    const pool = s.addPool({ name: 'cpu', resourceType: 'cpu', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.1, latencyMs: 1 });
    const r = { id: 'r1', requestingAgent: 'a', poolId: pool.id, unitsRequested: 3, priority: 'medium', maxLatencyMs: 10, maxCostUsdc: 0.3, requestedAt: '2026-01-01T00:00:00Z' } as const;
    expect(s.allocate(r)?.unitsAllocated).toBe(3);
    expect(s.allocate({ ...r, id: 'r2', maxCostUsdc: 0.299 })).toBeNull(); // a real overrun still fails
    expect(s.lastFailure?.rule).toBe('cost');
    expect(s.getPool(pool.id)?.availableCapacity).toBe(7);
  });

  it('an unknown pool returns null', () => {
    const { s, req } = setup();
    expect(s.allocate(req({ poolId: 'nope' }))).toBeNull();
    expect(s.lastFailure?.rule).toBe('pool');
  });

  it('preemption: a medium request may not preempt; high may take a low allocation but not a high one', () => {
    const { s, pool, req } = setup();
    const low = s.allocate(req({ id: 'low', priority: 'low', unitsRequested: 8, maxCostUsdc: 1 }))!;
    expect(s.preempt(low.id, req({ id: 'med', priority: 'medium', unitsRequested: 8, maxCostUsdc: 1 }))).toBeNull();
    expect(s.lastFailure?.rule).toBe('priority');
    expect(s.getAllocation(low.id)?.status).toBe('active');
    expect(s.getPreemptions()).toEqual([]);
    const high = s.preempt(low.id, req({ id: 'high', priority: 'high', unitsRequested: 8, maxCostUsdc: 1 }))!;
    expect(high.allocation.status).toBe('active');
    expect(s.getAllocation(low.id)?.status).toBe('preempted');
    // Same priority: not lower, so no.
    expect(s.preempt(high.allocation.id, req({ id: 'high2', priority: 'high', unitsRequested: 8, maxCostUsdc: 1 }))).toBeNull();
    expect(s.lastFailure).toMatchObject({ requestId: 'high2', rule: 'priority' });
    // Critical over high, but the request breaks the cost rule: nothing changes.
    expect(s.preempt(high.allocation.id, req({ id: 'crit', priority: 'critical', unitsRequested: 8, maxCostUsdc: 0.01 }))).toBeNull();
    expect(s.lastFailure?.rule).toBe('cost');
    expect(s.getAllocation(high.allocation.id)?.status).toBe('active');
    expect(s.getPool(pool.id)?.availableCapacity).toBe(2);
  });

  it('preempt(target) evicts the target even when the request would fit without it (an explicit call, not a search)', () => {
    const { s, pool, req } = setup();
    const low = s.allocate(req({ id: 'low', priority: 'low', unitsRequested: 2 }))!;
    expect(s.getPool(pool.id)?.availableCapacity).toBe(8); // 3 units would fit beside it
    const res = s.preempt(low.id, req({ id: 'crit', priority: 'critical' }))!;
    expect(res.preemption.preemptedAllocationId).toBe(low.id);
    expect(s.getAllocation(low.id)?.status).toBe('preempted');
    expect(s.getPool(pool.id)?.availableCapacity).toBe(7); // 10 − 3: the target's 2 units came back
  });

  it('preempt of a target in another pool than request.poolId is refused and evicts nothing (its units would not help the request)', () => {
    const { s, pool, req } = setup();
    const other = s.addPool({ name: 'other', resourceType: 'gpu-m4', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 45 });
    const low = s.allocate(req({ id: 'low', priority: 'low', unitsRequested: 5 }))!;
    expect(s.preempt(low.id, req({ id: 'crit', priority: 'critical', poolId: other.id }))).toBeNull();
    expect(s.lastFailure).toMatchObject({ requestId: 'crit', rule: 'target' });
    expect(s.lastFailure?.message).toMatch(/in pool '.+', not in the request's pool/);
    expect(s.getAllocation(low.id)?.status).toBe('active');
    expect(s.getPool(pool.id)?.availableCapacity).toBe(5);
    expect(s.getPool(other.id)?.availableCapacity).toBe(10);
    expect(s.getPreemptions()).toEqual([]);
  });

  it('expireAllocations(asOf) counts the leases ended by then, on the injected clock', () => {
    const { s, req, now } = setup();
    const a = s.allocate(req({ id: 'a' }), 60_000)!;
    const b = s.allocate(req({ id: 'b' }), 120_000)!;
    expect(a.expiresAt).toBe('2026-01-01T00:01:00.000Z');
    expect(s.expireAllocations(T0 + 59_999)).toBe(0);
    expect(s.expireAllocations('2026-01-01T00:01:00.000Z')).toBe(1);
    now.t = T0 + 200_000;
    expect(s.expireAllocations()).toBe(1);
    expect([s.getAllocation(a.id)?.status, s.getAllocation(b.id)?.status]).toEqual(['expired', 'expired']);
    expect(s.release(a.id)).toBe(false);
  });

  it('bad input is a UserError naming the field', () => {
    const { s, req } = setup();
    expect(() => s.allocate(req({ unitsRequested: -1 }))).toThrow(UserError);
    expect(() => s.allocate(req({ unitsRequested: -1 }))).toThrow(/request\.unitsRequested/);
    expect(() => s.addPool({ name: 'x', resourceType: 't', totalCapacity: 2, availableCapacity: 3, costPerUnit: 0, latencyMs: 0 })).toThrow(/availableCapacity/);
  });

  it('a pool whose units cost more in all than a number can hold is refused under the package field, and not added', () => {
    const { s } = setup();
    const before = s.listPools().length;
    const e = (() => {
      try {
        s.addPool({ name: 'x', resourceType: 't', totalCapacity: 1e10, availableCapacity: 1e10, costPerUnit: 1e300, latencyMs: 0 });
      } catch (err) {
        return err as UserError;
      }
      throw new Error('expected a UserError');
    })();
    expect(e).toBeInstanceOf(UserError);
    expect(e.location.field).toBe('pool.costPerUnit'); // was the engine's 'pricePerHour', a field the caller never wrote
    expect(s.listPools()).toHaveLength(before);
  });

  it('a pool registered partly used holds the difference', () => {
    const s = new ResourceScheduler();
    const p = s.addPool({ name: 'x', resourceType: 't', totalCapacity: 10, availableCapacity: 4, costPerUnit: 0, latencyMs: 0 });
    expect(p.availableCapacity).toBe(4);
  });

  it('takes { strategy, quotas, store }: pools and live allocations survive a restart on the same store', () => {
    const store = new MemoryStore();
    const s1 = new ResourceScheduler({ store, strategy: 'first-fit', quotas: { tenants: { greedy: { max: { units: 0.5 } } } } });
    const p = s1.addPool({ name: 'x', resourceType: 't', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.5, latencyMs: 1 });
    const base = { poolId: p.id, priority: 'medium', maxLatencyMs: 10, maxCostUsdc: 100, requestedAt: '2026-01-01T00:00:00Z' } as const;
    expect(s1.allocate({ ...base, id: 'g1', requestingAgent: 'greedy', unitsRequested: 6 })).toBeNull(); // over its 50 % quota
    const a = s1.allocate({ ...base, id: 'o1', requestingAgent: 'other', unitsRequested: 6 })!;
    const s2 = new ResourceScheduler({ store });
    expect(s2.listPools()).toEqual([{ ...p, availableCapacity: 4 }]);
    expect(s2.getAllocation(a.id)).toMatchObject({ agentId: 'other', unitsAllocated: 6, costUsdc: 3, status: 'active' });
  });

  it('defaultScheduler is a ready singleton', () => {
    expect(defaultScheduler).toBeInstanceOf(ResourceScheduler);
    expect(defaultScheduler.listPools()).toEqual([]);
  });
});
