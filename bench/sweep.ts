/**
 * Sweep speed-up: the default scenario, 5 strategies × 10 seeds (50 cells), run the way a user
 * runs it, `node bin/drs.js sweep FILE --workers N --fresh --json OUT` (the built package: run
 * `npm run build` first; the bench refuses a dist/ older than src/), once with 1 worker thread and
 * once with 2, alternating the order over `--rounds`. Prints each run's wall time and CPU time
 * (all threads, from the child's rusage), the ratio t(2)/t(1) per round, and the load average
 * around each run, since other processes on the machine share the cores. The JSON aggregates of
 * every run must be byte-identical (same cells, same seeds).
 *
 *   npx tsx bench/sweep.ts [--seeds 10] [--rounds 2] [--horizon 1h] [--workers 1,2]
 *
 * Writes bench/results/sweep.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toJson } from '../src/report/json.js';

const { values } = parseArgs({
  options: { seeds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '2' }, horizon: { type: 'string' }, workers: { type: 'string', default: '1,2' } },
});
const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });

/** Newest modification time under `d` (files ending in `ext`). */
function newest(d: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
if (newest(path.join(root, 'dist'), '.js') < newest(path.join(root, 'src'), '.ts')) {
  console.error('bench/sweep.ts times the built CLI: dist/ is older than src/, run `npm run build` first');
  process.exit(2);
}

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

interface Run {
  readonly workers: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly loadBefore: number[];
  readonly loadAfter: number[];
}

const load = (): number[] => os.loadavg().map((x) => Number(x.toFixed(2)));

/** One `drs sweep` process under /usr/bin/time (for its CPU time); returns the run and its JSON. */
function sweep(workers: number): Promise<{ run: Run; json: string }> {
  const out = path.join(dir, `sweep-bench-${workers}.json`);
  const timeFile = path.join(dir, `sweep-bench-${workers}.time`);
  const args = ['-f', '%e %U %S', '-o', timeFile, process.execPath, path.join(root, 'bin', 'drs.js'), 'sweep', sweepFile, '--workers', String(workers), '--fresh', '--quiet', '--json', out, '--results', path.join(dir, `.sweep-bench-${workers}`)];
  const loadBefore = load();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`drs sweep --workers ${workers} exited with ${code}`));
      const [wall, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
      resolve({ run: { workers, seconds: wall, cpuSeconds: Number((user + sys).toFixed(1)), loadBefore, loadAfter: load() }, json: readFileSync(out, 'utf8') });
    });
  });
}

const counts = (values.workers as string).split(',').map(Number);
const rounds = Number(values.rounds);
console.log(`default scenario, 5 strategies × ${values.seeds} seeds, workers ${counts.join(' vs ')}, ${rounds} round(s), ${os.availableParallelism()} cores`);
const runs: Run[] = [];
const ratios: number[] = [];
let reference: string | undefined;
let identical = true;
for (let round = 0; round < rounds; round++) {
  // Alternate the order so a drift in machine load does not favour one side.
  const order = round % 2 === 0 ? counts : [...counts].reverse();
  const byWorkers = new Map<number, Run>();
  for (const w of order) {
    const { run, json } = await sweep(w);
    if (reference === undefined) reference = json;
    else if (json !== reference) {
      identical = false;
      console.log(`WARNING: the aggregate with ${w} workers differs from the first run (the simulator is not deterministic, or src/ changed mid-run)`);
    }
    runs.push(run);
    byWorkers.set(w, run);
    console.log(`round ${round + 1}, workers ${w}: ${run.seconds.toFixed(1)} s wall, ${run.cpuSeconds.toFixed(1)} s CPU, load ${run.loadBefore.join('/')} → ${run.loadAfter.join('/')}`);
  }
  const a = byWorkers.get(counts[0] as number);
  const b = byWorkers.get(counts[1] as number);
  if (a !== undefined && b !== undefined) {
    ratios.push(b.seconds / a.seconds);
    console.log(`round ${round + 1}: ratio t(${b.workers})/t(${a.workers}) = ${(b.seconds / a.seconds).toFixed(3)}`);
  }
}
if (ratios.length > 0) console.log(`ratios ${ratios.map((r) => r.toFixed(3)).join(', ')}; aggregates ${identical ? 'byte-identical across all runs' : 'DIFFER'}`);
writeFileSync(path.join(dir, 'sweep.json'), toJson({ cells: 5 * Number(values.seeds), cores: os.availableParallelism(), runs, ratios, identical }));
