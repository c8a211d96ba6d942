import { describe, expect, it } from 'vitest';
import { ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';

/*
 * A pool autoscaled from zero (min 0, initial 0) under the reactive rule (target 0.8), with a
 * 60-s boot and timers off (the test calls scale() and tick()). The work that is turned away
 * because nothing is up is the only sign of demand when it cannot queue.
 */
function make(queue?: ResourceSchedulerOptions['queue']) {
  let now = 0;
  const s = new ResourceScheduler({
    timers: false,
    clock: () => now,
    pools: [{ name: 'w', capacity: { cpu: 8, memory: 32 }, nodes: { min: 0, max: 10, initial: 0 }, bootSeconds: 60 }],
    scaling: { policy: 'reactive' },
    ...(queue !== undefined ? { queue } : {}),
  });
  return { s, advance: (ms: number) => (now += ms) };
}

const nodes = (s: ResourceScheduler) => s.listPools()[0]?.nodes;

describe('scale from zero without a wait queue', () => {
  it('requests turned away for lack of capacity are demand: nodes boot and later requests are served', () => {
    const { s, advance } = make();
    // 'a' (4 of 8 cpu: 0.5 node) is tried three times, 'b' (8 cpu: 1 node) once: 1.5 nodes of
    // demand, counted once per id, so the rule asks for ⌈1.5 / 0.8⌉ = 2 nodes (per attempt it
    // would be 2.5 nodes → 4).
    for (let i = 0; i < 3; i++) expect(s.allocate({ id: 'a', tenant: 't', demand: { cpu: 4, memory: 8 } }, 600_000)).toMatchObject({ status: 'rejected', rejection: { code: 'wait' } });
    expect(s.allocate({ id: 'b', tenant: 't', demand: { cpu: 8, memory: 8 } }, 600_000).status).toBe('rejected');
    const first = s.scale();
    expect(first.map((e) => e.action)).toEqual(['provision', 'provision']);
    expect(nodes(s)).toMatchObject({ up: 0, booting: 2 });
    // Counted at that step only: the next step, with nothing turned away since, adds nothing.
    advance(15_000);
    expect(s.scale()).toEqual([]);
    advance(45_000);
    s.tick();
    expect(nodes(s)).toMatchObject({ up: 2, booting: 0 });
    expect(s.allocate({ id: 'a', tenant: 't', demand: { cpu: 4, memory: 8 } }, 600_000).status).toBe('allocated');
    expect(s.allocate({ id: 'b', tenant: 't', demand: { cpu: 8, memory: 8 } }, 600_000).status).toBe('allocated');
    s.close();
  });

  it('turned-away work counts at the next step only: a client that does not retry is no demand later', () => {
    const { s, advance } = make();
    // Six 1-node requests: the rule wants ⌈6 / 0.8⌉ = 8 nodes, the HPA's rate limit (4 nodes per
    // 15 s from 0) gives 4. Fifteen seconds later nothing was turned away since: no more nodes
    // (were the six still counted, 4 more would boot).
    for (let i = 0; i < 6; i++) expect(s.allocate({ id: `r${i}`, tenant: 't', demand: { cpu: 8, memory: 8 } }, 600_000).status).toBe('rejected');
    expect(s.scale().length).toBe(4);
    advance(15_000);
    expect(s.scale()).toEqual([]);
    expect(nodes(s)).toMatchObject({ up: 0, booting: 4 });
    s.close();
  });

  it('a full wait queue (maxLength 0) turns work away too, and that demand counts', () => {
    const { s } = make({ policy: 'fcfs', maxLength: 0 });
    expect(s.allocate({ id: 'a', tenant: 't', demand: { cpu: 8, memory: 8 } }, 600_000)).toMatchObject({ status: 'rejected', rejection: { code: 'queue-full' } });
    expect(s.scale().map((e) => e.action)).toEqual(['provision', 'provision']); // ⌈1 / 0.8⌉ = 2
    s.close();
  });

  it('a queue that does not let work wait (timeoutMs 0) turns it away, and that demand counts', () => {
    const { s } = make({ policy: 'fcfs', timeoutMs: 0 });
    expect(s.allocate({ id: 'a', tenant: 't', demand: { cpu: 8, memory: 8 } }, 600_000)).toMatchObject({ status: 'rejected', rejection: { code: 'wait' } });
    expect(s.scale().map((e) => e.action)).toEqual(['provision', 'provision']);
    s.close();
  });

  it('a request no node could ever hold is not demand (a permanent refusal)', () => {
    const { s } = make();
    expect(s.allocate({ id: 'big', tenant: 't', demand: { cpu: 64, memory: 8 } }, 600_000)).toMatchObject({ status: 'rejected', rejection: { permanent: true } });
    expect(s.scale()).toEqual([]);
    s.close();
  });
});
