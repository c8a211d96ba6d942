/**
 * How close is a synthetic log (`synthetic:` in a CEM queue config: a resample,
 * src/learn/resampled-log.ts, or a log drawn from the Lublin model, src/learn/lublin-log.ts) to
 * the real log it stands for? Prints, for the config's own log, the training part (what a
 * resample is calibrated on), the validation windows, and the synthetic log: jobs per day, mean
 * run time, mean width, offered load (Σ run × width ÷ (span × machine)), and FCFS, SJF and F1
 * mean bounded slowdown (no backfilling / EASY) on windows of the config's validation length —
 * the training part's and the synthetic log's windows spread evenly, the validation windows as they
 * are. Never reads an evaluation window.
 *
 *   npx tsx bench/learn-resample.ts train/lublin-1-round6.yaml [WINDOWS]
 */
import { loadCemQueueConfig, die, intArg } from './learn-args.js';
import { trainLogs } from '../src/learn/cross-log.js';
import { classicPolicy, replaySwfWindow, type BatchJob, type BatchWorkload } from '../src/learn/sim-adapter.js';

const [file, windowsArg = '8'] = process.argv.slice(2);
if (file === undefined) die('usage: npx tsx bench/learn-resample.ts CONFIG.yaml [WINDOWS]');
const count = intArg('WINDOWS', windowsArg);
const { cfg, workload, also } = await loadCemQueueConfig(file);
if (cfg.synthetic === undefined) die(`${file}: the config has no synthetic block`);
const logs = trainLogs(cfg, workload, also);
const synthetic = (logs[1 + also.length] as (typeof logs)[number]).workload;
const L = cfg.validation.length;

function stats(jobs: readonly BatchJob[], machine: number): string {
  const span = Math.max(1, (jobs[jobs.length - 1]?.submit ?? 0) - (jobs[0]?.submit ?? 0));
  const work = jobs.reduce((a, j) => a + j.run * j.procs, 0);
  const mean = (f: (j: BatchJob) => number): number => jobs.reduce((a, j) => a + f(j), 0) / jobs.length;
  return `${jobs.length} jobs, ${((jobs.length / span) * 86400).toFixed(1)} jobs/day, mean run ${mean((j) => j.run).toFixed(0)} s, mean width ${mean((j) => j.procs).toFixed(2)}, load ${(work / span / machine).toFixed(3)}`;
}

async function orders(w: BatchWorkload, starts: readonly number[]): Promise<string> {
  const out: string[] = [];
  for (const o of ['fcfs', 'sjf', 'f1'] as const) {
    const m: number[] = [];
    for (const mode of ['none', 'easy'] as const) {
      let s = 0;
      for (const st of starts) s += (await replaySwfWindow(w.jobs, st, L, w.machine, classicPolicy(o, mode))).boundedSlowdown;
      m.push(s / starts.length);
    }
    out.push(`${o.toUpperCase()} ${m.map((v) => v.toFixed(2)).join(' / ')}`);
  }
  return out.join(', ');
}

const spread = (a: number, b: number): number[] => Array.from({ length: count }, (_, k) => a + Math.floor(((b - a - L) * k) / Math.max(1, count - 1)));
const trainJobs = cfg.train.ranges.flatMap(([a, b]) => workload.jobs.slice(a, b));
const trainStarts = cfg.train.ranges.flatMap(([a, b]) => (b - a >= L ? spread(a, b) : []));
const valJobs = cfg.validation.windows.flatMap((s) => workload.jobs.slice(s, s + L));
console.log(`training part: ${stats(trainJobs, workload.machine)}\n  ${await orders(workload, trainStarts)}`);
console.log(`validation windows: ${stats(valJobs, workload.machine)}\n  ${await orders(workload, cfg.validation.windows)}`);
console.log(`synthetic (${synthetic.file}): ${stats(synthetic.jobs, synthetic.machine)}\n  ${await orders(synthetic, spread(0, synthetic.jobs.length))}`);
