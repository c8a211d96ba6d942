/**
 * Model selection without the evaluation windows: mean bounded slowdown of model files on a trace's
 * VALIDATION windows (never the reference protocol's 10), with and without EASY backfilling, next
 * to FCFS, SJF and F1 on the same windows. Used to choose between a shipped model and a new
 * candidate before the candidate is ever run on the evaluation windows.
 *
 *   nice -n 19 npx tsx bench/learn-validate.ts TRACE.swf.gz START,START,... LENGTH MODEL.json [MODEL.json ...]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PolicyNet, validatePolicyNetFile } from '../src/core/policy-net.js';
import { evaluateQueueModel } from '../src/learn/evaluate.js';
import { REFERENCE_EVAL_WINDOWS } from '../src/learn/config.js';
import { loadBatchWorkload } from '../src/learn/sim-adapter.js';

const [trace, starts, len, ...files] = process.argv.slice(2);
if (trace === undefined || starts === undefined || len === undefined || files.length === 0) {
  console.error('usage: learn-validate.ts TRACE START,START,... LENGTH MODEL.json [MODEL.json ...]');
  process.exit(2);
}
const windows = starts.split(',').map(Number);
const length = Number(len);
for (const w of windows) {
  const hit = REFERENCE_EVAL_WINDOWS.find((e) => w < e + 1024 && e < w + length);
  if (hit !== undefined) {
    console.error(`window ${w} overlaps the evaluation window ${hit}: validation must not use the evaluation windows`);
    process.exit(2);
  }
}
const workload = await loadBatchWorkload(path.resolve(trace));
let first = true;
for (const f of files) {
  const model = validatePolicyNetFile(JSON.parse(readFileSync(f, 'utf8')), f);
  const ev = await evaluateQueueModel(new PolicyNet(model), workload, windows, length, first);
  for (const [p, v] of Object.entries(ev.meanBoundedSlowdown)) console.log(`${p.startsWith('learned') ? f : p}: ${v.none.toFixed(2)} / ${v.easy.toFixed(2)} (none / EASY)`);
  first = false;
}
