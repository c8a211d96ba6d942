import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOCATOR_NAMES, createAllocator, type AllocatorName } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import type { Priority } from '../../src/core/priority.js';
import { REJECTION_CODES } from '../../src/core/rejection.js';
import { ResourceSpace } from '../../src/core/resources.js';
import type { QuotaConfig } from '../../src/engine/quota.js';
import { createQueuePolicy, type QueuePolicyName } from '../../src/queue/registry.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';

/**
 * Parity by construction, checked: random scenarios run through the simulator (`replay`) and
 * through `ResourceScheduler` on a virtual clock give the same event log: every start (time,
 * request, node), rejection (time, request, code), preemption, lease expiry and completion.
 *
 * Scenarios: 1–3 pools of 1–3 nodes (cpu, memory, gpu), 4–40 requests with distinct arrival
 * times (multiples of 1/8 s), random priorities, tenants and demands, preemptible work, leases shorter than
 * the work (they expire), dependencies on earlier requests, requests that can never be placed;
 * queue policies FCFS blocking with EASY or conservative backfilling, SJF blocking with EASY,
 * priority classes, DRF; with and without priority preemption; with and without quotas (maximum
 * shares and guarantees, so reclaim happens); every registered allocator, the batch ones (ilp,
 * genetic) with a model of at most 4 requests, so the queue is longer than the model. A "full
 * cluster" case keeps a queue of tens of requests waiting on one small node.
 *
 * Known difference, kept out of the generator: several leases expiring at the same instant
 * (production's tick expires them together and passes the queue once; the simulator passes
 * after each), so each scenario has at most one lease.
 *
 * The production side: the harness submits each request at its arrival time, releases each
 * allocation when its work is done (start + duration, in start order at equal times) and calls
 * `tick()` at lease expiries; evicted work is requeued (`queue.requeuePreempted`), as in the
 * simulator. The simulator runs a pass after every event (`passes: 'per-event'`), as production
 * runs one per operation.
 */
const DIMS = ['cpu', 'memory', 'gpu'];
const space = new ResourceSpace(DIMS);
const POLICIES: readonly { name: QueuePolicyName; options: Record<string, unknown> }[] = [
  { name: 'fcfs', options: { blocking: true, backfill: 'easy' } },
  { name: 'fcfs', options: { blocking: true, backfill: 'conservative' } },
  { name: 'sjf', options: { blocking: true, backfill: 'easy', headOfLine: 'commit' } },
  { name: 'priority', options: {} },
  { name: 'drf', options: {} },
];
const QUOTAS: QuotaConfig = { tenants: { a: { max: { cpu: 0.5 } }, b: { guaranteed: { cpu: 0.3, gpu: 0.5 } }, c: { guaranteed: { memory: 0.3 } } } };

interface Spec {
  readonly id: string;
  readonly arrivalMs: number;
  readonly durationMs: number;
  readonly leaseMs?: number;
  readonly demand: readonly number[];
  readonly priority: Priority;
  readonly tenant: string;
  readonly preemptible: boolean;
  readonly dependsOn: readonly string[];
}

interface Scenario {
  readonly pools: readonly { readonly capacity: readonly number[]; readonly nodes: number }[];
  readonly requests: readonly Spec[];
  readonly allocator: AllocatorName;
  readonly policy: number;
  readonly preemption: boolean;
  readonly quotas: boolean;
}

const PRIORITIES: readonly Priority[] = ['critical', 'high', 'medium', 'low', 'background'];
/**
 * Times are multiples of 1/8 s: whole milliseconds for the scheduler's clock and exact binary
 * fractions for the simulator's seconds, so start + duration is the same instant on both sides.
 */
const TICK = 125;

const poolArb = fc.record({
  capacity: fc.tuple(fc.constantFrom(4, 8, 16), fc.constantFrom(16, 64), fc.constantFrom(0, 0, 2, 4)),
  nodes: fc.integer({ min: 1, max: 2 }),
});

const reqArb = fc.record({
  gapMs: fc.integer({ min: 1, max: 12 }).map((k) => k * TICK),
  durationMs: fc.integer({ min: 4, max: 320 }).map((k) => k * TICK),
  leaseFrac: fc.option(fc.double({ min: 0.2, max: 0.9, noNaN: true }), { freq: 5 }),
  cpu: fc.constantFrom(1, 2, 3, 4, 6, 20),
  memory: fc.constantFrom(1, 4, 8, 16),
  gpu: fc.constantFrom(0, 0, 0, 0, 0, 1, 2),
  priority: fc.constantFrom(...PRIORITIES),
  tenant: fc.constantFrom('a', 'b', 'c'),
  preemptible: fc.boolean(),
  deps: fc.option(fc.array(fc.nat(), { minLength: 1, maxLength: 2 }), { freq: 6 }),
});

