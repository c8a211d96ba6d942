import os from 'node:os';
import { kernelSuite } from './kernel.js';
import { placementSuite } from './placement.js';
import { queueSuite } from './queue.js';
import { printFigures, writeResults, type Figure } from './common.js';
import { replaySuite } from './replay.js';

/**
 * `npm run bench`: the kernel and placement micro-benchmarks (tinybench) and the end-to-end
 * replays. Prints a table and writes bench/results/bench.json. `npm run bench -- kernel` runs
 * one suite (kernel, placement, queue, replay).
 */
const SUITES = ['kernel', 'placement', 'queue', 'replay'];
const only = process.argv.slice(2);
const unknown = only.filter((s) => !SUITES.includes(s));
if (unknown.length > 0) {
  // A misspelt suite must not run nothing and print an empty table.
  console.error(`npm run bench: unknown suite ${unknown.map((s) => `'${s}'`).join(', ')} (suites: ${SUITES.join(', ')}; none runs them all)`);
  process.exit(2);
}
const want = (s: string): boolean => only.length === 0 || only.includes(s);
const figs: Figure[] = [];
if (want('kernel')) figs.push(...(await kernelSuite()));
if (want('placement')) figs.push(...(await placementSuite()));
if (want('queue')) figs.push(...(await queueSuite()));
if (want('replay')) figs.push(...(await replaySuite()));
printFigures(figs);
// Absolute figures against absolute targets: say how busy the machine was (1, 5 and 15 minutes).
console.log(`\nload average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')} on ${os.availableParallelism()} cores (other work on the machine slows every figure)`);
console.log(`\nwritten to ${writeResults('bench', figs)}`);
