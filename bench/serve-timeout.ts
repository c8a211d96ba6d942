/**
 * Cost of queue timeouts in a ResourceScheduler (in process, MemoryStore, manual clock) whose wait
 * queue holds `--size` requests: one node is full, every request waits (one enqueued per ms, the
 * queue timeout 10^6 ms); then the clock moves 1 ms and `tick()` runs, `--timeouts` times, so each
 * tick times out the oldest request (what the timer of `drs serve` does). The figure is the time
 * per tick; the time per queued `allocate` while the queue fills is printed too. Each queue policy runs on each checkout, the
 * checkouts alternating, so the ratios compare code run in the same process on the same machine
 * load; every run must end with the same requests waiting (checked).
 *
 *   node --import tsx bench/serve-timeout.ts [--size 10000,100000] [--timeouts 2000] [--policy priority,fcfs] [--root DIR] [--vs-root DIR] [--label NAME]
 *
 * `--root DIR` (default: this checkout) and `--vs-root DIR` (another checkout, e.g. a worktree
 * of an earlier commit: the "before") name the `src/` trees run. Writes
 * bench/results/serve-timeout-<label>.json.
 */
import { checkouts, fullQueue, queueArgs, runAll, waitingDigest, wholeList, type Lib, type QueueRow } from './serve-queue.js';

const SCRIPT = 'bench/serve-timeout.ts';
const args = queueArgs(SCRIPT, 'timeouts');
const sizes = wholeList(SCRIPT, 'size', args.size ?? '');
const timeouts = wholeList(SCRIPT, 'timeouts', args.timeouts ?? '')[0] as number;
const policies = (args.policy ?? '').split(',');
const TIMEOUT_MS = 1_000_000;
const { roots, libs } = await checkouts(args);

interface Row extends QueueRow {
  timeouts: number;
  usPerTimeout: number;
}

function run(lib: Lib, root: string, policy: string, n: number): Row {
  const { s, clock, queueUsPerAllocate } = fullQueue(lib, policy, n, TIMEOUT_MS);
  const k = Math.min(timeouts, n);
  // Request i waits from i + 1 ms; its deadline is TIMEOUT_MS later: each tick times out one.
  const t1 = performance.now();
  for (let c = 0; c < k; c++) {
    clock.now = TIMEOUT_MS + c + 1;
    s.tick();
    const st = s.status(`r${c}`);
    if (st.status !== 'ended' || st.how !== 'timed-out') throw new Error(`r${c} did not time out: ${JSON.stringify(st)}`);
  }
  const timeoutMs = performance.now() - t1;
  const waitingAfter = waitingDigest(s, n);
  void s.shutdown();
  return { root, policy, size: n, timeouts: k, queueUsPerAllocate, usPerTimeout: (timeoutMs * 1000) / k, waitingAfter };
}

runAll({
  name: 'serve-timeout',
  label: args.label ?? 'latest',
  sizes,
  policies,
  roots,
  libs,
  options: { sizes, timeouts, policies, roots },
  run,
  line: (row) => `${row.timeouts} timeouts: ${row.usPerTimeout.toFixed(1).padStart(9)} µs per timeout tick`,
  ratio: (a, b) => `timeout tick ${(b.usPerTimeout / a.usPerTimeout).toFixed(1)}×`,
});
