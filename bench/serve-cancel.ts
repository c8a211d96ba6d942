/**
 * Cost of cancelling queued requests in a ResourceScheduler (in process, MemoryStore, manual
 * clock) whose wait queue holds `--size` requests: one node is full, every request waits; then
 * `--cancels` of them, in a seeded random order, are withdrawn with `release(id)` (what
 * `DELETE /v1/allocations/:id` does). The figure is the time per cancel; the time per queued
 * `allocate` while the queue fills is printed too. Each queue policy runs on each checkout, the
 * checkouts alternating, so the ratios compare code run in the same process on the same machine
 * load; every run must end with the same requests waiting (checked).
 *
 *   node --import tsx bench/serve-cancel.ts [--size 10000,100000] [--cancels 2000] [--policy priority,fcfs] [--seed 1] [--root DIR] [--vs-root DIR] [--label NAME]
 *
 * `--root DIR` (default: this checkout) and `--vs-root DIR` (another checkout, e.g. a worktree
 * of an earlier commit: the "before") name the `src/` trees run. Writes
 * bench/results/serve-cancel-<label>.json.
 */
import { Rng } from '../src/core/rng.js';
import { checkouts, fullQueue, queueArgs, runAll, waitingDigest, wholeList, type Lib, type QueueRow } from './serve-queue.js';

const SCRIPT = 'bench/serve-cancel.ts';
const args = queueArgs(SCRIPT, 'cancels', { seed: { type: 'string', default: '1' } });
const sizes = wholeList(SCRIPT, 'size', args.size ?? '');
const cancels = wholeList(SCRIPT, 'cancels', args.cancels ?? '')[0] as number;
const policies = (args.policy ?? '').split(',');
const seed = Number(args.seed);
if (!Number.isInteger(seed)) {
  console.error(`${SCRIPT}: --seed: expected a whole number, got ${args.seed}`);
  process.exit(2);
}
const { roots, libs } = await checkouts(args);

interface Row extends QueueRow {
  cancels: number;
  usPerCancel: number;
}

function run(lib: Lib, root: string, policy: string, n: number): Row {
  const { s, clock, queueUsPerAllocate } = fullQueue(lib, policy, n, 1e12);
  const rng = new Rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const k = Math.min(cancels, n);
  const t1 = performance.now();
  for (let c = 0; c < k; c++) {
    clock.now += 1;
    const out = s.release(`r${order[c] as number}`);
    if (out.status !== 'cancelled') throw new Error(`cancel r${order[c]}: ${out.status}`);
  }
  const cancelMs = performance.now() - t1;
  const waitingAfter = waitingDigest(s, n);
  void s.shutdown();
  return { root, policy, size: n, cancels: k, queueUsPerAllocate, usPerCancel: (cancelMs * 1000) / k, waitingAfter };
}

runAll({
  name: 'serve-cancel',
  label: args.label ?? 'latest',
  sizes,
  policies,
  roots,
  libs,
  options: { sizes, cancels, policies, seed, roots },
  run,
  line: (row) => `${row.cancels} cancels: ${row.usPerCancel.toFixed(1).padStart(9)} µs per cancel`,
  ratio: (a, b) => `cancel ${(b.usPerCancel / a.usPerCancel).toFixed(1)}×`,
});
