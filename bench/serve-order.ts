/**
 * Cost of an allocate and of a release in a ResourceScheduler (in process, MemoryStore, manual
 * clock) whose wait queue holds `--size` requests behind a full node, under a blocking queue
 * policy with a static key: every operation runs a scheduling pass over the whole queue in policy
 * order. Then `--ops` times: a new request is submitted (it queues: timed as "allocate") and
 * withdrawn (`release(id)`, a cancel: timed as "release"), so the queue keeps its size. Durations
 * and priorities repeat, and three requests share each clock ms, so the keys tie (ties by arrival,
 * then queue order). `priority+blocking` is the priority policy with `blocking: true` (by default
 * it does not block, and its passes offer only what is new).
 *
 * Each policy runs on each checkout in turn, in the same process; every run must end with the
 * same requests waiting (checked).
 *
 *   node --import tsx bench/serve-order.ts [--size 1000,10000] [--ops 500] [--policy fcfs,sjf,priority+blocking] [--root DIR] [--vs-root DIR] [--label NAME]
 *
 * `--root DIR` (default: this checkout) and `--vs-root DIR` (another checkout: the "before")
 * name the `src/` trees run. Writes bench/results/serve-order-<label>.json.
 */
import type * as SchedulerLib from '../src/scheduler/index.js';
import { checkouts, queueArgs, runAll, waitingDigest, wholeList, type Lib, type QueueRow } from './serve-queue.js';

const SCRIPT = 'bench/serve-order.ts';
// Defaults of its own (they replace serve-queue's): the "before" sorts the queue at every operation.
const args = queueArgs(SCRIPT, 'ops', {
  size: { type: 'string', default: '1000,10000' },
  ops: { type: 'string', default: '500' },
  policy: { type: 'string', default: 'fcfs,sjf,priority+blocking' },
});
const sizes = wholeList(SCRIPT, 'size', args.size ?? '');
const ops = wholeList(SCRIPT, 'ops', args.ops ?? '')[0] as number;
const policies = (args.policy ?? '').split(',');
const { roots, libs } = await checkouts(args);

const PRIORITIES = ['low', 'medium', 'high'] as const;

interface Row extends QueueRow {
  ops: number;
  usPerAllocate: number;
  usPerRelease: number;
}

/** The i-th request: durations and priorities repeat (ties in every key). */
function input(i: number): SchedulerLib.ScheduleRequest {
  return { id: `r${i}`, tenant: `t${i % 7}`, demand: { cpu: 1 + (i % 3), memory: 2 }, durationMs: 1000 * (1 + (i % 5)), priority: PRIORITIES[i % 3] as 'low' };
}

function run(lib: Lib, root: string, spec: string, n: number, count = ops): Row {
  const [policy, flag] = spec.split('+');
  if (flag !== undefined && flag !== 'blocking') throw new Error(`${SCRIPT}: --policy: '${spec}': expected NAME or NAME+blocking`);
  const clock = { now: 0 };
  const s = new lib.ResourceScheduler({
    timers: false,
    clock: () => clock.now,
    queue: { policy: policy as 'priority', maxLength: n + 1, timeoutMs: 1e12, ...(flag === undefined ? {} : { options: { blocking: true } }) },
    pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: { min: 1, max: 1, initial: 1 }, pricePerHour: 1 }],
  });
  if (s.allocate({ id: 'full', tenant: 'x', demand: { cpu: 8, memory: 32 } }).status !== 'allocated') throw new Error('the node did not fill');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) clock.now += 1;
    const r = s.allocate(input(i));
    if (r.status !== 'queued') throw new Error(`r${i}: ${r.status}`);
  }
  const queueUsPerAllocate = ((performance.now() - t0) * 1000) / n;
  let allocMs = 0;
  let releaseMs = 0;
  for (let k = 0; k < count; k++) {
    const i = n + k;
    if (i % 3 === 0) clock.now += 1;
    const t1 = performance.now();
    const r = s.allocate(input(i));
    const t2 = performance.now();
    const c = s.release(`r${i}`);
    releaseMs += performance.now() - t2;
    allocMs += t2 - t1;
    if (r.status !== 'queued' || c.status !== 'cancelled') throw new Error(`r${i}: ${r.status}, then ${c.status}`);
  }
  const waitingAfter = waitingDigest(s, n);
  void s.shutdown();
  return { root, policy: spec, size: n, ops: count, queueUsPerAllocate, usPerAllocate: (allocMs * 1000) / count, usPerRelease: (releaseMs * 1000) / count, waitingAfter };
}

// Warm-up (not reported): the first checkout run would otherwise pay for the JIT.
for (const policy of policies) libs.forEach((lib, i) => run(lib, roots[i] as string, policy, 300, 100));

runAll({
  name: 'serve-order',
  label: args.label ?? 'latest',
  sizes,
  policies,
  roots,
  libs,
  options: { sizes, ops, policies, roots },
  run,
  line: (row) => `${row.ops} ops: ${row.usPerAllocate.toFixed(1).padStart(8)} µs per allocate, ${row.usPerRelease.toFixed(1).padStart(8)} µs per release`,
  ratio: (a, b) => `allocate ${(b.usPerAllocate / a.usPerAllocate).toFixed(1)}×, release ${(b.usPerRelease / a.usPerRelease).toFixed(1)}×`,
});
