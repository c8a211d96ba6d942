import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../src/algorithms/registry.js';
import { UserError } from '../../src/core/errors.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import type { QuotaConfig } from '../../src/engine/quota.js';
import { fcfs } from '../../src/queue/fcfs.js';
import type { QueuePolicy } from '../../src/queue/policy.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { EV } from '../../src/sim/log.js';
import { replay } from '../../src/sim/replay.js';

/**
 * Concurrency groups (rule 3a of the pass, src/engine/admission.ts): a request of group g starts
 * only while fewer than its limit requests of g run; it waits (never rejected for it) and does not
 * hold others. Same rule in the simulator and in ResourceScheduler.
 */
const pool = (cpu: number, nodes = 1): PoolSpec => ({ name: 'p', capacity: [cpu], nodes: { min: nodes, max: nodes, initial: nodes }, pricePerHour: 1, latencyMs: 0, bootSeconds: 0, labels: {} });
const g = (limit: number) => ({ concurrency: { group: 'g', limit } });
const req = (id: string, arrival: number, cpu: number, duration: number, extra: Partial<Request> = {}): Request => ({ id, tenant: 't', arrival, demand: [cpu], duration, priority: 'medium', ...extra });

async function starts(requests: Request[], o: { cpu?: number; queue?: QueuePolicy; quotas?: QuotaConfig } = {}): Promise<{ starts: Record<string, number>; peak: number; rejected: number }> {
  const out = await replay({ space: new ResourceSpace(['cpu']), pools: [pool(o.cpu ?? 4)], requests, seed: 1, allocator: createAllocator({ name: 'first-fit' }), queue: o.queue ?? fcfs({ blocking: false }), ...(o.quotas ? { quotas: o.quotas } : {}) });
  const s: Record<string, number> = {};
  let running = 0;
  let peak = 0;
  let rejected = 0;
  for (let i = 0; i < out.log.length; i++) {
    const k = out.log.kind(i);
    const r = out.log.requests[out.log.ref(i)];
    if (k === EV.reject) rejected++;
    if (r === undefined) continue;
    if (k === EV.start) s[r.id] = out.log.time(i);
    if (r.concurrency === undefined) continue;
    if (k === EV.start) peak = Math.max(peak, ++running);
    else if (k === EV.complete || k === EV.expire || k === EV.preempt) running--;
  }
  return { starts: s, peak, rejected };
}

describe('concurrency groups in the scheduling pass', () => {
  it('limit 2: the third member waits for a member to end; a request outside the group is not held', async () => {
    const { starts: s, peak, rejected } = await starts([req('a', 0, 1, 10, g(2)), req('b', 0, 1, 10, g(2)), req('c', 0, 1, 10, g(2)), req('free', 0, 1, 10)]);
    expect(s).toEqual({ a: 0, b: 0, c: 10, free: 0 });
    expect(peak).toBe(2);
    expect(rejected).toBe(0);
  });

  it('a slot a member cannot use (it does not fit) goes to the next member in line', async () => {
    // W (no group) holds 2 of 4 cpu until 100. Limit 1: X (4 cpu) arrives first and cannot fit;
    // Y (1 cpu) takes the slot at 1, as production's max_concurrent_agents would. X starts when W
    // has ended and Y is done.
    const { starts: s, peak } = await starts([req('W', 0, 2, 100), req('X', 1, 4, 10, g(1)), req('Y', 1, 1, 10, g(1))]);
    expect(s).toEqual({ W: 0, X: 100, Y: 1 });
    expect(peak).toBe(1);
  });

  it('with a blocking policy, a member held by its group does not hold the head', async () => {
    // Limit 1, a runs 0-10; b (group) waits for a's slot; c (not in the group) behind it starts at 0 (plain blocking FCFS, no backfilling).
    const { starts: s } = await starts([req('a', 0, 1, 10, g(1)), req('b', 0, 1, 10, g(1)), req('c', 0, 1, 10)], { queue: fcfs({ blocking: true }) });
    expect(s).toEqual({ a: 0, b: 10, c: 0 });
  });

  it('with quotas, a member held for its tenant\'s maximum and offered again (follow-up) still counts its group', async () => {
    // W (t1) holds 1 of 4 cpu until 100. Y (t2, 4 cpu) is counted first and cannot fit; Z (t2, g)
    // is held by t2's maximum (the whole cluster) only because Y was counted; V (t3, g) takes g's
    // one slot at 1. The quota follow-up then admits Z on t2's usage, but g is full: Z waits for V.
    const quotas: QuotaConfig = { tenants: { other: { max: { cpu: 0.5 } } } };
    const { starts: s, peak } = await starts([req('W', 0, 1, 100), req('Y', 1, 4, 10, { tenant: 't2' }), req('Z', 1, 2, 10, { tenant: 't2', ...g(1) }), req('V', 1, 1, 10, { tenant: 't3', ...g(1) })], { quotas });
    expect(s).toEqual({ W: 0, V: 1, Z: 11, Y: 100 });
    expect(peak).toBe(1);
  });

  it('ResourceScheduler runs the same rule: queued over the limit, started when a member is released', () => {
    const s = new ResourceScheduler({ pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }], queue: { policy: 'fcfs' }, timers: false, clock: () => 0 });
    const a = s.allocate({ id: 'a', demand: { cpu: 1 }, concurrency: { group: 'g', limit: 2 } });
    const b = s.allocate({ id: 'b', demand: { cpu: 1 }, concurrency: { group: 'g', limit: 2 } });
    const c = s.allocate({ id: 'c', demand: { cpu: 1 }, concurrency: { group: 'g', limit: 2 } });
    expect([a.status, b.status, c.status]).toEqual(['allocated', 'allocated', 'queued']);
    s.release('a');
    expect(s.listAllocations().map((x) => x.id).sort()).toEqual(['b', 'c']);
    s.close();
  });

  it('a bad group is a UserError naming the field', () => {
    const s = new ResourceScheduler({ pools: [{ name: 'p', capacity: { cpu: 8 }, nodes: 1 }], timers: false });
    expect(() => s.allocate({ id: 'a', demand: { cpu: 1 }, concurrency: { group: 'g', limit: 0 } })).toThrow(UserError);
    expect(() => s.allocate({ id: 'a', demand: { cpu: 1 }, concurrency: { group: 'g', limit: 0 } })).toThrow(/concurrency\.limit must be a whole number ≥ 1, got 0/);
    expect(() => s.allocate({ id: 'a', demand: { cpu: 1 }, concurrency: { group: '', limit: 2 } })).toThrow(/concurrency\.group/);
  });
});
