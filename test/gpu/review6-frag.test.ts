import { describe, expect, it } from 'vitest';
import { WORK_BUDGET, type Allocator, type AllocatorContext } from '../../src/algorithms/allocator.js';
import { decideAndApply } from '../../src/algorithms/decide.js';
import { fgdEval, fgdScoreOf } from '../../src/algorithms/gpu/fgd.js';
import { type PodType, WorkloadDistribution } from '../../src/algorithms/gpu/frag.js';
import { createGpuPolicy, GPU_POLICY_NAMES } from '../../src/algorithms/gpu/index.js';
import { ClusterState } from '../../src/core/cluster.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';

// Hand-worked cases of the FGD measure against the authors' definition (their simulator's
// pkg/utils/frag.go: GetNodePodFrag, NodeGpuShareFragAmount, FragAmountSumExceptQ3): per pod type,
// Q3 (fits: model, CPU, count devices with ≥ milli) counts only the devices with free < milli;
// every other class (lacks CPU / GPU / model, or the type asks no GPU: XL / XR) counts all free.

const t = (cpuMilli: number, gpuMilli: number, gpuCount: number, p: number, models = ''): PodType => ({ cpuMilli, gpuMilli, gpuCount, models, p });

describe('fragmentation of a node (hand-worked against the definition)', () => {
  it('an empty node: 0 when every type fits; CPU-only and too-big types count all its free GPU', () => {
    const fits = new WorkloadDistribution([t(1000, 500, 1, 0.5), t(1000, 1000, 2, 0.5)]);
    expect(fits.fragOf('T4', 8000, [1000, 1000])).toBe(0);
    // a CPU-only type (XL, satisfied) still counts the whole free GPU: 0.25 × 2000
    const cpuOnly = new WorkloadDistribution([t(1000, 500, 1, 0.75), t(1000, 0, 0, 0.25)]);
    expect(cpuOnly.fragOf('T4', 8000, [1000, 1000])).toBeCloseTo(500, 9);
    // a 4-GPU type cannot run on a 2-GPU node (Q2, lack GPU): 0.5 × 2000
    const big = new WorkloadDistribution([t(1000, 1000, 1, 0.5), t(1000, 1000, 4, 0.5)]);
    expect(big.fragOf('T4', 8000, [1000, 1000])).toBeCloseTo(1000, 9);
  });

  it('a full node (no free GPU milli) is never fragmented, whatever the CPU', () => {
    const w = new WorkloadDistribution([t(1000, 500, 1, 0.5), t(0, 0, 0, 0.5)]);
    expect(w.fragOf('T4', 0, [0, 0])).toBe(0);
    expect(w.fragOf('T4', 64_000, [0, 0, 0, 0])).toBe(0);
    expect(w.fragOf(undefined, 64_000, [])).toBe(0);
  });

  it('a type that fits counts only the devices too small for it; one that lacks CPU counts all', () => {
    const w = new WorkloadDistribution([t(2000, 300, 1, 0.5), t(6000, 1000, 1, 0.5)]);
    // [1000, 200, 700]: the 300 type fits and finds 200 too small; the whole-GPU type fits, finds 900
    expect(w.fragOf('T4', 8000, [1000, 200, 700])).toBeCloseTo(0.5 * 200 + 0.5 * 900, 9);
    // 5 cores free: the whole-GPU type (6 cores) lacks CPU (Q4) and counts all 1900
    expect(w.fragOf('T4', 5000, [1000, 200, 700])).toBeCloseTo(0.5 * 200 + 0.5 * 1900, 9);
    // exactly its CPU free is enough (cpuFree ≥ cpu)
    expect(w.fragOf('T4', 6000, [1000, 200, 700])).toBeCloseTo(0.5 * 200 + 0.5 * 900, 9);
    // 1.5 cores: neither type runs
    expect(w.fragOf('T4', 1500, [1000, 200, 700])).toBeCloseTo(1900, 9);
  });

  it('k whole GPUs need k idle devices; a share of exactly the free milli fits', () => {
    const w = new WorkloadDistribution([t(0, 1000, 2, 0.5), t(0, 400, 1, 0.5)]);
    // [1000, 400, 1000]: the 2-GPU type fits (400 too small for it), the 400 share fits exactly (0)
    expect(w.fragOf('T4', 1000, [1000, 400, 1000])).toBeCloseTo(0.5 * 400 + 0, 9);
    // [1000, 400, 999]: one idle device only: the 2-GPU type counts all 2399
    expect(w.fragOf('T4', 1000, [1000, 400, 999])).toBeCloseTo(0.5 * 2399, 9);
  });

  it('GPU model constraints: no access counts all; any-of lists; a node without a model serves only unconstrained types', () => {
    const w = new WorkloadDistribution([t(0, 500, 1, 0.5, 'V100'), t(0, 500, 1, 0.25, 'T4|V100'), t(0, 500, 1, 0.25)]);
    // T4 node [1000, 300]: V100-only type has no access (1300); the others fit and see 300
    expect(w.fragOf('T4', 1000, [1000, 300])).toBeCloseTo(0.5 * 1300 + 0.25 * 300 + 0.25 * 300, 9);
    expect(w.fragOf('V100', 1000, [1000, 300])).toBeCloseTo(300, 9);
    // no model: only the unconstrained type runs
    expect(w.fragOf(undefined, 1000, [1000, 300])).toBeCloseTo(0.75 * 1300 + 0.25 * 300, 9);
  });
});

