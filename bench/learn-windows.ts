/**
 * Load of an SWF log's windows outside the evaluation windows: FCFS, SJF and F1 mean bounded
 * slowdown (no backfilling) of consecutive 1,024-job windows in the given job ranges. Used to
 * choose validation windows and the `train.minLoad` bar from the training part only; a range that
 * overlaps a reference-protocol evaluation window is refused.
 *
 *   nice -n 19 npx tsx bench/learn-windows.ts TRACE.swf.gz '[[0,1981],[9874,59705]]' [STRIDE]
 */
import path from 'node:path';
import { REFERENCE_EVAL_WINDOWS } from '../src/learn/config.js';
import { classicPolicy, loadBatchWorkload, replaySwfWindow } from '../src/learn/sim-adapter.js';
import { die, intArg } from './usage.js';

const L = 1024;
const [file, rangesArg, strideArg] = process.argv.slice(2);
if (file === undefined || rangesArg === undefined) {
  console.error("usage: learn-windows.ts TRACE '[[from,to],...]' [STRIDE]");
  process.exit(2);
}
const ranges = ((): [number, number][] => {
  let v: unknown;
  try {
    v = JSON.parse(rangesArg);
  } catch {
    v = undefined;
  }
  const ok = Array.isArray(v) && v.every((r) => Array.isArray(r) && r.length === 2 && r.every((x) => Number.isInteger(x) && x >= 0) && r[0] < r[1]);
  if (!ok) die(`ranges must be JSON like '[[0,1981],[9874,59705]]' (whole job indexes, from < to); got '${rangesArg}'`);
  return v as [number, number][];
})();
const stride = intArg('STRIDE', strideArg ?? String(L), 1);
for (const [a, b] of ranges) {
  const hit = REFERENCE_EVAL_WINDOWS.find((e) => a < e + L && e < b);
  if (hit !== undefined) {
    console.error(`range [${a}, ${b}) overlaps the evaluation window ${hit}`);
    process.exit(2);
  }
}
const w = await loadBatchWorkload(path.resolve(file));
console.log(`${w.jobs.length} jobs, ${w.machine} processors; window start: FCFS / SJF / F1 bounded slowdown (no backfilling)`);
for (const [a, b] of ranges) {
  for (let s = a; s + L <= b; s += stride) {
    const v: string[] = [];
    for (const o of ['fcfs', 'sjf', 'f1'] as const) v.push((await replaySwfWindow(w.jobs, s, L, w.machine, classicPolicy(o, 'none'))).boundedSlowdown.toFixed(1));
    console.log(`${s}: ${v.join(' / ')}`);
  }
}
