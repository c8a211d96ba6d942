import { PRIORITIES, type Priority } from '../core/priority.js';
import { EV, type EventLog } from './log.js';

/**
 * Time series of a run for charts, computed from its event log (pure: the same log gives the same
 * series). Values are time averages over bins of `step` seconds: a bin's utilization is
 * ∫ allocated dt ÷ ∫ capacity of up nodes dt over the bin, its queue length is the mean number of
 * waiting requests, and so on, so a short spike is neither lost nor exaggerated.
 */
export interface RunSeries {
  /** Bin width, seconds; bin i covers [t[i], t[i] + step). */
  readonly step: number;
  readonly t: readonly number[];
  /** Per dimension: allocated ÷ capacity of up nodes (null while no node is up). */
  readonly utilization: Readonly<Record<string, readonly (number | null)[]>>;
  /** Requests waiting to start (mean over the bin). */
  readonly queue: readonly number[];
  /** Per pool: a node's capacity (by dimension), nodes up, booting (asked for, not yet up), failed (billed, not usable). */
  readonly nodes: Readonly<Record<string, { readonly capacity: readonly number[]; readonly up: readonly number[]; readonly booting: readonly number[]; readonly failed: readonly number[] }>>;
  /** Price of the billed nodes, $ per hour. */
  readonly costRate: readonly number[];
  /** Per dimension: demand of running + waiting requests, capacity of up nodes, capacity of all billed nodes. */
  readonly demand: Readonly<Record<string, { readonly demand: readonly number[]; readonly up: readonly number[]; readonly provisioned: readonly number[] }>>;
  /** Node failures, repairs and scale actions, at their time. */
  readonly marks: readonly SeriesMark[];
  /** Per priority present in the run: the empirical CDF of wait (seconds), at most `cdfPoints` points. */
  readonly waitCdf: Readonly<Partial<Record<Priority, { readonly wait: readonly number[]; readonly fraction: readonly number[]; readonly started: number; readonly total: number }>>>;
  /** Per tenant: requests completed and the time-average share of each dimension's up capacity it held. */
  readonly tenants: Readonly<Record<string, { readonly completed: number; readonly share: Readonly<Record<string, number>> }>>;
  /** Node timelines of small runs (≤ gantt limits), else null. */
  readonly gantt: readonly GanttBar[] | null;
  /** Per pool, at each autoscaling tick: demand and forecast in node-equivalents (empty without scaling). */
  readonly scaling: Readonly<Record<string, { readonly t: readonly number[]; readonly demand: readonly number[]; readonly forecastAt: readonly number[]; readonly forecast: readonly number[] }>>;
  /** Series added by other modules (e.g. GPU fragmentation), aligned with `t`. */
  readonly extra: Readonly<Record<string, { readonly unit: string; readonly values: readonly (number | null)[] }>>;
}

export type SeriesMark =
  | { readonly kind: 'failure'; readonly t: number; readonly pool: string; readonly nodes: number }
  | { readonly kind: 'repair'; readonly t: number; readonly pool: string; readonly nodes: number }
  | { readonly kind: 'scale-up'; readonly t: number; readonly pool: string; readonly nodes: number }
  | { readonly kind: 'scale-down'; readonly t: number; readonly pool: string; readonly nodes: number };

export interface GanttBar {
  readonly node: number;
  readonly pool: string;
  readonly request: string;
  readonly tenant: string;
  readonly start: number;
  readonly end: number;
  /** How the allocation ended. */
  readonly end_: 'complete' | 'preempt' | 'fail' | 'expire' | 'unfinished';
}

export interface SeriesOptions {
  /** Maximum number of bins (default 400); the step is rounded up to a whole second. */
  readonly maxBins?: number;
  readonly cdfPoints?: number;
  /** Gantt only when the run has at most this many requests and nodes (default 400, 60). */
  readonly ganttRequests?: number;
  readonly ganttNodes?: number;
}

