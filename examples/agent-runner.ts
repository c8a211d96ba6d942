/**
 * A small agent runner that embeds ResourceScheduler: N simulated agents ask for GPU or CPU
 * slots, wait in the queue if they must, run, renew their lease when they need more time, and
 * release. A few urgent agents preempt background work. The runner prints what happened.
 *
 *   npm run build && npx tsx examples/agent-runner.ts [--agents 16] [--seed 7]
 *
 * It imports the package by name (`drs-toolkit`), as a project that added it with
 * `npm install drs-toolkit` would; inside this repository the name resolves to the package itself
 * (Node's self-reference through package.json "exports"), i.e. to dist/, hence the build first.
 *
 * Time is real but short (agents run for 0.1-0.8 s), so the whole run takes a few seconds.
 */
import { parseArgs } from 'node:util';
import { ResourceScheduler, Rng, type AllocationInfo, type Priority } from 'drs-toolkit';

/** A bad flag: one line naming it and what is expected, exit code 2 (as `drs` does), never a stack trace. */
function usage(message: string): never {
  console.error(`agent-runner: ${message}\nusage: npx tsx examples/agent-runner.ts [--agents N] [--seed S]`);
  process.exit(2);
}
let values: { agents: string; seed: string };
try {
  values = parseArgs({ options: { agents: { type: 'string', default: '16' }, seed: { type: 'string', default: '7' } } }).values;
} catch (e) {
  usage((e as Error).message);
}
// `--agents abc` ran no agent at all and `--agents -3` one, without a word.
const AGENTS = Number(values.agents);
if (!(Number.isInteger(AGENTS) && AGENTS >= 1)) usage(`--agents must be a whole number ≥ 1, got '${values.agents}'`);
const rng = new Rng(values.seed);
const t0 = Date.now();
const stamp = (): string => `${((Date.now() - t0) / 1000).toFixed(2).padStart(5)}s`;
const log = (who: string, what: string): void => console.log(`${stamp()}  ${who.padEnd(9)} ${what}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const scheduler = new ResourceScheduler({
  strategy: 'best-fit-decreasing',
  preemption: true,
  queue: { policy: 'priority', timeoutMs: 3000 },
  tickIntervalMs: 20,
  pools: [
    { name: 'gpu', capacity: { cpu: 16, memory: 128, gpu: 4 }, nodes: 2, primary: 'gpu', pricePerHour: 12, latencyMs: 30 },
    { name: 'cpu', capacity: { cpu: 16, memory: 64 }, nodes: 2, pricePerHour: 1.5, latencyMs: 5 },
  ],
});

// The runner watches the scheduler's events: queued requests that start, preemptions, expiries.
const started = new Map<string, (a: AllocationInfo) => void>();
const interrupted = new Map<string, (why: string) => void>();
scheduler.on('allocated', (e) => {
  if (e.fromQueue) started.get(e.allocation.id)?.(e.allocation);
});
scheduler.on('timed-out', (e) => interrupted.get(e.requestId)?.('timed out in the queue'));
scheduler.on('preempted', (e) => interrupted.get(e.allocation.id)?.(`preempted by ${e.record.forRequestId}`));
scheduler.on('expired', (e) => interrupted.get(e.allocation.id)?.('lease expired'));

const outcome: Record<string, number> = {};
const count = (k: string): void => void (outcome[k] = (outcome[k] ?? 0) + 1);

async function agent(i: number): Promise<void> {
  const id = `agent-${String(i).padStart(2, '0')}`;
  // Every seventh agent is urgent: a critical GPU job arriving once the GPUs are busy.
  const urgent = i % 7 === 6;
  const wantsGpu = urgent || rng.bernoulli(0.5);
  const priority: Priority = urgent ? 'critical' : wantsGpu && rng.bernoulli(0.5) ? 'background' : 'medium';
  const workMs = Math.round(priority === 'background' ? rng.uniform(600, 1500) : rng.uniform(100, 800));
  const leaseMs = 400;
  await sleep(Math.round(urgent ? rng.uniform(500, 1200) : rng.uniform(0, 1500)));

  const req = wantsGpu
    ? { id, tenant: `team-${i % 3}`, pool: 'gpu', units: urgent ? 4 : rng.pick([1, 2, 4]), demand: { cpu: 4, memory: 32 }, priority, preemptible: priority === 'background' }
    : { id, tenant: `team-${i % 3}`, demand: { cpu: rng.pick([2, 4, 8]), memory: 8 }, priority, maxLatencyMs: 10 };
  const res = scheduler.allocate(req, leaseMs);
  let alloc: AllocationInfo;
  const stopped = new Promise<string>((resolve) => interrupted.set(id, resolve));
  switch (res.status) {
    case 'rejected':
      log(id, `rejected: ${res.rejection.code} (${res.rejection.message})`);
      count(`rejected:${res.rejection.code}`);
      return;
    case 'preempted':
      log(id, 'started and preempted at once by higher-priority work');
      count('preempted');
      return;
    case 'queued': {
      log(id, `queued (${res.reason.message})`);
      const s = await Promise.race([new Promise<AllocationInfo>((resolve) => started.set(id, resolve)), stopped]);
      if (typeof s === 'string') {
        log(id, s);
        count('timed-out');
        return;
      }
      alloc = s;
      log(id, `started from the queue on ${alloc.node}`);
      break;
    }
    case 'allocated':
      alloc = res.allocation;
      log(id, `${priority} ${wantsGpu ? `${alloc.demand.gpu} GPU` : `${alloc.demand.cpu} CPU`} on ${alloc.node}${res.preempted.length > 0 ? `, preempting ${res.preempted.map((p) => p.allocationId).join(', ')}` : ''}`);
      break;
  }
  // Run, renewing the lease while there is work left.
  let left = workMs;
  while (left > 0) {
    const step = Math.min(left, leaseMs / 2);
    const r = await Promise.race([sleep(step).then(() => undefined), stopped]);
    if (r !== undefined) {
      log(id, `stopped after ${workMs - left} ms: ${r}`);
      count('interrupted');
      return;
    }
    left -= step;
    if (left > 0) scheduler.renew(id, leaseMs);
  }
  scheduler.release(id);
  log(id, `done after ${workMs} ms, released ${alloc.node}`);
  count('completed');
}

console.log(`agent runner: ${AGENTS} agents on ${scheduler.listPools().map((p) => `${p.name} (${p.nodes.up} nodes)`).join(', ')}; strategy ${scheduler.allocator.name}, preemption on, priority queue\n`);
await Promise.all(Array.from({ length: AGENTS }, (_, i) => agent(i)));
console.log(`\nsummary: ${Object.entries(outcome).map(([k, v]) => `${k} ${v}`).join(', ')}; preemptions logged: ${scheduler.getPreemptions().length}`);
for (const p of scheduler.listPools()) console.log(`  pool ${p.name}: ${p.allocations} allocations left, utilization ${JSON.stringify(p.utilization)}`);
scheduler.close();
