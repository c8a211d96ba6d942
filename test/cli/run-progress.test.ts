import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { runProgress } from '../../src/cli/run-progress.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { fcfs } from '../../src/queue/fcfs.js';
import { compareStrategies } from '../../src/sim/compare.js';

describe('drs run progress', () => {
  it('with a horizon: strategies done plus the current one\'s simulated time over the horizon', () => {
    const f = runProgress(4, 3600);
    expect(f(0, 10, 1800)).toBe(0.125);
    expect(f(2, 10, 3600)).toBe(0.75);
    expect(f(3, 10, 7200)).toBe(1); // a run past its horizon counts as done, not 112 %
  });

  it('without one: unknown during the first strategy (not 0 %), then arrivals over the first strategy\'s', () => {
    const f = runProgress(2, undefined);
    expect(f(0, 4096, 100)).toBeUndefined();
    expect(f(0, 10_000, 900)).toBeUndefined(); // compareStrategies' last word on strategy 0: 10,000 arrived in all
    expect(f(1, 2_500, 50)).toBe(0.625);
    expect(f(1, 10_000, 990)).toBe(1);
    expect(f(1, 12_000, 990)).toBe(1); // never past the end, should a strategy read more than the first did
    // A horizon of 0 is no horizon to measure by.
    expect(runProgress(2, 0)(0, 1, 1)).toBeUndefined();
  });

  it("compareStrategies ends each strategy's progress with its total arrivals (the replay reports only every 4,096)", async () => {
    const calls: [number, number, number][] = [];
    await compareStrategies({
      scenario: 's', space: new ResourceSpace(['cpu']), seed: 1,
      pools: [{ name: 'p', capacity: [4], nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }],
      requests: () => [0, 1, 2].map((i) => ({ id: `r${i}`, tenant: 't', arrival: i, demand: [1], duration: 5, priority: 'medium' as const })),
      strategies: ['first-fit', 'worst-fit'].map((name) => ({ label: name, allocator: () => createAllocator({ name: name as 'first-fit' }), queue: () => fcfs() })),
      onProgress: (i, arrivals, now) => calls.push([i, arrivals, now]),
    });
    expect(calls).toEqual([[0, 3, 7], [1, 3, 7]]);
  });
});
