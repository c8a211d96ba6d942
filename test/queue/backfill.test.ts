import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { conservativeBackfill } from '../../src/queue/conservative.js';
import { easyBackfill, headReservation } from '../../src/queue/easy.js';
import type { QueuedRequest } from '../../src/queue/policy.js';
import { ResourceProfile } from '../../src/queue/profile.js';

const space = new ResourceSpace(['cpu', 'memory']);
const pool = (name: string, cpu: number, mem: number, nodes: number): PoolSpec => ({
  name,
  capacity: [cpu, mem],
  nodes: { min: 0, max: nodes, initial: nodes },
  pricePerHour: 1,
  latencyMs: 1,
  bootSeconds: 0,
  labels: {},
});

let seq = 0;
function req(id: string, demand: [number, number], requested: number, arrival = 0): Request {
  return { id, tenant: 't', arrival, demand, duration: requested, requestedDuration: requested, priority: 'medium' };
}
function queued(r: Request): QueuedRequest {
  return { request: r, enqueuedAt: r.arrival, seq: seq++, attempts: 0 };
}
const ids = (xs: readonly QueuedRequest[]): string[] => xs.map((x) => x.request.id);

describe('ResourceProfile', () => {
  it('builds from releases and finds the earliest window', () => {
    // 4 cpu machine, 1 free now; 1 more at 20, 2 more at 100.
    const p = new ResourceProfile(3, [1], [
      { at: 20, demand: [1] },
      { at: 100, demand: [2] },
      { at: 2, demand: [0] }, // already overdue: counts as released now
    ]);
    expect(p.segments).toBe(3);
    expect(p.earliestStart([4], 10)).toBe(100);
    p.reserve([4], 100, 10);
    expect(p.earliestStart([2], 50)).toBe(20);
    p.reserve([2], 20, 50);
    expect(p.fitsDuring([1], 3, 90)).toBe(false); // [20, 70) has 0 left
    expect(p.fitsDuring([1], 3, 17)).toBe(true);
    expect(p.earliestStart([1], 90)).toBe(110);
    expect([...p.freeAt(105)]).toEqual([0]);
    expect([...p.freeAt(1e9)]).toEqual([4]);
    expect(p.earliestStart([5], 1)).toBe(Infinity);
  });
});

describe('generic EASY backfilling', () => {
  it('reservation: earliest node by requested ends; extra is what the head leaves there', () => {
    const c = ClusterState.fromPools(space, [pool('p', 4, 16, 1)]);
    c.allocate(req('r0', [3, 4], 100), 0, 0);
    const head = queued(req('head', [4, 1], 10, 1));
    const res = headReservation(c, head, 5);
    expect(res).toMatchObject({ nodeId: 0, time: 100 });
    expect([...(res?.extra ?? [])]).toEqual([0, 15]);
  });

  it('single node: short jobs and jobs fitting the extra capacity backfill; others wait', () => {
    const c = ClusterState.fromPools(space, [pool('p', 4, 16, 1)]);
    c.allocate(req('r0', [3, 4], 100), 0, 0);
    const blocked = [
      queued(req('head', [4, 1], 10)),
      queued(req('short', [1, 1], 50)), // 5 + 50 < 100
      queued(req('long', [1, 1], 500)), // would hold a cpu the head needs at 100
      queued(req('memOnly', [0, 8], 500)), // fits the head's leftovers (0 cpu, 15 GiB)
      queued(req('memOnly2', [0, 8], 500)), // the extra is used up now (7 GiB left)
    ];
    expect(ids(easyBackfill().select(blocked, c, 5))).toEqual(['short', 'memOnly']);
  });

  it('multi-node: a long job that cannot go on the reserved node may start elsewhere', () => {
    const c = ClusterState.fromPools(space, [pool('p', 4, 16, 2)]);
    c.allocate(req('a', [3, 0], 100), 0, 0); // node 0: 1 cpu free until 100
    c.allocate(req('b', [2, 0], 300), 1, 0); // node 1: 2 cpu free until 300
    const blocked = [
      queued(req('head', [4, 0], 10)), // reserved on node 0 at 100
      queued(req('long2', [2, 0], 500)), // does not fit node 0 now → it can only go to node 1
      queued(req('long1', [1, 0], 500)), // could land on node 0 and delay the head → waits
    ];
    expect(ids(easyBackfill().select(blocked, c, 5))).toEqual(['long2']);
  });

  it('never delays the head, whatever node the allocator picks (random clusters)', () => {
    const rng = new Rng('easy-invariant');
    let picks = 0;
    for (let trial = 0; trial < 300; trial++) {
      const c = ClusterState.fromPools(space, [pool('p', 8, 32, 3)]);
      const now = 50;
      let n = 0;
      for (let k = 0; k < 8; k++) {
        const node = rng.int(3);
        const r = req(`run${n++}`, [1 + rng.int(4), rng.int(12)], 20 + rng.int(200));
        if (c.fits(node, r.demand)) c.allocate(r, node, now - rng.int(20));
      }
      const blocked = [queued(req('head', [5 + rng.int(4), 4 + rng.int(20)], 30 + rng.int(100)))];
      for (let k = 0; k < 8; k++) blocked.push(queued(req(`w${k}`, [1 + rng.int(5), rng.int(16)], 5 + rng.int(300))));
      const head = blocked[0] as QueuedRequest;
      const before = headReservation(c, head, now);
      if (before === undefined) continue;
      const picked = easyBackfill().select(blocked, c, now);
      // An adversarial allocator: put each pick on the reserved node when it fits there.
      for (const q of picked) {
        const order = [before.nodeId, 0, 1, 2];
        const node = order.find((id) => c.fits(id, q.request.demand));
        if (node !== undefined) c.allocate(q.request, node, now);
        picks++;
      }
      const after = headReservation(c, head, now);
      expect(after?.time, `trial ${trial}`).toBeLessThanOrEqual(before.time);
    }
    expect(picks).toBeGreaterThan(100);
  });
});

