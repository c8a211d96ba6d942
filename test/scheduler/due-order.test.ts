import { describe, expect, it } from 'vitest';
import { ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';
import { WaitQueue } from '../../src/scheduler/wait-queue.js';
import { EXACT_WORK } from '../../src/scheduler/due-work.js';
import type { Request } from '../../src/core/model.js';

/*
 * Work that falls due between two ticks (or before an operation) is done in time order: a queued
 * request times out only if it was still waiting at its deadline. Before, a tick brought nodes up
 * and ended leases, then timed out every request past its deadline, then offered the queue what
 * was free: a request whose deadline came after the room did (but before the tick) left
 * `timed-out` beside a free node. One pool of 4-cpu nodes; every request takes a whole node.
 */
function setup(extra: Partial<ResourceSchedulerOptions> = {}, queued = true) {
  const clock = { now: 0 };
  const s = new ResourceScheduler({
    clock: () => clock.now,
    timers: false,
    strategy: 'first-fit',
    ...(queued ? { queue: { policy: 'fcfs', timeoutMs: 60_000 } } : {}),
    pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: { min: 1, max: 1, initial: 1 } }],
    ...extra,
  });
  const ask = (id: string, leaseMs?: number, queueTimeoutMs?: number) =>
    s.allocate({ id, tenant: 't', demand: { cpu: 4, memory: 1 }, ...(queueTimeoutMs === undefined ? {} : { queueTimeoutMs }) }, leaseMs).status;
  return { s, clock, ask };
}

const how = (s: ResourceScheduler, id: string) => {
  const st = s.status(id);
  return st.status === 'ended' ? `ended ${st.how}` : st.status;
};