describe("typical pods (the authors' GetTypicalPods with threshold 95, step 1)", () => {
  const pod = (cpuMilli: number, gpuMilli: number, gpuCount: number, models = '') => ({ cpuMilli, gpuMilli, gpuCount, models });
  const times = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);
  it('keeps the most popular types until they cover 95 % of the pods; equal counts: larger CPU, milli, count, models first', () => {
    // 20 pods: A 10, B 5, C 3, then D and E once each. Cumulative 10, 15, 18, 19: the loop stops
    // once 19 ≥ 0.95 × 20, so 4 types are kept and renormalised over 19 pods. D and E tie on
    // count; D has the larger CPU, so D is kept.
    const A = pod(1000, 500, 1);
    const B = pod(2000, 1000, 1);
    const C = pod(500, 0, 0);
    const D = pod(3000, 1000, 2);
    const E = pod(2999, 1000, 8);
    const w = WorkloadDistribution.typical([...times(10, A), ...times(5, B), ...times(3, C), E, D]);
    expect(w.types.map((x) => [x.cpuMilli, x.p])).toEqual([
      [1000, 10 / 19],
      [2000, 5 / 19],
      [500, 3 / 19],
      [3000, 1 / 19],
    ]);
    // ties on CPU go to the larger GPU milli, then count, then the larger models string
    const ties = WorkloadDistribution.typical([pod(1000, 500, 1), pod(1000, 1000, 1), pod(1000, 1000, 2), pod(1000, 1000, 2, 'T4'), pod(1000, 1000, 2, 'V100')], 1);
    expect(ties.types.map((x) => `${x.gpuMilli}x${x.gpuCount}${x.models}`)).toEqual(['1000x2V100', '1000x2T4', '1000x2', '1000x1', '500x1']);
  });
});

describe('the FGD delta, score and device choice (hand-worked)', () => {
  const w = new WorkloadDistribution([t(1000, 500, 1, 0.5), t(1000, 1000, 1, 0.5)]);
  const pod = { cpuMilli: 1000, gpuMilli: 500, gpuCount: 1, models: '' };

  it('on [500, 1000] the share fills the half-used device: Δ = +250, score 56', () => {
    // before: the share type fits (0), the 1-GPU type finds 500 too small: F = 250
    // device 0 → [0, 1000]: F = 0, Δ = 250;  device 1 → [500, 500]: the 1-GPU type lacks GPU, F = 500, Δ = −250
    const e = fgdEval(w, 'T4', 8000, [500, 1000], pod, fgdScoreOf);
    expect(e).toEqual({ key: 56, delta: 250, devices: [0] }); // ⌊100 σ(0.25)⌋ = ⌊56.2⌋
    expect(fgdScoreOf(-250)).toBe(43); // ⌊100 σ(−0.25)⌋ = ⌊43.8⌋
  });

  it('equal scores on two devices: the first (lowest index) device', () => {
    const e = fgdEval(w, 'T4', 8000, [1000, 1000], pod, fgdScoreOf);
    expect(e.devices).toEqual([0]);
    expect(e.delta).toBeCloseTo(-250, 9); // [500, 1000]: the 1-GPU type sees 500 as fragment
  });

  it('a CPU-only pod changes only the CPU: Δ from types it leaves without CPU', () => {
    const cpu = { cpuMilli: 7500, gpuMilli: 0, gpuCount: 0, models: '' };
    // 8 cores → 0.5 core: neither type runs any more: F goes 0 → 2000 on an idle 2-GPU node
    const e = fgdEval(w, 'T4', 8000, [1000, 1000], cpu, fgdScoreOf);
    expect(e).toEqual({ key: fgdScoreOf(-2000), delta: -2000, devices: [] });
    expect(e.key).toBe(11); // ⌊100 σ(−2)⌋ = ⌊11.9⌋
  });
});