function scenarioArb(maxRequests: number, allocators: readonly AllocatorName[]): fc.Arbitrary<Scenario> {
  return fc
    .record({
      pools: fc.array(poolArb, { minLength: 1, maxLength: 3 }),
      reqs: fc.array(reqArb, { minLength: 4, maxLength: maxRequests }),
      allocator: fc.constantFrom(...allocators),
      policy: fc.integer({ min: 0, max: POLICIES.length - 1 }),
      preemption: fc.boolean(),
      quotas: fc.boolean(),
    })
    .map(({ pools, reqs, allocator, policy, preemption, quotas }) => {
      let t = 0;
      // One lease per scenario: production expires every lease due at a tick in one operation
      // (one pass), the simulator passes after each expiry; with one lease they cannot coincide.
      const leased = reqs.findIndex((r) => r.leaseFrac !== null);
      const requests: Spec[] = reqs.map((r, i) => {
        t += r.gapMs;
        const deps = r.deps === null || i === 0 ? [] : [...new Set(r.deps.map((d) => `r${d % i}`))];
        return {
          id: `r${i}`,
          arrivalMs: t,
          durationMs: r.durationMs,
          ...(r.leaseFrac === null || i !== leased ? {} : { leaseMs: Math.max(1, Math.round((r.durationMs * r.leaseFrac) / TICK)) * TICK }),
          demand: [r.cpu, r.memory, r.gpu],
          priority: r.priority,
          tenant: r.tenant,
          preemptible: r.preemptible,
          dependsOn: deps,
        };
      });
      return { pools: pools.map((p) => ({ capacity: [...p.capacity], nodes: p.nodes })), requests, allocator, policy, preemption, quotas };
    });
}

function allocatorOptions(name: AllocatorName): Record<string, unknown> | undefined {
  return name === 'ilp' || name === 'genetic' ? { maxRequests: 4 } : undefined;
}

