import { REJECTION_CODES, type RejectionCode } from '../../core/rejection.js';
import { EV, type EventLog } from '../log.js';
import { PoolTally, type PoolFacts } from './pools.js';

/**
 * What every metric family needs from a run's event log, gathered in ONE pass over it (a
 * million-request log is walked once, whatever the number of families):
 *
 * - per request: its first start, its completion time, and the run's end for a request still
 *   waiting or running then (NaN if none);
 * - counts of completions, expiries, rejections (and by code), preemptions, evictions;
 * - time integrals, from the first event to the last: ∫ allocated dt and ∫ capacity of up nodes
 *   dt per dimension, ∫ allocated dt per tenant and dimension, node-seconds and cost billed
 *   (provisioned to removed), ∫ free GPU dt and ∫ stranded GPU dt (free GPUs on partly used up
 *   nodes).
 *
 * The metric families (`src/sim/metrics/*.ts`) are pure functions of these facts.
 */
export interface RunFacts {
  readonly log: EventLog;
  readonly dims: readonly string[];
  readonly firstStart: Float64Array;
  readonly endAt: Float64Array;
  /** When the run ended, for a request unfinished then (still waiting or running); NaN otherwise. */
  readonly unfinishedAt: Float64Array;
  readonly counts: { completed: number; expired: number; rejected: number; unfinished: number; preemptions: number; failureEvictions: number };
  readonly byCode: Record<RejectionCode, number>;
  readonly firstArrival: number;
  readonly lastEnd: number;
  /** Time of the last event. */
  readonly last: number;
  readonly allocInt: Float64Array;
  readonly capInt: Float64Array;
  /** Tenant name → index (order of first appearance among the requests). */
  readonly tenantIdx: ReadonlyMap<string, number>;
  /** ∫ allocated per tenant (index ti·D + d) up to `tenantLast[ti]`, and the amount held since. */
  readonly tenantInt: Float64Array;
  readonly tenantCur: Float64Array;
  readonly tenantLast: Float64Array;
  readonly cost: number;
  readonly nodeSeconds: number;
  readonly gpuDim: number;
  readonly gpuFreeInt: number;
  readonly gpuFragInt: number;
  /** The same integrals per pool (`PoolFacts`): they sum to the run-wide ones. */
  readonly pools: PoolFacts;
}

