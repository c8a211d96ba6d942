/**
 * Time of the node operations that used to walk every node id ever created, in a scheduler
 * whose autoscaler churned nodes: a ResourceScheduler (in process, MemoryStore, manual clock,
 * fair-share quotas on, so every capacity change computes `clusterCapacities`) with one pool of
 * `--nodes` nodes at most is scaled up to them and back to none `--cycles` times (as
 * bench/node-churn.ts does), leaving `--nodes` up; then it times
 *
 * - `fail+repair`: failing and repairing a live node by name (`POST /v1/pools/P/nodes/N/fail`, `/repair`),
 * - `unknown node`: failing a node name the pool never had (the error lists its nodes),
 * - `scale ±1`: a scaling decision removing one idle node, then one adding one back (planScaleSteps,
 *   the steps applied, the fair-share capacities),
 *
 * each `--ops` times. Each checkout runs in the same process, alternating (`--root`, default this
 * checkout; `--vs-root`, e.g. a worktree of an earlier commit), and the ratios are printed; both
 * must end with the same pool figures (checked).
 *
 *   node --import tsx bench/node-walks.ts [--nodes 100] [--cycles 100,1000] [--ops 200] [--root DIR] [--vs-root DIR] [--label NAME]
 *
 * Writes bench/results/node-walks-<label>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as SchedulerLib from '../src/scheduler/index.js';
import { machine, RESULTS_DIR } from './common.js';

const args = (() => {
  try {
    return parseArgs({
      options: {
        nodes: { type: 'string', default: '100' },
        cycles: { type: 'string', default: '100,1000' },
        ops: { type: 'string', default: '200' },
        root: { type: 'string' },
        'vs-root': { type: 'string' },
        label: { type: 'string', default: 'latest' },
      },
    }).values;
  } catch (e) {
    console.error(`bench/node-walks.ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
})();
function wholeList(name: 'nodes' | 'cycles' | 'ops', min: number): number[] {
  const out = String(args[name]).split(',').map(Number);
  if (out.some((v) => !Number.isInteger(v) || v < min)) {
    console.error(`bench/node-walks.ts: --${name}: expected whole numbers >= ${min} separated by commas, got ${args[name]}`);
    process.exit(2);
  }
  return out;
}
const NODES = wholeList('nodes', 2)[0] as number;
const CYCLES = wholeList('cycles', 0);
const OPS = wholeList('ops', 1)[0] as number;
const roots = [path.resolve(args.root ?? path.join(import.meta.dirname, '..')), ...(args['vs-root'] === undefined ? [] : [path.resolve(args['vs-root'])])];
const libs = await Promise.all(roots.map(async (r) => (await import(path.join(r, 'src/scheduler/index.ts'))) as typeof SchedulerLib));

type Case = 'fail+repair' | 'unknown node' | 'scale ±1';
interface Row {
  root: string;
  cycles: number;
  nodeIds: number;
  case: Case;
  usPerOp: number;
}

function run(lib: typeof SchedulerLib, root: string, cycles: number): { rows: Row[]; figures: string } {
  const clock = { now: 0 };
  let delta = 0;
  const s = new lib.ResourceScheduler({
    timers: false,
    clock: () => clock.now,
    quotas: { tenants: { a: { guaranteed: { cpu: 0.5 } } } },
    scaling: { name: 'churn', intervalSeconds: 60, decide: () => [{ pool: 0, delta, reason: 'churn' }] },
    pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: { min: 0, max: NODES, initial: 0 }, pricePerHour: 2.5 }],
  });
  const scale = (d: number): void => {
    clock.now += 60_000;
    delta = d;
    s.scale();
  };
  for (let c = 0; c < cycles; c++) for (const d of [NODES, -NODES]) scale(d);
  scale(NODES);
  const ids = cycles * NODES;
  const rows: Row[] = [];
  const time = (kind: Case, op: (i: number) => void): void => {
    const t0 = performance.now();
    for (let i = 0; i < OPS; i++) op(i);
    rows.push({ root, cycles, nodeIds: ids + NODES, case: kind, usPerOp: ((performance.now() - t0) * 1000) / OPS });
  };
  time('fail+repair', (i) => {
    const node = `p-${ids + (i % NODES)}`;
    if (s.failNode('p', node).status !== 'failed' || s.repairNode('p', node).status !== 'repaired') throw new Error(`${node} did not fail and come back`);
  });
  time('unknown node', () => {
    try {
      s.failNode('p', 'nope');
    } catch (e) {
      if (!String(e).includes('no node')) throw e;
      return;
    }
    throw new Error('an unknown node was found');
  });
  time('scale ±1', () => {
    scale(-1);
    scale(1);
  });
  const pool = s.getPool('p');
  void s.shutdown();
  return { rows, figures: JSON.stringify({ nodes: pool?.nodes, billing: pool?.billing }) };
}

const rows: Row[] = [];
for (const cycles of CYCLES) {
  const here = libs.map((lib, i) => run(lib, roots[i] as string, cycles));
  for (const [i, h] of here.entries()) {
    rows.push(...h.rows);
    for (const r of h.rows) console.log(`${String(r.nodeIds).padStart(8)} node ids, ${r.case.padEnd(12)}: ${r.usPerOp.toFixed(1).padStart(9)} µs per op  (${roots[i]})`);
  }
  if (here.length === 2) {
    const [a, b] = here as [(typeof here)[number], (typeof here)[number]];
    if (a.figures !== b.figures) throw new Error(`cycles ${cycles}: the checkouts end with different pool figures:\n${a.figures}\n${b.figures}`);
    for (const [k, r] of a.rows.entries()) console.log(`${String(r.nodeIds).padStart(8)} node ids, ${r.case.padEnd(12)}: vs-root ÷ root ${((b.rows[k] as Row).usPerOp / r.usPerOp).toFixed(1)}×`);
  }
}
mkdirSync(RESULTS_DIR, { recursive: true });
const out = path.join(RESULTS_DIR, `node-walks-${args.label}.json`);
writeFileSync(out, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), options: { nodes: NODES, cycles: CYCLES, ops: OPS, roots }, rows }, null, 2)}\n`);
console.log(`wrote ${out}`);
