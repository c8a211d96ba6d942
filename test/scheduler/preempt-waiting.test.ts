/**
 * With priority preemption, a critical request left waiting by a decision that started
 * lower-priority preemptible work beside it: the strategy's own placements of that decision are
 * staged before the preemption search, which sees the room they took as gone and cannot evict them
 * (they are not running yet). Once they run they are victims like any other, but a pass that
 * freed nothing offers only new requests: the critical request waited, however long, for some
 * capacity to be freed, while work of lower priority that started after it held the room.
 */
import { describe, expect, it } from 'vitest';
import { ResourceScheduler } from '../../src/scheduler/index.js';

function scheduler(clock: { now: number }, requeuePreempted = false): ResourceScheduler {
  return new ResourceScheduler({
    timers: false,
    clock: () => clock.now,
    strategy: 'best-fit-decreasing',
    preemption: true,
    queue: { policy: 'priority', timeoutMs: 60_000, ...(requeuePreempted ? { requeuePreempted: true } : {}) },
    pools: [{ name: 'p', capacity: { cpu: 8, memory: 32 }, nodes: 1 }],
  });
}

/** v (low, preemptible, 4 cpu) and n (medium, not preemptible, 4 cpu) fill the node; c (critical, 8 cpu) and l (low, preemptible, 2 cpu) wait. */
function fill(s: ResourceScheduler, clock: { now: number }): void {
  expect(s.allocate({ id: 'v', tenant: 'x', demand: { cpu: 4 }, priority: 'low', preemptible: true }).status).toBe('allocated');
  expect(s.allocate({ id: 'n', tenant: 'x', demand: { cpu: 4 }, priority: 'medium', preemptible: false }).status).toBe('allocated');
  clock.now = 10;
  // 0 free + v's 4 < 8: even preemption cannot start it.
  expect(s.allocate({ id: 'c', tenant: 'y', demand: { cpu: 8 }, priority: 'critical' }).status).toBe('queued');
  clock.now = 20;
  expect(s.allocate({ id: 'l', tenant: 'z', demand: { cpu: 2 }, priority: 'low', preemptible: true }).status).toBe('queued');
}

describe('a waiting critical request and lower-priority work started beside it', () => {
  it('the critical request takes the node once n leaves (v and l evicted), in the same operation', () => {
    const clock = { now: 0 };
    const s = scheduler(clock);
    const events: string[] = [];
    for (const k of ['allocated', 'preempted'] as const) s.on(k, (p) => events.push(`${k} ${'allocation' in p ? p.allocation.id : ''}`));
    fill(s, clock);
    clock.now = 30;
    // n's 4 cpu free: c (8) does not fit; l (2) does. Evicting v (4) and l (2) with the 2 still free
    // makes the 8 c needs: c starts now, not at the next release (here: never, until its timeout).
    expect(s.release('n').status).toBe('released');
    expect(s.status('c').status).toBe('allocated');
    expect(s.listAllocations().map((a) => a.id)).toEqual(['c']);
    expect(s.status('v')).toMatchObject({ status: 'ended', how: 'preempted' });
    expect(s.status('l')).toMatchObject({ status: 'ended', how: 'preempted' });
    clock.now = 1000;
    s.tick();
    expect(s.listAllocations().map((a) => a.id)).toEqual(['c']);
    expect(events).toContain('allocated c');
    void s.shutdown();
  });

  it('with requeuePreempted, v and l wait again behind c', () => {
    const clock = { now: 0 };
    const s = scheduler(clock, true);
    fill(s, clock);
    clock.now = 30;
    expect(s.release('n').status).toBe('released');
    expect(s.status('c').status).toBe('allocated');
    expect(s.listQueued().map((w) => w.requestId).sort()).toEqual(['l', 'v']);
    void s.shutdown();
  });

  it('a critical request that no eviction can start keeps waiting; the low request runs', () => {
    const clock = { now: 0 };
    const s = scheduler(clock);
    // As fill(), but v is not preemptible: c (8) cannot have the node while v runs.
    expect(s.allocate({ id: 'v', tenant: 'x', demand: { cpu: 4 }, priority: 'low', preemptible: false }).status).toBe('allocated');
    expect(s.allocate({ id: 'n', tenant: 'x', demand: { cpu: 4 }, priority: 'medium', preemptible: false }).status).toBe('allocated');
    expect(s.allocate({ id: 'c', tenant: 'y', demand: { cpu: 8 }, priority: 'critical' }).status).toBe('queued');
    expect(s.allocate({ id: 'l', tenant: 'z', demand: { cpu: 2 }, priority: 'low', preemptible: true }).status).toBe('queued');
    expect(s.release('n').status).toBe('released');
    expect(s.listAllocations().map((a) => a.id).sort()).toEqual(['l', 'v']);
    expect(s.listQueued().map((w) => w.requestId)).toEqual(['c']);
    void s.shutdown();
  });
});
