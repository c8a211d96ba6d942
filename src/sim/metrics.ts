import { quantileSorted } from 'simple-statistics';
import { PRIORITIES, type Priority } from '../core/priority.js';
import { REJECTION_CODES, type RejectionCode } from '../core/rejection.js';
import { EV, type EventLog } from './log.js';

/** Bounded-slowdown threshold τ, seconds: runs shorter than this count as this long. */
export const SLOWDOWN_TAU = 10;

export interface SlaClass {
  /** Requests of this priority that carry an SLO (max wait or deadline). */
  readonly withSlo: number;
  readonly met: number;
  /** met / withSlo, or null when no request had an SLO. */
  readonly attainment: number | null;
}

export interface RunMetrics {
  readonly requests: {
    readonly total: number;
    readonly completed: number;
    /** Lease ran out before the work finished. */
    readonly expired: number;
    readonly rejected: number;
    /** Still queued or running when the run ended. */
    readonly unfinished: number;
    readonly preemptions: number;
    readonly failureEvictions: number;
  };
  readonly rejectionsByCode: Readonly<Record<RejectionCode, number>>;
  /** Per dimension: ∫ allocated dt ÷ ∫ capacity of up nodes dt. */
  readonly utilization: Readonly<Record<string, number>>;
  /** Seconds from arrival to first start, over requests that started. */
  readonly wait: { readonly mean: number; readonly p50: number; readonly p95: number; readonly p99: number };
  /** Mean over completed requests of max(1, (end − arrival) / max(run, τ)). */
  readonly meanBoundedSlowdown: number;
  /** Last completion minus first arrival, seconds. */
  readonly makespan: number;
  /** Completed requests per hour of makespan. */
  readonly throughputPerHour: number;
  readonly sla: { readonly overall: SlaClass; readonly byPriority: Readonly<Record<Priority, SlaClass>> };
  readonly fairness: {
    /** Jain's index over tenants of 1 / (tenant's mean bounded slowdown); 1 = perfectly even. */
    readonly jain: number | null;
    /** Per tenant: max over dimensions of its ∫ allocated ÷ ∫ capacity. */
    readonly dominantShare: Readonly<Record<string, number>>;
  };
  readonly cost: {
    readonly nodeHours: number;
    readonly total: number;
    readonly perCompleted: number | null;
  };
  /** Time-averaged share of free GPU capacity stranded on partly used nodes; null without GPUs. */
  readonly gpuFragmentation: number | null;
}

