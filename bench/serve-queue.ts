/**
 * What bench/serve-cancel.ts and bench/serve-timeout.ts share: the command line (sizes, queue
 * policies, `--root` and `--vs-root` checkouts, label), loading each checkout's `src/scheduler`,
 * a ResourceScheduler whose one node is full with `n` requests waiting behind it (the queue fill
 * timed), the digest of what is left waiting, and the loop that runs each policy on each checkout,
 * alternating, checks the checkouts left the same queue and writes bench/results/<name>-<label>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as SchedulerLib from '../src/scheduler/index.js';
import { machine, RESULTS_DIR } from './common.js';

export type Lib = typeof SchedulerLib;

/** Option values by name (all string options), as parsed. */
export type QueueArgs = Partial<Record<string, string>>;

/** The options both scripts take, plus the script's own count option (`--cancels`, `--timeouts`) and `extra` ones. */
export function queueArgs(script: string, count: string, extra: Record<string, { type: 'string'; default?: string }> = {}): QueueArgs {
  try {
    return parseArgs({
      options: {
        size: { type: 'string', default: '10000,100000' },
        [count]: { type: 'string', default: '2000' },
        policy: { type: 'string', default: 'priority,fcfs' },
        ...extra,
        root: { type: 'string' },
        'vs-root': { type: 'string' },
        label: { type: 'string', default: 'latest' },
      },
    }).values as QueueArgs;
  } catch (e) {
    console.error(`${script}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
}

export function wholeList(script: string, name: string, value: string): number[] {
  const out = value.split(',').map(Number);
  if (out.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error(`${script}: --${name}: expected whole numbers >= 1 separated by commas, got ${value}`);
    process.exit(2);
  }
  return out;
}

/** This checkout (or `--root`) and, with `--vs-root`, the other one, each with its scheduler library. */
export async function checkouts(args: QueueArgs): Promise<{ roots: string[]; libs: Lib[] }> {
  const roots = [path.resolve(args.root ?? path.join(import.meta.dirname, '..')), ...(args['vs-root'] === undefined ? [] : [path.resolve(args['vs-root'])])];
  const libs = await Promise.all(roots.map(async (r) => (await import(path.join(r, 'src/scheduler/index.ts'))) as Lib));
  return { roots, libs };
}

/** One node full, then `n` requests queued behind it (one per ms, ids r0…r{n-1}); the time per queued allocate in µs. */
export function fullQueue(lib: Lib, policy: string, n: number, timeoutMs: number): { s: SchedulerLib.ResourceScheduler; clock: { now: number }; queueUsPerAllocate: number } {
  const clock = { now: 0 };
  const s = new lib.ResourceScheduler({
    timers: false,
    clock: () => clock.now,
    queue: { policy: policy as 'priority', maxLength: n + 1, timeoutMs },
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
  return { s, clock, queueUsPerAllocate: ((performance.now() - t0) * 1000) / n };
}

/** What is left must be the same on every checkout: count and a digest of the waiting ids in order. */
export function waitingDigest(s: SchedulerLib.ResourceScheduler, n: number): string {
  let h = 0;
  let waiting = 0;
  for (let i = 0; i < n; i++) {
    if (s.status(`r${i}`).status !== 'queued') continue;
    waiting++;
    h = (Math.imul(h, 31) + i) | 0;
  }
  return `${waiting}:${h}`;
}

export interface QueueRow {
  root: string;
  policy: string;
  size: number;
  queueUsPerAllocate: number;
  waitingAfter: string;
}

/**
 * Each size and policy on each checkout in turn (`run`, printed with `line`); with two checkouts,
 * their queues must agree and `ratio` prints how they compare. Writes `<name>-<label>.json` with `options`.
 */
export function runAll<R extends QueueRow>(opts: {
  name: string;
  label: string;
  sizes: readonly number[];
  policies: readonly string[];
  roots: readonly string[];
  libs: readonly Lib[];
  options: Record<string, unknown>;
  run: (lib: Lib, root: string, policy: string, n: number) => R;
  line: (row: R) => string;
  ratio: (a: R, b: R) => string;
}): void {
  const rows: R[] = [];
  for (const n of opts.sizes) {
    for (const policy of opts.policies) {
      const here: R[] = [];
      opts.libs.forEach((lib, i) => {
        const row = opts.run(lib, opts.roots[i] as string, policy, n);
        here.push(row);
        rows.push(row);
        console.log(`${policy.padEnd(9)} ${String(n).padStart(7)} waiting, ${opts.line(row)}, ${row.queueUsPerAllocate.toFixed(1).padStart(7)} µs per queued allocate  (${row.root})`);
      });
      if (here.length === 2) {
        const [a, b] = here as [R, R];
        if (a.waitingAfter !== b.waitingAfter) throw new Error(`${policy} ${n}: the checkouts left different queues (${a.waitingAfter} vs ${b.waitingAfter})`);
        console.log(`${' '.repeat(18)}vs-root ÷ root: ${opts.ratio(a, b)}, queued allocate ${(b.queueUsPerAllocate / a.queueUsPerAllocate).toFixed(1)}×`);
      }
    }
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, `${opts.name}-${opts.label}.json`);
  writeFileSync(out, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), options: opts.options, rows }, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
