import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResourceScheduler, SqliteStore, type StateStore } from '../../src/scheduler/index.js';

/*
 * Due work in time order (src/scheduler/due-work.ts) at its edges: leases ending and deadlines
 * falling at the same millisecond, and a queue restored after a restart whose deadlines passed
 * while the service was down. One pool of 4-cpu nodes; every request takes a whole node.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-due-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function make(clock: { now: number }, nodes: number, store?: StateStore) {
  const s = new ResourceScheduler({
    timers: false, clock: () => clock.now, strategy: 'first-fit', ...(store ? { store } : {}),
    queue: { policy: 'fcfs', timeoutMs: 60_000 },
    pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes }],
  });
  const ask = (id: string, leaseMs?: number, queueTimeoutMs?: number) =>
    s.allocate({ id, tenant: 't', demand: { cpu: 4, memory: 1 }, ...(queueTimeoutMs === undefined ? {} : { queueTimeoutMs }) }, leaseMs).status;
  const how = (id: string) => {
    const st = s.status(id);
    return st.status === 'ended' ? `ended ${st.how}` : st.status;
  };
  return { s, ask, how };
}

describe('due work in time order: edges', () => {
  it('three leases and four deadlines at the same millisecond: the room goes to the first three, the fourth times out', () => {
    const clock = { now: 0 };
    const { s, ask, how } = make(clock, 3);
    for (const id of ['a', 'b', 'c']) expect(ask(id, 1000)).toBe('allocated'); // all three nodes until 1000
    expect(ask('early', undefined, 999)).toBe('queued'); // its deadline comes 1 ms before the room
    for (const id of ['x', 'y', 'z', 'w']) expect(ask(id, undefined, 1000)).toBe('queued'); // deadline = lease end
    clock.now = 1000;
    // An operation at exactly 1000 does what fell due strictly before: 'early' leaves; the leases
    // ending now are the tick's, so the newcomer waits (behind x, y, z, w).
    expect(ask('late')).toBe('queued');
    expect(how('early')).toBe('ended timed-out');
    expect(how('a')).toBe('allocated');
    s.tick();
    expect(['a', 'b', 'c'].map(how)).toEqual(['ended expired', 'ended expired', 'ended expired']);
    expect(['x', 'y', 'z', 'w', 'late'].map(how)).toEqual(['allocated', 'allocated', 'allocated', 'ended timed-out', 'queued']);
    s.checkInvariants();
    s.close();
  });

  it('an operation after a lease end and a deadline at the same millisecond: the room is offered to that request first', () => {
    const clock = { now: 0 };
    const { s, ask, how } = make(clock, 1);
    expect(ask('r0', 1000)).toBe('allocated');
    expect(ask('r1', undefined, 1000)).toBe('queued');
    clock.now = 2000; // no tick since
    expect(ask('r2')).toBe('queued'); // r1 took the node at 1000, its deadline
    expect([how('r0'), how('r1')]).toEqual(['ended expired', 'allocated']);
    s.checkInvariants();
    s.close();
  });

  it('after a restart, a restored queue whose deadlines passed while down: a lease that ended before a deadline still gives its room', async () => {
    const file = path.join(dir, 'restart.db');
    const clock = { now: 0 };
    const a = make(clock, 1, new SqliteStore(file));
    await a.s.ready();
    expect(a.ask('r0', 1000)).toBe('allocated'); // the node until 1000
    expect(a.ask('r1', undefined, 500)).toBe('queued'); // deadline before the room
    expect(a.ask('r2', undefined, 1500)).toBe('queued'); // deadline after it: takes it
    expect(a.ask('r3', undefined, 1500)).toBe('queued'); // behind r2: times out at 1500
    await a.s.shutdown();
    clock.now = 10_000; // down from 0 to 10 s: everything fell due while nothing ran
    const b = make(clock, 1, new SqliteStore(file));
    await b.s.ready();
    b.s.tick();
    expect(['r0', 'r1', 'r2', 'r3'].map(b.how)).toEqual(['ended expired', 'ended timed-out', 'allocated', 'ended timed-out']);
    b.s.checkInvariants();
    await b.s.shutdown();
  });
});
