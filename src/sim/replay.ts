import type { Allocator, AllocatorContext } from '../algorithms/allocator.js';
import { decideAndApply } from '../algorithms/decide.js';
import type { DemandSample, ScalingPolicy } from '../autoscale/policy.js';
import { ClusterState } from '../core/cluster.js';
import { eligiblePools } from '../core/eligibility.js';
import { UserError } from '../core/errors.js';
import type { Allocation, PoolSpec, Request } from '../core/model.js';
import { isPermanent } from '../core/rejection.js';
import type { ResourceSpace } from '../core/resources.js';
import { Rng } from '../core/rng.js';
import type { QueuePolicy, QueuedRequest } from '../queue/policy.js';
import { Kernel } from './kernel.js';
import { EV, EventLog } from './log.js';
import { FailureInjector, type FailureSpec } from './failures.js';
import { scalingState, applyScaleActions } from './scaling.js';

export interface ReplayOptions {
  readonly space: ResourceSpace;
  readonly pools: readonly PoolSpec[];
  /** Requests in arrival order (a trace reader's stream or an array). */
  readonly requests: AsyncIterable<Request> | Iterable<Request>;
  readonly allocator: Allocator;
  readonly queue: QueuePolicy;
  readonly scaling?: ScalingPolicy;
  readonly failures?: FailureSpec;
  readonly seed: number | string;
  /** Stop at this simulated time (seconds); work still queued or running is logged `unfinished`. */
  readonly horizon?: number;
  /** Allocator wall-clock budget per decision, ms (default 1000). */
  readonly budgetMs?: number;
  /** Called every few thousand arrivals with the count so far and the simulated time. */
  readonly onProgress?: (arrivals: number, now: number) => void;
}

export interface ReplayOutcome {
  readonly log: EventLog;
  readonly endTime: number;
  /** How many scheduling passes ran and how many allocator decisions they asked for. */
  readonly passes: number;
  readonly decisions: number;
  /** Solver statuses reported by batch strategies, counted. */
  readonly solverStatus: Readonly<Record<string, number>>;
}

/** Kernel events. Arrivals do not go through the heap: they are pulled from the stream in order. */
type SimEvent =
  | { readonly k: 'end'; readonly a: Allocation; readonly expired: boolean }
  | { readonly k: 'nodeReady'; readonly node: number }
  | { readonly k: 'scale' }
  | { readonly k: 'failure'; readonly run: () => void };

/** Driver-private queue entry. */
interface Waiting extends QueuedRequest {
  readonly idx: number;
  live: boolean;
  fresh: boolean;
}

interface Running {
  readonly idx: number;
  readonly entry: Waiting;
}

/**
 * Replay a request stream against modelled pools with one allocator and one queue policy.
 *
 * Order at equal times: pending kernel events (completions, expiries, node changes) come before
 * an arrival at the same time; a scheduling pass runs once the clock is about to move on (or
 * after an arrival), so simultaneous releases are all visible to one decision.
 */