/** A step of 1, 2 or 5 × 10^k seconds giving at most `maxBins` bins over `span`. */
export function niceStep(span: number, maxBins: number): number {
  const raw = Math.max(1, span / maxBins);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

export function sampleSeries(log: EventLog, dims: readonly string[], opts: SeriesOptions = {}): RunSeries {
  const D = dims.length;
  const P = log.pools.length;
  const n = log.length;
  const end = n > 0 ? log.time(n - 1) : 0;
  const step = niceStep(end, opts.maxBins ?? 400);
  const B = Math.max(1, Math.ceil(end / step));
  // Signals integrated per bin: alloc[D], capUp[D], capProv[D], queueDemand[D], queue, cost, up[P], booting[P], failed[P].
  const O_ALLOC = 0;
  const O_UP = D;
  const O_PROV = 2 * D;
  const O_QD = 3 * D;
  const O_Q = 4 * D;
  const O_COST = O_Q + 1;
  const O_NUP = O_COST + 1;
  const O_NBOOT = O_NUP + P;
  const O_NFAIL = O_NBOOT + P;
  const K = O_NFAIL + P;
  const cur = new Float64Array(K);
  const acc = new Float64Array(B * K);
  let last = 0;
  const advance = (t: number): void => {
    while (last < t) {
      const b = Math.min(B - 1, Math.floor(last / step));
      let to = b === B - 1 ? t : Math.min((b + 1) * step, t);
      // At huge times (a run time of 1e22 s) (b + 1)·step can round to `last`: no progress, so the
      // rest goes to this bin instead of looping for ever.
      if (!(to > last)) to = t;
      const dt = to - last;
      for (let k = 0; k < K; k++) acc[b * K + k] = (acc[b * K + k] as number) + (cur[k] as number) * dt;
      last = to;
    }
  };
  const add = (off: number, vec: readonly number[], sign: number): void => {
    for (let d = 0; d < D; d++) cur[off + d] = (cur[off + d] as number) + sign * (vec[d] ?? 0);
  };

  const reqs = log.store;
  const state: number[] = []; // 0 none, 1 booting, 2 up, 3 failed
  const setState = (node: number, s: number): void => {
    const pool = log.nodePool[node] as number;
    const cap = (log.pools[pool] as { capacity: readonly number[] }).capacity;
    const was = state[node] ?? 0;
    if (was === 2) add(O_UP, cap, -1);
    if (was !== 0) {
      add(O_PROV, cap, -1);
      const k = (was === 1 ? O_NBOOT : was === 2 ? O_NUP : O_NFAIL) + pool;
      cur[k] = (cur[k] as number) - 1;
      cur[O_COST] = (cur[O_COST] as number) - (log.pools[pool] as { pricePerHour: number }).pricePerHour;
    }
    state[node] = s;
    if (s === 2) add(O_UP, cap, 1);
    if (s !== 0) {
      add(O_PROV, cap, 1);
      const k = (s === 1 ? O_NBOOT : s === 2 ? O_NUP : O_NFAIL) + pool;
      cur[k] = (cur[k] as number) + 1;
      cur[O_COST] = (cur[O_COST] as number) + (log.pools[pool] as { pricePerHour: number }).pricePerHour;
    }
  };

  const firstStart = new Float64Array(reqs.length).fill(NaN);
  const tenantIdx = new Map<string, number>();
  for (let i = 0; i < reqs.length; i++) {
    const tenant = reqs.tenant(i);
    if (!tenantIdx.has(tenant)) tenantIdx.set(tenant, tenantIdx.size);
  }
  const T = tenantIdx.size;
  const tCur = new Float64Array(T * D);
  const tInt = new Float64Array(T * D);
  const tDone = new Float64Array(T);
  let tLast = 0;
  // Tenants holding something (some dimension not exactly 0): the others would add 0 · dt, which
  // changes no sum, so they are passed over (an SWF log has hundreds of users, a few running).
  // A list (swap-removed; the order of the tenants does not matter) and each tenant's place in it.
  const holding: number[] = [];
  const place = new Int32Array(T).fill(-1);
  const tenantAdvance = (t: number): void => {
    const dt = t - tLast;
    if (dt > 0) {
      for (let h = 0; h < holding.length; h++) {
        const ti = holding[h] as number;
        for (let k = ti * D; k < ti * D + D; k++) tInt[k] = (tInt[k] as number) + (tCur[k] as number) * dt;
      }
    }
    tLast = t;
  };
  const tenantAdd = (ri: number, demand: readonly number[], sign: number): void => {
    const ti = tenantIdx.get(reqs.tenant(ri)) as number;
    let holds = false;
    for (let d = 0; d < D; d++) holds = (tCur[ti * D + d] = (tCur[ti * D + d] as number) + sign * (demand[d] ?? 0)) !== 0 || holds;
    const at = place[ti] as number;
    if (holds && at < 0) place[ti] = holding.push(ti) - 1;
    else if (!holds && at >= 0) {
      const moved = holding.pop() as number;
      if (moved !== ti) {
        holding[at] = moved;
        place[moved] = at;
      }
      place[ti] = -1;
    }
  };

  const wantGantt = reqs.length <= (opts.ganttRequests ?? 400) && log.nodePool.length <= (opts.ganttNodes ?? 60);
  const gantt: GanttBar[] = [];
  const openBar = new Map<number, { node: number; start: number }>();
  const closeBar = (ri: number, t: number, how: GanttBar['end_']): void => {
    const o = openBar.get(ri);
    if (o === undefined) return;
    openBar.delete(ri);
    if (wantGantt) gantt.push({ node: o.node, pool: (log.pools[log.nodePool[o.node] as number] as { name: string }).name, request: reqs.id(ri), tenant: reqs.tenant(ri), start: o.start, end: t, end_: how });
  };
  const marks: SeriesMark[] = [];
  const mark = (kind: SeriesMark['kind'], t: number, pool: number): void => {
    const name = (log.pools[pool] as { name: string }).name;
    const prev = marks[marks.length - 1];
    if (prev !== undefined && prev.kind === kind && prev.t === t && prev.pool === name) marks[marks.length - 1] = { ...prev, nodes: prev.nodes + 1 };
    else marks.push({ kind, t, pool: name, nodes: 1 });
  };
  const stopRunning = (ri: number, t: number, how: GanttBar['end_']): void => {
    const demand = reqs.demand(ri);
    add(O_ALLOC, demand, -1);
    tenantAdd(ri, demand, -1);
    closeBar(ri, t, how);
  };
  const requeue = (ri: number): void => {
    cur[O_Q] = (cur[O_Q] as number) + 1;
    add(O_QD, reqs.demand(ri), 1);
  };

  for (let i = 0; i < n; i++) {
    const t = log.time(i);
    advance(t);
    tenantAdvance(t);
    const ri = log.ref(i);
    const node = log.node(i);
    switch (log.kind(i)) {
      case EV.arrive:
        requeue(ri);
        break;
      case EV.start: {
        const demand = reqs.demand(ri);
        if (Number.isNaN(firstStart[ri] as number)) firstStart[ri] = t;
        cur[O_Q] = (cur[O_Q] as number) - 1;
        add(O_QD, demand, -1);
        add(O_ALLOC, demand, 1);
        tenantAdd(ri, demand, 1);
        openBar.set(ri, { node, start: t });
        break;
      }
      case EV.complete:
        stopRunning(ri, t, 'complete');
        {
          const ti = tenantIdx.get(reqs.tenant(ri)) as number;
          tDone[ti] = (tDone[ti] as number) + 1;
        }
        break;
      case EV.expire:
        stopRunning(ri, t, 'expire');
        break;
      case EV.preempt:
        stopRunning(ri, t, 'preempt');
        requeue(ri);
        break;
      case EV.failEvict:
        stopRunning(ri, t, 'fail');
        requeue(ri);
        break;
      case EV.reject:
        cur[O_Q] = (cur[O_Q] as number) - 1;
        add(O_QD, reqs.demand(ri), -1);
        break;
      case EV.unfinished:
        closeBar(ri, t, 'unfinished');
        break;
      case EV.nodeProvision:
        if (t > 0) mark('scale-up', t, ri);
        setState(node, 1);
        break;
      case EV.nodeUp:
        if (state[node] === 3) mark('repair', t, ri);
        setState(node, 2);
        break;
      case EV.nodeFail:
        mark('failure', t, ri);
        setState(node, 3);
        break;
      case EV.nodeRemove:
        if (t < end) mark('scale-down', t, ri);
        setState(node, 0);
        break;
    }
  }
  advance(end);
  tenantAdvance(end);

  const width = (b: number): number => Math.max(1e-12, (b === B - 1 ? end : (b + 1) * step) - b * step);
  const avg = (k: number): number[] => Array.from({ length: B }, (_, b) => round((acc[b * K + k] as number) / width(b)));
  const t = Array.from({ length: B }, (_, b) => b * step);
  const utilization: Record<string, (number | null)[]> = {};
  const demand: Record<string, { demand: number[]; up: number[]; provisioned: number[] }> = {};
  dims.forEach((name, d) => {
    utilization[name] = Array.from({ length: B }, (_, b) => {
      const cap = acc[b * K + O_UP + d] as number;
      return cap > 0 ? round((acc[b * K + O_ALLOC + d] as number) / cap) : null;
    });
    const running = avg(O_ALLOC + d);
    const queued = avg(O_QD + d);
    demand[name] = { demand: running.map((v, b) => round(v + (queued[b] as number))), up: avg(O_UP + d), provisioned: avg(O_PROV + d) };
  });
  const nodes: Record<string, { capacity: number[]; up: number[]; booting: number[]; failed: number[] }> = {};
  log.pools.forEach((p, i) => (nodes[p.name] = { capacity: [...p.capacity], up: avg(O_NUP + i), booting: avg(O_NBOOT + i), failed: avg(O_NFAIL + i) }));

  const cdfPoints = opts.cdfPoints ?? 200;
  const waitCdf: Partial<Record<Priority, { wait: number[]; fraction: number[]; started: number; total: number }>> = {};
  for (const p of PRIORITIES) {
    let total = 0;
    const waits: number[] = [];
    for (let i = 0; i < reqs.length; i++) {
      if (reqs.priority(i) !== p) continue;
      total++;
      if (!Number.isNaN(firstStart[i] as number)) waits.push((firstStart[i] as number) - reqs.arrival(i));
    }
    if (total === 0) continue;
    waits.sort((a, b) => a - b);
    // CDF over all requests of the priority: those never started keep it below 1.
    const keep = waits.length <= cdfPoints ? waits.map((_, i) => i) : Array.from({ length: cdfPoints }, (_, j) => Math.round((j * (waits.length - 1)) / (cdfPoints - 1)));
    waitCdf[p] = { wait: keep.map((i) => round(waits[i] as number)), fraction: keep.map((i) => round((i + 1) / total)), started: waits.length, total };
  }

  const tenants: Record<string, { completed: number; share: Record<string, number> }> = {};
  for (const [name, ti] of tenantIdx) {
    const share: Record<string, number> = {};
    dims.forEach((d, di) => {
      let capInt = 0;
      for (let b = 0; b < B; b++) capInt += acc[b * K + O_UP + di] as number;
      share[d] = capInt > 0 ? round((tInt[ti * D + di] as number) / capInt) : 0;
    });
    tenants[name] = { completed: tDone[ti] as number, share };
  }
  const scaling: Record<string, { t: number[]; demand: number[]; forecastAt: number[]; forecast: number[] }> = {};
  if (log.scaleTicks.length > 0) {
    log.pools.forEach((p, i) => {
      const f = log.scaleTicks.flatMap((k) => {
        const x = k.forecast[i];
        return x === null || x === undefined ? [] : [x];
      });
      scaling[p.name] = { t: log.scaleTicks.map((k) => k.t), demand: log.scaleTicks.map((k) => round(k.demand[i] ?? 0)), forecastAt: f.map((x) => x.at), forecast: f.map((x) => round(x.nodes)) };
    });
  }
  return { step, t, utilization, queue: avg(O_Q), nodes, costRate: avg(O_COST), demand, marks, waitCdf, tenants, gantt: wantGantt ? gantt : null, scaling, extra: {} };
}

/** Six significant digits: enough for a chart, and keeps report files small. */
function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}
