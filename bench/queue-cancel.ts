/**
 * Cost of requests leaving a long wait queue (src/scheduler/wait-queue.ts) other than from its
 * head: `--size` requests are queued, then every one is cancelled in a random order (seeded), or
 * every one times out, 1% of the queue per timer tick (timeouts spread over the queue in random
 * order), or the queue's policy reads it (`entries`) after every 100th cancel, as a pass after a
 * cancel does. Only the WaitQueue is timed, not a whole scheduler (whose pass after each cancel
 * has its own cost).
 *
 *   node --import tsx bench/queue-cancel.ts [--size 10000,100000] [--seed 1] [--root DIR] [--label NAME]
 *
 * `--root DIR` runs another checkout's `src/` (a worktree of an earlier commit: the "before"
 * figures). Writes bench/results/queue-cancel-<label>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as WaitQueueLib from '../src/scheduler/wait-queue.js';
import { Rng } from '../src/core/rng.js';
import type { Request } from '../src/core/model.js';
import { machine, RESULTS_DIR } from './common.js';

const args = (() => {
  try {
    return parseArgs({ options: { size: { type: 'string', default: '10000,100000' }, seed: { type: 'string', default: '1' }, root: { type: 'string' }, label: { type: 'string', default: 'latest' } } }).values;
  } catch (e) {
    console.error(`bench/queue-cancel.ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
})();
const sizes = (args.size ?? '').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`bench/queue-cancel.ts: --size: expected whole numbers >= 1 separated by commas, got ${args.size}`);
  process.exit(2);
}
const seed = Number(args.seed);
if (!Number.isInteger(seed)) {
  console.error(`bench/queue-cancel.ts: --seed: expected a whole number, got ${args.seed}`);
  process.exit(2);
}
const ROOT = path.resolve(args.root ?? path.join(import.meta.dirname, '..'));
const { WaitQueue } = (await import(path.join(ROOT, 'src/scheduler/wait-queue.ts'))) as typeof WaitQueueLib;

const request = (i: number): Request => ({ id: `r${i}`, tenant: `t${i % 7}`, arrival: 0, demand: [1, 1, 0], duration: 60, priority: 'medium' });

function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

type Case = 'cancel' | 'cancel+read' | 'time-out';
function run(kind: Case, n: number): number {
  const rng = new Rng(seed);
  const q = new WaitQueue(60_000, n);
  const order = shuffled(n, rng);
  // Timeouts: request i times out at 1 + its place in `order` (ms), so they leave in random arrival order.
  const timeoutOf = new Array<number>(n);
  order.forEach((i, k) => (timeoutOf[i] = k + 1));
  const ws = Array.from({ length: n }, (_, i) => q.add(request(i), 0, null, kind === 'time-out' ? timeoutOf[i] : undefined));
  q.takeJournal();
  const t0 = performance.now();
  if (kind === 'time-out') {
    const tick = Math.max(1, Math.floor(n / 100));
    for (let at = tick; q.length > 0; at += tick) q.takeTimedOut(at);
  } else {
    order.forEach((i, k) => {
      q.remove(ws[i] as (typeof ws)[number]);
      if (kind === 'cancel+read' && k % 100 === 0) void q.entries.length;
    });
  }
  const ms = performance.now() - t0;
  if (q.length !== 0) throw new Error(`${kind}: ${q.length} requests left`);
  return ms;
}

const rows: { case: Case; size: number; ms: number }[] = [];
for (const n of sizes) {
  for (const kind of ['cancel', 'cancel+read', 'time-out'] as const) {
    const ms = run(kind, n);
    rows.push({ case: kind, size: n, ms });
    console.log(`${kind.padEnd(12)} ${String(n).padStart(7)} waiting: ${ms.toFixed(1).padStart(9)} ms (${((ms * 1000) / n).toFixed(2)} µs per request)`);
  }
}
mkdirSync(RESULTS_DIR, { recursive: true });
const out = path.join(RESULTS_DIR, `queue-cancel-${args.label}.json`);
writeFileSync(out, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), options: { sizes, seed, root: ROOT }, rows }, null, 2)}\n`);
console.log(`wrote ${out} (${ROOT})`);
