/**
 * Sweep speed-up: the default scenario's 5 classical strategies × 10 seeds (50 cells), run the way a user
 * runs it, `node bin/drs.js sweep FILE --workers N --fresh --json OUT` (the built package: run
 * `npm run build` first; the bench refuses a dist/ older than src/), once with 1 worker thread and
 * once with 2, alternating the order over `--rounds`. Prints each run's wall time and CPU time
 * (all threads, from the child's rusage), the ratio t(2)/t(1) per round, and the load average
 * around each run, since other processes on the machine share the cores. The JSON aggregates of
 * every run must be byte-identical (same cells, same seeds).
 *
 * With `--control`, each round also runs the same cells as two independent single-thread
 * `drs sweep` processes at once (odd and even seeds): nothing shared, so t(control)/t(1) is the
 * best any two-way split can do on this machine, the yardstick for t(2)/t(1).
 *
 *   npx tsx bench/sweep.ts [--seeds 10] [--rounds 2] [--horizon 1h] [--workers 1,2] [--control]
 *
 * Writes bench/results/sweep.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toJson } from '../src/report/json.js';
import { die, intArg, UsageError } from './usage.js';

const { values } = parseArgs({
  options: { seeds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '2' }, horizon: { type: 'string' }, workers: { type: 'string', default: '1,2' }, control: { type: 'boolean', default: false } },
});
const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });

/** Newest modification time under `d` (files ending in `ext`). */
function newest(d: string, ext: string): number {
  let t = 0;
  if (!existsSync(d)) return t; // no dist/ yet: older than any src/
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

/** A sweep file over the default scenario with the given seeds (a count or a list). */
function writeSweep(name: string, seeds: string): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    [
      '# written by bench/sweep.ts',
      'scenario: ../../scenarios/default.yaml',
      // The five classical rows, as when the figures in docs/sweeps.md were measured (the scenario also has learned:agent-fleet).
      'strategies: [first-fit, best-fit-decreasing, worst-fit, round-robin, best-fit-decreasing+preempt]',
      `seeds: ${seeds}`,
      ...(values.horizon !== undefined ? ['set:', `  horizon: ${values.horizon}`, `  trace.horizon: ${values.horizon}`] : []),
      '',
    ].join('\n'),
  );
  return file;
}
// Checked before anything runs: a bad value would otherwise reach drs sweep's error after the build check.
const nSeeds = intArg('--seeds', values.seeds, 2);
const rounds = intArg('--rounds', values.rounds, 1);
const counts = values.workers.split(',').map((w) => intArg('--workers', w, 1));
if (counts.length !== 2) die(`--workers: expected two worker counts to compare, like 1,2; got '${values.workers}'`);
const sweepFile = writeSweep('sweep-bench.yaml', String(nSeeds));
// The control: the same cells as two independent single-thread processes (odd and even seeds),
// started together. Nothing is shared between them, so their wall time is what this machine's
// two cores give two independent halves of the work: the ceiling for any two-way split.
const halves = [1, 0].map((r, k) => writeSweep(`sweep-bench-half-${k}.yaml`, `[${Array.from({ length: nSeeds }, (_, i) => i + 1).filter((x) => x % 2 === r).join(', ')}]`));

interface Run {
  readonly workers: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly loadBefore: number[];
  readonly loadAfter: number[];
}

const load = (): number[] => os.loadavg().map((x) => Number(x.toFixed(2)));

/** One `drs sweep` process under /usr/bin/time (for its CPU time); returns the run and its JSON. */
function sweep(workers: number, file = sweepFile, tag = String(workers)): Promise<{ run: Run; json: string }> {
  const out = path.join(dir, `sweep-bench-${tag}.json`);
  const timeFile = path.join(dir, `sweep-bench-${tag}.time`);
  const args = ['-f', '%e %U %S', '-o', timeFile, process.execPath, path.join(root, 'bin', 'drs.js'), 'sweep', file, '--workers', String(workers), '--fresh', '--quiet', '--json', out, '--results', path.join(dir, `.sweep-bench-${tag}`)];
  const loadBefore = load();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      // Exit 2 is drs sweep refusing its input (it has printed why, e.g. a --horizon before the
      // scenario's failure): a user mistake, one line. Anything else is a bug and keeps its stack.
      if (code === 2) return reject(new UsageError(`drs sweep ${path.relative(root, file)} --workers ${workers} refused its input (above); no figures`));
      if (code !== 0) return reject(new Error(`drs sweep ${file} --workers ${workers} exited with ${code}`));
      const [wall, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
      resolve({ run: { workers, seconds: wall, cpuSeconds: Number((user + sys).toFixed(1)), loadBefore, loadAfter: load() }, json: readFileSync(out, 'utf8') });
    });
  });
}

/** The control: both halves at once, each on one thread in its own process. */
async function twoProcesses(): Promise<Run> {
  const loadBefore = load();
  const [a, b] = await Promise.all(halves.map((f, k) => sweep(1, f, `half-${k}`)));
  return { workers: 0, seconds: Math.max(a!.run.seconds, b!.run.seconds), cpuSeconds: Number((a!.run.cpuSeconds + b!.run.cpuSeconds).toFixed(1)), loadBefore, loadAfter: load() };
}

console.log(`default scenario, 5 classical strategies × ${nSeeds} seeds, workers ${counts.join(' vs ')}, ${rounds} round(s), ${os.availableParallelism()} cores`);
const runs: Run[] = [];
const ratios: number[] = [];
const CONTROL = values.control === true;
const controls: Run[] = [];
const controlRatios: number[] = [];
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
  if (CONTROL && a !== undefined) {
    const c = await twoProcesses();
    controls.push(c);
    controlRatios.push(c.seconds / a.seconds);
    console.log(
      `round ${round + 1}, control (two independent 1-thread processes, odd and even seeds): ${c.seconds.toFixed(1)} s wall, ${c.cpuSeconds.toFixed(1)} s CPU, ratio to t(${a.workers}) = ${(c.seconds / a.seconds).toFixed(3)}`,
    );
  }
}
if (ratios.length > 0) console.log(`ratios ${ratios.map((r) => r.toFixed(3)).join(', ')}; aggregates ${identical ? 'byte-identical across all runs' : 'DIFFER'}`);
if (controlRatios.length > 0) console.log(`control ratios (the machine's ceiling for a two-way split) ${controlRatios.map((r) => r.toFixed(3)).join(', ')}`);
writeFileSync(path.join(dir, 'sweep.json'), toJson({ cells: 5 * nSeeds, cores: os.availableParallelism(), runs, ratios, controls, controlRatios, identical }));
