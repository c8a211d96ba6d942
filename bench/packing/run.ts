/**
 * Offline bin-packing quality benchmark: every OR-Library instance (8 sets × 20), every strategy,
 * bins used against the proven optima in optima.tsv.
 *
 *   npx tsx bench/packing/run.ts [--sets u120,t60] [--strategies ffd,bfd,ga,ilp]
 *       [--ga-time 5] [--ilp-time 60] [--workers 2] [--seed 1] [--data-dir DIR] [--out bench/results]
 *
 * Instances run in parallel child processes (HiGHS is single-threaded WASM), one instance at a time
 * per worker, all strategies of an instance in the same worker, hardest sets first. Writes
 * packing-<stamp>.json / .md and packing-latest.json / .md to --out, and prints the table.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PackStrategyName } from '../../src/packing/index.js';
import { moduleBeside } from '../../src/core/thread.js';
import { PACK_STRATEGY_NAMES, isPackStrategyName, runPackStrategy, threadSolver } from '../../src/packing/index.js';
import { parseOrLibrary } from '../../src/traces/bin-packing.js';
import { summarise, toMarkdown } from './report.js';
import type { InstanceResult, Job } from './report.js';
import { die, intArg, numberArg, UsageError } from '../usage.js';

const SETS: Readonly<Record<string, string>> = {
  u120: 'binpack1.txt', u250: 'binpack2.txt', u500: 'binpack3.txt', u1000: 'binpack4.txt',
  t60: 'binpack5.txt', t120: 'binpack6.txt', t249: 'binpack7.txt', t501: 'binpack8.txt',
};
/** Run order: the slowest sets first, so the workers finish together. */
const ORDER = ['t501', 't249', 'u1000', 't120', 'u500', 'u250', 't60', 'u120'];

