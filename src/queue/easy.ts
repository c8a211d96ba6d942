import type { ClusterView } from '../core/cluster.js';
import { estimatedDuration, type Allocation } from '../core/model.js';
import { devicesFit, GPU_MILLI, gpuShape, milliPerDevice, type GpuShape } from '../core/gpu.js';
import { fitsIn } from '../core/resources.js';
import type { BackfillPolicy, QueuedRequest } from './policy.js';
import { eligible, expectedEnd, largestFree, Overlay, upCount, upNodesOf } from './reservation.js';

/** The head's reservation: where and when it is guaranteed to start, and what is left there then. */
export interface HeadReservation {
  readonly nodeId: number;
  /** Shadow time: the earliest time the head fits on `nodeId`, by requested durations. */
  readonly time: number;
  /** Capacity of `nodeId` still free at `time` once the head is placed ("extra"). */
  readonly extra: Float64Array;
  /**
   * On a GPU device node, the devices kept for the head at `time` (core/gpu.ts): of the devices
   * that hold its share then, those with the least free now (lowest index on ties), so that as
   * many devices as possible stay open to backfilling now. Absent on a scalar node.
   */
  readonly devices?: readonly number[];
}

/**
 * The head's reservation on a multi-node, multi-dimension cluster.
 *
 * For every up node of the head's eligible pools whose capacity can hold the head, walk the node's
 * running allocations in order of expected end (start + requested duration, see `expectedEnd`),
 * adding each one's demand back to the node's free capacity (on a GPU device node: to the
 * devices it holds), until the head fits in every dimension (and in a device choice): that
 * allocation's expected end (or `now` if it fits already) is the node's shadow time. The
 * reservation is the node with the earliest shadow time (ties: the first node in pool order,
 * then id). All allocations ending at or before that time count as released when the extra
 * capacity is computed. Work with no finite expected end (production: no estimate and no lease)
 * is never counted as released. Undefined when no eligible up node can hold the head by the
 * expected ends (then nothing is backfilled: no start can be shown not to delay it).
 */
export function headReservation(view: ClusterView, head: QueuedRequest, now: number, pastEnds: 'now' | 'as-requested' = 'now'): HeadReservation | undefined {
  const demand = head.request.demand;
  const gpuDim = view.space.indexOf('gpu');
  const shape = gpuShape(gpuDim < 0 ? 0 : (demand[gpuDim] ?? 0));
  let best: HeadReservation | undefined;
  for (const nodeId of upNodesOf(view, eligible(view, head.request))) {
    if (!fitsIn(demand, view.capacity(nodeId))) continue;
    const free = Float64Array.from(view.free(nodeId));
    const devNow = view.gpuFree(nodeId);
    const dev = devNow === undefined ? undefined : Int32Array.from(devNow);
    const fits = (): boolean => fitsIn(demand, free) && (dev === undefined || devicesFit(dev, shape));
    const release = (a: Allocation): void => {
      add(free, a.request.demand, 1);
      if (dev === undefined || a.devices === undefined) return;
      const m = milliPerDevice(gpuShape(a.request.demand[gpuDim] ?? 0));
      for (const g of a.devices) dev[g] = (dev[g] as number) + m;
    };
    let time = now;
    if (!fits()) {
      const allocs: Allocation[] = [...view.allocationsOn(nodeId)];
      const ends = allocs.map((a) => (pastEnds === 'now' ? expectedEnd(a, now) : a.start + estimatedDuration(a.request)));
      // Work with no finite expected end (no estimate, no lease) is never counted as released.
      const order = allocs
        .map((_, i) => i)
        .filter((i) => Number.isFinite(ends[i]))
        .sort((a, b) => (ends[a] as number) - (ends[b] as number) || a - b);
      let k = 0;
      while (k < order.length && !fits()) {
        const i = order[k++] as number;
        time = ends[i] as number;
        release(allocs[i] as Allocation);
      }
      // A share no device can hold (1.5 GPUs on a device node) fits there never.
      if (!fits()) continue;
      // Everything else expected to end by the shadow time is free then too.
      while (k < order.length && ends[order[k] as number] === time) release(allocs[order[k++] as number] as Allocation);
    }
    if (best === undefined || time < best.time) {
      add(free, demand, -1);
      const devices = dev === undefined || devNow === undefined ? undefined : keptDevices(dev, devNow, shape);
      best = devices === undefined ? { nodeId, time, extra: free } : { nodeId, time, extra: free, devices };
      if (time === now) break;
    }
  }
  return best;
}

