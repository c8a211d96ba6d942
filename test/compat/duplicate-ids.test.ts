import { describe, expect, it } from 'vitest';
import { ResourceScheduler, type AllocationRequest } from '../../src/compat/index.js';
import { MemoryStore } from '../../src/scheduler/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function setup() {
  let n = 0;
  const now = { t: T0 };
  const s = new ResourceScheduler({ clock: () => now.t, newId: () => `id${++n}` });
  const pool = s.addPool({ name: 'gpu', resourceType: 'gpu-m4', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 45 });
  const req = (over: Partial<AllocationRequest> = {}): AllocationRequest => ({
    id: 'req-001', requestingAgent: 'messi', poolId: pool.id, unitsRequested: 3, priority: 'low', maxLatencyMs: 100, maxCostUsdc: 1, requestedAt: '2026-01-01T00:00:00Z', ...over,
  });
  return { s, pool, req, now };
}

/*
 * A request id held by an active allocation, asked for again: before, allocate took the units a
 * second time (a retried call double-booked 6 of 10 units) and two active allocations answered to
 * 'req-001'; a preemption by 'req-001' of the allocation of 'req-001' was logged as such. The
 * engine underneath refuses an id already in use (its 'duplicate'); the compat layer now does too.
 */
describe('compat: a request id already held by an active allocation is refused', () => {
  it('allocate: null, rule duplicate, the message names the request and the allocation holding it; nothing taken', () => {
    const { s, pool, req } = setup();
    const first = s.allocate(req());
    expect(first).toMatchObject({ id: 'id2', requestId: 'req-001' });
    expect(s.allocate(req({ unitsRequested: 2 }))).toBeNull();
    expect(s.lastFailure).toEqual({
      requestId: 'req-001',
      rule: 'duplicate',
      message: "request id 'req-001' is already held by active allocation 'id2' (agent 'messi', 3 units of pool 'id1' since 2026-01-01T00:00:00.000Z): each request needs its own id; release 'id2' first to reuse it",
    });
    expect(s.getPool(pool.id)?.availableCapacity).toBe(7);
    expect(s.engine.listAllocations().map((a) => a.id)).toEqual(['id2']);
  });

  it('preempt: refused before anything is evicted, also when the target is the allocation holding the id', () => {
    const { s, pool, req } = setup();
    const low = s.allocate(req())!;
    const other = s.allocate(req({ id: 'req-002' }))!;
    expect(s.preempt(other.id, req({ requestingAgent: 'harvey', priority: 'critical' }))).toBeNull();
    expect(s.lastFailure).toMatchObject({ requestId: 'req-001', rule: 'duplicate' });
    expect(s.preempt(low.id, req({ requestingAgent: 'harvey', priority: 'critical' }))).toBeNull();
    expect(s.lastFailure?.message).toMatch(/^request id 'req-001' is already held by active allocation 'id2'/);
    expect(s.getPreemptions()).toEqual([]);
    expect([s.getAllocation(low.id)?.status, s.getAllocation(other.id)?.status]).toEqual(['active', 'active']);
    expect(s.getPool(pool.id)?.availableCapacity).toBe(4);
  });

  it('an id is free again once its allocation ended: released, expired or preempted (as the engine, which refuses only live ids)', () => {
    const { s, req, now } = setup();
    const a = s.allocate(req())!;
    expect(s.release(a.id)).toBe(true);
    const b = s.allocate(req(), 1_000)!;
    expect(b).toMatchObject({ requestId: 'req-001', status: 'active' });
    now.t = T0 + 1_000;
    expect(s.expireAllocations()).toBe(1);
    const c = s.allocate(req())!;
    expect(c).not.toBeNull();
    const d = s.preempt(c.id, req({ id: 'req-crit', priority: 'critical' }))!;
    expect(d).not.toBeNull();
    expect(s.allocate(req())).not.toBeNull(); // req-001's last allocation was preempted
    expect(s.allocate(req({ id: 'req-crit' }))).toBeNull(); // still active
    expect(s.lastFailure?.rule).toBe('duplicate');
  });

  it('a failed rule does not hold the id: the same id may be asked again', () => {
    const { s, req } = setup();
    expect(s.allocate(req({ unitsRequested: 11 }))).toBeNull();
    expect(s.lastFailure?.rule).toBe('capacity');
    expect(s.allocate(req())).not.toBeNull();
  });

  it('after a restart on a store, a restored allocation holds its id (its own allocation id) as well', () => {
    const store = new MemoryStore();
    let n = 0;
    const s1 = new ResourceScheduler({ store, clock: () => T0, newId: () => `id${++n}` });
    const pool = s1.addPool({ name: 'gpu', resourceType: 'g', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 1 });
    const base = { requestingAgent: 'a', poolId: pool.id, unitsRequested: 2, priority: 'low', maxLatencyMs: 10, maxCostUsdc: 1, requestedAt: '2026-01-01T00:00:00Z' } as const;
    const a = s1.allocate({ ...base, id: 'req-001' })!;
    const s2 = new ResourceScheduler({ store, clock: () => T0, newId: () => `id${++n}` });
    expect(s2.allocate({ ...base, id: a.id })).toBeNull();
    expect(s2.lastFailure).toMatchObject({ rule: 'duplicate', message: expect.stringContaining(`active allocation '${a.id}'`) });
    expect(s2.allocate({ ...base, id: 'req-001' })).not.toBeNull(); // the package's request id was not stored
  });
});