async function worker(): Promise<void> {
  const cache = new Map<string, ReturnType<typeof parseOrLibrary>>();
  // As `drs pack`: HiGHS on a thread terminated at the ILP's limit (src/packing/solver-thread.ts).
  const solver = threadSolver({ name: 'highs', url: moduleBeside(import.meta.url, '../../src/algorithms/solvers/highs'), exportName: 'highsSolver', prepare: 'prepareHighs' });
  process.on('message', (msg: Job | 'exit') => {
    if (msg === 'exit') process.exit(0);
    void (async () => {
      let insts = cache.get(msg.file);
      if (insts === undefined) {
        insts = parseOrLibrary(readFileSync(msg.file, 'utf8'), msg.file);
        cache.set(msg.file, insts);
      }
      const inst = insts.find((i) => i.name === msg.instance);
      if (inst === undefined) throw new Error(`${msg.instance} not in ${msg.file}`);
      const results = [];
      for (const s of msg.strategies) {
        const r = await runPackStrategy(s, inst, { seed: msg.seed, solver, timeLimitSeconds: s === 'ilp' ? msg.ilpTime : msg.gaTime });
        results.push({ strategy: r.strategy, bins: r.bins, seconds: r.seconds, status: r.status, stoppedBy: r.stoppedBy, proof: r.proof, lowerBound: r.lowerBound, detail: r.detail });
      }
      const out: InstanceResult = { set: msg.set, instance: inst.name, items: inst.n, optimum: msg.optimum, results };
      process.send?.(out);
    })();
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sets: { type: 'string' },
      strategies: { type: 'string' },
      'ga-time': { type: 'string', default: '5' },
      'ilp-time': { type: 'string', default: '60' },
      workers: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'data-dir': { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
    },
    strict: true,
  });
  const sets = (values.sets ?? ORDER.join(',')).split(',').map((s) => s.trim());
  for (const s of sets) if (SETS[s] === undefined) throw new UsageError(`--sets: unknown set '${s}' (known: ${Object.keys(SETS).join(', ')})`);
  const strategies = (values.strategies ?? PACK_STRATEGY_NAMES.join(',')).split(',').map((s) => s.trim());
  for (const s of strategies) if (!isPackStrategyName(s)) throw new UsageError(`--strategies: unknown strategy '${s}' (known: ${PACK_STRATEGY_NAMES.join(', ')})`);
  const twice = strategies.find((s, i) => strategies.indexOf(s) !== i);
  if (twice !== undefined) throw new UsageError(`--strategies lists '${twice}' twice (each strategy is one column of the table)`);
  // A bad number must not run zero instances and overwrite packing-latest with an empty table.
  const gaTime = numberArg('--ga-time', values['ga-time'], 0);
  const ilpTime = numberArg('--ilp-time', values['ilp-time'], 0);
  const seed = intArg('--seed', values.seed);
  const workers = values.workers === undefined ? Math.min(2, availableParallelism()) : intArg('--workers', values.workers, 1);
  const dataDir = path.resolve(values['data-dir'] ?? process.env['DRS_DATA_DIR'] ?? '../shared/data', 'binpacking', 'orlib');
  if (!existsSync(path.join(dataDir, 'optima.tsv'))) die(`${dataDir}/optima.tsv not found: the data root is --data-dir, else DRS_DATA_DIR, else ../shared/data from the working directory`);
  const optima = new Map<string, number>();
  for (const line of readFileSync(path.join(dataDir, 'optima.tsv'), 'utf8').trim().split('\n').slice(1)) {
    const [name, lb, ub] = line.split('\t');
    if (name !== undefined && lb === ub) optima.set(name, Number(lb));
  }
  const jobs: Job[] = [];
  for (const set of ORDER.filter((s) => sets.includes(s))) {
    const file = path.join(dataDir, SETS[set] ?? '');
    for (const inst of parseOrLibrary(readFileSync(file, 'utf8'), file)) {
      const optimum = optima.get(inst.name);
      if (optimum === undefined) throw new Error(`${inst.name} has no proven optimum in optima.tsv`);
      jobs.push({ set, file, instance: inst.name, optimum, strategies: strategies as PackStrategyName[], gaTime, ilpTime, seed });
    }
  }
  const started = Date.now();
  const loadBefore = loadavg()[0] ?? 0;
  const results: InstanceResult[] = [];
  const self = fileURLToPath(import.meta.url);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, () =>
      new Promise<void>((done, fail) => {
        const child = fork(self, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const feed = (): void => {
          const job = jobs[next++];
          if (job === undefined) {
            child.send('exit');
            return;
          }
          child.send(job);
        };
        child.on('message', (r: InstanceResult) => {
          results.push(r);
          const line = r.results.map((x) => `${x.strategy} ${x.bins} (${x.seconds.toFixed(1)}s)`).join(', ');
          process.stderr.write(`[${results.length}/${jobs.length}] ${r.instance} opt ${r.optimum}: ${line}\n`);
          feed();
        });
        child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`worker exited with code ${code}`))));
        feed();
      }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  results.sort((a, b) => ORDER.indexOf(a.set) - ORDER.indexOf(b.set) || a.instance.localeCompare(b.instance));
  const command = `npx tsx bench/packing/run.ts ${process.argv.slice(2).join(' ')}`.trim();
  const meta = {
    command,
    gaTime,
    ilpTime,
    seed,
    workers,
    wallSeconds: seconds,
    node: process.version,
    date: new Date().toISOString(),
    cpus: cpus().length,
    // 1-minute load average at start and end: budgets are wall-clock, so other work on the
    // machine shrinks the effective GA/ILP budgets.
    load: [Number(loadBefore.toFixed(2)), Number((loadavg()[0] ?? 0).toFixed(2))],
  };
  const summary = summarise(results, strategies as PackStrategyName[]);
  const markdown = toMarkdown(meta, summary, results);
  const outDir = path.resolve(values.out);
  mkdirSync(outDir, { recursive: true });
  const stamp = meta.date.replace(/[:.]/g, '-');
  const json = JSON.stringify({ meta, summary, results }, null, 2);
  for (const name of [`packing-${stamp}`, 'packing-latest']) {
    writeFileSync(path.join(outDir, `${name}.json`), json);
    writeFileSync(path.join(outDir, `${name}.md`), markdown);
  }
  console.log(markdown);
}

if (process.argv.includes('--worker')) void worker();
// A user mistake ends in one line and exit 2 (usage.ts); a bug keeps its stack.
else await main();
