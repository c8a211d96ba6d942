import { describe, expect, it } from 'vitest';
import { MemoryStore, ResourceScheduler } from '../../src/scheduler/index.js';

/**
 * Reads catch up on what lapsed (Background.current) in a transaction of their own. A read made
 * *inside* an operation (an SLO observer is told of a start in the middle of a queue pass) must
 * not run that catch-up there: it would expire leases and run a second queue pass nested in the
 * first, and commit the outer operation's half-made changes with its own.
 *
 * By hand: pool p, two nodes of 4 cpu, fcfs queue, sloWaitMs 10 s for every request.
 *   t = 1000  a (4) lease 500 ms (ends 1500) and x (4) lease 1 h take both nodes;
 *             q1 (4) and q2 (4) queue behind them.
 *   t = 1400  x is released: the pass starts q1 on x's node; the SLO observer, told of q1's wait,
 *             reads queueLength after the clock moved to 1600 (time passes in an operation).
 *   Inside the operation the read answers from the books as they stand (q2 waiting: 1) and
 *   changes nothing; a is still live when release returns (it lapsed after the operation began,
 *   at 1500 > 1400), and the next operation/read ends it and starts q2.
 */
describe('a read inside an operation (rev9)', () => {
  it('answers from the books as they stand, without a nested catch-up transaction', async () => {
    const clock = { now: 0 };
    const store = new MemoryStore();
    const s = new ResourceScheduler({ clock: () => clock.now, timers: false, store, strategy: 'first-fit', queue: { policy: 'fcfs', timeoutMs: 3_600_000 }, pools: [{ name: 'p', capacity: { cpu: 4 }, nodes: 2 }], sloWaitMs: { medium: 10_000, high: 10_000, low: 10_000 } });
    clock.now = 1000;
    expect(s.allocate({ id: 'a', pool: 'p', units: 4, tenant: 't' }, 500).status).toBe('allocated');
    expect(s.allocate({ id: 'x', pool: 'p', units: 4, tenant: 't' }, 3600_000).status).toBe('allocated');
    expect(s.allocate({ id: 'q1', pool: 'p', units: 4, tenant: 't' }).status).toBe('queued');
    expect(s.allocate({ id: 'q2', pool: 'p', units: 4, tenant: 't' }).status).toBe('queued');
    const seen: number[] = [];
    const expired: string[] = [];
    s.on('expired', (e) => expired.push(e.allocation.id));
    s.observeSlo({
      wait: () => {
        clock.now = 1600;
        seen.push(s.queueLength);
      },
    });
    clock.now = 1400;
    s.release('x');
    expect(seen).toEqual([1]);
    s.checkInvariants();
    // The operation's own state: a still held (its lapse is for the next operation or read).
    expect(expired).toEqual([]);
    expect(s.status('q2').status).toBe('allocated');
    expect(expired).toEqual(['a']);
    expect(s.listAllocations().map((x) => x.id).sort()).toEqual(['q1', 'q2']);
    s.checkInvariants();
    s.close();
    // The event log in commit order keeps time order (the nested catch-up logged a's expiry at
    // 1600 before the release at 1400 that it interrupted).
    const at = (await store.readEvents(0, 100)).map((e) => e.atMs);
    expect(at).toEqual([...at].sort((x, y) => x - y));
  });
});