/** The devices kept for a head of `shape`: of those holding it at the shadow time (`then`), the least free `now`. */
function keptDevices(then: ArrayLike<number>, now: ArrayLike<number>, shape: GpuShape): readonly number[] {
  const need = shape.kind === 'share' ? 1 : shape.kind === 'whole' ? shape.count : 0;
  const m = milliPerDevice(shape);
  const holds: number[] = [];
  for (let g = 0; g < then.length; g++) if ((then[g] as number) >= m && (shape.kind !== 'whole' || then[g] === GPU_MILLI)) holds.push(g);
  holds.sort((a, b) => (now[a] as number) - (now[b] as number) || a - b);
  return holds.slice(0, need).sort((a, b) => a - b);
}

/** Options of EASY backfilling. The defaults are the generic rule; the reference preset is `REFERENCE_EASY`. */
export interface EasyOptions {
  /**
   * `each-pass` (default): the head's reservation is recomputed at every pass from the running
   * work's requested ends. `per-head`: computed once, when the head first blocks, and kept until
   * the head changes (the RLScheduler protocol; running work that ends early then does not move
   * the reservation earlier).
   */
  readonly reservation?: 'each-pass' | 'per-head';
  /** Rule 2 below (backfill into the reserved node's extra capacity). Default true. */
  readonly extraCapacity?: boolean;
  /**
   * Order in which candidates are tried. `policy` (default): the queue policy's order. `arrival`:
   * by arrival (submit) time; ties in the order the queue held them when the head was chosen,
   * later arrivals after them in arrival order (the reference protocol, whose queue is a list
   * sorted in place, stably, by the policy when a head is chosen and by submit time to backfill).
   */
  readonly scan?: 'policy' | 'arrival';
  /**
   * A running request whose requested end has passed (it runs past its request): `now` (default)
   * expects it to end now; `as-requested` keeps start + requested, a time in the past, as the
   * reference protocol's shadow does. Rule 1 then differs only for a candidate whose requested
   * duration is negative (an SWF job logged with run and requested time both −1): now − 1 is
   * before now, but not before a shadow already past.
   */
  readonly pastEnds?: 'now' | 'as-requested';
  /**
   * `reference`: when a reservation is taken, report the running allocations walked (`takeWalked`),
   * so that the replay ends work with equal ends in the reference's order (its running list,
   * sorted in place by requested end there). Default: not reported.
   */
  readonly endTies?: 'reference';
}

/** The EASY variant of the HPC reference protocol (`../shared/reference/batch-scheduling.md`). */
export const REFERENCE_EASY: EasyOptions = { reservation: 'per-head', extraCapacity: false, scan: 'arrival', pastEnds: 'as-requested', endTies: 'reference' };

/**
 * EASY backfilling (Lifka 1995; Mu'alem & Feitelson 2001) on the generic cluster: one
 * reservation, for the head (`headReservation`). Every other waiting request, in the order given
 * (the policy's order, or arrival order with `scan: 'arrival'`), may start now if it fits somewhere
 * now (actual free capacity minus the requests already chosen in this pass) and one of these holds:
 *
 *   1. it is expected to end before the shadow time: now + requested < reservation.time; or
 *   2. its demand fits in the reserved node's extra capacity (which it then uses up) and, on a
 *      GPU device node, it cannot take any of the devices kept for the head (`devices`: for each,
 *      less free now than its share, or not idle for whole GPUs), whichever devices the allocator
 *      picks; or
 *   3. it cannot be placed on the reserved node now at all (it does not fit the node's actual free
 *      capacity or devices, or may not use its pool), so wherever the allocator puts it, it is
 *      not there.
 *
 * Each rule keeps the head's start time, whichever node the allocator then picks, as long as
 * running work ends by its requested duration. The reservation is recomputed at every call
 * (`reservation: 'each-pass'`, the driver calls once per scheduling pass while the head is
 * blocked) or once per head (`per-head`). If no eligible node can ever hold the head, nothing is
 * backfilled (the driver rejects such a head as never-fits). A policy object keeps per-head state:
 * create one per run.
 */
