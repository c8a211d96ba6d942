import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Allocator } from '../../src/algorithms/allocator.js';
import { createAllocator } from '../../src/algorithms/registry.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import type { QuotaConfig } from '../../src/engine/quota.js';
import { easyBackfill } from '../../src/queue/easy.js';
import { fcfs } from '../../src/queue/fcfs.js';
import type { QueuePolicy } from '../../src/queue/policy.js';
import { priorityClasses } from '../../src/queue/priority.js';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';

/**
 * Quota admission (rule 3 of the pass, src/engine/admission.ts): a request is held by its tenant's
 * maximum only if the tenant's usage plus what the pass actually starts for it before the request
 * would exceed it; entries counted in a decision that did not start hold nothing. And still, no
 * decision starts more of a tenant than its maximum.
 */
const pool = (capacity: number[], nodes: number): PoolSpec => ({ name: 'p', capacity, nodes: { min: nodes, max: nodes, initial: nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} });
const req = (id: string, tenant: string, arrival: number, cpu: number, duration: number, extra: Partial<Request> = {}): Request => ({ id, tenant, arrival, demand: [cpu], duration, priority: 'medium', ...extra });

interface Run {
  starts: Record<string, number[]>;
  /** Per tenant, the most cpu it ever held (checked after every event of the log). */
  peak: Record<string, number>;
}

async function run(o: { nodes: number; cpu?: number; requests: Request[]; queue?: QueuePolicy; quotas?: QuotaConfig; allocator?: Allocator; preempting?: Allocator }): Promise<Run> {
  const out = await replay({
    space: new ResourceSpace(['cpu']),
    pools: [pool([o.cpu ?? 4], o.nodes)],
    requests: o.requests,
    seed: 1,
    allocator: o.allocator ?? createAllocator({ name: 'first-fit' }),
    queue: o.queue ?? priorityClasses(),
    ...(o.quotas ? { quotas: o.quotas } : {}),
    ...(o.preempting ? { preempting: o.preempting } : {}),
  });
  const { log } = out;
  const starts: Record<string, number[]> = {};
  const held = new Map<string, number>();
  const peak: Record<string, number> = {};
  for (let i = 0; i < log.length; i++) {
    const k = log.kind(i);
    const r = log.requests[log.ref(i)];
    if (r === undefined || (k !== EV.start && k !== EV.complete && k !== EV.preempt && k !== EV.expire)) continue;
    const sign = k === EV.start ? 1 : -1;
    if (k === EV.start) (starts[r.id] ??= []).push(log.time(i));
    const now = (held.get(r.tenant) ?? 0) + sign * (r.demand[0] as number);
    held.set(r.tenant, now);
    peak[r.tenant] = Math.max(peak[r.tenant] ?? 0, now);
  }
  return { starts, peak };
}

// The quota of a tenant not in the trace: every tenant of the trace has the default, max = the cluster.
const ONLY_OTHER: QuotaConfig = { tenants: { other: { max: { cpu: 0.5 } } } };

