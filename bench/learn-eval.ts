/**
 * Evaluate shipped queue models under the reference protocol (the 10 windows of 1,024 jobs, never
 * trained or selected on), in one run with FCFS, SJF and F1, with and without EASY backfilling;
 * and every model on the other two logs (generalisation). Writes each model's own-trace
 * evaluation into its model file (`evaluation`) and all figures to bench/results/learn-eval.json.
 *
 *   nice -n 10 npx tsx bench/learn-eval.ts [MODEL ...]        (default: lublin-1 sdsc-sp2 hpc2n)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PolicyNet } from '../src/core/policy-net.js';
import { evaluateQueueModel } from '../src/learn/evaluate.js';
import { loadBatchWorkload } from '../src/learn/sim-adapter.js';
import { REFERENCE_LENGTH, REFERENCE_WINDOWS } from '../src/sim/reference/protocol.js';
import { readModelFile, shippedModelFile } from './learn-args.js';
import { dataFile } from './usage.js';

const TRACES: Record<string, string> = {
  'lublin-1': 'lublin_256.swf.gz',
  'sdsc-sp2': 'SDSC-SP2-1998-4.2-cln.swf.gz',
  hpc2n: 'HPC2N-2002-2.2-cln.swf.gz',
};
const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(TRACES);
// Checked before the first trace is read: an unknown name or a missing log must not end a long run midway.
for (const name of names) shippedModelFile(name, 'queue');
const traceFiles = Object.fromEntries(Object.entries(TRACES).map(([t, f]) => [t, dataFile(`swf/${f}`)]));
const resultsFile = path.join(import.meta.dirname, 'results', 'learn-eval.json');
// Merged with earlier runs (one run per model is fine).
const out: Record<string, unknown> = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : {};
for (const trace of Object.keys(TRACES)) {
  const workload = await loadBatchWorkload(traceFiles[trace] as string);
  for (const name of names) {
    const file = shippedModelFile(name, 'queue');
    const model = readModelFile(file, 'queue');
    // FCFS, SJF and F1 once per trace (with its own model, or the first model evaluated on it).
    const own = names.includes(trace) ? name === trace : name === names[0];
    const ev = await evaluateQueueModel(new PolicyNet(model), workload, REFERENCE_WINDOWS, REFERENCE_LENGTH, own);
    out[`${name}@${trace}`] = ev;
    const m = ev.meanBoundedSlowdown;
    const row = Object.entries(m).map(([p, v]) => `${p} ${v.none.toFixed(2)} / ${v.easy.toFixed(2)}`).join(' | ');
    console.log(`model ${name} on ${trace} (none / EASY): ${row}`);
    if (name === trace) writeFileSync(file, JSON.stringify({ ...model, evaluation: { ...ev, trace: TRACES[trace] } }, null, 1) + '\n');
  }
}
mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(resultsFile, JSON.stringify(out, null, 1) + '\n');
