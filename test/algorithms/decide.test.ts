import { describe, expect, it } from 'vitest';
import type { Allocator, Decision } from '../../src/algorithms/allocator.js';
import { decideAndApply } from '../../src/algorithms/decide.js';
import { ClusterState } from '../../src/core/cluster.js';
import { InvalidDecisionError } from '../../src/core/errors.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool: PoolSpec = { name: 'a', capacity: [4, 16, 0], nodes: { min: 0, max: 4, initial: 2 }, pricePerHour: 1, latencyMs: 1, bootSeconds: 0, labels: {} };
const req = (id: string, cpu: number, priority: Request['priority'] = 'medium'): Request => ({ id, tenant: 't', arrival: 0, demand: [cpu, 1, 0], duration: 10, priority });
/** An allocator that answers with a fixed decision (what a batch strategy might return). */
const fixed = (d: Decision): Allocator => ({ name: 'fixed', allocate: () => d });

describe('decideAndApply', () => {
  it('under blocking drops placements behind the first waiting request, and does not apply the preemptions made for them', () => {
    const state = ClusterState.fromPools(space, [pool]);
    state.allocate(req('low', 4, 'low'), 1, 0);
    const [a, b, c] = [req('a', 2), req('b', 8), req('c', 4, 'high')];
    // a starts; b must wait (head-of-line); c was placed on node 1 by evicting 'low' for it.
    const res = decideAndApply(
      fixed({
        placements: [{ requestId: 'a', nodeId: 0 }, { requestId: 'c', nodeId: 1 }],
        preemptions: [{ allocationId: 'low', forRequestId: 'c', reason: 'priority' }],
        rejections: [{ requestId: 'b', code: 'wait', message: 'no room' }],
      }),
      [a, b, c], state, { now: 5, blocking: true } as never,
    );
    expect(res.started.map((x) => x.request.id)).toEqual(['a']);
    expect(res.evicted).toEqual([]);
    expect(state.allocation('low')).toBeDefined();
    expect(res.rejections.map((j) => `${j.requestId}:${j.code}`)).toEqual(['b:wait', 'c:wait']);
  });

  it('without blocking applies the preemption and the placement it was made for', () => {
    const state = ClusterState.fromPools(space, [pool]);
    state.allocate(req('low', 4, 'low'), 1, 0);
    const res = decideAndApply(
      fixed({ placements: [{ requestId: 'c', nodeId: 1 }], preemptions: [{ allocationId: 'low', forRequestId: 'c', reason: 'priority' }], rejections: [{ requestId: 'b', code: 'wait', message: 'no room' }] }),
      [req('b', 8), req('c', 4, 'high')], state, { now: 5, blocking: false } as never,
    );
    expect(res.evicted.map((e) => e.allocation.id)).toEqual(['low']);
    expect(res.started.map((x) => `${x.request.id}@${x.nodeId}`)).toEqual(['c@1']);
  });

  it('refuses a decision that answers a request twice or leaves one unanswered, naming it', () => {
    const state = ClusterState.fromPools(space, [pool]);
    const twice = fixed({ placements: [{ requestId: 'a', nodeId: 0 }], preemptions: [], rejections: [{ requestId: 'a', code: 'wait', message: '' }] });
    expect(() => decideAndApply(twice, [req('a', 1)], state, { now: 0, blocking: false } as never)).toThrow(InvalidDecisionError);
    expect(() => decideAndApply(twice, [req('a', 1)], state, { now: 0, blocking: false } as never)).toThrow(/'a' is answered more than once/);
    const missing = fixed({ placements: [{ requestId: 'a', nodeId: 0 }], preemptions: [], rejections: [] });
    expect(() => decideAndApply(missing, [req('a', 1), req('b', 1)], state, { now: 0, blocking: false } as never)).toThrow(/'b' is neither placed nor rejected/);
    const unknown = fixed({ placements: [{ requestId: 'zz', nodeId: 0 }], preemptions: [], rejections: [] });
    expect(() => decideAndApply(unknown, [req('a', 1)], state, { now: 0, blocking: false } as never)).toThrow(/unknown request 'zz'/);
  });

  it('reports the position of each started and rejected request, whether answered in request order or not', () => {
    const batch = ['a', 'b', 'c', 'd', 'e'].map((id) => req(id, 1));
    const placed = ['b', 'd'];
    const rejected = ['a', 'c', 'e'];
    const answer = (p: string[], j: string[]): Allocator =>
      fixed({ placements: p.map((id, k) => ({ requestId: id, nodeId: k % 2 })), preemptions: [], rejections: j.map((id) => ({ requestId: id, code: 'wait', message: '' })) });
    for (const [p, j] of [[placed, rejected], [[...placed].reverse(), [...rejected].reverse()]] as const) {
      const res = decideAndApply(answer([...p], [...j]), batch, ClusterState.fromPools(space, [pool]), { now: 0, blocking: false } as never, (r, i) => `${r.id}@${i}`);
      // The reference: each answer's position by id.
      expect(res.startedAt).toEqual(res.started.map((a) => batch.findIndex((r) => r.id === a.request.id)));
      expect(res.started.map((a) => a.id)).toEqual(res.started.map((a, k) => `${a.request.id}@${res.startedAt[k]}`));
      expect(res.rejectedAt).toEqual(res.rejections.map((x) => batch.findIndex((r) => r.id === x.requestId)));
    }
    // Under blocking a placement behind the first waiting request is dropped: its rejection has its position too.
    const res = decideAndApply(answer(['a', 'd'], ['b', 'c', 'e']), batch, ClusterState.fromPools(space, [pool]), { now: 0, blocking: true } as never);
    expect(res.rejections.map((x) => x.requestId)).toEqual(['b', 'c', 'e', 'd']);
    expect(res.rejectedAt).toEqual([1, 2, 4, 3]);
  });
});
