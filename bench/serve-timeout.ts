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
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as SchedulerLib from '../src/scheduler/index.js';
import { machine, RESULTS_DIR } from './common.js';

const args = (() => {
  try {
    return parseArgs({
      options: {
        size: { type: 'string', default: '10000,100000' },
        timeouts: { type: 'string', default: '2000' },
        policy: { type: 'string', default: 'priority,fcfs' },
        root: { type: 'string' },
        'vs-root': { type: 'string' },
        label: { type: 'string', default: 'latest' },
      },
    }).values;
  } catch (e) {
    console.error(`bench/serve-timeout.ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
})();
function wholeList(name: 'size' | 'timeouts', value: string): number[] {
  const out = value.split(',').map(Number);
  if (out.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error(`bench/serve-timeout.ts: --${name}: expected whole numbers >= 1 separated by commas, got ${value}`);
    process.exit(2);
  }
  return out;
}
const sizes = wholeList('size', args.size ?? '');
const timeouts = wholeList('timeouts', args.timeouts ?? '')[0] as number;
const policies = (args.policy ?? '').split(',');
const TIMEOUT_MS = 1_000_000;
const roots = [path.resolve(args.root ?? path.join(import.meta.dirname, '..')), ...(args['vs-root'] === undefined ? [] : [path.resolve(args['vs-root'])])];
const libs = await Promise.all(roots.map(async (r) => (await import(path.join(r, 'src/scheduler/index.ts'))) as typeof SchedulerLib));

interface Row {
  root: string;
  policy: string;
  size: number;
  timeouts: number;
  queueUsPerAllocate: number;
  usPerTimeout: number;
  waitingAfter: string;
}

function run(lib: typeof SchedulerLib, root: string, policy: string, n: number): Row {
  const clock = { now: 0 };
  const s = new lib.ResourceScheduler({
    timers: false,
    clock: () => clock.now,
    queue: { policy: policy as 'priority', maxLength: n + 1, timeoutMs: TIMEOUT_MS },
    pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1 }],
  });
  const full = s.allocate({ id: 'full', tenant: 'x', demand: { cpu: 8, memory: 32 } });
  if (full.status !== 'allocated') throw new Error(`the node did not fill: ${full.status}`);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    clock.now += 1;
    const r = s.allocate({ id: `r${i}`, tenant: `t${i % 7}`, demand: { cpu: 1 + (i % 3), memory: 2 }, priority: (['low', 'medium', 'high'] as const)[i % 3] });
    if (r.status !== 'queued') throw new Error(`r${i}: ${r.status}`);
  }
  const queueMs = performance.now() - t0;
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
  // What is left must be the same on every checkout: count and a digest of the waiting ids in order.
  let h = 0;
  let waiting = 0;
  for (let i = 0; i < n; i++) {
    if (s.status(`r${i}`).status !== 'queued') continue;
    waiting++;
    h = (Math.imul(h, 31) + i) | 0;
  }
  void s.shutdown();
  return { root, policy, size: n, timeouts: k, queueUsPerAllocate: (queueMs * 1000) / n, usPerTimeout: (timeoutMs * 1000) / k, waitingAfter: `${waiting}:${h}` };
}

const rows: Row[] = [];
for (const n of sizes) {
  for (const policy of policies) {
    const here: Row[] = [];
    libs.forEach((lib, i) => {
      const row = run(lib, roots[i] as string, policy, n);
      here.push(row);
      rows.push(row);
      console.log(`${policy.padEnd(9)} ${String(n).padStart(7)} waiting, ${row.timeouts} timeouts: ${row.usPerTimeout.toFixed(1).padStart(9)} µs per timeout tick, ${row.queueUsPerAllocate.toFixed(1).padStart(7)} µs per queued allocate  (${row.root})`);
    });
    if (here.length === 2) {
      const [a, b] = here as [Row, Row];
      if (a.waitingAfter !== b.waitingAfter) throw new Error(`${policy} ${n}: the checkouts left different queues (${a.waitingAfter} vs ${b.waitingAfter})`);
      console.log(`${' '.repeat(18)}vs-root ÷ root: timeout tick ${(b.usPerTimeout / a.usPerTimeout).toFixed(1)}×, queued allocate ${(b.queueUsPerAllocate / a.queueUsPerAllocate).toFixed(1)}×`);
    }
  }
}
mkdirSync(RESULTS_DIR, { recursive: true });
const out = path.join(RESULTS_DIR, `serve-timeout-${args.label}.json`);
writeFileSync(out, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), options: { sizes, timeouts, policies, roots }, rows }, null, 2)}\n`);
console.log(`wrote ${out}`);
