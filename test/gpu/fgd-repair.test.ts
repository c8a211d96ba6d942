import { describe, expect, it } from 'vitest';
import { WORK_BUDGET, type AllocatorContext } from '../../src/algorithms/allocator.js';
import { decideAndApply } from '../../src/algorithms/decide.js';
import { Fgd } from '../../src/algorithms/gpu/fgd.js';
import { FgdRepair, isRepairing } from '../../src/algorithms/gpu/fgd-repair.js';
import { WorkloadDistribution } from '../../src/algorithms/gpu/frag.js';
import { gpuDims, gpuPodOf } from '../../src/algorithms/gpu/pod.js';
import { ClusterState } from '../../src/core/cluster.js';
import { InvalidDecisionError } from '../../src/core/errors.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { applyRepair } from '../../src/sim/openb.js';
import * as drs from '../../src/index.js';

// Two nodes of one GPU each (16 cores, 64 GB). n0 runs a 600-milli share, n1 a 300-milli one:
// free 400 and 700 milli. An 800-milli share fits on neither, so FGD rejects it. One move makes
// room either way: s2 (300) onto n0 (400 free) empties n1, or s1 (600) onto n1 (700 free)
// empties n0. Both end states are mirror images (one node 100 milli free, the other 200; the
// same GPU model), so their fragmentation decrease is equal and the first candidate in rank
// wins: the smaller move, s2 → n0, then the new pod on n1.

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool: PoolSpec = {
  name: 'g',
  capacity: [16, 64, 1],
  nodes: { min: 2, max: 2, initial: 2 },
  pricePerHour: 1,
  latencyMs: 0,
  bootSeconds: 0,
  labels: {},
  gpus: { count: 1, model: 'T4' },
  nodeNames: ['n0', 'n1'],
};
const share = (id: string, gpu: number): Request => ({ id, tenant: 't', arrival: 0, demand: [1, 1, gpu], duration: 1, priority: 'medium' });
const ctx = (): AllocatorContext => ({ now: 0, rng: new Rng(7), budget: WORK_BUDGET, blocking: false });

function cluster(a: number, b: number): ClusterState {
  const state = ClusterState.fromPools(space, [pool]);
  state.allocate(share('s1', a), 0, 0, 's1', [0]);
  state.allocate(share('s2', b), 1, 0, 's2', [0]);
  return state;
}
const workload = (state: ClusterState) => WorkloadDistribution.typical([0.3, 0.6, 0.8, 1].map((g) => gpuPodOf(share('w', g), gpuDims(state))), 1);

describe('fgd-repair', () => {
  it('FGD rejects the 800-milli share; one move (the smaller pod, s2 → n0) makes it fit on n1', () => {
    const state = cluster(0.6, 0.3);
    const fgd = new Fgd({ workload: workload(state) });
    expect(decideAndApply(fgd, [share('p', 0.8)], state, ctx()).started).toHaveLength(0);

    const repair = new FgdRepair({ workload: workload(state) });
    expect(isRepairing(repair)).toBe(true);
    expect(isRepairing(fgd)).toBe(false);
    const c = ctx();
    // the policy's own placement fails too (it is FGD's)
    expect(decideAndApply(repair, [share('p', 0.8)], state, c).started).toHaveLength(0);
    const plan = repair.repair(share('p', 0.8), state, c);
    state.rollbackTrial();
    expect(plan).toEqual({ moves: [{ allocationId: 's2', nodeId: 0, devices: [0] }], placement: { requestId: 'p', nodeId: 1, devices: [0] } });

    applyRepair(state, share('p', 0.8), plan!, 0, repair.name);
    state.checkInvariants(); // no device, CPU or memory over capacity
    expect(state.allocationCount).toBe(3); // the moved pod is still placed, once
    expect(state.allocation('s2')?.nodeId).toBe(0);
    expect(state.allocation('s1')?.nodeId).toBe(0);
    expect(state.allocation('p')?.nodeId).toBe(1);
    expect(Array.from(state.gpuFree(0)!)).toEqual([100]);
    expect(Array.from(state.gpuFree(1)!)).toEqual([200]);
  });

  it('with one candidate only, the same move (first in rank)', () => {
    const state = cluster(0.6, 0.3);
    const plan = new FgdRepair({ workload: workload(state), maxCandidates: 1 }).repair(share('p', 0.8), state, ctx());
    state.rollbackTrial();
    expect(plan?.moves).toEqual([{ allocationId: 's2', nodeId: 0, devices: [0] }]);
  });

  it('no move helps (600 and 500 milli, a whole GPU asked: neither share fits on the other node): no plan, the cluster is untouched', () => {
    const state = cluster(0.6, 0.5);
    const repair = new FgdRepair({ workload: workload(state) });
    expect(repair.repair(share('p', 1), state, ctx())).toBeUndefined();
    state.rollbackTrial();
    state.checkInvariants();
    expect(Array.from(state.gpuFree(0)!)).toEqual([400]);
    expect(Array.from(state.gpuFree(1)!)).toEqual([500]);
  });

  it('a plan that does not fit is an error naming the policy, never a lost pod', () => {
    const state = cluster(0.6, 0.5);
    // s2 (500) onto n0 (400 free) does not fit
    expect(() => applyRepair(state, share('p', 1), { moves: [{ allocationId: 's2', nodeId: 0, devices: [0] }], placement: { requestId: 'p', nodeId: 1 } }, 0, 'fgd-repair')).toThrow(InvalidDecisionError);
    expect(state.allocation('s2')?.nodeId).toBe(1);
    state.checkInvariants();
    expect(() => applyRepair(state, share('p', 1), { moves: [{ allocationId: 'nope', nodeId: 0 }], placement: { requestId: 'p', nodeId: 1 } }, 0, 'fgd-repair')).toThrow(/unknown allocation 'nope'/);
    expect(state.allocationCount).toBe(2);
  });

  it('rejects a bad maxCandidates', () => {
    expect(() => new FgdRepair({ maxCandidates: 0 })).toThrow(/maxCandidates/);
  });
});

describe('the package exports', () => {
  it('FgdRepair from the library entry point, the same class the openb runner uses', () => {
    expect(drs.FgdRepair).toBe(FgdRepair);
  });
});
