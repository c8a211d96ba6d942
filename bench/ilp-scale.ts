import { performance } from 'node:perf_hooks';
import { WORK_BUDGET } from '../src/algorithms/allocator.js';
import type { AllocatorContext } from '../src/algorithms/allocator.js';
import { priorityWeight } from '../src/algorithms/batch.js';
import { IlpAllocator } from '../src/algorithms/ilp.js';
import { ClusterState } from '../src/core/cluster.js';
import type { PoolSpec, Request } from '../src/core/model.js';
import { ResourceSpace } from '../src/core/resources.js';
import { Rng } from '../src/core/rng.js';

/**
 * `npx tsx bench/ilp-scale.ts [20x10,40x10,...] [--shapes]`: one `ilp` decision on a congested
 * batch of R requests over N empty nodes (half 16-cpu, half 32-cpu at three times the price), with
 * the per-request model (`classes: false`) and the class model, default budgets, three seeds per
 * row; prints the median time, the model size and the objectives. Requests are `0.5 + int(12)`
 * cpu and `1 + int(4)` memory units (192 shapes), or with `--shapes` one of five fixed shapes;
 * priorities are drawn from four classes and the batch is in priority order, as the priority
 * queue hands it over. Times are wall clock (the machine's load moves them); the decisions
 * themselves are deterministic.
 */
const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (name: string, cpu: number, n: number, price: number): PoolSpec => ({
  name,
  capacity: [cpu, 4 * cpu, 0],
  nodes: { min: n, max: n, initial: n },
  pricePerHour: price,
  latencyMs: 1,
  bootSeconds: 0,
  labels: {},
});
const SHAPES = [[1, 2, 0], [2, 8, 0], [4, 16, 0], [8, 12, 0], [12, 40, 0]];
const args = process.argv.slice(2);
const shapes = args.includes('--shapes');
const sizes = (args.find((a) => !a.startsWith('--')) ?? '20x10,40x10,40x30,80x30,150x30').split(',');

function batchOf(requests: number, nodes: number, seed: string): { state: ClusterState; batch: Request[] } {
  const rng = new Rng(seed);
  const state = ClusterState.fromPools(space, [pool('a', 16, nodes / 2, 1), pool('b', 32, nodes / 2, 3)]);
  const batch: Request[] = Array.from({ length: requests }, (_, i) => ({
    id: `r${i}`,
    tenant: 't',
    arrival: 0,
    demand: shapes ? (SHAPES[rng.int(SHAPES.length)] as number[]) : [0.5 + rng.int(12), 1 + rng.int(4), 0],
    duration: 10,
    priority: rng.pick(['critical', 'high', 'medium', 'low'] as const),
  }));
  batch.sort((a, b) => priorityWeight(b) - priorityWeight(a));
  return { state, batch };
}

const ctx: AllocatorContext = { now: 0, rng: new Rng('bench'), budget: WORK_BUDGET, blocking: false };
const models = { 'per-request': new IlpAllocator({ classes: false }), classes: new IlpAllocator() };
for (const a of Object.values(models)) {
  await a.prepare();
  const { state, batch } = batchOf(150, 30, 'warm-up');
  a.allocate(batch, state, ctx);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`batch    model         median ms  variables        objective (per seed)      stopped by`);
for (const size of sizes) {
  const [requests, nodes] = size.split('x').map(Number) as [number, number];
  for (const [name, a] of Object.entries(models)) {
    const ms: number[] = [];
    const vars: string[] = [];
    const obj: string[] = [];
    const stop: string[] = [];
    for (const seed of ['s1', 's2', 's3']) {
      const { state, batch } = batchOf(requests, nodes, seed);
      const t = performance.now();
      const d = a.allocate(batch, state, ctx);
      ms.push(performance.now() - t);
      vars.push(d.solver?.detail?.match(/^(\d+) variables/)?.[1] ?? '-');
      obj.push((d.solver?.objective ?? 0).toFixed(2));
      stop.push(`${d.solver?.backend ?? '-'}/${d.solver?.stoppedBy ?? '-'}`);
    }
    console.log(`${size.padEnd(8)} ${name.padEnd(12)} ${median(ms).toFixed(0).padStart(9)}  ${vars.join('/').padEnd(15)}  ${obj.join(' ').padEnd(24)}  ${stop.join(' ')}`);
  }
}
