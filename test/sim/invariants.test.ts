import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAllocator, type AllocatorName } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { PRIORITY_RANK, type Priority } from '../../src/core/priority.js';
import { REJECTION_CODES } from '../../src/core/rejection.js';
import { ResourceSpace } from '../../src/core/resources.js';
import type { QuotaConfig } from '../../src/engine/quota.js';
import { createQueuePolicy, type QueuePolicyName } from '../../src/queue/registry.js';
import { EV, type EventLog } from '../../src/sim/log.js';
import { replay, type ReplayOptions } from '../../src/sim/replay.js';

/**
 * Invariants of the simulator's event log, on seeded random scenarios with preemption, leases,
 * renewals, node failures (scheduled and random), quotas, dependencies and a horizon; checked
 * from the log alone (what a user of `--events` sees):
 *
 * - every request arrives once and then ends in exactly one terminal event (complete, expire,
 *   reject, unfinished); a preempted or failure-evicted request starts again or is reported;
 * - a start is on an up node, not before the arrival, and only once every dependency completed;
 * - no node is over capacity in any dimension at any moment;
 * - a completion comes exactly `duration` after its start; an expiry exactly `lease` after it
 *   (when no renewal named the request), and before the work would end;
 * - without quotas, a preempted allocation was preemptible and a request of strictly higher
 *   priority started at that instant;
 * - work conservation, without quotas and blocking: once an instant's events are handled, no
 *   waiting request whose dependencies completed fits on an up node (a leak of capacity in the
 *   engine's books would show here).
 */
const DIMS = ['cpu', 'memory', 'gpu'];
const space = new ResourceSpace(DIMS);
const PRIORITIES: readonly Priority[] = ['critical', 'high', 'medium', 'low', 'background'];
const POLICIES: readonly { name: QueuePolicyName; options: Record<string, unknown>; blocking: boolean }[] = [
  { name: 'fcfs', options: { blocking: true, backfill: 'easy' }, blocking: true },
  { name: 'fcfs', options: { blocking: true, backfill: 'conservative' }, blocking: true },
  { name: 'sjf', options: { blocking: true, backfill: 'easy', headOfLine: 'commit' }, blocking: true },
  { name: 'priority', options: {}, blocking: false },
  { name: 'drf', options: {}, blocking: false },
  { name: 'fcfs', options: { blocking: false }, blocking: false },
];
const ALLOCATORS: readonly AllocatorName[] = ['first-fit', 'best-fit-decreasing', 'worst-fit', 'round-robin'];
const QUOTAS: QuotaConfig = { tenants: { a: { max: { cpu: 0.5 } }, b: { guaranteed: { cpu: 0.3, gpu: 0.5 } }, c: { guaranteed: { memory: 0.3 } } } };
/** Times on a 1/8 s grid: exact binary fractions. */
const T = 0.125;

interface Scenario {
  readonly opts: Omit<ReplayOptions, 'allocator' | 'queue' | 'preempting'>;
  readonly allocator: AllocatorName;
  readonly policy: number;
  readonly preemption: boolean;
  readonly quotas: boolean;
}