export async function replay(opts: ReplayOptions): Promise<ReplayOutcome> {
  const { allocator, queue } = opts;
  const state = new ClusterState(opts.space, opts.pools);
  const log = new EventLog(opts.pools);
  const kernel = new Kernel<SimEvent>(0);
  const rng = new Rng(opts.seed);
  const allocRng = rng.fork(`allocator:${allocator.name}`);
  const budgetMs = opts.budgetMs ?? 1000;
  const horizon = opts.horizon ?? Infinity;
  await allocator.prepare?.();

  const provision = (pool: number, status: 'booting' | 'up', now: number): number => {
    const id = state.addNode(pool, status);
    log.nodePool[id] = pool;
    log.push(EV.nodeProvision, now, pool, id);
    if (status === 'up') log.push(EV.nodeUp, now, pool, id);
    return id;
  };
  opts.pools.forEach((p, i) => {
    for (let k = 0; k < p.nodes.initial; k++) provision(i, 'up', 0);
  });

  let waiting: Waiting[] = [];
  let dead = 0;
  let seq = 0;
  let freed = true;
  let freshList: Waiting[] = [];
  let committedHead: Waiting | undefined;
  const running = new Map<string, Running>();
  let passes = 0;
  let decisions = 0;
  const solverStatus: Record<string, number> = {};
  const staticKey = queue.staticKey;

  const enqueue = (idx: number, now: number, attempts: number): void => {
    const w: Waiting = { request: log.requests[idx] as Request, enqueuedAt: now, seq: seq++, attempts, idx, live: true, fresh: true };
    freshList.push(w);
    if (staticKey === undefined) {
      waiting.push(w);
      return;
    }
    const k = staticKey(w);
    let lo = 0;
    let hi = waiting.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = waiting[mid] as Waiting;
      const mk = staticKey(m);
      if (mk < k || (mk === k && m.seq < w.seq)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === waiting.length) waiting.push(w);
    else waiting.splice(lo, 0, w);
  };

  const drop = (w: Waiting): void => {
    if (!w.live) return;
    w.live = false;
    dead++;
    if (committedHead === w) committedHead = undefined;
  };

  const startAll = (started: readonly Allocation[], byId: Map<string, Waiting>, now: number): void => {
    for (const a of started) {
      const w = byId.get(a.request.id) as Waiting;
      drop(w);
      running.set(a.id, { idx: w.idx, entry: w });
      log.push(EV.start, now, w.idx, a.nodeId);
      const end = now + a.request.duration;
      if (a.leaseExpiry < end) kernel.schedule(a.leaseExpiry, { k: 'end', a, expired: true });
      else kernel.schedule(end, { k: 'end', a, expired: false });
    }
  };

  const requeue = (a: Allocation, kind: typeof EV.preempt | typeof EV.failEvict, now: number): void => {
    const run = running.get(a.id);
    if (run === undefined) return;
    running.delete(a.id);
    log.push(kind, now, run.idx, a.nodeId);
    enqueue(run.idx, now, run.entry.attempts + 1);
  };

  /** Offer `batch` (in policy order) to the allocator and apply the answer. Returns true if some request must wait. */
  const offer = (batch: Waiting[], blocking: boolean, now: number): boolean => {
    if (batch.length === 0) return false;
    decisions++;
    const ctx: AllocatorContext = { now, rng: allocRng, budgetMs, clock: () => performance.now(), blocking };
    const byId = new Map<string, Waiting>();
    for (const w of batch) byId.set(w.request.id, w);
    const res = decideAndApply(allocator, batch.map((w) => w.request), state, ctx, (r) => `${r.id}#${(byId.get(r.id) as Waiting).attempts}`);
    if (res.solver !== undefined) solverStatus[res.solver.status] = (solverStatus[res.solver.status] ?? 0) + 1;
    for (const e of res.evicted) requeue(e.allocation, EV.preempt, now);
    startAll(res.started, byId, now);
    let mustWait = false;
    for (const j of res.rejections) {
      const w = byId.get(j.requestId) as Waiting;
      if (isPermanent(j.code)) {
        drop(w);
        log.reject(now, w.idx, j.code);
      } else mustWait = true;
    }
    if (res.evicted.length > 0) freed = true;
    return mustWait;
  };

  const pass = (now: number): void => {
    if (dead > 0 && dead * 2 >= waiting.length) {
      waiting = waiting.filter((w) => w.live);
      dead = 0;
    }
    const live = waiting.length - dead;
    if (live === 0 || (!freed && freshList.length === 0)) {
      freshList = [];
      return;
    }
    passes++;
    let ordered: Waiting[] = staticKey !== undefined ? waiting : (queue.order(waiting.filter((w) => w.live), now, state) as Waiting[]);
    if (committedHead !== undefined && ordered[0] !== committedHead) ordered = [committedHead, ...ordered.filter((w) => w !== committedHead)];
    if (!queue.blocking) {
      // Nothing freed since the last pass: only newcomers can start (capacity only shrank).
      const cand = freed ? ordered.filter((w) => w.live) : freshList.filter((w) => w.live);
      offer(cand, false, now);
    } else {
      // Offer the head first, then geometrically larger chunks, until someone must wait: a
      // blocked head usually costs one request's worth of work, not a chunk's.
      let i = 0;
      let size = 1;
      let blocked = false;
      while (i < ordered.length && !blocked) {
        const chunk: Waiting[] = [];
        while (i < ordered.length && chunk.length < size) {
          const w = ordered[i++] as Waiting;
          if (w.live) chunk.push(w);
        }
        blocked = offer(chunk, true, now);
        size = Math.min(size * 4, 256);
      }
      if (blocked) {
        if (queue.headOfLine === 'commit') committedHead = ordered.find((w) => w.live);
        if (queue.backfill !== undefined) {
          const rest = ordered.filter((w) => w.live);
          if (rest.length > 1) {
            const picked = queue.backfill.select(rest, state, now) as Waiting[];
            offer(picked.filter((w) => w.live && w !== rest[0]), false, now);
          }
        }
      }
    }
    for (const w of freshList) w.fresh = false;
    freshList = [];
    freed = false;
  };

  // ---- events ----------------------------------------------------------------------------
  const handle = (e: SimEvent, now: number): void => {
    switch (e.k) {
      case 'end': {
        const run = running.get(e.a.id);
        if (run === undefined || state.allocation(e.a.id) !== e.a) return; // evicted earlier
        running.delete(e.a.id);
        state.release(e.a.id);
        log.push(e.expired ? EV.expire : EV.complete, now, run.idx, e.a.nodeId);
        freed = true;
        return;
      }
      case 'nodeReady':
        if (state.nodeStatus(e.node) === 'booting') {
          state.bringUp(e.node);
          log.push(EV.nodeUp, now, state.nodePool(e.node), e.node);
          freed = true;
        }
        return;
      case 'scale':
        onScale(now);
        return;
      case 'failure':
        e.run();
        return;
    }
  };

  const failures = new FailureInjector(opts.failures, state, log, rng.fork('failures'), {
    schedule: (at, run) => kernel.schedule(at, { k: 'failure', run }),
    evict: (a, now) => requeue(a, EV.failEvict, now),
    freed: () => (freed = true),
  });

  // ---- autoscaling ------------------------------------------------------------------------
  const history: DemandSample[] = [];
  let arrivalsSinceTick = 0;
  let idleTicks = 0;
  let streamDone = false;
  const liveWaiting = (): Request[] => waiting.filter((w) => w.live).map((w) => w.request);
  const onScale = (now: number): void => {
    const scaling = opts.scaling as ScalingPolicy;
    const pools = scalingState(state, liveWaiting());
    history.push({ time: now, demandNodes: pools.map((p) => p.queuedNodes + p.runningNodes), arrivals: arrivalsSinceTick });
    if (history.length > 10_000) history.splice(0, history.length - 10_000);
    arrivalsSinceTick = 0;
    const actions = scaling.decide({ now, pools, history });
    const changed = applyScaleActions(state, actions, {
      provision: (pool) => {
        const id = provision(pool, 'booting', now);
        kernel.schedule(now + (opts.pools[pool] as PoolSpec).bootSeconds, { k: 'nodeReady', node: id });
      },
      remove: (id) => log.push(EV.nodeRemove, now, state.nodePool(id), id),
    });
    idleTicks = changed ? 0 : idleTicks + 1;
    const active = !streamDone || running.size > 0 || waiting.length - dead > 0;
    const stuck = streamDone && running.size === 0 && idleTicks > 10;
    if (active && !stuck) kernel.schedule(now + scaling.intervalSeconds, { k: 'scale' });
  };
  if (opts.scaling !== undefined) kernel.schedule(0, { k: 'scale' });

  // ---- main loop ---------------------------------------------------------------------------
  const iter = Symbol.asyncIterator in opts.requests ? (opts.requests as AsyncIterable<Request>)[Symbol.asyncIterator]() : toAsync(opts.requests as Iterable<Request>);
  let next = await iter.next();
  let lastArrival = -Infinity;
  let arrivals = 0;
  const step = (now: number): void => {
    // Run a pass when the clock is about to move past `now`.
    const nextArrival = next.done ? Infinity : next.value.arrival;
    if (Math.min(kernel.peek(), nextArrival) > now) pass(now);
  };
  for (;;) {
    const tArr = next.done ? Infinity : next.value.arrival;
    while (kernel.pending > 0 && kernel.peek() <= tArr && kernel.peek() <= horizon) {
      const e = kernel.step() as SimEvent;
      handle(e, kernel.now);
      step(kernel.now);
    }
    if (next.done || tArr > horizon) break;
    const r = next.value;
    if (!(r.arrival >= lastArrival)) {
      throw new UserError(`requests must come in arrival order: request '${r.id}' arrives at ${r.arrival}s, after one at ${lastArrival}s (sort the trace, or set 'sort: true' on it)`);
    }
    lastArrival = r.arrival;
    const now = Math.max(r.arrival, kernel.now);
    const idx = log.addRequest(r);
    log.push(EV.arrive, now, idx);
    // A request no pool can ever host (pool specs do not change during a run) is rejected on
    // arrival, so it never waits behind a blocked head.
    const elig = eligiblePools(state, r);
    if ('rejection' in elig) log.reject(now, idx, elig.rejection.code);
    else enqueue(idx, now, 0);
    arrivals++;
    arrivalsSinceTick++;
    if (opts.onProgress !== undefined && (arrivals & 4095) === 0) opts.onProgress(arrivals, now);
    next = await iter.next();
    if (next.done) {
      streamDone = true;
      failures.streamDone();
    }
    kernel.advanceTo(now);
    step(now);
  }
  streamDone = true;
  failures.streamDone();
  const endTime = Math.min(horizon, kernel.now);
  for (const w of waiting) if (w.live) log.push(EV.unfinished, endTime, w.idx);
  for (const run of running.values()) log.push(EV.unfinished, endTime, run.idx);
  for (let id = 0; id < state.nodeCount; id++) {
    const st = state.nodeStatus(id);
    if (st !== 'removed') log.push(EV.nodeRemove, endTime, state.nodePool(id), id);
  }
  return { log, endTime, passes, decisions, solverStatus };
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
