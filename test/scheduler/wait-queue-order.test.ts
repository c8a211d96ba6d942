import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/core/model.js';
import { Rng } from '../../src/core/rng.js';
import { staticCompare, type QueuedRequest } from '../../src/queue/policy.js';
import type { StoredWaiting } from '../../src/scheduler/store.js';
import { WaitQueue, type Waiting } from '../../src/scheduler/wait-queue.js';

/**
 * WaitQueue.policyOrder, the queue kept in the policy's static order on insert: through random
 * adds, cancels, timeouts, passes (adds held back until the pass ends) and restores from stored
 * rows given in any order, its waiting entries are exactly the queue sorted by (key, tie key, seq),
 * what the pass's sort gave; after a removal it holds no more than twice the queue (plus 64) in slots.
 */
const KEY = (q: QueuedRequest): number => q.request.duration;
const TIE = (q: QueuedRequest): number => q.request.arrival;
const ORDER = staticCompare(KEY, TIE);
const fail = (msg: string): never => {
  throw new Error(msg);
};
const noAllocations = { allocation: () => undefined } as unknown as Parameters<WaitQueue['checkInvariants']>[0];

/** Few distinct keys and tie keys: most comparisons come down to `seq`. */
function request(id: string, rng: Rng): Request {
  return { id, tenant: 't', demand: [1], arrival: rng.int(4), duration: rng.bernoulli(0.2) ? Infinity : rng.int(3), priority: 'medium' } as unknown as Request;
}

function waitingInOrder(q: WaitQueue): Waiting[] {
  const order = q.policyOrder;
  if (order === undefined) throw new Error('no policy order');
  return order.entries.filter((w) => q.get(w.request.id) === w);
}

function stored(q: WaitQueue, rng: Rng): StoredWaiting[] {
  const rows = q.entries.map((w) => ({ id: w.request.id, request: w.request, seq: w.seq, enqueuedAtMs: w.enqueuedAtMs, timeoutAtMs: w.timeoutAtMs, leaseMs: w.leaseMs, slo: w.slo }));
  // A store gives its rows in any order.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j] as StoredWaiting, rows[i] as StoredWaiting];
  }
  return rows;
}

describe('WaitQueue.policyOrder', () => {
  it('holds the waiting requests sorted by key, tie key and seq through random churn, passes and restores', () => {
    const rng = new Rng(11);
    let q = new WaitQueue(1000, 100_000, { staticKey: KEY, staticTie: TIE });
    let now = 0;
    let next = 0;
    let inPass = false;
    let restores = 0;
    let maxLength = 0;
    for (let step = 0; step < 6_000; step++) {
      const u = rng.next();
      const order = q.policyOrder;
      if (order === undefined) throw new Error('no policy order');
      let removed = false;
      if (u < 0.45) {
        q.add(request(`r${next++}`, rng), now, null, rng.int(30_000));
      } else if (u < 0.72 && q.length > 0) {
        const all = q.entries;
        // Mostly the head in policy order (a blocking policy starts it), else any.
        const w = rng.bernoulli(0.6) ? waitingInOrder(q)[0] : all[rng.int(all.length)];
        if (w !== undefined) q.remove(w);
        removed = true;
      } else if (u < 0.9) {
        now += rng.int(400);
        removed = q.takeTimedOut(now).length > 0;
      } else if (u < 0.97) {
        // A pass: what is added while it runs is held out of the entries it iterates.
        if (!inPass) {
          order.beginPass();
          const before = order.entries;
          const snapshot = [...before];
          q.add(request(`r${next++}`, rng), now, null, undefined);
          expect(order.entries).toBe(before);
          expect([...order.entries]).toEqual(snapshot);
        } else order.endPass();
        inPass = !inPass;
      } else if (!inPass) {
        const rows = stored(q, rng);
        q = new WaitQueue(1000, 100_000, { staticKey: KEY, staticTie: TIE });
        q.restore(rows);
        restores++;
      }
      const o = q.policyOrder;
      if (o === undefined) throw new Error('no policy order');
      if (!inPass) {
        expect(waitingInOrder(q)).toEqual([...q.entries].sort(ORDER));
        q.checkInvariants(noAllocations, fail);
      }
      // Swept on removal (adds held through a long pass may exceed it until the next one).
      if (removed) expect(o.length).toBeLessThanOrEqual(2 * q.length + 64);
      maxLength = Math.max(maxLength, q.length);
    }
    expect(restores).toBeGreaterThan(50);
    expect(maxLength).toBeGreaterThan(100);
  });

  it('is kept only under a policy with a static key', () => {
    expect(new WaitQueue(1000, 10).policyOrder).toBeUndefined();
    expect(new WaitQueue(1000, 10, {}).policyOrder).toBeUndefined();
    expect(new WaitQueue(1000, 10, { staticKey: KEY }).policyOrder?.sorted).toBe(true);
  });
});