export function runFacts(log: EventLog, dims: readonly string[]): RunFacts {
  const reqs = log.store;
  const nReq = reqs.length;
  const D = dims.length;
  const firstStart = new Float64Array(nReq).fill(NaN);
  const endAt = new Float64Array(nReq).fill(NaN);
  const unfinishedAt = new Float64Array(nReq).fill(NaN);
  const gpuDim = dims.indexOf('gpu');

  const tenantIdx = new Map<string, number>();
  for (let i = 0; i < nReq; i++) {
    const tenant = reqs.tenant(i);
    if (!tenantIdx.has(tenant)) tenantIdx.set(tenant, tenantIdx.size);
  }
  const T = tenantIdx.size;
  const tenantCur = new Float64Array(T * D);
  const tenantInt = new Float64Array(T * D);
  const tenantLast = new Float64Array(T);

  const alloc = new Float64Array(D);
  const capUp = new Float64Array(D);
  const allocInt = new Float64Array(D);
  const capInt = new Float64Array(D);
  let billedPrice = 0;
  let billedNodes = 0;
  let cost = 0;
  let nodeSeconds = 0;
  const nodeState: number[] = []; // 0 none, 1 booting/billed, 2 up, 3 failed
  const nodeGpuUsed: number[] = [];
  let gpuFree = 0;
  let gpuFrag = 0;
  let gpuFreeInt = 0;
  let gpuFragInt = 0;
  const counts = { completed: 0, expired: 0, rejected: 0, unfinished: 0, preemptions: 0, failureEvictions: 0 };
  const byCode = Object.fromEntries(REJECTION_CODES.map((c) => [c, 0])) as Record<RejectionCode, number>;
  let last = log.length > 0 ? log.time(0) : 0;
  let firstArrival = Infinity;
  let lastEnd = -Infinity;
  const pools = new PoolTally(log, D);

  const poolCap = (node: number): readonly number[] => (log.pools[log.nodePool[node] as number] as { capacity: readonly number[] }).capacity;
  const fragOf = (node: number): number => {
    if (nodeState[node] !== 2) return 0;
    const cap = poolCap(node)[gpuDim] ?? 0;
    const used = nodeGpuUsed[node] ?? 0;
    return used > 1e-9 && used < cap - 1e-9 ? cap - used : 0;
  };
  const setGpu = (node: number, delta: number): void => {
    gpuFrag -= fragOf(node);
    nodeGpuUsed[node] = (nodeGpuUsed[node] ?? 0) + delta;
    if (nodeState[node] === 2) gpuFree -= delta;
    gpuFrag += fragOf(node);
  };
  const setNodeState = (node: number, s: number): void => {
    const was = nodeState[node] ?? 0;
    const cap = poolCap(node);
    if (gpuDim >= 0) gpuFrag -= fragOf(node);
    if (was === 2) {
      for (let d = 0; d < D; d++) capUp[d] = (capUp[d] as number) - (cap[d] as number);
      if (gpuDim >= 0) gpuFree -= (cap[gpuDim] as number) - (nodeGpuUsed[node] ?? 0);
    }
    nodeState[node] = s;
    pools.nodeState(node, was, s);
    if (s === 2) {
      for (let d = 0; d < D; d++) capUp[d] = (capUp[d] as number) + (cap[d] as number);
      if (gpuDim >= 0) gpuFree += (cap[gpuDim] as number) - (nodeGpuUsed[node] ?? 0);
    }
    if (gpuDim >= 0) gpuFrag += fragOf(node);
  };
  const tenantAdd = (ri: number, demand: readonly number[], t: number, sign: number): void => {
    const ti = tenantIdx.get(reqs.tenant(ri)) as number;
    const dt = t - (tenantLast[ti] as number);
    for (let d = 0; d < D; d++) {
      const k = ti * D + d;
      tenantInt[k] = (tenantInt[k] as number) + (tenantCur[k] as number) * dt;
      tenantCur[k] = (tenantCur[k] as number) + sign * (demand[d] as number);
    }
    tenantLast[ti] = t;
  };
  const stopRunning = (ri: number, node: number, t: number): void => {
    const demand = reqs.demand(ri);
    for (let d = 0; d < D; d++) alloc[d] = (alloc[d] as number) - (demand[d] as number);
    if (gpuDim >= 0 && node >= 0) setGpu(node, -(demand[gpuDim] as number));
    pools.allocate(node, demand, -1);
    tenantAdd(ri, demand, t, -1);
  };

  for (let i = 0; i < log.length; i++) {
    const t = log.time(i);
    const dt = t - last;
    if (dt > 0) {
      for (let d = 0; d < D; d++) {
        allocInt[d] = (allocInt[d] as number) + (alloc[d] as number) * dt;
        capInt[d] = (capInt[d] as number) + (capUp[d] as number) * dt;
      }
      cost += (billedPrice * dt) / 3600;
      nodeSeconds += billedNodes * dt;
      gpuFreeInt += gpuFree * dt;
      gpuFragInt += gpuFrag * dt;
      pools.advance(dt);
      last = t;
    }
    const ri = log.ref(i);
    const node = log.node(i);
    switch (log.kind(i)) {
      case EV.arrive:
        if (reqs.arrival(ri) < firstArrival) firstArrival = reqs.arrival(ri);
        break;
      case EV.start: {
        const demand = reqs.demand(ri);
        if (Number.isNaN(firstStart[ri] as number)) firstStart[ri] = t;
        for (let d = 0; d < D; d++) alloc[d] = (alloc[d] as number) + (demand[d] as number);
        if (gpuDim >= 0) setGpu(node, demand[gpuDim] as number);
        pools.allocate(node, demand, 1);
        tenantAdd(ri, demand, t, 1);
        break;
      }
      case EV.complete:
        stopRunning(ri, node, t);
        endAt[ri] = t;
        counts.completed++;
        if (t > lastEnd) lastEnd = t;
        break;
      case EV.expire:
        stopRunning(ri, node, t);
        counts.expired++;
        break;
      case EV.preempt:
        stopRunning(ri, node, t);
        counts.preemptions++;
        break;
      case EV.failEvict:
        stopRunning(ri, node, t);
        counts.failureEvictions++;
        break;
      case EV.reject:
        counts.rejected++;
        byCode[REJECTION_CODES[node] as RejectionCode]++;
        break;
      case EV.unfinished:
        unfinishedAt[ri] = t;
        counts.unfinished++;
        break;
      case EV.nodeProvision: {
        const price = (log.pools[ri] as { pricePerHour: number }).pricePerHour;
        billedPrice += price;
        billedNodes++;
        pools.bill(ri, 1);
        setNodeState(node, 1);
        break;
      }
      case EV.nodeUp:
        setNodeState(node, 2);
        break;
      case EV.nodeFail:
        setNodeState(node, 3);
        break;
      case EV.nodeRemove:
        if ((nodeState[node] ?? 0) !== 0) {
          billedPrice -= (log.pools[ri] as { pricePerHour: number }).pricePerHour;
          billedNodes--;
          pools.bill(ri, -1);
        }
        setNodeState(node, 0);
        break;
    }
  }
  return { log, dims, firstStart, endAt, unfinishedAt, counts, byCode, firstArrival, lastEnd, last, allocInt, capInt, tenantIdx, tenantInt, tenantCur, tenantLast, cost, nodeSeconds, gpuDim, gpuFreeInt, gpuFragInt, pools };
}
