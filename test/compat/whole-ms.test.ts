import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/compat/index.js';

/** 2026-01-01T00:00:00Z in epoch ms. */
const T0 = Date.UTC(2026, 0, 1);

function setup(clock: () => number) {
  const s = new ResourceScheduler({ clock, newId: (() => { let n = 0; return () => `id${++n}`; })() });
  const pool = s.addPool({ name: 'p', resourceType: 'gpu', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 5 });
  const req = { id: 'r', requestingAgent: 'a', poolId: pool.id, unitsRequested: 3, priority: 'medium', maxLatencyMs: 100, maxCostUsdc: 1, requestedAt: '2026-01-01T00:00:00Z' } as const;
  return { s, req };
}

describe('compat: an allocation expires at the instant its expiresAt reports (ISO times are whole ms)', () => {
  it('a clock with fractional milliseconds: expireAllocations(expiresAt) ends the allocation', () => {
    const { s, req } = setup(() => T0 + 0.5);
    const a = s.allocate(req, 1000)!;
    expect(a.expiresAt).toBe('2026-01-01T00:00:01.000Z');
    expect(s.expireAllocations(a.expiresAt)).toBe(1);
    expect(s.getAllocation(a.id)?.status).toBe('expired');
  });

  it('a fractional lease: expireAllocations(new Date(expiresAt)) ends the allocation', () => {
    const { s, req } = setup(() => T0);
    const a = s.allocate(req, 1000.25)!;
    expect(s.expireAllocations(new Date(a.expiresAt))).toBe(1);
    expect(s.getAllocation(a.id)?.status).toBe('expired');
  });

  it('not a millisecond earlier', () => {
    const { s, req } = setup(() => T0 + 0.5);
    const a = s.allocate(req, 1000)!;
    expect(s.expireAllocations(Date.parse(a.expiresAt) - 1)).toBe(0);
    expect(s.getAllocation(a.id)?.status).toBe('active');
  });
});
