import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/compat/index.js';
import { MemoryStore } from '../../src/scheduler/index.js';

/*
 * A pool registered partly used reads back with the availableCapacity it was given: the layer
 * holds totalCapacity − availableCapacity, and total − (total − available) is not available in
 * floating point (1 − (1 − 0.1) is 0.09999999999999998).
 */

const T0 = Date.parse('2026-01-01T00:00:00Z');
const pool = (totalCapacity: number, availableCapacity: number) => ({ name: 'gpu', resourceType: 'g', totalCapacity, availableCapacity, costPerUnit: 0.1, latencyMs: 1 });

describe('compat: availableCapacity round-trips', () => {
  it('addPool, getPool and listPools give back the value registered (1 and 0.1)', () => {
    const s = new ResourceScheduler({ clock: () => T0 });
    const p = s.addPool(pool(1, 0.1));
    expect(p.availableCapacity).toBe(0.1);
    expect(s.getPool(p.id)?.availableCapacity).toBe(0.1);
    expect(s.listPools()).toEqual([p]);
  });

  it('for every total and fraction tried, and again after an allocation is released', () => {
    const s = new ResourceScheduler({ clock: () => T0 });
    const wrong: string[] = [];
    for (const total of [1, 3, 10, 0.3, 7.7, 12345.678, 1e6]) {
      for (const frac of [0.01, 0.1, 0.3, 0.33, 0.7, 0.999]) {
        const avail = total * frac;
        const p = s.addPool(pool(total, avail));
        if (p.availableCapacity !== avail) wrong.push(`${total}/${avail}: ${p.availableCapacity}`);
        const a = s.allocate({ id: `r-${p.id}`, requestingAgent: 'a', poolId: p.id, unitsRequested: avail / 2, priority: 'medium', maxLatencyMs: 1, maxCostUsdc: 1e9, requestedAt: '2026-01-01T00:00:00Z' });
        expect(a).not.toBeNull();
        s.release(a?.id as string);
        if (s.getPool(p.id)?.availableCapacity !== avail) wrong.push(`${total}/${avail} after release: ${s.getPool(p.id)?.availableCapacity}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a restarted process reads the same value from the store', () => {
    const store = new MemoryStore();
    const p = new ResourceScheduler({ store, clock: () => T0 }).addPool(pool(3, 0.9));
    expect(new ResourceScheduler({ store, clock: () => T0 }).getPool(p.id)?.availableCapacity).toBe(0.9);
  });

  it('units in use are still subtracted, and releasing the hold frees the whole pool', () => {
    const s = new ResourceScheduler({ clock: () => T0 });
    const p = s.addPool(pool(10, 4));
    s.allocate({ id: 'r', requestingAgent: 'a', poolId: p.id, unitsRequested: 3, priority: 'medium', maxLatencyMs: 1, maxCostUsdc: 1e9, requestedAt: '2026-01-01T00:00:00Z' });
    expect(s.getPool(p.id)?.availableCapacity).toBe(1);
    expect(s.release(`${p.id}:unavailable`)).toBe(true);
    expect(s.getPool(p.id)?.availableCapacity).toBe(7);
  });
});
