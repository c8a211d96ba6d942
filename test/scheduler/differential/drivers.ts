import type { Allocator } from '../../../src/algorithms/allocator.js';
import { PreemptingAllocator } from '../../../src/algorithms/preemption.js';
import { createAllocator } from '../../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../../src/core/model.js';
import { REJECTION_CODES } from '../../../src/core/rejection.js';
import { ResourceSpace } from '../../../src/core/resources.js';
import { createQueuePolicy } from '../../../src/queue/registry.js';
import { EV } from '../../../src/sim/log.js';
import { replay } from '../../../src/sim/replay.js';
import type { AllocationBook } from '../../../src/scheduler/allocations.js';
import { ResourceScheduler } from '../../../src/scheduler/index.js';
import { DIMS, POLICIES, QUOTAS, type PolicyChoice, type Scenario, type Spec } from './generate.js';

/**
 * The two drivers of the one scheduling pass, fed the same scenario, each returning its decisions
 * as "ms kind request detail" lines: `start` (node and GPU devices), `complete`, `expire`,
 * `preempt`, `reject` (code), `lost` (evicted by a node failure), `node-failed`, `node-repaired`.
 * The logs are equal line by line when the drivers agree (start time and node of every request,
 * preemptions, rejections, completion order).
 */
const space = new ResourceSpace([...DIMS]);

export const poolSpecs = (s: Scenario): PoolSpec[] =>
  s.pools.map((p, i) => ({
    name: `p${i}`,
    capacity: [...p.capacity],
    nodes: { min: p.nodes, max: p.nodes, initial: p.nodes },
    pricePerHour: 1,
    latencyMs: 0,
    bootSeconds: 0,
    labels: {},
    ...(p.gpuDevices === undefined ? {} : { gpus: { count: p.gpuDevices } }),
  }));

function toRequest(r: Spec): Request {
  return {
    id: r.id,
    tenant: r.tenant,
    arrival: r.arrivalMs / 1000,
    demand: [...r.demand],
    duration: r.durationMs / 1000,
    priority: r.priority,
    ...(r.preemptible ? { preemptible: true } : {}),
    ...(r.leaseMs !== undefined ? { lease: r.leaseMs / 1000 } : {}),
    ...(r.dependsOn.length > 0 ? { dependsOn: r.dependsOn } : {}),
  };
}

const policyOf = (s: Scenario): PolicyChoice => POLICIES[s.policy] as PolicyChoice;
const devicesOf = (d: readonly number[] | undefined): string => (d === undefined || d.length === 0 ? '' : ` gpu[${d.join(',')}]`);

export interface DriverOptions {
  /** Instead of the scenario's allocator (without priority preemption): one the test observes. */
  readonly allocator?: Allocator;
  /** Every decision asked of the strategy (inside priority preemption too): "ms [request ids]". */
  readonly calls?: string[];
}

/** The scenario's allocator, its decisions noted in `calls` when given. */
function strategyOf(s: Scenario, o: DriverOptions): Allocator {
  const inner = o.allocator ?? createAllocator({ name: s.allocator });
  const calls = o.calls;
  if (calls === undefined) return inner;
  return {
    name: inner.name,
    allocate: (requests, cluster, ctx) => {
      calls.push(`${Math.round(ctx.now * 1000)} [${requests.map((r) => r.id).join(',')}]`);
      return inner.allocate(requests, cluster, ctx);
    },
  };
}

