import { describe, expect, it } from 'vitest';
import { MemoryStore, ResourceScheduler, type AllocateResult } from '../../src/scheduler/index.js';

/**
 * A lease that ran out ends before anything else happens, even when no timer tick came between
 * its deadline and the next operation (timers off here; with timers, the 250 ms between ticks).
 * The simulator expires it exactly at its deadline; before, production let the owner renew it
 * (`renewed`, the lease back from the dead) or release it (`released`: counted as completed,
 * its dependents started) seconds later, and a request queued for its room kept waiting.
 * One node of 4 cpu; every request takes all 4.
 */
function setup() {
  const clock = { now: 0 };
  let n = 0;
  const s = new ResourceScheduler({
    clock: () => clock.now,
    timers: false,
    store: new MemoryStore(),
    newId: () => `r${n++}`,
    strategy: 'first-fit',
    queue: { policy: 'fcfs' },
    pools: [{ name: 'p', capacity: { cpu: 4, memory: 16 }, nodes: { min: 1, max: 1, initial: 1 } }],
  });
  const ask = (leaseMs?: number, extra: object = {}): AllocateResult => s.allocate({ pool: 'p', demand: { cpu: 4, memory: 1 }, priority: 'medium', tenant: 't', ...extra }, leaseMs);
  return { s, clock, ask };
}

describe('leases that ran out before an operation', () => {
  it('renew after the deadline: not-found, the allocation ended expired, and the queued request started at once', () => {
    const { s, clock, ask } = setup();
    expect(ask(1000).status).toBe('allocated'); // r0, lease to 1000 ms
    expect(ask().status).toBe('queued'); // r1 waits for r0's room
    clock.now = 5000;
    expect(s.renew('r0', 1000)).toEqual({ status: 'not-found', id: 'r0' });
    expect(s.status('r0')).toMatchObject({ status: 'ended', how: 'expired' });
    expect(s.getAllocation('r1')).toBeDefined();
    s.checkInvariants();
  });

  it('release after the deadline: the allocation ended expired (not released), and its dependents are rejected', () => {
    const { s, clock, ask } = setup();
    ask(1000); // r0
    expect(ask(undefined, { dependsOn: ['r0'] }).status).toBe('queued'); // r1 needs r0 completed
    clock.now = 3000;
    expect(s.release('r0')).toEqual({ status: 'not-found', id: 'r0' });
    expect(s.status('r0')).toMatchObject({ status: 'ended', how: 'expired' });
    expect(s.status('r1')).toMatchObject({ status: 'ended', how: 'rejected' });
  });

  it('a newcomer after the deadline queues behind the request that waited for the room', () => {
    const { s, clock, ask } = setup();
    ask(1000); // r0
    ask(); // r1 queued
    clock.now = 2000;
    expect(ask().status).toBe('queued'); // r2: r0 expired, r1 took its room first
    expect(s.getAllocation('r1')).toBeDefined();
    expect(s.status('r0')).toMatchObject({ status: 'ended', how: 'expired' });
  });

  it('a lease ending exactly now is left to tick(): renewing it at its deadline still renews', () => {
    const { s, clock, ask } = setup();
    ask(1000); // r0
    clock.now = 1000;
    expect(s.renew('r0', 500).status).toBe('renewed');
    clock.now = 1499;
    s.tick();
    expect(s.getAllocation('r0')).toBeDefined();
    clock.now = 1500;
    s.tick();
    expect(s.status('r0')).toMatchObject({ status: 'ended', how: 'expired' });
  });
});