const reqArb = fc.record({
  gap: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(0)),
  duration: fc.integer({ min: 4, max: 320 }),
  leaseFrac: fc.option(fc.constantFrom(0.3, 0.5, 1, 1.5), { freq: 3 }),
  cpu: fc.constantFrom(1, 2, 3, 4, 6, 20),
  memory: fc.constantFrom(1, 4, 8, 16),
  gpu: fc.constantFrom(0, 0, 0, 1, 2),
  priority: fc.constantFrom(...PRIORITIES),
  tenant: fc.constantFrom('a', 'b', 'c'),
  preemptible: fc.boolean(),
  deps: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }), weight: 1 }),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    pools: fc.array(fc.record({ cpu: fc.constantFrom(4, 8), memory: fc.constantFrom(16, 64), gpu: fc.constantFrom(0, 2), nodes: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 2 }),
    reqs: fc.array(reqArb, { minLength: 5, maxLength: 40 }),
    renewals: fc.array(fc.record({ req: fc.nat(), after: fc.integer({ min: 1, max: 200 }), duration: fc.integer({ min: 1, max: 240 }) }), { maxLength: 4 }),
    failures: fc.array(fc.record({ atPct: fc.integer({ min: 0, max: 100 }), pool: fc.nat(), repair: fc.option(fc.integer({ min: 1, max: 400 }), { freq: 4 }) }), { maxLength: 3 }),
    randomFailures: fc.boolean(),
    horizonPct: fc.option(fc.integer({ min: 30, max: 150 }), { freq: 3 }),
    allocator: fc.constantFrom(...ALLOCATORS),
    policy: fc.integer({ min: 0, max: POLICIES.length - 1 }),
    preemption: fc.boolean(),
    quotas: fc.boolean(),
    perEvent: fc.boolean(),
    arrivalsFirst: fc.boolean(),
    seed: fc.nat(),
  })
  .map((g) => {
    let t = 0;
    const requests: Request[] = g.reqs.map((r, i) => {
      t += r.gap * T;
      const deps = r.deps === null || i === 0 ? [] : [...new Set(r.deps.map((d) => `r${d % i}`))];
      return {
        id: `r${i}`,
        tenant: r.tenant,
        arrival: t,
        demand: [r.cpu, r.memory, r.gpu],
        duration: r.duration * T,
        priority: r.priority,
        ...(r.preemptible ? { preemptible: true } : {}),
        ...(r.leaseFrac === null ? {} : { lease: Math.max(1, Math.round(r.duration * r.leaseFrac)) * T }),
        ...(deps.length > 0 ? { dependsOn: deps } : {}),
      };
    });
    const pools: PoolSpec[] = g.pools.map((p, i) => ({ name: `p${i}`, capacity: [p.cpu, p.memory, p.gpu], nodes: { min: p.nodes, max: p.nodes, initial: p.nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} }));
    const renewals = g.renewals.map((r) => {
      const q = requests[r.req % requests.length] as Request;
      return { at: q.arrival + r.after * T, request: q.id, duration: r.duration * T };
    });
    const events = g.failures.map((f) => ({ at: Math.round((t * f.atPct) / 100 / T) * T, pool: `p${f.pool % pools.length}`, count: 1, ...(f.repair === null ? {} : { repairAfter: f.repair * T }) }));
    const opts: Scenario['opts'] = {
      space,
      pools,
      requests,
      seed: g.seed,
      renewals,
      failures: { events, ...(g.randomFailures ? { random: { mtbfSeconds: 60, repairSeconds: 10 } } : {}) },
      passes: g.perEvent ? 'per-event' : 'per-instant',
      ties: g.arrivalsFirst ? 'arrivals-first' : 'completions-first',
      ...(g.horizonPct === null ? {} : { horizon: Math.round((t * g.horizonPct) / 100 / T) * T + T }),
      ...(g.quotas ? { quotas: QUOTAS } : {}),
    };
    return { opts, allocator: g.allocator, policy: g.policy, preemption: g.preemption, quotas: g.quotas };
  });

async function run(s: Scenario): Promise<EventLog> {
  const p = POLICIES[s.policy] as (typeof POLICIES)[number];
  const out = await replay({
    ...s.opts,
    allocator: createAllocator({ name: s.allocator, preemption: s.preemption && !s.quotas }),
    ...(s.preemption && s.quotas ? { preempting: createAllocator({ name: s.allocator, preemption: true }) } : {}),
    queue: createQueuePolicy(p.name, p.options),
  });
  return out.log;
}

type Phase = 'waiting' | 'running' | 'done';