/** The simulator (`replay`, one pass per event, as production runs one per operation). */
export async function simulate(s: Scenario, o: DriverOptions = {}): Promise<string[]> {
  const policy = policyOf(s);
  const strategy = strategyOf(s, o);
  const out = await replay({
    space,
    pools: poolSpecs(s),
    requests: s.requests.map(toRequest),
    // Without quotas, preemption is the allocator wrapped; with quotas it comes after reclaim.
    allocator: s.preemption && !s.quotas ? new PreemptingAllocator(strategy) : strategy,
    ...(s.preemption && s.quotas ? { preempting: new PreemptingAllocator(strategy) } : {}),
    queue: createQueuePolicy(policy.name, policy.options),
    seed: 1,
    passes: 'per-event',
    failures: { events: s.failures.map((f) => ({ at: f.atMs / 1000, pool: `p${f.pool}`, count: 1, ...(f.repairAfterMs !== undefined ? { repairAfter: f.repairAfterMs / 1000 } : {}) })) },
    ...(s.quotas ? { quotas: QUOTAS } : {}),
  });
  const { log } = out;
  const lines: string[] = [];
  const failed = new Set<number>();
  for (let i = 0; i < log.length; i++) {
    const k = log.kind(i);
    const ms = Math.round(log.time(i) * 1000);
    const id = log.requests[log.ref(i)]?.id;
    if (k === EV.start) lines.push(`${ms} start ${id} ${log.node(i)}${devicesOf(log.devices.get(i))}`);
    else if (k === EV.complete) lines.push(`${ms} complete ${id}`);
    else if (k === EV.expire) lines.push(`${ms} expire ${id}`);
    else if (k === EV.preempt) lines.push(`${ms} preempt ${id}`);
    else if (k === EV.reject) lines.push(`${ms} reject ${id} ${REJECTION_CODES[log.node(i)]}`);
    else if (k === EV.failEvict) lines.push(`${ms} lost ${id}`);
    else if (k === EV.nodeFail) {
      lines.push(`${ms} node-failed ${log.node(i)}`);
      failed.add(log.node(i));
    } else if (k === EV.nodeUp && failed.has(log.node(i))) lines.push(`${ms} node-repaired ${log.node(i)}`);
  }
  return lines;
}

/**
 * ResourceScheduler on a manual clock: each request is submitted (`allocate`) at its arrival,
 * each allocation released when its work is done, `tick()` called when a lease runs out,
 * `failNode`/`repairNode` at their times; evicted work is requeued (`requeuePreempted`), as in the
 * simulator. Events at one instant run in the simulator kernel's order (time, then the order they
 * were scheduled in: failures first, an end when its work starts, a repair when its node fails;
 * but the ends due at a failure's instant run before it, as the simulator's do: work done at t is
 * done, a failure at t cannot evict it), and arrivals after the kernel's events at their instant.
 */
