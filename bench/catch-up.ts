/**
 * One ResourceScheduler tick that catches up on a long stall (src/scheduler/due-work.ts): N
 * whole-node leases end between two ticks (at 1000 + 2i ms) and N requests wait for their room,
 * with deadlines
 *
 *   - `far`: long after the tick (one batch of capacity, one pass: the baseline);
 *   - `mix`: 1000 + j ms, interleaved with the lease ends (about half time out);
 *   - `all`: 1001 + 2j ms, each just after the lease before it (exactly, every one is placed).
 *
 * Interleaved lease ends and deadlines are done in time order, one pass over the queue per step,
 * until the steps have visited EXACT_WORK queue entries; the rest in one coarse batch. Prints the
 * tick's milliseconds, the ratio to `far` at the same N (same run), and how many were placed.
 *
 *   npx tsx bench/catch-up.ts [N ...]        (default 1000 10000)
 */
import { performance } from 'node:perf_hooks';
import { ResourceScheduler } from '../src/scheduler/index.js';

type Mode = 'far' | 'mix' | 'all';

function oneTick(n: number, mode: Mode): { ms: number; placed: number } {
  const clock = { now: 0 };
  const s = new ResourceScheduler({
    clock: () => clock.now,
    timers: false,
    strategy: 'first-fit',
    queue: { policy: 'fcfs', timeoutMs: 10_000_000, maxLength: n },
    pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: { min: n, max: n, initial: n } }],
  });
  for (let i = 0; i < n; i++) s.allocate({ id: `a${i}`, tenant: 't', demand: { cpu: 4, memory: 1 } }, 1000 + 2 * i);
  for (let j = 0; j < n; j++) {
    const deadline = mode === 'all' ? 1001 + 2 * j : mode === 'far' ? 10_000_000 : 1000 + j;
    s.allocate({ id: `q${j}`, tenant: 't', demand: { cpu: 4, memory: 1 }, queueTimeoutMs: deadline });
  }
  clock.now = 1000 + 2 * n + 10;
  const t0 = performance.now();
  s.tick();
  const ms = performance.now() - t0;
  let placed = 0;
  for (let j = 0; j < n; j++) if (s.status(`q${j}`).status === 'allocated') placed++;
  s.close();
  return { ms, placed };
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [1000, 10_000]) {
  const base = oneTick(n, 'far');
  console.log(`N=${n} far: ${base.ms.toFixed(0)} ms, ${base.placed} placed (baseline)`);
  for (const mode of ['mix', 'all'] as const) {
    const r = oneTick(n, mode);
    console.log(`N=${n} ${mode}: ${r.ms.toFixed(0)} ms (${(r.ms / base.ms).toFixed(2)}× far), ${r.placed} placed`);
  }
}
