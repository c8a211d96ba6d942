/**
 * Memory of a long-lived scheduler under node churn: does what it keeps grow with the nodes it
 * ever had, or with the nodes it has now?
 *
 * A ResourceScheduler (in process, SQLite state file, so the store's rows stay on disk) with one
 * pool of `--nodes` nodes at most is scaled up to them and back to none, again and again (a
 * scaling policy that alternates +N and −N; no boot time), `--cycles` times. The heap after a
 * forced GC (`node --expose-gc`) is sampled every `--cycles / 4` cycles; the figure is the heap
 * growth per 1,000 churned nodes (provisioned and removed), from the first sample to the last. The
 * pool's billing (node-hours, cost) at the end is printed, so two checkouts can be compared on
 * the same figures.
 *
 *   node --expose-gc --import tsx bench/node-churn.ts [--nodes 100] [--cycles 400] [--root DIR] [--label NAME]
 *
 * `--root DIR` runs another checkout's `src/` (a worktree of an earlier commit: the "before"
 * figures). Writes bench/results/node-churn-<label>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as SchedulerLib from '../src/scheduler/index.js';
import { machine, RESULTS_DIR } from './common.js';

const args = (() => {
  try {
    return parseArgs({ options: { nodes: { type: 'string', default: '100' }, cycles: { type: 'string', default: '400' }, root: { type: 'string' }, label: { type: 'string', default: 'latest' } } }).values;
  } catch (e) {
    console.error(`bench/node-churn.ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
})();
function whole(name: 'nodes' | 'cycles', min: number): number {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min) {
    console.error(`bench/node-churn.ts: --${name}: expected a whole number >= ${min}, got ${args[name]}`);
    process.exit(2);
  }
  return v;
}
const NODES = whole('nodes', 1);
const CYCLES = whole('cycles', 4);
const ROOT = path.resolve(args.root ?? path.join(import.meta.dirname, '..'));
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('bench/node-churn.ts: run it with node --expose-gc --import tsx (the heap is read after a forced GC)');
  process.exit(2);
}
const lib = (await import(path.join(ROOT, 'src/scheduler/index.ts'))) as typeof SchedulerLib;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'drs-churn-'));
const clock = { now: 0 };
let delta = 0;
const s = await lib.ResourceScheduler.create({
  store: new lib.SqliteStore(path.join(tmp, 'state.db')),
  durability: 'group',
  timers: false,
  clock: () => clock.now,
  scaling: { name: 'churn', intervalSeconds: 60, decide: () => [{ pool: 0, delta, reason: 'churn' }] },
  pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: { min: 0, max: NODES, initial: 0 }, pricePerHour: 2.5 }],
});
const heapMiB = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const samples: { cycles: number; churned: number; heapMiB: number }[] = [];
const every = Math.max(1, Math.floor(CYCLES / 4));
for (let c = 0; c <= CYCLES; c++) {
  if (c % every === 0) {
    await s.durable();
    samples.push({ cycles: c, churned: c * NODES, heapMiB: heapMiB() });
    const last = samples[samples.length - 1] as (typeof samples)[number];
    console.log(`${String(last.churned).padStart(8)} nodes churned: heap ${last.heapMiB.toFixed(2)} MiB`);
  }
  if (c === CYCLES) break;
  for (const d of [NODES, -NODES]) {
    clock.now += 60_000;
    delta = d;
    s.scale();
  }
}
const pool = s.getPool('p');
await s.shutdown();
rmSync(tmp, { recursive: true, force: true });

const first = samples[0] as (typeof samples)[number];
const last = samples[samples.length - 1] as (typeof samples)[number];
const perK = ((last.heapMiB - first.heapMiB) * 2 ** 20) / ((last.churned - first.churned) / 1000);
console.log(`heap growth: ${(perK / 1024).toFixed(1)} KiB per 1,000 churned nodes (${ROOT}); billing at the end: ${JSON.stringify(pool?.billing)}`);
mkdirSync(RESULTS_DIR, { recursive: true });
const out = path.join(RESULTS_DIR, `node-churn-${args.label}.json`);
writeFileSync(out, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), options: { nodes: NODES, cycles: CYCLES, root: ROOT }, heapBytesPer1000Nodes: perK, billing: pool?.billing, samples }, null, 2)}\n`);
console.log(`wrote ${out}`);
