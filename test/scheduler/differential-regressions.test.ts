import { describe, expect, it } from 'vitest';
import { produce, simulate } from './differential/drivers.js';
import { POLICIES, type Scenario, type Spec } from './differential/generate.js';

/**
 * Divergences between the simulator and ResourceScheduler that the differential test
 * (differential.test.ts) found, each shrunk to a case small enough to work out by hand. The
 * expected log is the hand-worked one; both drivers must produce it.
 *
 * Quotas here (differential/generate.ts, QUOTAS): tenant a may use at most half the up cpu;
 * tenant d has no quota.
 */
const req = (id: string, arrivalMs: number, durationMs: number, demand: readonly number[], tenant: string): Spec => ({
  id,
  arrivalMs,
  durationMs,
  demand,
  tenant,
  priority: 'medium',
  preemptible: false,
  dependsOn: [],
});

const FCFS_BLOCKING = POLICIES.findIndex((p) => p.label === 'fcfs-blocking');

describe('differential regressions (worked out by hand)', () => {
  /**
   * A node fails with nothing running on it, under quotas. Nodes: 0 (pool p0: 8 cpu, 16 memory)
   * and 1 (p1: 8 cpu, 4 memory), so 16 cpu up and tenant a may use 8.
   *
   * - 0 s: r0 (d, 4 cpu, 8 mem, 10 s) starts on node 0 (first fit).
   * - 1 s: r1 (a, 6 cpu, 12 mem) fits neither node (node 0 has 8 mem left, node 1 has 4): it is
   *   the head of the blocking FCFS queue; r2 (d, 1 cpu, 1 mem, 3 s) waits behind it.
   * - 2 s: node 1 fails. It ran nothing, but 8 cpu are up now, so tenant a may use 4: r1 (6) is
   *   held for quota and holds the head no more, and r2 starts on node 0 (2 s, ends at 5 s).
   * - 10 s: r0 completes; r1 is still over a's maximum.
   * - 20 s: node 1 is repaired (16 cpu up, a may use 8 again): r1 starts on node 0 (ends at 21 s).
   *
   * Production ran the pass at 2 s (failNode offered everything under quotas); the simulator set
   * `freed` only when the failure evicted work, so r2 waited until r0 completed, at 10 s. Fixed by
   * one rule both drivers ask (SchedulingPass.nodeFailureOffersAll).
   */
  it('a node failure that evicts nothing still offers everything under quotas (the shares shrank)', async () => {
    const s: Scenario = {
      pools: [
        { capacity: [8, 16, 0], nodes: 1 },
        { capacity: [8, 4, 0], nodes: 1 },
      ],
      requests: [req('r0', 0, 10_000, [4, 8, 0], 'd'), req('r1', 1000, 1000, [6, 12, 0], 'a'), req('r2', 1000, 3000, [1, 1, 0], 'd')],
      failures: [{ atMs: 2000, pool: 1, repairAfterMs: 18_000 }],
      allocator: 'first-fit',
      policy: FCFS_BLOCKING,
      preemption: false,
      quotas: true,
    };
    const expected = ['0 start r0 0', '2000 node-failed 1', '2000 start r2 0', '5000 complete r2', '10000 complete r0', '20000 node-repaired 1', '20000 start r1 0', '21000 complete r1'];
    expect(await simulate(s)).toEqual(expected);
    expect(await produce(s)).toEqual(expected);
  });
});