// ---- invariants under every policy --------------------------------------------------------

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (name: string, gpus: number, model: string, nodes: number, cpu: number): PoolSpec => ({
  name,
  capacity: [cpu, 256, gpus],
  nodes: { min: nodes, max: nodes, initial: nodes },
  pricePerHour: 1,
  latencyMs: 0,
  bootSeconds: 0,
  labels: {},
  gpus: { count: gpus, model },
});
const SHAPES = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1, 1, 2, 4, 8];

function randomPod(rng: Rng, i: number): Request {
  const gpu = SHAPES[rng.int(SHAPES.length)] as number;
  const r: Request = { id: `p${i}`, tenant: 't', arrival: 0, demand: [1 + rng.int(8), 1 + rng.int(16), gpu], duration: 1, priority: 'medium' };
  return rng.int(5) === 0 && gpu > 0 ? { ...r, gpuModels: ['T4'] } : r;
}

describe.each(GPU_POLICY_NAMES.filter((n) => n !== 'fgd-repair'))('%s: device invariants over random arrivals and departures', (name) => {
  it('no device outside [0, 1000]; whole GPUs take idle devices; releasing everything restores the empty cluster', () => {
    const rng = new Rng(7);
    const c = ClusterState.fromPools(space, [pool('g', 8, 'G2', 3, 96), pool('t', 2, 'T4', 4, 32)]);
    const empty = Array.from({ length: 7 }, (_, id) => Array.from(c.gpuFree(id) ?? []));
    const emptyFree = Array.from({ length: 7 }, (_, id) => Array.from(c.free(id)));
    const alloc: Allocator = createGpuPolicy(name);
    const ctx: AllocatorContext = { now: 0, rng: new Rng(1), budget: WORK_BUDGET, blocking: false };
    const running: string[] = [];
    let placed = 0;
    for (let i = 0; i < 400; i++) {
      if (running.length > 0 && rng.int(3) === 0) {
        const k = rng.int(running.length);
        c.release(running[k] as string);
        running.splice(k, 1);
      }
      const before = Array.from({ length: 7 }, (_, id) => Array.from(c.gpuFree(id) ?? []));
      const r = randomPod(rng, i);
      const a = decideAndApply(alloc, [r], c, ctx).started[0];
      if (a === undefined) continue;
      placed++;
      running.push(a.id);
      const g = r.demand[2] as number;
      const was = before[a.nodeId] as number[];
      if (g >= 1) {
        expect(a.devices, `${r.id} (${g} GPUs)`).toHaveLength(g);
        for (const d of a.devices ?? []) expect(was[d], `${r.id} device ${d}`).toBe(1000);
      } else if (g > 0) {
        expect(a.devices).toHaveLength(1);
        expect(was[(a.devices as number[])[0] as number]).toBeGreaterThanOrEqual(Math.round(g * 1000));
      }
      if (r.gpuModels !== undefined) expect(c.gpuModel(a.nodeId)).toBe('T4');
      for (let id = 0; id < 7; id++) for (const f of Array.from(c.gpuFree(id) ?? [])) expect(f >= 0 && f <= 1000, `node ${id}: ${f}`).toBe(true);
      c.checkInvariants();
    }
    expect(placed).toBeGreaterThan(100);
    for (const id of running) c.release(id);
    c.checkInvariants();
    expect(Array.from({ length: 7 }, (_, id) => Array.from(c.gpuFree(id) ?? []))).toEqual(empty);
    const free = Array.from({ length: 7 }, (_, id) => Array.from(c.free(id)));
    for (let id = 0; id < 7; id++) for (let d = 0; d < 3; d++) expect(free[id]?.[d]).toBeCloseTo(emptyFree[id]?.[d] as number, 9);
  });
});
