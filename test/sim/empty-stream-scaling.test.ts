import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { ScalingPolicy } from '../../src/autoscale/policy.js';
import { createScalingPolicy } from '../../src/autoscale/registry.js';
import type { PoolSpec } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { createQueuePolicy } from '../../src/queue/registry.js';
import { replay } from '../../src/sim/replay.js';

/*
 * A trace with no request at all, e.g. a demand series whose values are all 0 (or so small that
 * every Poisson draw is 0), under an autoscaling policy and without a horizon: the stream was only
 * marked done after an arrival, so with none the scaling ticks rescheduled themselves for ever
 * (`drs run` on such a demand-series scenario never returned and its tick log grew to gigabytes).
 * By hand: nothing arrives, nothing runs, the pool holds 2 nodes. Without a horizon the ticks stop
 * once the stream is done and nothing runs or waits: the tick at t = 0 is the only one and the run
 * ends at 0, as one whose last request finished at 0. With a horizon of 600 s the policy ticks
 * every 15 s until it: 0, 15, …, 600, 41 ticks.
 */

const space = new ResourceSpace(['cpu']);
const pools: PoolSpec[] = [{ name: 'w', capacity: [4], nodes: { min: 1, max: 4, initial: 2 }, pricePerHour: 3.6, latencyMs: 0, bootSeconds: 0, labels: {} }];

/** The policy, made to throw past 1000 decisions: a run that never ends fails instead of hanging the test. */
function bounded(policy: 'reactive' | 'predictive'): ScalingPolicy {
  const p = createScalingPolicy(policy, {}, { seed: '1', dimensions: space.names });
  let calls = 0;
  const decide = p.decide.bind(p);
  p.decide = (input) => {
    if (++calls > 1000) throw new Error(`${policy}: still ticking after 1000 decisions with no request`);
    return decide(input);
  };
  return p;
}

async function run(policy: 'reactive' | 'predictive', horizon?: number) {
  return replay({
    space,
    pools,
    requests: [],
    allocator: createAllocator({ name: 'first-fit' }),
    queue: createQueuePolicy('fcfs'),
    scaling: bounded(policy),
    seed: 1,
    ...(horizon !== undefined ? { horizon } : {}),
  });
}

describe('autoscaling with an empty request stream', () => {
  for (const policy of ['reactive', 'predictive'] as const) {
    it(`${policy}: ends without a horizon, after the first tick`, async () => {
      const out = await run(policy);
      expect(out.endTime).toBe(0);
      expect(out.log.scaleTicks.map((t) => t.t)).toEqual([0]);
    });
  }

  it('with a horizon it lasts until the horizon, ticking every 15 s', async () => {
    const out = await run('reactive', 600);
    expect(out.endTime).toBe(600);
    expect(out.log.scaleTicks.length).toBe(600 / 15 + 1);
  });
});