const poolSpecs = (s: Scenario): PoolSpec[] =>
  s.pools.map((p, i) => ({ name: `p${i}`, capacity: [...p.capacity], nodes: { min: p.nodes, max: p.nodes, initial: p.nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }));

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

/** The simulator's log: "ms kind id detail" lines (arrivals and end-of-run markers left out). */
async function simulate(s: Scenario): Promise<string[]> {
  const policy = POLICIES[s.policy] as (typeof POLICIES)[number];
  const options = allocatorOptions(s.allocator);
  const withPreemption = s.preemption && !s.quotas;
  const out = await replay({
    space,
    pools: poolSpecs(s),
    requests: s.requests.map(toRequest),
    allocator: createAllocator({ name: s.allocator, ...(options ? { options } : {}), preemption: withPreemption }),
    ...(s.preemption && s.quotas ? { preempting: createAllocator({ name: s.allocator, ...(options ? { options } : {}), preemption: true }) } : {}),
    queue: createQueuePolicy(policy.name, policy.options),
    seed: 1,
    passes: 'per-event',
    ...(s.quotas ? { quotas: QUOTAS } : {}),
  });
  const lines: string[] = [];
  const { log } = out;
  for (let i = 0; i < log.length; i++) {
    const k = log.kind(i);
    const ms = Math.round(log.time(i) * 1000);
    const id = log.requests[log.ref(i)]?.id;
    if (k === EV.start) lines.push(`${ms} start ${id} ${log.node(i)}`);
    else if (k === EV.complete) lines.push(`${ms} complete ${id}`);
    else if (k === EV.expire) lines.push(`${ms} expire ${id}`);
    else if (k === EV.preempt) lines.push(`${ms} preempt ${id}`);
    else if (k === EV.reject) lines.push(`${ms} reject ${id} ${REJECTION_CODES[log.node(i)]}`);
  }
  return lines;
}

/** ResourceScheduler on a virtual clock, driven by the same request stream. */
async function produce(s: Scenario): Promise<string[]> {
  const policy = POLICIES[s.policy] as (typeof POLICIES)[number];
  const options = allocatorOptions(s.allocator);
  let now = 0;
  const sched = new ResourceScheduler({
    dimensions: DIMS,
    clock: () => now,
    timers: false,
    seed: 1,
    budgetMs: 60_000,
    strategy: { name: s.allocator, ...(options ? { options } : {}) },
    preemption: s.preemption,
    queue: { policy: policy.name, options: policy.options, timeoutMs: 1e12, requeuePreempted: true },
    ...(s.quotas ? { quotas: QUOTAS } : {}),
    pools: poolSpecs(s).map((p) => ({ name: p.name, capacity: Object.fromEntries(DIMS.map((d, i) => [d, p.capacity[i] as number])), nodes: p.nodes.initial, pricePerHour: p.pricePerHour, latencyMs: p.latencyMs })),
  });
  await sched.ready();
  const byId = new Map(s.requests.map((r) => [r.id, r]));
  const lines: string[] = [];
  // Pending ends: [ms, seq, id, kind]; seq = start order (the simulator's kernel order).
  const ends: { ms: number; seq: number; id: string; expire: boolean; token: number }[] = [];
  let seq = 0;
  const live = new Map<string, number>(); // id -> token of its current allocation
  sched.on('allocated', (e) => {
    const r = byId.get(e.allocation.id) as Spec;
    lines.push(`${now} start ${r.id} ${e.allocation.nodeId}`);
    const token = seq++;
    live.set(r.id, token);
    const expire = r.leaseMs !== undefined && r.leaseMs < r.durationMs;
    ends.push({ ms: now + (expire ? (r.leaseMs as number) : r.durationMs), seq: token, id: r.id, expire, token });
  });
  sched.on('preempted', (e) => {
    lines.push(`${now} preempt ${e.allocation.id}`);
    live.delete(e.allocation.id);
  });
  sched.on('rejected', (e) => lines.push(`${now} reject ${e.requestId} ${e.rejection.code}`));
  sched.on('expired', (e) => lines.push(`${now} expire ${e.allocation.id}`));
  sched.on('released', (e) => lines.push(`${now} complete ${e.allocation.id}`));
  const nextEnd = (): (typeof ends)[number] | undefined => {
    let best: (typeof ends)[number] | undefined;
    for (const e of ends) if (best === undefined || e.ms < best.ms || (e.ms === best.ms && e.seq < best.seq)) best = e;
    return best;
  };
  const runEndsUntil = (limit: number): void => {
    for (;;) {
      const e = nextEnd();
      if (e === undefined || e.ms > limit) return;
      ends.splice(ends.indexOf(e), 1);
      if (live.get(e.id) !== e.token) continue; // evicted meanwhile
      live.delete(e.id);
      now = e.ms;
      if (e.expire) sched.tick();
      else sched.release(e.id);
    }
  };
  for (const r of s.requests) {
    runEndsUntil(r.arrivalMs);
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
    sched.checkInvariants();
  }
  runEndsUntil(Infinity);
  sched.checkInvariants();
  sched.close();
  return lines;
}

const CHEAP = ALLOCATOR_NAMES.filter((n) => n !== 'ilp' && n !== 'genetic');
const BATCH = ALLOCATOR_NAMES.filter((n) => n === 'ilp' || n === 'genetic');

describe('simulator and ResourceScheduler give identical event logs (property)', () => {
  it(`greedy allocators (${CHEAP.join(', ')}): 60 random scenarios`, async () => {
    const seen = new Map<string, number>();
    let ops = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb(40, CHEAP), async (s) => {
        const sim = await simulate(s);
        expect(await produce(s)).toEqual(sim);
        ops += s.requests.length;
        for (const l of sim) {
          const [, kind, , code] = l.split(' ');
          const k = kind === 'reject' ? `reject ${code}` : (kind as string);
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
      }),
      { numRuns: 60, seed: 9 },
    );
    // The scenarios did exercise every kind of event (the property is not vacuous).
    console.log(`parity: 60 scenarios, ${ops} requests, events ${JSON.stringify(Object.fromEntries(seen))}`);
    for (const k of ['start', 'complete', 'preempt', 'expire', 'reject never-fits', 'reject dependency-failed']) expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
  }, 120_000);

  it(`batch allocators (${BATCH.join(', ')}), model of 4 requests: 12 random scenarios`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(16, BATCH), async (s) => {
        expect(await produce(s)).toEqual(await simulate(s));
      }),
      { numRuns: 12, seed: 9 },
    );
  }, 120_000);

  it('a full cluster with a long queue (40 requests on one small node), every allocator and policy', async () => {
    for (const allocator of ALLOCATOR_NAMES) {
      for (let policy = 0; policy < POLICIES.length; policy++) {
        const requests: Spec[] = Array.from({ length: 40 }, (_, i) => ({
          id: `r${i}`,
          arrivalMs: (i + 1) * TICK,
          durationMs: (24 + ((i * 37) % 40)) * TICK,
          demand: [1 + (i % 3), 4, 0],
          priority: PRIORITIES[i % 5] as Priority,
          tenant: ['a', 'b', 'c'][i % 3] as string,
          preemptible: i % 2 === 0,
          dependsOn: i % 9 === 8 ? [`r${i - 4}`] : [],
        }));
        const s: Scenario = { pools: [{ capacity: [4, 16, 0], nodes: 1 }], requests, allocator, policy, preemption: true, quotas: policy % 2 === 0 };
        const prod = await produce(s);
        expect(prod, `${allocator} / ${POLICIES[policy]?.name}`).toEqual(await simulate(s));
        expect(prod.filter((l) => l.includes(' start ')).length).toBeGreaterThanOrEqual(40);
      }
    }
  }, 120_000);
});
