import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { planScaleSteps } from '../../src/autoscale/observe.js';
import { staticPolicy, type ScalingPolicy } from '../../src/autoscale/policy.js';
import { reactivePolicy } from '../../src/autoscale/reactive.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import type { FailureSpec } from '../../src/sim/failures.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { replay } from '../../src/sim/replay.js';

/*
 * Failed nodes under autoscaling (rule: planScaleSteps, docs/autoscaling.md "Failed nodes"). A
 * failed node is no capacity: the policy's size and the pool's [min, max] count up + booting only.
 * When the policy acts on the pool, its failed nodes are retired (billing stops, a pending repair
 * is void): each node provisioned replaces one; a scale-in retires them all before anything else.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);

describe('planScaleSteps with failed nodes', () => {
  const spec = (min: number, max: number): PoolSpec => ({ name: 'a', capacity: [4, 16, 0], nodes: { min, max, initial: 0 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 60, labels: {} });
  /** A pool with `n` nodes up (ids 0..n-1), then the listed ones failed. */
  const cluster = (min: number, max: number, n: number, failed: number[]): ClusterState => {
    const s = new ClusterState(space, [spec(min, max)]);
    for (let i = 0; i < n; i++) s.addNode(0, 'up');
    for (const id of failed) s.failNode(id);
    return s;
  };
  const show = (steps: ReturnType<typeof planScaleSteps>): string[] => steps.map((s) => (s.kind === 'provision' ? 'provision' : `remove ${s.nodeId}: ${s.reason}`));

  it('scale-out: each node provisioned replaces a failed node (highest id first); the rest are new', () => {
    // 4 nodes, 1 and 2 failed: 2 healthy of max 6, +3 asked.
    const steps = planScaleSteps(cluster(0, 6, 4, [1, 2]), [{ pool: 0, delta: 3, reason: 'r' }]);
    expect(show(steps)).toEqual(['remove 2: failed node replaced (r)', 'provision', 'remove 1: failed node replaced (r)', 'provision', 'provision']);
  });

  it('a failed node holds no slot under max: max − (up + booting) nodes may be added', () => {
    // max 3, 2 up + 1 failed: one node may be added (it replaces the failed one), not zero.
    expect(show(planScaleSteps(cluster(0, 3, 3, [0]), [{ pool: 0, delta: 5, reason: 'r' }]))).toEqual(['remove 0: failed node replaced (r)', 'provision']);
  });

  it('scale-in: every failed node goes first and does not count against the removal', () => {
    // Nodes 0-3, 0 and 3 failed, 1 and 2 up (idle), 4 booting; min 0. −2 retires the failed 3 and
    // 0 (not counted), then cancels the booting 4 and retires the idle up 2 (highest id first).
    const s = cluster(0, 6, 4, [0, 3]);
    s.addNode(0, 'booting');
    const steps = planScaleSteps(s, [{ pool: 0, delta: -2, reason: 'r' }]);
    expect(show(steps)).toEqual(['remove 3: failed node retired on scale-in (r)', 'remove 0: failed node retired on scale-in (r)', 'remove 4: r', 'remove 2: r']);
  });

  it('scale-in at min still retires the failed nodes (they are not part of the size min holds)', () => {
    expect(show(planScaleSteps(cluster(2, 4, 3, [1]), [{ pool: 0, delta: -1, reason: 'r' }]))).toEqual(['remove 1: failed node retired on scale-in (r)']);
  });

  it('without failed nodes the steps are as before', () => {
    expect(show(planScaleSteps(cluster(0, 4, 2, []), [{ pool: 0, delta: 5, reason: 'r' }]))).toEqual(['provision', 'provision']);
    expect(show(planScaleSteps(cluster(1, 4, 3, []), [{ pool: 0, delta: -5, reason: 'r' }]))).toEqual(['remove 2: r', 'remove 1: r']);
  });
});

/*
 * The simulator, by hand. Pool a: 4-cpu nodes, min 1, max 3, 2 up at t = 0, $3.60 per node-hour
 * ($0.001 per node-second), 60-s boot. x and y (4 cpu, 1000 s) start at 0 on nodes 0 and 1. Node 0
 * fails at 100 (x is requeued). Reactive, target 1, no scale-in, a tick every 15 s: at 105,
 * up 1, running 1 + queued 1 → metric 2 → desired 2, +1. Node 2 boots until 165, x runs there
 * until 1165, the end of the run (its last work; the tick at 1170 would only see an idle pool:
 * the run went on to it, 5 s more billed on every node, until test/sim/scaling-run-end.test.ts);
 * y ends at 1000.
 *
 * Before this rule the failed node 0 was billed until the end: 1165 + 1165 (node 1) + 1060
 * (node 2, 105 → 1165) = 3390 node-s, $3.39, 3 nodes billed at once in a pool of max 3 (and 4
 * with max 2: a repair brought it back over max). Now node 0 is retired at 105, when node 2 is
 * provisioned in its place: 105 + 1165 + 1060 = 2330 node-s, $2.33, never more than 2 billed.
 */
