import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { ResourceScheduler, type AllocationRequest } from '../../src/compat/index.js';

function request(poolId: string): AllocationRequest {
  return { id: 'req-1', requestingAgent: 'did:kognai:messi', poolId, unitsRequested: 3, priority: 'medium', maxLatencyMs: 100, maxCostUsdc: 1, requestedAt: '2026-01-01T00:00:00.000Z' };
}

const pool = { name: 'Mac Mini M4 GPU', resourceType: 'gpu-m4', totalCapacity: 10, availableCapacity: 10, costPerUnit: 0.01, latencyMs: 45 };

describe('compat ResourceScheduler on a strategy with asynchronous setup (ilp: the HiGHS solver)', () => {
  it('has ready(), as the engine error that asks for it says; after it, allocate places', async () => {
    const s = new ResourceScheduler({ strategy: 'ilp' });
    const p = s.addPool(pool);
    // Before the solver has loaded: a UserError telling the caller to await ready().
    expect(() => s.allocate(request(p.id))).toThrow(UserError);
    expect(() => s.allocate(request(p.id))).toThrow(/await scheduler\.ready\(\)/);
    await s.ready();
    expect(s.allocate(request(p.id))).toMatchObject({ unitsAllocated: 3, status: 'active' });
    s.engine.close();
  });

  it('ResourceScheduler.create(options) resolves once the strategy is ready', async () => {
    const s = await ResourceScheduler.create({ strategy: 'ilp' });
    const p = s.addPool(pool);
    expect(s.allocate(request(p.id))).toMatchObject({ unitsAllocated: 3, costUsdc: 0.03, status: 'active' });
    s.engine.close();
  });
});