describe('a request is held by a quota only for what actually starts before it', () => {
  // One node of 4 cpu. W (t1) holds 2 cpu from 0 to 100. Y (t2, 4 cpu) arrives at 1 and cannot fit
  // before W ends; Z (t2, 2 cpu, 10 s) arrives at 2 and fits at once. t2's maximum is the whole
  // cluster (4 cpu): Y did not start, so it holds none of it, and Z starts at 2, as without quotas.
  // Y starts at 100, when W ends (Z ended at 12).
  const trace = [req('W', 't1', 0, 2, 100), req('Y', 't2', 1, 4, 50), req('Z', 't2', 2, 2, 10)];

  it('simulator: Z starts at 2 with quotas, as without (the q5 scenario)', async () => {
    for (const quotas of [ONLY_OTHER, undefined]) {
      const { starts } = await run({ nodes: 1, requests: trace, ...(quotas ? { quotas } : {}) });
      expect(starts).toEqual({ W: [0], Y: [100], Z: [2] });
    }
  });

  it('also when capacity was freed at that instant, so Y is offered and counted again: Z gets a follow-up decision', async () => {
    // V (t3, 1 cpu) ends at 2: the pass at 2 offers everything waiting, Y first (it cannot fit
    // in 2 cpu); Z, held because Y was counted, is offered once Y did not start.
    const { starts } = await run({ nodes: 1, quotas: ONLY_OTHER, requests: [req('W', 't1', 0, 1, 100), req('V', 't3', 0, 1, 2), ...trace.slice(1)] });
    expect(starts).toEqual({ W: [0], V: [0], Y: [100], Z: [2] });
  });

  it('ResourceScheduler: Z is allocated at once, Y stays queued', () => {
    const s = new ResourceScheduler({
      clock: () => 2000,
      timers: false,
      store: new MemoryStore(),
      strategy: 'first-fit',
      queue: { policy: 'priority' },
      quotas: ONLY_OTHER,
      dimensions: ['cpu'],
      pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }],
    });
    expect(s.allocate({ id: 'W', tenant: 't1', units: 2 }).status).toBe('allocated');
    expect(s.allocate({ id: 'Y', tenant: 't2', units: 4 }).status).toBe('queued');
    expect(s.allocate({ id: 'Z', tenant: 't2', units: 2 }).status).toBe('allocated');
    expect(s.listQueued().map((q) => q.requestId)).toEqual(['Y']);
    s.checkInvariants();
    s.close();
  });

  it('after a reclaim: the evicted request waiting for room does not hold its tenant a newcomer fits in (the r1 scenario)', async () => {
    // A (t2, 4 cpu) runs from 0, borrowed; B (t1, guaranteed 2 cpu) reclaims it at 10, and A waits
    // for the whole node again. C (t2, 2 cpu) arrives at 15 and fits beside B: it starts at 15,
    // ends at 20; B ends at 30, and A starts again at 30.
    const { starts } = await run({
      nodes: 1,
      quotas: { tenants: { t1: { guaranteed: { cpu: 0.5 } } } },
      requests: [req('A', 't2', 0, 4, 100), req('B', 't1', 10, 2, 20), req('C', 't2', 15, 2, 5)],
    });
    expect(starts).toEqual({ A: [0, 30], B: [10], C: [15] });
  });

  it('a request no node can ever hold is refused on arrival and holds nothing', async () => {
    // X (t2, 6 cpu) fits no node (4 cpu): refused never-fits when it arrives, before any pass.
    const { starts } = await run({ nodes: 1, quotas: ONLY_OTHER, requests: [req('X', 't2', 1, 6, 10), req('Z', 't2', 1, 2, 10)] });
    expect(starts).toEqual({ Z: [1] });
  });
});

