import { describe, expect, it } from 'vitest';
import { ResourceScheduler, type ScaleEvent } from '../../src/scheduler/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A scheduler on its timers with a `static` policy holding pool w at 3 nodes, re-asserted hourly. */
function make() {
  const s = new ResourceScheduler({
    pools: [{ name: 'w', capacity: { cpu: 8, memory: 32, gpu: 0 }, nodes: { min: 1, max: 5, initial: 1 } }],
    scaling: { policy: 'static', options: { nodes: { w: 3 }, intervalSeconds: 3600 } },
  });
  const scaled: ScaleEvent[] = [];
  s.on('scaled', (e) => scaled.push(e));
  return { s, scaled };
}

describe('ResourceScheduler: the scaling timer', () => {
  it('asks the policy once at start, as the simulator does at t = 0, not only after the first interval', async () => {
    const { s, scaled } = make();
    await sleep(50);
    s.close();
    expect(scaled.filter((e) => e.action === 'provision').map((e) => e.node)).toEqual(['w-1', 'w-2']);
    expect(s.listPools()[0]?.nodes.up).toBe(3);
  });

  it('does not scale after close(), even when closed before that first step', async () => {
    const { s, scaled } = make();
    s.close();
    await sleep(50);
    expect(scaled).toEqual([]);
  });
});
