import { describe, expect, it } from 'vitest';
// The package's README quickstart, verbatim except for this import line
// (was: import { ResourceScheduler } from '@godman-protocols/drs';).
import { ResourceScheduler } from '../../src/compat/index.js';

describe('the DRS package quickstart, unchanged but for the import', () => {
  it('gives the values its README shows', () => {
    const scheduler = new ResourceScheduler();

    // 1. Register resource pools
    const gpuPool = scheduler.addPool({
      name: 'Mac Mini M4 GPU',
      resourceType: 'gpu-m4',
      totalCapacity: 10,
      availableCapacity: 10,
      costPerUnit: 0.01,
      latencyMs: 45,
    });

    // 2. Allocate resources with constraints
    const alloc = scheduler.allocate({
      id: 'req-001',
      requestingAgent: 'did:kognai:messi',
      poolId: gpuPool.id,
      unitsRequested: 3,
      priority: 'medium',
      maxLatencyMs: 100,
      maxCostUsdc: 0.10,
      requestedAt: new Date().toISOString(),
    }, 60_000); // 60s duration
    // → { unitsAllocated: 3, costUsdc: 0.03, status: 'active' }
    expect(alloc).toMatchObject({ unitsAllocated: 3, costUsdc: 0.03, status: 'active', requestId: 'req-001', agentId: 'did:kognai:messi', poolId: gpuPool.id });
    expect(Date.parse(alloc!.expiresAt) - Date.parse(alloc!.allocatedAt)).toBe(60_000);
    expect(scheduler.getPool(gpuPool.id)?.availableCapacity).toBe(7);

    // 3. Release when done
    scheduler.release(alloc!.id);
    expect(scheduler.getAllocation(alloc!.id)?.status).toBe('released');
    expect(scheduler.getPool(gpuPool.id)?.availableCapacity).toBe(10);

    // 4. Priority preemption — critical task takes over
    const lowAlloc = scheduler.allocate({
      id: 'req-low', requestingAgent: 'did:kognai:sherlock', poolId: gpuPool.id,
      unitsRequested: 5, priority: 'low', maxLatencyMs: 100, maxCostUsdc: 0.10,
      requestedAt: new Date().toISOString(),
    });
    expect(lowAlloc).not.toBeNull();

    const preempt = scheduler.preempt(lowAlloc!.id, {
      id: 'req-critical', requestingAgent: 'did:kognai:harvey', poolId: gpuPool.id,
      unitsRequested: 5, priority: 'critical', maxLatencyMs: 100, maxCostUsdc: 0.10,
      requestedAt: new Date().toISOString(),
    });
    // → { preemption: { preemptedAgent: 'sherlock', ... }, allocation: { agentId: 'harvey', ... } }
    expect(preempt).not.toBeNull();
    expect(preempt!.preemption).toMatchObject({ preemptedAgent: 'did:kognai:sherlock', preemptingAgent: 'did:kognai:harvey', preemptedAllocationId: lowAlloc!.id });
    expect(preempt!.allocation).toMatchObject({ agentId: 'did:kognai:harvey', unitsAllocated: 5, costUsdc: 0.05, status: 'active' });
    expect(scheduler.getAllocation(lowAlloc!.id)?.status).toBe('preempted');
    expect(scheduler.getPreemptions()).toEqual([preempt!.preemption]);
    expect(scheduler.getPool(gpuPool.id)?.availableCapacity).toBe(5);

    // 5. Auto-expire stale allocations
    const expiredCount = scheduler.expireAllocations();
    expect(expiredCount).toBe(0); // the critical allocation's lease (default 1 h) has not ended
    expect(scheduler.expireAllocations(new Date(Date.now() + 2 * 3_600_000))).toBe(1);
    expect(scheduler.getAllocation(preempt!.allocation.id)?.status).toBe('expired');
    expect(scheduler.listPools()).toEqual([{ ...gpuPool, availableCapacity: 10 }]);
  });
});