describe('no decision starts more of a tenant than its maximum', () => {
  // 2 nodes × 4 cpu, worst-fit; tenant a may hold 0.5 · 8 = 4 cpu. W1, W2 (t1, 1 cpu each, one per
  // node) run to 100, so 3 cpu are free per node and a's 4-cpu Y cannot start. Y is counted first and holds Z1..Z5 (1 cpu
  // each); it does not start, so they are offered again, each one within a's maximum on its own:
  // together they are 5 cpu and all fit. Only Z1..Z4 may start (4 cpu); Z5 waits for Z1's end (12).
  const requests = [
    req('W1', 't1', 0, 1, 100),
    req('W2', 't1', 0, 1, 100),
    req('Y', 'a', 1, 4, 10),
    ...[1, 2, 3, 4, 5].map((i) => req(`Z${i}`, 'a', 1, 1, 10 + i)),
  ];
  const quotas: QuotaConfig = { tenants: { a: { max: { cpu: 0.5 } } } };
  const worstFit = (): Allocator => createAllocator({ name: 'worst-fit' });

  it('non-blocking: the follow-up decision is trimmed to the maximum, in queue order', async () => {
    const { starts, peak } = await run({ nodes: 2, quotas, requests, allocator: worstFit() });
    expect([starts.Z1, starts.Z2, starts.Z3, starts.Z4, starts.Z5]).toEqual([[1], [1], [1], [1], [12]]);
    expect(peak.a).toBe(4);
    // Y needs a's whole maximum: it waits until the Zs are done (Z5 ends at 27) and W1, W2 free a node (100).
    expect(starts.Y).toEqual([100]);
  });

  it('blocking with backfilling: what waits behind the head is held for it, as the head would need the quota', async () => {
    // FCFS + EASY: Y is the head. The Zs behind it are held by a's quota that Y is counted for;
    // starting them would hold Y back once W1/W2 end, which backfilling must not do. Y starts at
    // 100 and ends at 110; then Z1..Z4 start, Z5 when Z1 ends.
    const { starts, peak } = await run({ nodes: 2, quotas, requests, allocator: worstFit(), queue: fcfs({ blocking: true, backfill: easyBackfill() }) });
    expect(starts.Y).toEqual([100]);
    expect([starts.Z1, starts.Z2, starts.Z3, starts.Z4, starts.Z5]).toEqual([[110], [110], [110], [110], [121]]);
    expect(peak.a).toBe(4);
  });

  it('property: a burst behind a request that cannot start yet never takes its tenant over its maximum', async () => {
    // Nodes partly filled by t1 (one job each, worst-fit spreads them), then at 1 a burst of
    // tenant a: requests that may or may not fit now, in one pass.
    const max = 0.25;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 10 }),
        fc.constantFrom('first-fit', 'best-fit-decreasing', 'worst-fit'),
        async (fill, burst, name) => {
          const requests = [...fill.filter((c) => c > 0).map((c, i) => req(`w${i}`, 't1', 0, c, 100)), ...burst.map((c, i) => req(`a${i}`, 'a', 1, c, 10 + i))];
          const { peak } = await run({ nodes: fill.length, requests, quotas: { tenants: { a: { max: { cpu: max } } } }, allocator: createAllocator({ name: name as 'first-fit' }) });
          expect(peak.a ?? 0).toBeLessThanOrEqual(max * 4 * fill.length + 1e-9);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('property: over random traces, no tenant ever holds more than its maximum', async () => {
    const MAX: Record<string, number> = { a: 0.25, b: 0.5 };
    const quotasAB: QuotaConfig = { tenants: { a: { max: { cpu: MAX.a as number } }, b: { max: { cpu: MAX.b as number } } } };
    const reqArb = fc.record({
      tenant: fc.constantFrom('a', 'b', 'c'),
      gap: fc.constantFrom(0, 0, 0, 1, 2, 5),
      cpu: fc.constantFrom(1, 1, 2, 3, 4, 6),
      duration: fc.integer({ min: 1, max: 30 }),
      priority: fc.constantFrom('critical', 'high', 'medium', 'low'),
      preemptible: fc.boolean(),
    });
    const policies = [() => priorityClasses(), () => fcfs({ blocking: false }), () => fcfs({ blocking: true, backfill: easyBackfill() })];
    await fc.assert(
      fc.asyncProperty(fc.array(reqArb, { minLength: 1, maxLength: 40 }), fc.nat(policies.length - 1), fc.constantFrom('first-fit', 'best-fit-decreasing', 'worst-fit'), fc.boolean(), async (specs, p, name, preempt) => {
        let t = 0;
        const requests = specs.map((s, i) => req(`r${i}`, s.tenant, (t += s.gap), s.cpu, s.duration, { priority: s.priority as Request['priority'], preemptible: s.preemptible }));
        const allocator = createAllocator({ name: name as 'first-fit' });
        const { peak } = await run({
          nodes: 3,
          requests,
          quotas: quotasAB,
          queue: (policies[p] as () => QueuePolicy)(),
          allocator,
          ...(preempt ? { preempting: createAllocator({ name: name as 'first-fit', preemption: true }) } : {}),
        });
        for (const [tenant, m] of Object.entries(MAX)) expect(peak[tenant] ?? 0).toBeLessThanOrEqual(m * 12 + 1e-9);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