/** Quantiles as simple-statistics defines them (`quantileSorted`); 0 for an empty sample. */
export function percentiles(values: Float64Array | number[]): { mean: number; p50: number; p95: number; p99: number } {
  if (values.length === 0) return { mean: 0, p50: 0, p95: 0, p99: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const arr = Array.from(sorted);
  return { mean: sum / arr.length, p50: quantileSorted(arr, 0.5), p95: quantileSorted(arr, 0.95), p99: quantileSorted(arr, 0.99) };
}

/** Jain's fairness index (Σx)² / (n Σx²); null for an empty list. */
export function jainIndex(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  let s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

/** Bounded slowdown of one request: max(1, (end − arrival) / max(run, τ)). */
export function boundedSlowdown(arrival: number, end: number, run: number, tau = SLOWDOWN_TAU): number {
  return Math.max(1, (end - arrival) / Math.max(run, tau));
}

/**
 * All metrics of a run, computed in one pass over its event log. Pure: the same log gives the
 * same numbers. `dims` names the resource dimensions (the log stores vectors by index).
 */
export function computeMetrics(log: EventLog, dims: readonly string[]): RunMetrics {
  const reqs = log.requests;
  const nReq = reqs.length;
  const D = dims.length;
  const firstStart = new Float64Array(nReq).fill(NaN);
  const endAt = new Float64Array(nReq).fill(NaN);
  const gpuDim = dims.indexOf('gpu');

  const tenantIdx = new Map<string, number>();
  for (const r of reqs) if (!tenantIdx.has(r.tenant)) tenantIdx.set(r.tenant, tenantIdx.size);
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
    if (s === 2) {
      for (let d = 0; d < D; d++) capUp[d] = (capUp[d] as number) + (cap[d] as number);
      if (gpuDim >= 0) gpuFree += (cap[gpuDim] as number) - (nodeGpuUsed[node] ?? 0);
    }
    if (gpuDim >= 0) gpuFrag += fragOf(node);
  };
  const tenantAdd = (ri: number, t: number, sign: number): void => {
    const r = reqs[ri] as (typeof reqs)[number];
    const ti = tenantIdx.get(r.tenant) as number;
    const dt = t - (tenantLast[ti] as number);
    for (let d = 0; d < D; d++) {
      const k = ti * D + d;
      tenantInt[k] = (tenantInt[k] as number) + (tenantCur[k] as number) * dt;
      tenantCur[k] = (tenantCur[k] as number) + sign * (r.demand[d] as number);
    }
    tenantLast[ti] = t;
  };
  const stopRunning = (ri: number, node: number, t: number): void => {
    const r = reqs[ri] as (typeof reqs)[number];
    for (let d = 0; d < D; d++) alloc[d] = (alloc[d] as number) - (r.demand[d] as number);
    if (gpuDim >= 0 && node >= 0) setGpu(node, -(r.demand[gpuDim] as number));
    tenantAdd(ri, t, -1);
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
      last = t;
    }
    const ri = log.ref(i);
    const node = log.node(i);
    switch (log.kind(i)) {
      case EV.arrive:
        if ((reqs[ri] as (typeof reqs)[number]).arrival < firstArrival) firstArrival = (reqs[ri] as (typeof reqs)[number]).arrival;
        break;
      case EV.start: {
        const r = reqs[ri] as (typeof reqs)[number];
        if (Number.isNaN(firstStart[ri] as number)) firstStart[ri] = t;
        for (let d = 0; d < D; d++) alloc[d] = (alloc[d] as number) + (r.demand[d] as number);
        if (gpuDim >= 0) setGpu(node, r.demand[gpuDim] as number);
        tenantAdd(ri, t, 1);
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
        counts.unfinished++;
        break;
      case EV.nodeProvision: {
        const price = (log.pools[ri] as { pricePerHour: number }).pricePerHour;
        billedPrice += price;
        billedNodes++;
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
        }
        setNodeState(node, 0);
        break;
    }
  }

  // Waits, slowdowns, SLAs, per-tenant slowdowns.
  const waits: number[] = [];
  let bsldSum = 0;
  const tenantBsld = new Float64Array(T);
  const tenantDone = new Float64Array(T);
  const mk = (): { withSlo: number; met: number } => ({ withSlo: 0, met: 0 });
  const sla = Object.fromEntries(PRIORITIES.map((p) => [p, mk()])) as Record<Priority, { withSlo: number; met: number }>;
  for (let i = 0; i < nReq; i++) {
    const r = reqs[i] as (typeof reqs)[number];
    const fs = firstStart[i] as number;
    if (!Number.isNaN(fs)) waits.push(fs - r.arrival);
    const end = endAt[i] as number;
    if (!Number.isNaN(end)) {
      const b = boundedSlowdown(r.arrival, end, r.duration);
      bsldSum += b;
      const ti = tenantIdx.get(r.tenant) as number;
      tenantBsld[ti] = (tenantBsld[ti] as number) + b;
      tenantDone[ti] = (tenantDone[ti] as number) + 1;
    }
    if (r.sloWait !== undefined || r.deadline !== undefined) {
      const c = sla[r.priority];
      c.withSlo++;
      const waitOk = r.sloWait === undefined || (!Number.isNaN(fs) && fs - r.arrival <= r.sloWait + 1e-9);
      const deadlineOk = r.deadline === undefined || (!Number.isNaN(end) && end <= r.deadline + 1e-9);
      if (waitOk && deadlineOk) c.met++;
    }
  }
  const cls = (c: { withSlo: number; met: number }): SlaClass => ({ withSlo: c.withSlo, met: c.met, attainment: c.withSlo > 0 ? c.met / c.withSlo : null });
  const overall = PRIORITIES.reduce((acc, p) => ({ withSlo: acc.withSlo + sla[p].withSlo, met: acc.met + sla[p].met }), mk());

  const tenants = [...tenantIdx.keys()];
  const xs: number[] = [];
  const dominantShare: Record<string, number> = {};
  tenants.forEach((name, ti) => {
    if ((tenantDone[ti] as number) > 0) xs.push((tenantDone[ti] as number) / (tenantBsld[ti] as number));
    const dtEnd = last - (tenantLast[ti] as number);
    let share = 0;
    for (let d = 0; d < D; d++) {
      const k = ti * D + d;
      const integral = (tenantInt[k] as number) + (tenantCur[k] as number) * dtEnd;
      const ci = capInt[d] as number;
      if (ci > 0) share = Math.max(share, integral / ci);
    }
    dominantShare[name] = share;
  });

  const makespan = counts.completed > 0 ? lastEnd - firstArrival : 0;
  const utilization: Record<string, number> = {};
  dims.forEach((name, d) => (utilization[name] = (capInt[d] as number) > 0 ? (allocInt[d] as number) / (capInt[d] as number) : 0));
  return {
    requests: { total: nReq, ...counts },
    rejectionsByCode: byCode,
    utilization,
    wait: percentiles(waits),
    meanBoundedSlowdown: counts.completed > 0 ? bsldSum / counts.completed : 0,
    makespan,
    throughputPerHour: makespan > 0 ? (counts.completed * 3600) / makespan : 0,
    sla: { overall: cls(overall), byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, cls(sla[p])])) as Record<Priority, SlaClass> },
    fairness: { jain: jainIndex(xs), dominantShare },
    cost: { nodeHours: nodeSeconds / 3600, total: cost, perCompleted: counts.completed > 0 ? cost / counts.completed : null },
    gpuFragmentation: gpuDim >= 0 && gpuFreeInt > 0 ? gpuFragInt / gpuFreeInt : null,
  };
}
