import { Bench } from 'tinybench';
import { WORK_BUDGET, type AllocatorContext } from '../src/algorithms/allocator.js';
import { decideAndApply } from '../src/algorithms/decide.js';
import { createAllocator, type StrategySpec } from '../src/algorithms/registry.js';
import { ClusterState } from '../src/core/cluster.js';
import type { PoolSpec, Request } from '../src/core/model.js';
import { PRIORITIES } from '../src/core/priority.js';
import { ResourceSpace } from '../src/core/resources.js';
import { Rng } from '../src/core/rng.js';
import { benchFigures, type Figure } from './common.js';

/**
 * Decisions per second over a long waiting queue, as a pass offers it when capacity was freed:
 * every waiting request in one decision, most of them told to wait. 40 nodes (CPU and GPU pools)
 * held as they are: each decision is applied (re-checked, as the simulator does) and what it
 * started is released again, so every decision sees the same cluster and queue. Cases: best-fit-
 * decreasing with priority preemption over 300 waiting requests (nothing preemptible runs, so every
 * critical/high request is searched for victims in vain), and the genetic search over 150 (its
 * model's size) with some room left.
 */
export async function queueSuite(): Promise<Figure[]> {
  const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
  const pools: PoolSpec[] = [
    { name: 'cpu', capacity: [32, 128, 0], nodes: { min: 0, max: 30, initial: 30 }, pricePerHour: 2, latencyMs: 5, bootSeconds: 0, labels: {} },
    { name: 'gpu', capacity: [96, 1024, 8], nodes: { min: 0, max: 10, initial: 10 }, pricePerHour: 30, latencyMs: 5, bootSeconds: 0, labels: {} },
  ];
  const shapes = [[1, 2, 0], [2, 8, 0], [4, 16, 0], [8, 32, 0], [4, 16, 0.5], [8, 64, 1]];
  const bench = new Bench({ time: 1500, warmupTime: 300 });
  const cases: { name: string; spec: StrategySpec; waiting: number; fill: number }[] = [
    { name: 'best-fit-decreasing+preemption, 300 waiting', spec: { name: 'best-fit-decreasing', preemption: true }, waiting: 300, fill: 0.97 },
    { name: 'genetic, 150 waiting', spec: { name: 'genetic' }, waiting: 150, fill: 0.85 },
  ];
  for (const c of cases) {
    const state = ClusterState.fromPools(space, pools);
    const rng = new Rng(`queue-${c.name}`);
    let seq = 0;
    const mk = (): Request => ({ id: `r${seq++}`, tenant: `t${rng.int(3)}`, arrival: 0, demand: shapes[rng.int(shapes.length)] as number[], duration: 1, priority: PRIORITIES[rng.int(4)] as Request['priority'] });
    const ctx: AllocatorContext = { now: 0, rng, budget: WORK_BUDGET, blocking: false };
    // Fill the CPU to `fill` with work that cannot be preempted, then queue the rest.
    const cpu = 30 * 32 + 10 * 96;
    let used = 0;
    while (used < c.fill * cpu) {
      const r = mk();
      if (decideAndApply(createAllocator({ name: 'first-fit' }), [r], state, ctx).started.length === 0) break;
      used += r.demand[0] as number;
    }
    const queue = Array.from({ length: c.waiting }, mk);
    const alloc = createAllocator(c.spec);
    bench.add(c.name, () => {
      const res = decideAndApply(alloc, [...queue], state, ctx);
      for (const a of res.started) state.release(a.id);
    });
  }
  await bench.run();
  const per: Record<string, { items: number; unit: string }> = {};
  for (const t of bench.tasks) per[t.name] = { items: 1, unit: 'decisions/s' };
  return benchFigures('queue', bench, per);
}