export async function produce(s: Scenario, o: DriverOptions = {}): Promise<string[]> {
  const policy = policyOf(s);
  let now = 0;
  const specs = poolSpecs(s);
  const sched = new ResourceScheduler({
    dimensions: [...DIMS],
    clock: () => now,
    timers: false,
    seed: 1,
    budgetMs: 60_000,
    strategy: strategyOf(s, o),
    preemption: s.preemption,
    queue: { policy: policy.name, options: policy.options, timeoutMs: 1e12, requeuePreempted: true },
    ...(s.quotas ? { quotas: QUOTAS } : {}),
    pools: specs.map((p) => ({
      name: p.name,
      capacity: Object.fromEntries(DIMS.map((d, i) => [d, p.capacity[i] as number])),
      nodes: p.nodes.initial,
      pricePerHour: p.pricePerHour,
      latencyMs: p.latencyMs,
      ...(p.gpus === undefined ? {} : { gpus: { count: p.gpus.count } }),
    })),
  });
  await sched.ready();
  // AllocationInfo does not name GPU devices: the test notes them as the scheduler books each start
  // (`AllocationBook.start`; its `allocated` events follow in that order when the operation ends).
  const book = (sched as unknown as { readonly book: AllocationBook }).book;
  const devices = new Map<string, (readonly number[] | undefined)[]>();
  const start = book.start.bind(book);
  book.start = (...args: Parameters<AllocationBook['start']>) => {
    const a = args[1];
    devices.set(a.id, [...(devices.get(a.id) ?? []), a.devices]);
    start(...args);
  };
  const byId = new Map(s.requests.map((r) => [r.id, r]));
  const lines: string[] = [];
  type Ev = { readonly ms: number; readonly seq: number; readonly run: () => void; readonly end?: true };
  const events: Ev[] = [];
  let seq = 0;
  const schedule = (ms: number, run: () => void, end?: true): void => void events.push({ ms, seq: seq++, run, ...(end ? { end } : {}) });
  const endsDue = (): void => {
    for (const e of events.filter((x) => x.end === true && x.ms === now).sort((x, y) => x.seq - y.seq)) {
      events.splice(events.indexOf(e), 1);
      e.run();
    }
  };
  const up: number[][] = [];
  let nextNode = 0;
  for (const p of specs) up.push(Array.from({ length: p.nodes.initial }, () => nextNode++));
  const live = new Map<string, number>(); // id -> token of its current end event
  sched.on('allocated', (e) => {
    const r = byId.get(e.allocation.id) as Spec;
    lines.push(`${now} start ${r.id} ${e.allocation.nodeId}${devicesOf(devices.get(r.id)?.shift())}`);
    const end = now + r.durationMs;
    const expiry = r.leaseMs === undefined ? Infinity : now + r.leaseMs;
    const token = seq;
    live.set(r.id, token);
    schedule(Math.min(end, expiry), () => {
      if (live.get(r.id) !== token) return; // evicted or ended since
      if (expiry < end) sched.tick();
      else sched.release(r.id);
    }, true);
  });
  const ended = (kind: string) => (e: { allocation: { id: string } }) => {
    lines.push(`${now} ${kind} ${e.allocation.id}`);
    live.delete(e.allocation.id);
  };
  sched.on('preempted', ended('preempt'));
  sched.on('expired', ended('expire'));
  sched.on('released', ended('complete'));
  sched.on('lost', ended('lost'));
  sched.on('rejected', (e) => lines.push(`${now} reject ${e.requestId} ${e.rejection.code}`));
  sched.on('node-failed', (e) => lines.push(`${now} node-failed ${e.nodeId}`));
  sched.on('node-repaired', (e) => lines.push(`${now} node-repaired ${e.nodeId}`));
  for (const f of s.failures) {
    schedule(f.atMs, () => {
      const pool = up[f.pool] as number[];
      const node = pool[0];
      if (node === undefined) return; // no node of the pool is up
      if (f.repairAfterMs !== undefined) {
        schedule(now + f.repairAfterMs, () => {
          sched.repairNode(`p${f.pool}`, node);
          pool.push(node);
          pool.sort((x, y) => x - y);
        });
      }
      pool.shift();
      endsDue();
      sched.failNode(`p${f.pool}`, node);
    });
  }
  const runUntil = (limit: number): void => {
    for (;;) {
      let best: Ev | undefined;
      for (const e of events) if (best === undefined || e.ms < best.ms || (e.ms === best.ms && e.seq < best.seq)) best = e;
      if (best === undefined || best.ms > limit) return;
      events.splice(events.indexOf(best), 1);
      now = best.ms;
      best.run();
    }
  };
  for (const r of s.requests) {
    runUntil(r.arrivalMs);
    now = r.arrivalMs;
    sched.allocate({
      id: r.id,
      tenant: r.tenant,
      priority: r.priority,
      demand: Object.fromEntries(DIMS.map((d, i) => [d, r.demand[i] as number])),
      estimatedDurationMs: r.durationMs,
      ...(r.leaseMs !== undefined ? { durationMs: r.leaseMs } : {}),
      ...(r.preemptible ? { preemptible: true } : {}),
      ...(r.dependsOn.length > 0 ? { dependsOn: r.dependsOn } : {}),
    });
  }
  runUntil(Infinity);
  sched.checkInvariants();
  sched.close();
  return lines;
}
