import { describe, expect, it } from 'vitest';
import { createAllocator, isAllocatorName, type AllocatorName } from '../../src/algorithms/registry.js';
import { LearnedAllocator } from '../../src/algorithms/learned.js';
import { LearnedQueue, shippedQueueModels } from '../../src/queue/learned-queue.js';
import { createQueuePolicy, isQueuePolicyName, type QueuePolicyName } from '../../src/queue/registry.js';
import { parseServeConfig } from '../../src/scheduler/config.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/** The shipped models load by name wherever a strategy or queue policy is named. */
describe('shipped learned models by name', () => {
  it('learned:agent-fleet is an allocator, learned-queue:NAME a queue policy for every shipped queue model', () => {
    expect(isAllocatorName('learned:agent-fleet')).toBe(true);
    const a = createAllocator({ name: 'learned:agent-fleet' as AllocatorName });
    expect(a).toBeInstanceOf(LearnedAllocator);
    expect(a.name).toBe('learned:agent-fleet');
    expect(shippedQueueModels().length).toBeGreaterThan(0);
    for (const m of shippedQueueModels()) {
      expect(isQueuePolicyName(`learned-queue:${m}`)).toBe(true);
      const q = createQueuePolicy(`learned-queue:${m}` as QueuePolicyName, { backfill: 'easy' });
      expect(q).toBeInstanceOf(LearnedQueue);
      expect(q.backfill?.name).toBe('easy');
    }
  });

  it('drs serve configs and ResourceScheduler accept them by name', () => {
    const m = shippedQueueModels()[0] as string;
    const cfg = parseServeConfig({ strategy: 'learned:agent-fleet', queue: { policy: `learned-queue:${m}` } }, 'serve.yaml', '.');
    expect(cfg.strategy).toBe('learned:agent-fleet');
    const s = new ResourceScheduler({ timers: false, strategy: 'learned:agent-fleet' as AllocatorName, queue: `learned-queue:${m}` as QueuePolicyName });
    s.addPool({ name: 'p', capacity: { cpu: 8, memory: 32, gpu: 0 }, nodes: 2, pricePerHour: 1, latencyMs: 1 });
    const r = s.allocate({ id: 'a', tenant: 't', priority: 'medium', demand: { cpu: 2, memory: 4 } });
    expect(r.status).toBe('allocated');
    s.close();
  });
});