describe('due work in time order', () => {
  it('tick: a lease that ended before a request’s deadline gives it the room; one whose deadline came first leaves timed-out', () => {
    const { s, clock, ask } = setup();
    expect(ask('r0', 1000)).toBe('allocated'); // the node, until 1000 ms
    expect(ask('r1', undefined, 500)).toBe('queued'); // deadline 500: before the room
    expect(ask('r2', undefined, 1000)).toBe('queued'); // deadline 1000: the room comes at it
    expect(ask('r3', undefined, 3000)).toBe('queued'); // behind r2, which holds the node
    clock.now = 5000; // one late tick sees all of it
    s.tick();
    expect(how(s, 'r0')).toBe('ended expired');
    expect(how(s, 'r1')).toBe('ended timed-out');
    expect(how(s, 'r2')).toBe('allocated');
    expect(how(s, 'r3')).toBe('ended timed-out');
    s.checkInvariants();
    s.close();
  });

  it('tick: a node that finished booting before a request’s deadline takes it', () => {
    const { s, clock, ask } = setup({
      pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: { min: 1, max: 2, initial: 1 }, bootSeconds: 1 }],
      scaling: { policy: 'reactive' },
    });
    expect(ask('r0')).toBe('allocated'); // the first node, no lease
    expect(ask('r1', undefined, 1500)).toBe('queued'); // deadline 1500: after the boot
    expect(ask('r2', undefined, 900)).toBe('queued'); // deadline 900: before it
    expect(s.scale().map((e) => e.action)).toEqual(['provision']); // up at 1000 ms
    clock.now = 4000;
    s.tick();
    expect(how(s, 'r1')).toBe('allocated');
    expect(how(s, 'r2')).toBe('ended timed-out');
    expect(s.listPools()[0]?.nodes).toMatchObject({ up: 2, booting: 0 });
    s.checkInvariants();
    s.close();
  });

  it('an operation first does what fell due before it: a request past its deadline does not take the room freed after it', () => {
    const { s, clock, ask } = setup();
    expect(ask('r0', 1000)).toBe('allocated');
    expect(ask('r1', undefined, 500)).toBe('queued');
    clock.now = 2000; // no tick since
    expect(ask('r2')).toBe('allocated'); // r1 timed out at 500, r0's lease ended at 1000
    expect(how(s, 'r1')).toBe('ended timed-out');
    s.checkInvariants();
    s.close();
  });

  it('an operation finds the nodes that finished booting before it up, without a tick', () => {
    const { s, clock, ask } = setup(
      {
        pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: { min: 1, max: 2, initial: 1 }, bootSeconds: 1 }],
        scaling: { policy: 'reactive' },
      },
      false,
    );
    expect(ask('r0')).toBe('allocated');
    expect(ask('r1')).toBe('rejected'); // no queue: turned away, which counts as demand
    expect(s.scale().map((e) => e.action)).toEqual(['provision']);
    clock.now = 999;
    expect(ask('r2')).toBe('rejected'); // still booting
    clock.now = 1001;
    expect(ask('r3')).toBe('allocated');
    s.checkInvariants();
    s.close();
  });

  it('a head that times out lets the requests behind it start at that tick', () => {
    const { s, clock } = setup();
    const ask = (id: string, cpu: number, queueTimeoutMs?: number) =>
      s.allocate({ id, tenant: 't', demand: { cpu, memory: 1 }, ...(queueTimeoutMs === undefined ? {} : { queueTimeoutMs }) }).status;
    expect(ask('r0', 2)).toBe('allocated'); // half the node, no lease
    expect(ask('r1', 4, 500)).toBe('queued'); // FCFS head: needs the whole node
    expect(ask('r2', 2)).toBe('queued'); // fits, but waits behind the head
    clock.now = 600;
    s.tick();
    expect(how(s, 'r1')).toBe('ended timed-out');
    expect(how(s, 'r2')).toBe('allocated');
    s.checkInvariants();
    s.close();
  });

  it('the queue knows its next deadline: requests that left, or came back with a later one, do not count', () => {
    const q = new WaitQueue(1000, 100);
    const req = (id: string) => ({ id, tenant: 't', demand: [1], arrival: 0, duration: 1, priority: 'medium' }) as unknown as Request;
    expect(q.nextTimeoutAt()).toBe(Infinity);
    const a = q.add(req('a'), 0, null, 500); // due 500
    q.add(req('b'), 100, null, undefined); // due 1100 (the default timeout)
    q.add(req('c'), 200, null, 700); // due 900
    expect(q.nextTimeoutAt()).toBe(500);
    q.remove(a);
    expect(q.nextTimeoutAt()).toBe(900);
    q.add(req('a'), 300, null, 5000); // back, due 5300: its old deadline is stale
    expect(q.nextTimeoutAt()).toBe(900);
    expect(q.takeTimedOut(1100).map((w) => w.request.id)).toEqual(['b', 'c']);
    expect(q.nextTimeoutAt()).toBe(5300);
  });

  it('scale() does what fell due first: the policy sees a node whose boot ended up, with the work it took running', () => {
    const { s, clock, ask } = setup({
      pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: { min: 1, max: 2, initial: 1 }, bootSeconds: 30 }],
      scaling: { policy: 'reactive' },
    });
    expect(ask('r0')).toBe('allocated'); // the first node, no lease
    expect(ask('r1')).toBe('queued');
    expect(s.scale().map((e) => e.action)).toEqual(['provision']); // ⌈2 / 0.8⌉ = 3, max 2: one, up at 30 s
    clock.now = 60_000; // no tick since: the boot ended at 30 s
    // Before: the policy saw 1 node up, 1 booting and r1 queued, and r1 only started at the next
    // tick. Now r1 runs on the new node before the policy decides (2 up, none booting).
    s.scale();
    expect(how(s, 'r1')).toBe('allocated');
    expect(s.listPools()[0]?.nodes).toMatchObject({ up: 2, booting: 0 });
    s.checkInvariants();
    s.close();
  });

  it('the deadline heap stays near the queue’s size while requests stream past a blocked head', () => {
    const q = new WaitQueue(60_000, 100);
    const req = (id: string) => ({ id, tenant: 't', demand: [1], arrival: 0, duration: 1, priority: 'medium' }) as unknown as Request;
    q.add(req('head'), 0, null, undefined); // waits all along
    for (let i = 0; i < 10_000; i++) q.remove(q.add(req(`r${i}`), i, null, undefined)); // placed at once
    expect(q.length).toBe(1);
    expect(q.deadlineEntries).toBeLessThanOrEqual(2 * q.length + 64 + 1);
    expect(q.nextTimeoutAt()).toBe(60_000);
  });

  it('a catch-up over a long stall stays bounded: past its work budget the rest is done coarsely, timeouts first', () => {
    // 3,000 whole-node leases end at 1000 + 2i ms and 3,000 requests wait with deadlines 1 ms after
    // the lease before them (1001 + 2j): exactly, each would take the node freed just before its
    // deadline. One tick long after: the exact steps visit about the queue's length each, so the
    // budget (EXACT_WORK) ends them after roughly EXACT_WORK / 3,000 placements; the rest time out.
    const n = 3000;
    const { s, clock } = setup({ pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: { min: n, max: n, initial: n } }], queue: { policy: 'fcfs', timeoutMs: 60_000, maxLength: n } });
    for (let i = 0; i < n; i++) expect(s.allocate({ id: `a${i}`, tenant: 't', demand: { cpu: 4, memory: 1 } }, 1000 + 2 * i).status).toBe('allocated');
    for (let j = 0; j < n; j++) expect(s.allocate({ id: `q${j}`, tenant: 't', demand: { cpu: 4, memory: 1 }, queueTimeoutMs: 1001 + 2 * j }).status).toBe('queued');
    clock.now = 1000 + 2 * n + 10;
    s.tick();
    let placed = 0;
    for (let j = 0; j < n; j++) if (how(s, `q${j}`) === 'allocated') placed++;
    // The first ones in deadline order were placed exactly; then every remaining deadline had passed.
    expect(placed).toBeGreaterThan(EXACT_WORK / n / 2);
    expect(placed).toBeLessThan((2 * EXACT_WORK) / n);
    for (let j = 0; j < placed; j++) expect(how(s, `q${j}`)).toBe('allocated');
    for (let j = placed; j < n; j++) expect(how(s, `q${j}`)).toBe('ended timed-out');
    s.checkInvariants();
    s.close();
  });
});
