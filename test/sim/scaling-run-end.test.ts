import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { ScalingPolicy } from '../../src/autoscale/policy.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { comparisonTable } from '../../src/report/table.js';
import { compareStrategies } from '../../src/sim/compare.js';
import type { FailureSpec } from '../../src/sim/failures.js';
import { EV } from '../../src/sim/log.js';
import { computeMetrics } from '../../src/sim/metrics.js';
import { replay } from '../../src/sim/replay.js';

/*
 * Without a horizon a run ends when the trace is over and all work is done (docs/scenarios.md,
 * `horizon`): at the last completion, and every node's bill with it. Under autoscaling the run
 * went on to the first scaling tick after it (the tick that saw nothing left and stopped), and to
 * the end of a boot the policy had asked for meanwhile.
 *
 * By hand: one pool of 4-cpu nodes at $3.60/h (1 node-second = $0.001), min 1, initial 1, boot
 * 600 s; one 1-cpu request of 100 s at t = 0; a policy that never acts, ticking every 15 s.
 * Ticks at 0, 15, …, 90; the work completes at 100, and the run ends there: 100 node-seconds.
 * It ended at the tick at 105 (105 node-seconds); with `intervalSeconds: 1e10` at 1e10 s
 * ($10,000,000 for 100 s of work). With a policy that asks for a node at t = 90 (it boots until
 * 690): node 0 billed 100 s, node 1 10 s, 110 node-seconds (it was 690 + 600 = 1290). A failure
 * event of the scenario at 500 s with a repair 100 s later is its own timeline and keeps the run
 * going to 600 (documented), which the outcome now says in a note.
 */
const space = new ResourceSpace(['cpu']);
const pool: PoolSpec = { name: 'w', capacity: [4], nodes: { min: 1, max: 2, initial: 1 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 600, labels: {} };
const request: Request = { id: 'a', tenant: 't', arrival: 0, demand: [1], duration: 100, priority: 'medium' };

function policy(intervalSeconds: number, upAt?: number): ScalingPolicy {
  return { name: 'fixed', intervalSeconds, decide: ({ now }) => (now === upAt ? [{ pool: 0, delta: 1, reason: 'up' }] : []) };
}

async function run(scaling: ScalingPolicy, failures?: FailureSpec, nodes: PoolSpec['nodes'] = pool.nodes) {
  const out = await replay({ space, pools: [{ ...pool, nodes }], seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: fcfs(), requests: [request], scaling, ...(failures ? { failures } : {}) });
  const removed: [number, number][] = [];
  for (let i = 0; i < out.log.length; i++) if (out.log.kind(i) === EV.nodeRemove) removed.push([out.log.node(i), out.log.time(i)]);
  return { out, removed, nodeSeconds: computeMetrics(out.log, space.names).cost.nodeHours * 3600 };
}

describe('autoscaling without a horizon: the run ends at the last completion', () => {
  it('not at the next scaling tick', async () => {
    const { out, removed, nodeSeconds } = await run(policy(15));
    expect(out.endTime).toBe(100);
    expect(removed).toEqual([[0, 100]]);
    expect(nodeSeconds).toBeCloseTo(100, 9);
    expect(out.log.scaleTicks.map((t) => t.t)).toEqual([0, 15, 30, 45, 60, 75, 90]);
    expect(out.notes).toEqual([]);
  });

  it('not at a tick 1e10 s later', async () => {
    const { out, nodeSeconds } = await run(policy(1e10));
    expect(out.endTime).toBe(100);
    expect(nodeSeconds).toBeCloseTo(100, 9);
  });

  it('not at the end of a boot asked for before it (the booting node is billed until then)', async () => {
    const { out, removed, nodeSeconds } = await run(policy(15, 90));
    expect(out.endTime).toBe(100);
    expect(removed).toEqual([
      [0, 100],
      [1, 100],
    ]);
    expect(nodeSeconds).toBeCloseTo(110, 9);
    expect(out.notes).toEqual([]);
  });

  it('a boot that waiting work needs still runs: the run ends when that work does', async () => {
    // No node at t = 0 (min 0): the policy asks for one at the first tick, up at 600; the request
    // runs 600-700. 700 node-seconds, the same before and after the fix.
    const { out, removed, nodeSeconds } = await run(policy(15, 0), undefined, { min: 0, max: 1, initial: 0 });
    expect(out.endTime).toBe(700);
    expect(removed).toEqual([[0, 700]]);
    expect(nodeSeconds).toBeCloseTo(700, 9);
    expect(out.notes).toEqual([]);
  });

  it('a failure event after the last work keeps the run going to its repair, and says so', async () => {
    const { out, removed, nodeSeconds } = await run(policy(15), { events: [{ at: 500, pool: 'w', count: 1, repairAfter: 100 }] });
    expect(out.endTime).toBe(600);
    expect(removed).toEqual([[0, 600]]);
    expect(nodeSeconds).toBeCloseTo(600, 9);
    expect(out.notes).toEqual(['the run lasted until t = 600 s, 8.3m past its last work (t = 100 s), for the node failures and repairs of failures.events after it; every node is billed until the run ends']);
  });

  it('the note is printed under the run\'s table (drs run), and is in its JSON as endNotes', async () => {
    const res = await compareStrategies({
      scenario: 's',
      space,
      pools: [pool],
      requests: () => [request],
      strategies: [{ label: 'ff', allocator: () => createAllocator({ name: 'first-fit' }), queue: () => fcfs(), scaling: () => policy(15) }],
      seed: 1,
      failures: { events: [{ at: 500, pool: 'w', count: 1, repairAfter: 100 }] },
    });
    expect(res.results[0]).toMatchObject({ state: 'completed', simulatedSeconds: 600, endNotes: [expect.stringMatching(/^the run lasted until t = 600 s, /)] });
    expect(comparisonTable(res)).toContain('\nnote: ff: the run lasted until t = 600 s, 8.3m past its last work (t = 100 s), for the node failures and repairs of failures.events after it');
  });
});
