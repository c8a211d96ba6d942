/**
 * Model selection without the evaluation windows: mean bounded slowdown of model files on a trace's
 * VALIDATION windows (never the reference protocol's 10), with and without EASY backfilling, next
 * to FCFS, SJF and F1 on the same windows. Used to choose between a shipped model and a new
 * candidate before the candidate is ever run on the evaluation windows.
 *
 *   nice -n 19 npx tsx bench/learn-validate.ts TRACE.swf.gz START,START,... LENGTH MODEL.json [MODEL.json ...]
 */
import path from 'node:path';
import { PolicyNet, type PolicyNetFile } from '../src/core/policy-net.js';
import { evaluateQueueModel } from '../src/learn/evaluate.js';
import { REFERENCE_EVAL_WINDOWS } from '../src/learn/config.js';
import { loadBatchWorkload } from '../src/learn/sim-adapter.js';
import { readModelFile } from './learn-args.js';
import { die, intArg } from './usage.js';

const [trace, starts, len, ...files] = process.argv.slice(2);
if (trace === undefined || starts === undefined || len === undefined || files.length === 0) {
  console.error('usage: learn-validate.ts TRACE START,START,... LENGTH MODEL.json [MODEL.json ...]');
  process.exit(2);
}
const windows = starts.split(',').map((w) => intArg('START', w, 0));
const length = intArg('LENGTH', len, 1);
for (const w of windows) {
  const hit = REFERENCE_EVAL_WINDOWS.find((e) => w < e + 1024 && e < w + length);
  if (hit !== undefined) {
    console.error(`window ${w} overlaps the evaluation window ${hit}: validation must not use the evaluation windows`);
    process.exit(2);
  }
}
const models = files.map((f) => readModelFile(f, 'queue'));
const workload = await loadBatchWorkload(path.resolve(trace));
for (const w of windows) if (w + length > workload.jobs.length) die(`window [${w}, ${w + length}) is not inside the ${workload.jobs.length} jobs of ${trace}`);
let first = true;
for (const [i, f] of files.entries()) {
  const model = models[i] as PolicyNetFile;
  const ev = await evaluateQueueModel(new PolicyNet(model), workload, windows, length, first);
  for (const [p, v] of Object.entries(ev.meanBoundedSlowdown)) console.log(`${p.startsWith('learned') ? f : p}: ${v.none.toFixed(2)} / ${v.easy.toFixed(2)} (none / EASY)`);
  first = false;
}