describe('generic conservative backfilling', () => {
  // The batch test's scenario on one node: A (2 cpu) until 100, B (1 cpu) until 20.
  function cluster(): ClusterState {
    const c = ClusterState.fromPools(space, [pool('p', 4, 16, 1)]);
    c.allocate(req('A', [2, 0], 100), 0, 0);
    c.allocate(req('B', [1, 0], 20), 0, 0);
    return c;
  }
  const blocked = [queued(req('H', [4, 0], 10, 1)), queued(req('C', [2, 0], 50, 2)), queued(req('D', [1, 0], 90, 3))];

  it('keeps a later job from taking the slot reserved for an earlier one (EASY would not)', () => {
    const c = cluster();
    expect(ids(easyBackfill().select(blocked, c, 3))).toEqual(['D']);
    expect(ids(conservativeBackfill().select(blocked, c, 3))).toEqual([]);
    c.release('B');
    expect(ids(conservativeBackfill().select(blocked, c, 20))).toEqual(['C']);
  });

  it('depth limits how many requests are planned', () => {
    const c = cluster();
    c.release('B');
    expect(ids(conservativeBackfill({ depth: 1 }).select(blocked, c, 20))).toEqual([]);
    expect(ids(conservativeBackfill({ depth: 2 }).select(blocked, c, 20))).toEqual(['C']);
    expect(() => conservativeBackfill({ depth: 0 })).toThrow(RangeError);
  });

  it('multi-node: exact per node: each pick names the node whose plan it was checked on', () => {
    const setup = (): ClusterState => {
      const c = ClusterState.fromPools(space, [pool('p', 4, 16, 2)]);
      c.allocate(req('a', [3, 0], 100), 0, 0); // node 0: 1 free until 100
      c.allocate(req('b', [2, 0], 300), 1, 0); // node 1: 2 free until 300
      return c;
    };
    const head = queued(req('head', [4, 0], 10)); // reserved on node 0 over [100, 110) (node 1 only at 300)
    const one = queued(req('one', [1, 0], 500)); // node 0 would delay the head; node 1 has room for [5, 505)
    const two = queued(req('two', [2, 0], 500)); // only node 1 can take it now, and it has room
    const placed = (xs: readonly { entry: QueuedRequest; nodeId: number }[]): string[] => xs.map((p) => `${p.entry.request.id}@${p.nodeId}`);
    const cons = conservativeBackfill();
    // two goes to node 1; one then fits node 0 now (1 free) but not its plan ([100, 110) has 0
    // left once the head is reserved), and node 1 is full after two: it waits.
    expect(placed(cons.place?.([head, two, one], setup(), 5) ?? [])).toEqual(['two@1']);
    // one first: node 0 is unsafe, node 1 (free 2, profile 2 until 300 and 4 after) takes it;
    // two then finds 1 cpu left on node 1 and waits. (The former rule, which had to be safe on
    // every node the allocator might pick, started nothing here.)
    expect(placed(cons.place?.([head, one, two], setup(), 5) ?? [])).toEqual(['one@1']);
    expect(ids(cons.select([head, one, two], setup(), 5))).toEqual(['one']);
  });
});