export function easyBackfill(opts: EasyOptions = {}): BackfillPolicy {
  const perHead = opts.reservation === 'per-head';
  const extraRule = opts.extraCapacity ?? true;
  const byArrival = opts.scan === 'arrival';
  // `queue`: the queue when the head was chosen (a copy), read for `rank` (positions then) only
  // when two candidates' arrivals tie, so most heads never build it.
  let walked: string[] | undefined;
  let memo: { head: QueuedRequest; res: HeadReservation | undefined; queue: readonly QueuedRequest[]; rank?: Map<QueuedRequest, number> } | undefined;
  return {
    name: 'easy',
    // A per-head reservation is the one of the moment the head first blocks, even alone in the
    // queue (the protocol's rule; the reference computes it there): work that ends before the next
    // arrival must not move it.
    ...(perHead ? { seesHeadAlone: true } : {}),
    ...(opts.endTies === 'reference'
      ? {
          takeWalked: (): readonly string[] | undefined => {
            const w = walked;
            walked = undefined;
            return w;
          },
        }
      : {}),
    select(blocked: readonly QueuedRequest[], view: ClusterView, now: number): QueuedRequest[] {
      const head = blocked[0];
      if (head === undefined) return [];
      if (memo === undefined || memo.head !== head || !perHead) {
        memo = { head, res: headReservation(view, head, now, opts.pastEnds), queue: byArrival ? blocked.slice() : [] };
        if (opts.endTies === 'reference') walked = upNodesOf(view, eligible(view, head.request)).flatMap((n) => [...view.allocationsOn(n)].map((a) => a.id));
      }
      const res = memo.res;
      if (res === undefined) return [];
      const overlay = new Overlay(view);
      const reservedPool = view.nodePool(res.nodeId);
      const devicesNow = view.gpuFree(res.nodeId);
      const gpuDim = view.space.indexOf('gpu');
      // Could the allocator put this demand on one of the head's devices now (any device choice)?
      const mayTakeKept = (demand: readonly number[]): boolean => {
        if (res.devices === undefined || devicesNow === undefined) return false;
        const shape = gpuShape(demand[gpuDim] ?? 0);
        if (shape.kind === 'none') return false;
        const m = milliPerDevice(shape);
        return res.devices.some((g) => (shape.kind === 'whole' ? devicesNow[g] === GPU_MILLI : (devicesNow[g] as number) >= m));
      };
      // A demand that exceeds, in some dimension, what every up node has free fits nowhere now
      // (staging only takes away): left out before sorting or looking up pools (a long backlog
      // behind a full machine is mostly such requests). Worth it when the queue outnumbers the nodes.
      const roomy = blocked.length > 16 && upCount(view) < blocked.length ? largestFree(view) : undefined;
      const cands: QueuedRequest[] = [];
      for (let i = 1; i < blocked.length; i++) {
        const q = blocked[i] as QueuedRequest;
        if (roomy === undefined || fitsIn(q.request.demand, roomy)) cands.push(q);
      }
      if (byArrival) {
        const m = memo;
        const r = (q: QueuedRequest): number => (m.rank ??= new Map(m.queue.map((e, i) => [e, i]))).get(q) ?? Infinity;
        cands.sort((a, b) => a.request.arrival - b.request.arrival || r(a) - r(b) || a.seq - b.seq);
      }
      const picked: QueuedRequest[] = [];
      for (const q of cands) {
        const r = q.request;
        const pools = eligible(view, r);
        const node = overlay.findNode(pools, r.demand);
        if (node < 0) continue;
        let ok = now + estimatedDuration(r) < res.time;
        if (!ok && extraRule && fitsIn(r.demand, res.extra) && !mayTakeKept(r.demand)) {
          add(res.extra, r.demand, -1);
          ok = true;
        }
        if (!ok) ok = !pools.includes(reservedPool) || !view.fits(res.nodeId, r.demand);
        if (!ok) continue;
        overlay.add(node, r.demand);
        picked.push(q);
      }
      return picked;
    },
  };
}

function add(target: Float64Array, v: readonly number[], sign: 1 | -1): void {
  for (let d = 0; d < target.length; d++) target[d] = (target[d] as number) + sign * (v[d] ?? 0);
}
