import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../src/core/cluster.js';
import { GPU_MILLI } from '../../src/core/gpu.js';
import type { PoolSpec, Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { Rng } from '../../src/core/rng.js';
import { conservativeBackfill } from '../../src/queue/conservative.js';
import { easyBackfill, headReservation } from '../../src/queue/easy.js';
import type { BackfillPick, QueuedRequest } from '../../src/queue/policy.js';
import { ResourceProfile } from '../../src/queue/profile.js';

/*
 * Backfilling on pools whose GPUs are devices (core/gpu.ts): a share of ONE device below 1 GPU,
 * k whole idle devices at an integer. The scalar GPU total is only a necessary condition, so the
 * reservations (EASY's shadow time and extra, conservative's profile) are checked per device.
 */

const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
const pool = (devices: number, nodes = 1): PoolSpec => ({
  name: 'g',
  capacity: [16, 64, devices],
  nodes: { min: nodes, max: nodes, initial: nodes },
  pricePerHour: 1,
  latencyMs: 0,
  bootSeconds: 0,
  labels: {},
  gpus: { count: devices, model: 'A10' },
});

let seq = 0;
function req(id: string, gpu: number, requested: number, cpu = 1): Request {
  return { id, tenant: 't', arrival: 0, demand: [cpu, 1, gpu], duration: requested, requestedDuration: requested, priority: 'medium' };
}
const queued = (r: Request): QueuedRequest => ({ request: r, enqueuedAt: r.arrival, seq: seq++, attempts: 0 });
const ids = (xs: readonly QueuedRequest[]): string[] => xs.map((x) => x.request.id);
const placed = (xs: readonly BackfillPick[]): string[] => xs.map((p) => `${p.entry.request.id}@${p.nodeId}${p.devices ? `[${p.devices.join(',')}]` : ''}`);

/** 4 devices, each half used until 100, 200, 300, 400: 2 GPUs free in sum now, but no idle device. */
function halves(): ClusterState {
  const c = ClusterState.fromPools(space, [pool(4)]);
  [100, 200, 300, 400].forEach((end, g) => c.allocate(req(`s${g}`, 0.5, end), 0, 0, `s${g}`, [g]));
  return c;
}

describe('ResourceProfile on a GPU device node', () => {
  it('two whole GPUs wait for two idle devices, not for 2 GPUs in sum', () => {
    const c = halves();
    const p = new ResourceProfile(5, c.free(0), [...c.allocationsOn(0)].map((a) => ({ at: a.start + (a.request.requestedDuration ?? 0), demand: a.request.demand, devices: a.devices })), { dim: 2, freeNow: c.gpuFree(0) ?? [] });
    expect(p.fitsDuring([1, 1, 2], 5, 10)).toBe(false); // the scalar total (2) would say yes
    expect(p.earliestStart([1, 1, 2], 10)).toBe(200); // devices 0 (at 100) and 1 (at 200) idle
    expect(p.reserve([1, 1, 2], 200, 10)).toEqual([0, 1]);
    // a half share for 1000 s from now: devices 0 and 1 are taken over [200, 210), 2 and 3 hold 500 throughout
    expect(p.devicesDuring([1, 1, 0.5], 5, 1000)).toEqual([2]);
    expect(p.earliestStart([1, 1, 0.5], 1000)).toBe(5);
    // 0.6 of one device: no device has 600 before 100; device 0 has it over [100, 200), before
    // the pair takes it, so 100 s fit from 100 but 101 s only from 210
    expect(p.earliestStart([1, 1, 0.6], 100)).toBe(100);
    expect(p.earliestStart([1, 1, 0.6], 101)).toBe(210);
    expect(Array.from(p.devicesAt(150) ?? [])).toEqual([1000, 500, 500, 500]);
    expect(Array.from(p.devicesAt(205) ?? [])).toEqual([0, 0, 500, 500]);
    // a share no device can hold (1.5 GPUs is neither) never fits
    expect(p.earliestStart([1, 1, 1.5], 1)).toBe(Infinity);
  });

  it('a window that fails on one device may still fit from a later start on another', () => {
    // device 0 idle until 50, then taken until 300; device 1 busy until 40, then idle
    const p = new ResourceProfile(0, [16, 64, 1], [{ at: 40, demand: [0, 0, 1], devices: [1] }], { dim: 2, freeNow: [1000, 0] });
    p.reserve([0, 0, 1], 50, 250, [0]);
    expect(p.earliestStart([1, 1, 0.7], 100)).toBe(40); // on device 1, over [40, 140)
    expect(p.devicesDuring([1, 1, 0.7], 40, 100)).toEqual([1]);
  });
});

describe('EASY backfilling on GPU devices', () => {
  it('the shadow time waits for the devices: 2 whole GPUs on four half-used devices start at 200, not now', () => {
    const c = halves();
    const head = queued(req('head', 2, 10));
    const res = headReservation(c, head, 5);
    expect(res).toMatchObject({ nodeId: 0, time: 200, devices: [0, 1] });
    // at 200 devices 0 and 1 are idle, 2 and 3 half used: 3 GPUs, 1 left once the head is placed
    expect(res?.extra[2]).toBeCloseTo(1, 12);
  });

  it('a short share that ends by the shadow time backfills; a long one that could land on a kept device waits', () => {
    const blocked = [
      queued(req('head', 2, 10)),
      queued(req('short', 0.5, 50)), // 5 + 50 < 200
      queued(req('long', 0.5, 1000)), // fits the extra (1 GPU) in sum, but could take device 0 or 1 now
    ];
    expect(ids(easyBackfill().select(blocked, halves(), 5))).toEqual(['short']);
    // why 'long' must wait: the cluster's own choice (the tightest device, lowest index) is device 0
    const c = halves();
    c.allocate(blocked[2]?.request as Request, 0, 5);
    expect(headReservation(c, blocked[0] as QueuedRequest, 5)?.time).toBe(300);
  });

  it('the extra rule keeps the head its devices, whichever ones the allocator gives the backfilled share', () => {
    // 3 devices: 0 holds 0.5 until 100, 1 is whole until 100, 2 holds 0.3 until 1000
    const setup = (): ClusterState => {
      const c = ClusterState.fromPools(space, [pool(3)]);
      c.allocate(req('a', 0.5, 100), 0, 0, 'a', [0]);
      c.allocate(req('b', 1, 100), 0, 0, 'b', [1]);
      c.allocate(req('c', 0.3, 1000), 0, 0, 'c', [2]);
      return c;
    };
    const head = queued(req('head', 2, 10)); // devices 0 and 1 at 100; extra 0.7 GPU on device 2
    expect(headReservation(setup(), head, 5)).toMatchObject({ time: 100, devices: [0, 1] });
    const small = queued(req('small', 0.4, 5000)); // could go on device 0 (500 free now): waits
    const big = queued(req('big', 0.6, 500)); // only device 2 (700 free) holds it now: backfills
    expect(ids(easyBackfill().select([head, small, big], setup(), 5))).toEqual(['big']);
    // the scalar rule took 'small' (0.4 ≤ 0.7 extra), and the cluster put it on device 0: the
    // head's two idle devices at 100 became one, and it waited until 1000
    const c = setup();
    c.allocate(small.request, 0, 5);
    expect(Array.from(c.gpuFree(0) ?? [])).toEqual([100, 0, 700]);
    expect(headReservation(c, head, 5)?.time).toBe(1000);
    const d = setup();
    d.allocate(big.request, 0, 5);
    expect(headReservation(d, head, 5)?.time).toBe(100);
  });

  it('the devices kept for the head are the least free now, so an idle device stays open to backfilling', () => {
    const c = ClusterState.fromPools(space, [pool(2)]);
    c.allocate(req('hog', 0, 100, 15), 0, 0); // 15 cpus until 100
    c.allocate(req('half', 0.5, 100, 0), 0, 0, 'half', [1]); // device 1 half used until 100; device 0 idle
    const head = queued(req('head', 1, 10, 16)); // at 100 both devices are idle: keep device 1
    expect(headReservation(c, head, 5)).toMatchObject({ time: 100, devices: [1] });
    const gpuOnly = queued({ ...req('gpuOnly', 1, 1000, 0), demand: [0, 0, 1] }); // can only take device 0 now
    expect(ids(easyBackfill().select([head, gpuOnly], c, 5))).toEqual(['gpuOnly']);
  });

  it('a request that fits the GPUs in sum but no device choice cannot land on the reserved node (rule 3)', () => {
    const c = ClusterState.fromPools(space, [pool(2, 2)]);
    c.allocate(req('a', 0.5, 1000), 0, 0, 'a', [0]);
    c.allocate(req('b', 0.5, 1000), 0, 0, 'b', [1]);
    c.allocate(req('c', 0, 2000, 15), 1, 0);
    const head = queued(req('head', 0, 10, 16)); // all 16 cpus: node 0 at 1000 (node 1 at 2000)
    // 0.8 of a device: node 0 has 1 GPU free in sum but no device with 800 milli, so it can only
    // go to node 1; a cpu-only job could land on node 0 and hold a cpu the head needs
    const wide = queued(req('wide', 0.8, 5000));
    const blocked = [head, wide, queued(req('cpu', 0, 5000))];
    expect(headReservation(c, head, 5)).toMatchObject({ nodeId: 0, time: 1000 });
    expect(c.fits(0, wide.request.demand)).toBe(false);
    expect(ids(easyBackfill().select(blocked, c, 5))).toEqual(['wide']);
  });
});

describe('conservative backfilling on GPU devices', () => {
  it('never picks a share that fits the GPUs in sum but no device (the driver would throw)', () => {
    const c = ClusterState.fromPools(space, [pool(2)]);
    c.allocate(req('a', 0.5, 1000), 0, 0, 'a', [0]);
    c.allocate(req('b', 0.5, 1000), 0, 0, 'b', [1]);
    const blocked = [queued(req('head', 2, 10)), queued(req('wide', 0.8, 10)), queued(req('cpu', 0, 10))];
    const picks = conservativeBackfill().place?.(blocked, c, 5) ?? [];
    expect(placed(picks)).toEqual(['cpu@0']);
    for (const p of picks) c.allocate(p.entry.request, p.nodeId, 5, p.entry.request.id, p.devices);
  });

  it("plans per device: a share that would take one of the head's idle devices waits; one that fits a half-used device starts there", () => {
    // 4 devices: 0 whole until 100, 1 and 3 hold 0.5 until 1000, 2 idle
    const setup = (): ClusterState => {
      const c = ClusterState.fromPools(space, [pool(4)]);
      c.allocate(req('a', 1, 100), 0, 0, 'a', [0]);
      c.allocate(req('b', 0.5, 1000), 0, 0, 'b', [1]);
      c.allocate(req('d', 0.5, 1000), 0, 0, 'd', [3]);
      return c;
    };
    const head = queued(req('head', 2, 10)); // devices 0 and 2 over [100, 110)
    const x = queued(req('x', 0.6, 1000)); // only device 2 holds 600 now: it is the head's
    const y = queued(req('y', 0.4, 1000)); // device 1 (500 free, the head does not need it)
    expect(placed(conservativeBackfill().place?.([head, x, y], setup(), 5) ?? [])).toEqual(['y@0[1]']);
    // the scalar plan (2 GPUs free now, 3 at 100, 1 left beside the head) let x start, and the
    // cluster put it on device 2, the only one that held it: the head then waited until 1000
    const c = setup();
    c.allocate(x.request, 0, 5);
    expect(Array.from(c.gpuFree(0) ?? [])).toEqual([0, 500, 400, 500]);
    expect(headReservation(c, head, 5)?.time).toBe(1000);
  });

  it('work past its requested end still holds its device now: the pick takes a device free both now and in the plan', () => {
    const c = ClusterState.fromPools(space, [pool(2, 2)]);
    c.allocate(req('late', 0.6, 10), 0, 0, 'late', [0]); // expected to end at 10, still running at 50
    c.allocate(req('hog0', 0, 1000, 14), 0, 0);
    c.allocate(req('hog1', 0, 1000, 16), 1, 0);
    const head = queued(req('head', 0, 10, 16)); // node 0 over [1000, 1010)
    const cand = queued(req('cand', 0.5, 10)); // the plan sees both devices idle; device 0 has 400 now
    const picks = conservativeBackfill().place?.([head, cand], c, 50) ?? [];
    expect(placed(picks)).toEqual(['cand@0[1]']);
    for (const p of picks) c.allocate(p.entry.request, p.nodeId, 50, p.entry.request.id, p.devices);
  });

  it('the pick names the devices it was planned on, which are not always the cluster default', () => {
    // device 0: 300 milli free until 100, then kept for the head; device 1: 500 free for ever
    const setup = (): ClusterState => {
      const c = ClusterState.fromPools(space, [pool(2)]);
      c.allocate(req('a', 0.7, 100), 0, 0, 'a', [0]);
      c.allocate(req('b', 0.5, 10000), 0, 0, 'b', [1]);
      return c;
    };
    const head = queued(req('head', 1, 10)); // device 0 over [100, 110)
    const share = queued(req('share', 0.3, 1000)); // the cluster default would be device 0 (the tightest now)
    const fill = queued(req('fill', 0.2, 50)); // ends by 100; device 1 has 200 left after share, device 0 300
    const c = setup();
    const picks = conservativeBackfill().place?.([head, share, fill], c, 5) ?? [];
    expect(placed(picks)).toEqual(['share@0[1]', 'fill@0[1]']);
    for (const p of picks) c.allocate(p.entry.request, p.nodeId, 5, p.entry.request.id, p.devices);
    expect(headReservation(c, head, 5)?.time).toBe(100);
    const d = setup();
    d.allocate(share.request, 0, 5); // the default choice: device 0, until 1005
    expect(headReservation(d, head, 5)?.time).toBe(1005);
  });
});

describe('backfilling never delays the head on GPU devices (random clusters, adversarial device choice)', () => {
  const SHAPES = [0, 0.25, 0.5, 0.7, 1, 2];
  function randomCase(rng: Rng, now: number): { c: ClusterState; blocked: QueuedRequest[] } {
    const c = ClusterState.fromPools(space, [pool(4, 2)]);
    for (let k = 0; k < 10; k++) {
      const node = rng.int(2);
      const r = req(`run${k}`, SHAPES[rng.int(SHAPES.length)] as number, 20 + rng.int(200), 1 + rng.int(4));
      if (c.fits(node, r.demand)) c.allocate(r, node, now - rng.int(20));
    }
    const blocked = [queued(req('head', [1, 2, 3, 0.5, 0.7][rng.int(5)] as number, 30 + rng.int(100), 2 + rng.int(10)))];
    for (let k = 0; k < 8; k++) blocked.push(queued(req(`w${k}`, SHAPES[rng.int(SHAPES.length)] as number, 5 + rng.int(300), 1 + rng.int(4))));
    return { c, blocked };
  }
  /** Devices on `node` for `demand` that hurt the head most: the head's kept devices first. */
  function adversarial(c: ClusterState, node: number, gpu: number, kept: readonly number[]): number[] | undefined {
    const free = c.gpuFree(node) ?? [];
    const order = [...kept, ...Array.from(free, (_, g) => g).filter((g) => !kept.includes(g))];
    if (gpu === 0) return [];
    if (gpu < 1) {
      const g = order.find((d) => (free[d] as number) >= Math.round(gpu * GPU_MILLI));
      return g === undefined ? undefined : [g];
    }
    const idle = order.filter((d) => free[d] === GPU_MILLI).slice(0, gpu);
    return idle.length === gpu ? idle : undefined;
  }

  it('EASY: each pick placed on the reserved node when it fits there, on the devices kept for the head if it can', () => {
    const rng = new Rng('easy-gpu-invariant');
    let picks = 0;
    for (let trial = 0; trial < 300; trial++) {
      const now = 50;
      const { c, blocked } = randomCase(rng, now);
      const head = blocked[0] as QueuedRequest;
      const before = headReservation(c, head, now);
      if (before === undefined || before.time === now) continue;
      for (const q of easyBackfill().select(blocked, c, now)) {
        for (const node of [before.nodeId, 0, 1]) {
          if (!c.fits(node, q.request.demand)) continue;
          const devs = adversarial(c, node, q.request.demand[2] as number, node === before.nodeId ? (before.devices ?? []) : []);
          if (devs === undefined) continue;
          c.allocate(q.request, node, now, q.request.id, devs.length > 0 ? devs : undefined);
          picks++;
          break;
        }
      }
      expect(headReservation(c, head, now)?.time, `trial ${trial}`).toBeLessThanOrEqual(before.time);
    }
    expect(picks).toBeGreaterThan(100);
  });

  it('conservative: every pick applies on its node and devices, and the head keeps its time', () => {
    const rng = new Rng('conservative-gpu-invariant');
    let picks = 0;
    for (let trial = 0; trial < 300; trial++) {
      const now = 50;
      const { c, blocked } = randomCase(rng, now);
      const head = blocked[0] as QueuedRequest;
      const before = headReservation(c, head, now);
      if (before === undefined || before.time === now) continue;
      for (const p of conservativeBackfill().place?.(blocked, c, now) ?? []) {
        c.allocate(p.entry.request, p.nodeId, now, p.entry.request.id, p.devices);
        picks++;
      }
      c.checkInvariants();
      expect(headReservation(c, head, now)?.time, `trial ${trial}`).toBeLessThanOrEqual(before.time);
    }
    expect(picks).toBeGreaterThan(100);
  });
});
