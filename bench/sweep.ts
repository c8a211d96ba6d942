/**
 * Sweep speed-up: the default scenario, 5 strategies × 10 seeds (50 cells), on 1 and on 2 worker
 * threads, no results folder (every cell runs). Prints wall time of each, the ratio t2/t1 (the
 * done-when asks for < 0.5 on an idle 2-core machine), the process CPU time (all threads) and
 * the load average before and after, since other processes on the machine share the cores.
 *
 *   npx tsx bench/sweep.ts [--seeds 10] [--horizon 1h] [--workers 1,2]
 *
 * Writes bench/results/sweep.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toJson } from '../src/report/json.js';
import { planSweep, runSweepLocal, sweepResult } from '../src/sweep/local.js';
import { loadSweep } from '../src/sweep/spec.js';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '10' }, horizon: { type: 'string' }, workers: { type: 'string', default: '1,2' } } });
const root = path.resolve(import.meta.dirname, '..');
const dataRoot = path.resolve(root, process.env.DRS_DATA_DIR ?? '../shared/data');
const dir = path.join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const sweepFile = path.join(dir, 'sweep-bench.yaml');
writeFileSync(
  sweepFile,
  [
    '# written by bench/sweep.ts',
    'scenario: ../../scenarios/default.yaml',
    `seeds: ${Number(values.seeds)}`,
    ...(values.horizon !== undefined ? ['set:', `  horizon: ${values.horizon}`, `  trace.horizon: ${values.horizon}`] : []),
    '',
  ].join('\n'),
);
const plan = await planSweep(await loadSweep(sweepFile), dataRoot);
console.log(`${plan.cells.length} cells (${plan.strategies.length} strategies × ${plan.spec.seeds.length} seeds), ${os.availableParallelism()} cores`);
const runs: { workers: number; seconds: number; cpuSeconds: number; loadBefore: number[]; loadAfter: number[] }[] = [];
let reference: string | undefined;
for (const w of (values.workers as string).split(',').map(Number)) {
  const loadBefore = os.loadavg().map((x) => Number(x.toFixed(2)));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await runSweepLocal(plan, { workers: w, dataRoot });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const json = toJson(sweepResult(plan, res));
  if (reference === undefined) reference = json;
  else if (json !== reference) {
    // Same cells, same seeds: a difference means the simulator is not deterministic (or src/ changed mid-run).
    const a = reference.split('\n');
    const b = json.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    console.log(`WARNING: aggregate with ${w} workers differs from the first run at line ${i + 1}: ${a[i]?.trim()} vs ${b[i]?.trim()}`);
  }
  runs.push({ workers: w, seconds: Number(seconds.toFixed(1)), cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)), loadBefore, loadAfter: os.loadavg().map((x) => Number(x.toFixed(2))) });
  console.log(`workers ${w}: ${seconds.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU, load ${loadBefore.join('/')} → ${os.loadavg().map((x) => x.toFixed(2)).join('/')}`);
}
const [one, two] = runs;
if (one !== undefined && two !== undefined) console.log(`ratio t(${two.workers})/t(${one.workers}) = ${(two.seconds / one.seconds).toFixed(3)}; aggregates byte-identical`);
writeFileSync(path.join(dir, 'sweep.json'), toJson({ cells: plan.cells.length, cores: os.availableParallelism(), runs }));
