import { Bench } from 'tinybench';
import type { AllocatorContext } from '../src/algorithms/allocator.js';
import { decideAndApply } from '../src/algorithms/decide.js';
import { createAllocator, type AllocatorName } from '../src/algorithms/registry.js';
import { ClusterState } from '../src/core/cluster.js';
import type { PoolSpec, Request } from '../src/core/model.js';
import { ResourceSpace } from '../src/core/resources.js';
import { Rng } from '../src/core/rng.js';
import { benchFigures, type Figure } from './common.js';

/**
 * Placement decisions per second on clusters of 1,000 and 10,000 nodes (3 dimensions, two node
 * shapes), held at ~75% allocated: each step asks the allocator for one arriving request,
 * applies the decision (re-checked, as the simulator does), and releases one random running
 * allocation, so the cluster stays in a steady state.
 */
export async function placementSuite(names: readonly AllocatorName[] = ['best-fit-decreasing', 'first-fit']): Promise<Figure[]> {
  const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
  const BATCH = 1000;
  const bench = new Bench({ time: 1500, warmupTime: 300 });
  for (const nodes of [1_000, 10_000]) {
    for (const name of names) {
      const pools: PoolSpec[] = [
        { name: 'cpu', capacity: [64, 256, 0], nodes: { min: 0, max: nodes, initial: (nodes * 3) / 4 }, pricePerHour: 2, latencyMs: 5, bootSeconds: 0, labels: {} },
        { name: 'gpu', capacity: [96, 1024, 8], nodes: { min: 0, max: nodes, initial: nodes / 4 }, pricePerHour: 30, latencyMs: 5, bootSeconds: 0, labels: {} },
      ];
      const state = ClusterState.fromPools(space, pools);
      const alloc = createAllocator({ name });
      const rng = new Rng(`place-${nodes}-${name}`);
      const shapes = [[1, 4, 0], [2, 8, 0], [4, 16, 0], [8, 32, 0], [16, 64, 0], [8, 64, 1], [16, 128, 2], [0.5, 2, 0]];
      let seq = 0;
      const live: string[] = [];
      const mk = (): Request => ({ id: `r${seq++}`, tenant: 't', arrival: 0, demand: shapes[rng.int(shapes.length)] as number[], duration: 1, priority: 'medium' });
      const ctx: AllocatorContext = { now: 0, rng, budget: { kind: 'wall', ms: 1000, clock: () => performance.now() }, blocking: false };
      // Fill to ~75% of CPU.
      const target = 0.75 * ((nodes * 3) / 4) * 64 + 0.75 * (nodes / 4) * 96;
      let used = 0;
      while (used < target) {
        const r = mk();
        const res = decideAndApply(alloc, [r], state, ctx);
        if (res.started.length === 0) break;
        live.push(r.id);
        used += r.demand[0] as number;
      }
      bench.add(`${name}, ${nodes.toLocaleString('en-US')} nodes`, () => {
        for (let i = 0; i < BATCH; i++) {
          const r = mk();
          const res = decideAndApply(alloc, [r], state, ctx);
          if (res.started.length > 0) live.push(r.id);
          const k = rng.int(live.length);
          const victim = live[k] as string;
          live[k] = live[live.length - 1] as string;
          live.pop();
          state.release(victim);
        }
      });
    }
  }
  await bench.run();
  const per: Record<string, { items: number; unit: string; target?: string }> = {};
  for (const t of bench.tasks) per[t.name] = { items: BATCH, unit: 'decisions/s', ...(t.name === 'best-fit-decreasing, 10,000 nodes' ? { target: '≥ 50,000' } : {}) };
  return benchFigures('placement', bench, per);
}
