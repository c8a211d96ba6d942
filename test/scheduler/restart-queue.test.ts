import { describe, expect, it } from 'vitest';
import { MemoryStore, ResourceScheduler, type ResourceSchedulerOptions } from '../../src/scheduler/index.js';

/**
 * A wait queue restored from the store after a restart: offered what is free at once (not only
 * when something else happens), and, when the new configuration has no queue, ended with an
 * event instead of left waiting where nothing would ever offer it capacity.
 */

const t = { now: 1_000 };
const base: ResourceSchedulerOptions = { clock: () => t.now, timers: false, strategy: 'first-fit', pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1 }] };

/** A store holding one allocation (a, 2 cpu) and one request (q, 2 cpu) queued by its tenant's quota. */
function storeWithQueued(): MemoryStore {
  const store = new MemoryStore();
  const s = new ResourceScheduler({ ...base, store, queue: { policy: 'fcfs', timeoutMs: 3_600_000 }, quotas: { tenants: { t: { max: { cpu: 0.5 } } } } });
  expect(s.allocate({ id: 'a', units: 2, tenant: 't' }).status).toBe('allocated');
  expect(s.allocate({ id: 'q', units: 2, tenant: 't' }).status).toBe('queued');
  s.close();
  return store;
}

describe('a restored wait queue', () => {
  it('is offered the free capacity at start (create), without waiting for another release', async () => {
    // Restarted without the quota: 2 cpu are free and q fits.
    const s = await ResourceScheduler.create({ ...base, store: storeWithQueued(), queue: { policy: 'fcfs', timeoutMs: 3_600_000 } });
    expect(s.status('q')).toMatchObject({ status: 'allocated' });
    expect(s.queueLength).toBe(0);
    s.checkInvariants();
    s.close();
  });

  it('is offered the free capacity at the first tick when built with new', () => {
    const s = new ResourceScheduler({ ...base, store: storeWithQueued(), queue: 'fcfs' });
    expect(s.status('q')).toMatchObject({ status: 'queued' });
    s.tick();
    expect(s.status('q')).toMatchObject({ status: 'allocated' });
    s.close();
  });

  it('ends timed-out, each with its event, when the new configuration has no queue', async () => {
    const store = storeWithQueued();
    const s = new ResourceScheduler({ ...base, store });
    expect(s.restoredTimedOut).toBe(1);
    expect(s.queueLength).toBe(0);
    expect(s.status('q')).toMatchObject({ status: 'ended', how: 'timed-out' });
    const events = await store.readEvents(0, 100);
    expect(events.at(-1)).toMatchObject({ type: 'timed-out', data: { requestId: 'q', tenant: 't' } });
    // A later request takes the free capacity: nothing is left behind it in a queue.
    expect(s.allocate({ id: 'd', units: 2 }).status).toBe('allocated');
    s.close();
    // The ending was committed: a third start finds nothing queued.
    const again = new ResourceScheduler({ ...base, store, queue: 'fcfs' });
    expect(again.queueLength).toBe(0);
    expect(again.restoredTimedOut).toBe(0);
    again.close();
  });

  it('keeps a restored request of a full concurrency group waiting, as before the restart', () => {
    const store = new MemoryStore();
    const group = { group: 'g', limit: 1 };
    const s = new ResourceScheduler({ ...base, store, queue: 'fcfs' });
    expect(s.allocate({ id: 'a', units: 1, concurrency: group }).status).toBe('allocated');
    expect(s.allocate({ id: 'b', units: 1, concurrency: group }).status).toBe('queued');
    s.close();
    const again = new ResourceScheduler({ ...base, store, queue: 'fcfs' });
    again.tick(); // offered the free capacity: 3 cpu, but a still holds g's one slot
    expect(again.status('b')).toMatchObject({ status: 'queued' });
    again.release('a');
    expect(again.status('b')).toMatchObject({ status: 'allocated' });
    again.close();
  });

  it('keeps a restored request waiting for its dependency, as before the restart', () => {
    const store = new MemoryStore();
    const s = new ResourceScheduler({ ...base, store, queue: 'fcfs' });
    expect(s.allocate({ id: 'a', units: 1 }).status).toBe('allocated');
    expect(s.allocate({ id: 'b', units: 1, dependsOn: ['a'] }).status).toBe('queued');
    s.close();
    const again = new ResourceScheduler({ ...base, store, queue: 'fcfs' });
    again.tick(); // 3 cpu free, but a has not completed
    expect(again.status('b')).toMatchObject({ status: 'queued' });
    again.release('a');
    expect(again.status('b')).toMatchObject({ status: 'allocated' });
    again.close();
  });

  it('names the fields in which a configured pool differs from the stored one it keeps', () => {
    const store = storeWithQueued();
    const s = new ResourceScheduler({ ...base, store, pools: [{ name: 'p', capacity: { cpu: 64 }, nodes: { min: 1, max: 9, initial: 9 }, pricePerHour: 2 }] });
    expect(s.poolDrift).toEqual(["pool 'p': capacity.cpu 64 (stored: 4), nodes.max 9 (stored: 1), nodes.initial 9 (stored: 1), pricePerHour 2 (stored: 0)"]);
    expect(s.getPool('p')).toMatchObject({ nodeCapacity: { cpu: 4 } });
    s.close();
    expect(new ResourceScheduler({ ...base, store }).poolDrift).toEqual([]);
  });

  it('names a single differing field too, and adds a configured pool the store does not have', () => {
    const store = storeWithQueued();
    const s = new ResourceScheduler({ ...base, store, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 1, bootSeconds: 30 }, { name: 'new', capacity: { cpu: 8 }, nodes: 2 }] });
    expect(s.poolDrift).toEqual(["pool 'p': bootSeconds 30 (stored: 0)"]);
    expect(s.listPools().map((p) => [p.name, p.nodes.up])).toEqual([['p', 1], ['new', 2]]);
    s.close();
  });

  it('names a changed label, GPU model, GPU devices or primary dimension too (the stored pool keeps its own)', () => {
    const store = new MemoryStore();
    const g = { name: 'g', capacity: { cpu: 8 }, gpus: { count: 2, model: 'a100', memoryMib: 40_960 }, labels: { region: 'eu', zone: 'a' }, nodes: 1 };
    const scalar = { name: 's', capacity: { cpu: 8, gpu: 2 }, nodes: 1 };
    new ResourceScheduler({ ...base, store, pools: [g, scalar] }).close();
    const changed = { ...g, gpus: { count: 2, model: 'h100', memoryMib: 81_920 }, labels: { region: 'us', tier: 'spot' }, primary: 'gpu' };
    const s = new ResourceScheduler({ ...base, store, pools: [changed, { ...scalar, gpus: { count: 2 } }] });
    expect(s.poolDrift).toEqual([
      "pool 'g': labels.gpuModel h100 (stored: a100), labels.region us (stored: eu), labels.tier spot (stored: not set), labels.zone not set (stored: a), gpus.memoryMib 81920 (stored: 40960), primary gpu (stored: cpu)",
      "pool 's': gpus.count 2 (stored: not set)",
    ]);
    expect(s.getPool('g')).toMatchObject({ labels: { region: 'eu', zone: 'a', gpuModel: 'a100' }, primary: 'cpu' });
    s.close();
    expect(new ResourceScheduler({ ...base, store, pools: [g, scalar] }).poolDrift).toEqual([]);
  });
});