describe('simulator: a failed node is replaced and stops billing', () => {
  const r = (id: string): Request => ({ id, tenant: 't', arrival: 0, demand: [4, 1, 0], duration: 1000, priority: 'medium' });
  const run = (nodes: PoolSpec['nodes'], failures: FailureSpec, scaling: ScalingPolicy = reactivePolicy({ target: 1, scaleDown: { select: 'disabled' } }), horizon?: number) =>
    replay({
      space,
      pools: [{ name: 'a', capacity: [4, 16, 0], nodes, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 60, labels: {} }],
      seed: 1,
      allocator: createAllocator({ name: 'first-fit' }),
      queue: fcfs(),
      requests: [r('x'), r('y')],
      failures,
      scaling,
      ...(horizon === undefined ? {} : { horizon }),
    });
  const nodeEvents = (log: Awaited<ReturnType<typeof run>>['log']): string[] => {
    const names = new Map<number, string>([[EV.nodeProvision, 'provision'], [EV.nodeUp, 'up'], [EV.nodeFail, 'fail'], [EV.nodeRemove, 'remove']]);
    const out: string[] = [];
    for (let i = 0; i < log.length; i++) {
      const k = names.get(log.kind(i));
      if (k !== undefined) out.push(`${log.time(i)} ${k} ${log.node(i)}`);
    }
    return out;
  };

  it('failed for good: retired when its replacement is provisioned; cost by hand', async () => {
    const out = await run({ min: 1, max: 3, initial: 2 }, { events: [{ at: 100, pool: 'a', count: 1 }] });
    expect(nodeEvents(out.log)).toEqual([
      '0 provision 0', '0 up 0', '0 provision 1', '0 up 1',
      '100 fail 0', '105 remove 0', '105 provision 2', '165 up 2',
      '1165 remove 1', '1165 remove 2',
    ]);
    const m = computeMetrics(out.log, space.names);
    expect(m.cost.nodeHours * 3600).toBeCloseTo(2330, 6);
    expect(m.cost.total).toBeCloseTo(2.33, 9);
    expect(m.byPool.a?.peakNodes).toBe(2);
    expect(m.requests.completed).toBe(2);
  });

  it.each([300, 5000])('with a repair due after %i s: withdrawn when the node is retired; the pool stays within max, the run is not stretched', async (repairAfter) => {
    // max 2 (min 1): node 0 would be repaired at 400 (a third node in a pool of max 2), or at
    // 5100, long after the work (the run, and the billing of nodes 1 and 2, went on until then).
    const out = await run({ min: 1, max: 2, initial: 2 }, { events: [{ at: 100, pool: 'a', count: 1, repairAfter }] });
    const ev = nodeEvents(out.log);
    expect(ev.filter((e) => e.endsWith(' 0'))).toEqual(['0 provision 0', '0 up 0', '100 fail 0', '105 remove 0']);
    expect(out.endTime).toBe(1165);
    const m = computeMetrics(out.log, space.names);
    expect(m.byPool.a?.peakNodes).toBe(2);
    expect(m.cost.total).toBeCloseTo(2.33, 9);
  });

  it('a pool at its min replaces a failed node even with no work waiting', async () => {
    // min = max = 2, a horizon of 1200 s (ticks go on after the work): x and y end at 1000, node 0
    // fails at 1100. At the tick at 1110, up 1, no demand: metric 0 → raw 0 → clamped to min 2, +1.
    const out = await run({ min: 2, max: 2, initial: 2 }, { events: [{ at: 1100, pool: 'a', count: 1 }] }, undefined, 1200);
    const ev = nodeEvents(out.log);
    expect(ev.filter((e) => e.startsWith('1100 ') || e.startsWith('1110 '))).toEqual(['1100 fail 0', '1110 remove 0', '1110 provision 2']);
  });

  it('a pool no policy resizes keeps its failed node, billed until the end (unchanged)', async () => {
    const out = await run({ min: 1, max: 3, initial: 2 }, { events: [{ at: 100, pool: 'a', count: 1 }] }, staticPolicy(15));
    const ev = nodeEvents(out.log);
    expect(ev).toContain('100 fail 0');
    expect(ev.filter((e) => e.includes('remove 0'))).toEqual([`${out.endTime} remove 0`]);
    expect(ev.some((e) => e.includes('provision 2'))).toBe(false);
  });
});
