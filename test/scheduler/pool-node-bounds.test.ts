import { describe, expect, it } from 'vitest';
import { ResourceSpace } from '../../src/core/resources.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { toPoolSpec } from '../../src/scheduler/inputs.js';
import { parseScenario } from '../../src/scenario/load.js';

/*
 * One pool written `nodes: { initial, max }` (no min) must scale within the same bounds in a
 * scenario and in ResourceScheduler / `drs serve`. The scenario reads min = initial
 * (docs/scenarios.md); the scheduler read min = 0, so the same pool, idle under the reactive rule,
 * stayed at 2 nodes in `drs run` and was scaled in to 0 by the scheduler.
 */

const scenarioPool = (nodes: string) =>
  (
    parseScenario(
      `name: bounds
dimensions: [cpu]
pools:
  - { name: w, capacity: { cpu: 8 }, nodes: ${nodes}, pricePerHour: 1 }
trace: { kind: csv, file: ./x.csv, columns: { arrival: a, duration: d, demand: { cpu: c } } }
strategies: [first-fit]
`,
      'b.yaml',
    ).pools as { nodes: unknown }[]
  )[0]?.nodes;

describe('a pool without nodes.min', () => {
  it('gets min = initial in the scheduler, as in a scenario', () => {
    const space = new ResourceSpace(['cpu']);
    for (const [written, nodes] of [
      ['{ initial: 2, max: 4 }', { initial: 2, max: 4 }],
      ['{ initial: 3 }', { initial: 3 }],
      ['{ min: 1, initial: 2, max: 4 }', { min: 1, initial: 2, max: 4 }],
    ] as const) {
      const want = scenarioPool(written);
      expect(toPoolSpec({ name: 'w', capacity: { cpu: 8 }, nodes }, space).nodes, written).toEqual(want);
    }
    expect(scenarioPool('{ initial: 2, max: 4 }')).toEqual({ min: 2, max: 4, initial: 2 });
  });

  it('is not scaled in below its initial size when idle (reactive rule)', () => {
    let now = 0;
    const s = new ResourceScheduler({ timers: false, clock: () => now, dimensions: ['cpu'], pools: [{ name: 'w', capacity: { cpu: 8 }, nodes: { initial: 2, max: 4 } }], scaling: { policy: 'reactive' } });
    // Idle for 10 minutes: past the 300-s scale-down stabilization window many times over.
    for (let i = 0; i < 40; i++) {
      now += 15_000;
      s.scale();
    }
    expect(s.listPools()[0]?.nodes).toMatchObject({ min: 2, max: 4, initial: 2, up: 2 });
    // A min written down is kept: the same pool with min 0 goes down to 0.
    const t = new ResourceScheduler({ timers: false, clock: () => now, dimensions: ['cpu'], pools: [{ name: 'w', capacity: { cpu: 8 }, nodes: { min: 0, initial: 2, max: 4 } }], scaling: { policy: 'reactive' } });
    for (let i = 0; i < 40; i++) {
      now += 15_000;
      t.scale();
    }
    expect(t.listPools()[0]?.nodes).toMatchObject({ min: 0, up: 0 });
    s.close();
    t.close();
  });
});
