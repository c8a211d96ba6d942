import { describe, expect, it } from 'vitest';
import { reactivePolicy } from '../../src/autoscale/reactive.js';
import { MemoryStore, ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';
import type { ScaleEvent } from '../../src/scheduler/types.js';

/*
 * Failed nodes under autoscaling in the production scheduler: the simulator's rule (shared
 * planScaleSteps, test/autoscale/failed-nodes.test.ts). Timers off, a manual clock; the test calls
 * scale() and tick(). Pool p: 4-cpu nodes, 60-s boot; reactive, target 1, every 15 s.
 */
function make(nodes: { min: number; max: number; initial: number }, extra: Partial<ResourceSchedulerOptions> = {}) {
  const t = { now: 0 };
  const s = new ResourceScheduler({
    clock: () => t.now,
    timers: false,
    strategy: 'first-fit',
    queue: { policy: 'fcfs', timeoutMs: 1e9, requeuePreempted: true },
    pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes, bootSeconds: 60 }],
    scaling: reactivePolicy({ target: 1, scaleDown: { select: 'disabled' } }),
    ...extra,
  });
  return { s, t };
}
const show = (evs: readonly ScaleEvent[]): string[] => evs.map((e) => `${e.action} ${e.node}${e.action === 'remove' ? `: ${e.reason.replace(/ \(.*/, '')}` : ''}`);

describe('ResourceScheduler: failed nodes and scaling', () => {
  it('scale-out replaces the failed node: it is removed, its repair answers not-failed, the replacement runs its work', () => {
    const { s, t } = make({ min: 1, max: 3, initial: 2 });
    expect(s.allocate({ id: 'x', units: 4 }, 3_600_000).status).toBe('allocated'); // on p-0
    expect(s.allocate({ id: 'y', units: 4 }, 3_600_000).status).toBe('allocated'); // on p-1
    t.now = 100_000;
    expect(s.failNode('p', 'p-0')).toMatchObject({ status: 'failed', requeued: true });
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 1, booting: 0, failed: 1 });
    // up 1, running 1 + queued 1 (x) → metric 2 → desired 2: +1, in place of the failed p-0.
    t.now = 105_000;
    expect(show(s.scale())).toEqual(['remove p-0: failed node replaced', 'provision p-2']);
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 1, booting: 1, failed: 0 });
    expect(s.repairNode('p', 'p-0')).toMatchObject({ status: 'not-failed', nodeStatus: 'removed' });
    t.now = 165_000;
    s.tick();
    expect(s.getAllocation('x')?.node).toBe('p-2');
    // The pool is at the size asked for: the next step changes nothing.
    expect(s.scale()).toEqual([]);
    s.checkInvariants();
    s.close();
  });

  it('scale-in retires the failed node first, without counting it against the removal', () => {
    const { s } = make({ min: 0, max: 3, initial: 3 }, { scaling: reactivePolicy({ target: 1, scaleDown: { stabilizationSeconds: 0 } }) });
    expect(s.allocate({ id: 'x', units: 4 }, 3_600_000).status).toBe('allocated'); // on p-0
    s.failNode('p', 'p-1');
    // up 2 (p-0 busy, p-2 idle), running 1 → metric 0.5 → desired 1: −1. p-1 goes, then p-2.
    expect(show(s.scale())).toEqual(['remove p-1: failed node retired on scale-in', 'remove p-2: reactive: metric 0.500 vs target 1; raw 1, stabilized 1, desired 1']);
    expect(s.getPool('p')?.nodes).toMatchObject({ up: 1, booting: 0, failed: 0 });
    s.checkInvariants();
    s.close();
  });

  it('a pool at its min replaces a failed node with no work at all', () => {
    const { s } = make({ min: 2, max: 2, initial: 2 });
    s.failNode('p', 'p-1');
    expect(show(s.scale())).toEqual(['remove p-1: failed node replaced', 'provision p-2']);
    s.close();
  });

  it('the removal is stored: after a restart the failed node stays removed', () => {
    const store = new MemoryStore();
    const a = make({ min: 1, max: 3, initial: 2 }, { store });
    a.s.allocate({ id: 'x', units: 4 }, 3_600_000);
    a.s.allocate({ id: 'y', units: 4 }, 3_600_000);
    a.s.failNode('p', 'p-0');
    a.s.scale();
    a.s.close();
    const b = make({ min: 1, max: 3, initial: 2 }, { store });
    expect(b.s.getPool('p')?.nodes).toMatchObject({ up: 1, booting: 1, failed: 0 });
    expect(b.s.repairNode('p', 'p-0')).toMatchObject({ status: 'not-failed', nodeStatus: 'removed' });
    b.s.close();
  });
});