/** Check every invariant above on `log`; throws (expect) naming the event that breaks one. */
function check(s: Scenario, log: EventLog): void {
  const reqs = log.requests;
  const renewed = new Set((s.opts.renewals ?? []).map((r) => r.request));
  const phase: Phase[] = [];
  const startAt: number[] = [];
  const nodeOf: number[] = [];
  const completedAt = new Map<string, number>();
  const failedIds = new Set<string>();
  const capOf = (node: number): readonly number[] => (s.opts.pools[log.nodePool[node] as number] as PoolSpec).capacity;
  const used = new Map<number, number[]>();
  const up = new Set<number>();
  const startsAt = new Map<number, number[]>(); // time -> request indexes started then
  const conserving = !s.quotas && !(POLICIES[s.policy] as (typeof POLICIES)[number]).blocking;
  const at = (i: number): string => `event ${i} (t=${log.time(i)}, ${Object.keys(EV).find((k) => EV[k as keyof typeof EV] === log.kind(i))} ${reqs[log.ref(i)]?.id ?? ''})`;

  const conservationCheck = (time: number): void => {
    if (!conserving) return;
    for (let q = 0; q < reqs.length; q++) {
      if (phase[q] !== 'waiting') continue;
      const r = reqs[q] as Request;
      if ((r.dependsOn ?? []).some((d) => !completedAt.has(d))) continue;
      for (const node of up) {
        const u = used.get(node) ?? [0, 0, 0];
        const cap = capOf(node);
        const fits = r.demand.every((v, d) => (u[d] as number) + v <= (cap[d] as number) + 1e-9);
        expect(fits, `t=${time}: ${r.id} waits though it fits on node ${node} (used ${u.join('/')}, capacity ${cap.join('/')})`).toBe(false);
      }
    }
  };
  const unfinishedFrom = (() => {
    let k = log.length;
    while (k > 0 && (log.kind(k - 1) === EV.unfinished || log.kind(k - 1) === EV.nodeRemove)) k--;
    return k;
  })();

  for (let i = 0; i < log.length; i++) {
    const k = log.kind(i);
    const t = log.time(i);
    if (i > 0 && i <= unfinishedFrom && (i === unfinishedFrom || t > log.time(i - 1))) conservationCheck(log.time(i - 1));
    if (k === EV.nodeUp) up.add(log.node(i));
    else if (k === EV.nodeFail || k === EV.nodeRemove) {
      up.delete(log.node(i));
      if (k === EV.nodeFail) expect(used.get(log.node(i))?.some((v) => v > 1e-9) ?? false, `${at(i)}: a failed node still runs work`).toBe(false);
    }
    if (k === EV.nodeUp || k === EV.nodeFail || k === EV.nodeRemove || k === EV.nodeProvision) continue;
    const q = log.ref(i);
    const r = reqs[q] as Request;
    if (k === EV.arrive) {
      expect(phase[q], `${at(i)}: arrives twice`).toBeUndefined();
      expect(t).toBe(r.arrival);
      phase[q] = 'waiting';
      continue;
    }
    const ph = phase[q];
    expect(ph, `${at(i)}: event of a request that has not arrived`).toBeDefined();
    expect(ph, `${at(i)}: event after the request ended`).not.toBe('done');
    if (k === EV.start) {
      expect(ph, `${at(i)}: starts while running`).toBe('waiting');
      expect(t, `${at(i)}: starts before it arrives`).toBeGreaterThanOrEqual(r.arrival);
      const node = log.node(i);
      expect(up.has(node), `${at(i)}: starts on node ${node}, which is not up`).toBe(true);
      for (const d of r.dependsOn ?? []) expect(completedAt.get(d) ?? Infinity, `${at(i)}: starts before its dependency ${d} completed`).toBeLessThanOrEqual(t);
      const u = used.get(node) ?? [0, 0, 0];
      const cap = capOf(node);
      r.demand.forEach((v, d) => {
        u[d] = (u[d] as number) + v;
        expect(u[d] as number, `${at(i)}: node ${node} over capacity in ${DIMS[d]}`).toBeLessThanOrEqual((cap[d] as number) + 1e-9);
      });
      used.set(node, u);
      phase[q] = 'running';
      startAt[q] = t;
      nodeOf[q] = node;
      startsAt.set(t, [...(startsAt.get(t) ?? []), q]);
      continue;
    }
    if (k === EV.reject) {
      expect(ph, `${at(i)}: rejected while running`).toBe('waiting');
      const code = REJECTION_CODES[log.node(i)];
      if (code === 'dependency-failed') expect((r.dependsOn ?? []).some((d) => failedIds.has(d)), `${at(i)}: dependency-failed, but no dependency failed`).toBe(true);
      phase[q] = 'done';
      failedIds.add(r.id);
      continue;
    }
    if (k === EV.unfinished) {
      phase[q] = 'done';
      continue;
    }
    // Ends of a running allocation.
    expect(ph, `${at(i)}: ends while not running`).toBe('running');
    expect(log.node(i), `${at(i)}: ends on another node than it started on`).toBe(nodeOf[q]);
    const u = used.get(nodeOf[q] as number) as number[];
    r.demand.forEach((v, d) => (u[d] = (u[d] as number) - v));
    const ran = t - (startAt[q] as number);
    if (k === EV.complete) {
      expect(ran, `${at(i)}: completes after ${ran} s of ${r.duration} s`).toBeCloseTo(r.duration, 9);
      completedAt.set(r.id, t);
      phase[q] = 'done';
    } else if (k === EV.expire) {
      expect(r.lease !== undefined || renewed.has(r.id), `${at(i)}: expires without a lease`).toBe(true);
      expect(ran, `${at(i)}: expires after the work was done`).toBeLessThanOrEqual(r.duration + 1e-9);
      if (!renewed.has(r.id)) expect(ran, `${at(i)}: expires after ${ran} s, lease ${r.lease}`).toBeCloseTo(r.lease as number, 9);
      failedIds.add(r.id);
      phase[q] = 'done';
    } else if (k === EV.preempt) {
      if (!s.quotas) {
        expect(r.preemptible, `${at(i)}: evicts work that is not preemptible`).toBe(true);
        const by = (startsAt.get(t) ?? []).concat();
        // The preemptor starts right after its evictions: look ahead at this instant's starts.
        for (let j = i + 1; j < log.length && log.time(j) === t; j++) if (log.kind(j) === EV.start) by.push(log.ref(j));
        const rank = PRIORITY_RANK[r.priority];
        expect(by.some((b) => PRIORITY_RANK[(reqs[b] as Request).priority] < rank), `${at(i)}: no request of higher priority started when ${r.priority} ${r.id} was preempted`).toBe(true);
      }
      phase[q] = 'waiting';
    } else if (k === EV.failEvict) {
      phase[q] = 'waiting';
    } else throw new Error(`${at(i)}: unknown event kind ${k}`);
  }
  reqs.forEach((r, q) => expect(phase[q], `${r.id} has no terminal event`).toBe('done'));
  if (s.opts.horizon === undefined) expect(reqs.length, 'every request arrived').toBe((s.opts.requests as Request[]).length);
}

describe('simulator event-log invariants (property, seeded)', () => {
  it('hold on 300 random scenarios (preemption, leases, renewals, failures, quotas, dependencies, horizon)', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        check(s, await run(s));
      }),
      { numRuns: Number(process.env.DRS_INVARIANT_RUNS ?? 300), seed: Number(process.env.DRS_INVARIANT_SEED ?? 4) },
    );
  }, 120_000);
});
