import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import { Rng } from '../../src/core/rng.js';
import { ResourceScheduler } from '../../src/scheduler/index.js';
import { WaitQueue, type Waiting } from '../../src/scheduler/wait-queue.js';

const req = (id: string, tenant = 't'): Request => ({ id, tenant, demand: [1], arrival: 0, duration: 1, priority: 'medium' }) as unknown as Request;
const fail = (msg: string): never => {
  throw new Error(msg);
};
const noAllocations = { allocation: () => undefined } as unknown as Parameters<WaitQueue['checkInvariants']>[0];

/**
 * The old WaitQueue's rules, spelt out naively: an array in arrival order, `indexOf` + `splice`
 * to remove, a scan for timeouts. The queue must agree with it on every read.
 */
class Reference {
  readonly items: Waiting[] = [];
  remove(w: Waiting): void {
    const i = this.items.indexOf(w);
    if (i >= 0) this.items.splice(i, 1);
  }
  timedOut(nowMs: number, strict: boolean): Waiting[] {
    const out = this.items.filter((w) => !(w.timeoutAtMs > nowMs || (strict && w.timeoutAtMs === nowMs)));
    for (const w of out) this.remove(w);
    return out;
  }
}

describe('WaitQueue: leaving from anywhere in O(1) keeps arrival order', () => {
  it('agrees with the naive array queue on entries, positions, timeouts, fresh entries and the journal through random churn', () => {
    const rng = new Rng(5);
    const side = new Rng(6);
    const q = new WaitQueue(1000, 100_000);
    const ref = new Reference();
    let now = 0;
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      const r = rng.next();
      if (r < 0.45) {
        // Ids come back now and then (a request requeued after it started): same id, a new entry.
        const id = rng.next() < 0.1 && next > 0 ? `r${Math.floor(rng.next() * next)}` : `r${next++}`;
        if (q.has(id)) continue;
        const w = q.add(req(id, `t${next % 3}`), now, null, rng.next() < 0.5 ? undefined : Math.floor(rng.next() * 2000));
        ref.items.push(w);
      } else if (r < 0.85) {
        const w = ref.items[Math.floor(rng.next() * ref.items.length)];
        if (w === undefined) continue;
        q.remove(w);
        ref.remove(w);
        q.remove(w); // twice: nothing more happens
      } else if (r < 0.9) {
        now += Math.floor(rng.next() * 50);
        const strict = rng.next() < 0.5;
        expect(q.takeTimedOut(now, strict)).toEqual(ref.timedOut(now, strict));
      } else if (r < 0.95) {
        expect(q.entries).toEqual(ref.items);
        expect(q.requests()).toEqual(ref.items.map((w) => w.request));
      } else {
        const w = ref.items[Math.floor(rng.next() * ref.items.length)];
        if (w !== undefined) expect(q.position(w)).toBe(ref.items.indexOf(w));
      }
      expect(q.length).toBe(ref.items.length);
      // The fresh ones are read from the requests added since markAllSeen: the same as filtering every entry.
      const extra = side.next();
      if (extra < 0.05) {
        q.markAllSeen();
        expect(q.addedSinceSeen).toBe(0);
      }
      else if (extra < 0.1 && ref.items.length > 0) (ref.items[ref.items.length - 1] as Waiting).fresh = false; // as a requeue does
      if (step % 7 === 0) expect(q.freshEntries()).toEqual(ref.items.filter((w) => w.fresh));
      if (step % 97 === 0) q.checkInvariants(noAllocations, fail);
    }
    expect(q.entries).toEqual(ref.items);
    for (const w of ref.items) expect(q.get(w.request.id)).toBe(w);
    q.checkInvariants(noAllocations, fail);
  });

  it('a request that left has no position; the journal records each leaving once', () => {
    const q = new WaitQueue(1000, 100);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => q.add(req(id), 0, null, undefined)) as [Waiting, Waiting, Waiting];
    q.takeJournal();
    q.remove(b);
    q.remove(b);
    expect(q.position(b)).toBe(-1);
    expect(q.position(c)).toBe(1);
    expect(q.position(a)).toBe(0);
    expect(q.takeJournal()).toEqual([{ kind: 'delete-waiting', id: 'b' }]);
  });

  it('dead entries never pile up: cancelling most of a long queue keeps what it holds near the queue', () => {
    const q = new WaitQueue(1000, 100_000);
    const ws = Array.from({ length: 10_000 }, (_, i) => q.add(req(`r${i}`), 0, null, undefined));
    for (let i = 0; i < ws.length; i += 1) if (i % 10 !== 0) q.remove(ws[i] as Waiting);
    expect(q.length).toBe(1000);
    // Reading nothing in between: the array was compacted as the dead came to outnumber the waiting.
    expect((q as unknown as { items: Waiting[] }).items.length).toBeLessThanOrEqual(2 * q.length + 65);
    q.checkInvariants(noAllocations, fail);
  });
});

describe('cancelling queued requests in random order: FCFS starts the rest in arrival order', () => {
  it('picks and positions are those of the arrival order of the requests left', () => {
    const clock = { now: 0 };
    const s = new ResourceScheduler({
      clock: () => clock.now,
      timers: false,
      strategy: 'first-fit',
      queue: { policy: 'fcfs', timeoutMs: 3_600_000, maxLength: 1000 },
      pools: [{ name: 'w', capacity: { cpu: 4, memory: 16 }, nodes: { min: 1, max: 1, initial: 1 } }],
    });
    const ask = (id: string) => s.allocate({ id, tenant: 't', demand: { cpu: 4, memory: 1 } }).status;
    expect(ask('head')).toBe('allocated'); // the node, until released
    const ids = Array.from({ length: 400 }, (_, i) => `q${i}`);
    for (const id of ids) expect(ask(id)).toBe('queued');
    const rng = new Rng(7);
    const cancelled = new Set<string>();
    const order = [...ids];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j] as string, order[i] as string];
    }
    for (const id of order.slice(0, 300)) {
      expect(s.release(id).status).toBe('cancelled');
      cancelled.add(id);
    }
    const left = ids.filter((id) => !cancelled.has(id));
    left.forEach((id, i) => expect(s.status(id)).toMatchObject({ status: 'queued', position: i }));
    s.checkInvariants();
    const started: string[] = [];
    let running = 'head';
    for (let k = 0; k < left.length; k++) {
      s.release(running);
      const now = left.find((id) => s.status(id).status === 'allocated');
      expect(now).toBeDefined();
      started.push(now as string);
      running = now as string;
    }
    expect(started).toEqual(left);
    s.checkInvariants();
    s.close();
  });
});
