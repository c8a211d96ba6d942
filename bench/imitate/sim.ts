/**
 * The no-backfilling protocol simulator shared by bench/learn-lookahead.ts and bench/learn-imitate.ts
 * (one node, head-of-line blocking, committed head, an arrival before a completion at the same time, a
 * pass after every event): a state can be cloned for the teacher's rollouts, and at every decision it
 * reads what production's `learned-queue` would see. Both benches check it against the main simulator
 * before they print a figure.
 *
 * For the imitation probe: the running jobs are readable (`running`), and each pass fixes the
 * learned queue's candidate set as `LearnedQueue.order` does (the first MAX_VISIBLE jobs in arrival
 * order, the committed head among them, fixed for the pass).
 */
import type { ClusterView } from '../../src/core/cluster.js';
import { EndHeap } from '../../src/core/end-heap.js';
import type { PolicyNet } from '../../src/core/policy-net.js';
import type { Request } from '../../src/core/model.js';
import type { Rng } from '../../src/core/rng.js';
import type { BatchJob } from '../../src/learn/sim-adapter.js';
import { F1_KEY, type OrderKey } from '../../src/queue/keys.js';
import { FreeCopy } from '../../src/queue/learned-free.js';
import { MAX_VISIBLE, queueFeatures, type QueueChooser } from '../../src/queue/learned-queue.js';
import type { QueuedRequest } from '../../src/queue/policy.js';

export const TAU = 10;

export interface Job {
  readonly submit: number;
  readonly run: number;
  readonly req: number;
  readonly procs: number;
  readonly key: number;
  readonly tie: number;
  /** Arrival rank (the queue-order tie); sampled futures rank after every real job. */
  readonly seq: number;
  /** Index in the window, or −1 for a job a rollout made up. */
  readonly idx: number;
}

export function makeJob(order: OrderKey, submit: number, run: number, req: number, procs: number, seq: number, idx: number): Job {
  const f = { submit, requested: req, procs };
  return { submit, run, req, procs, key: order.key(f, 0), tie: order.tie?.(f, 0) ?? 0, seq, idx };
}

const before = (a: Job, b: Job): boolean => a.key < b.key || (a.key === b.key && (a.tie < b.tie || (a.tie === b.tie && a.seq < b.seq)));

/** Picks the index in `sim.waiting` (sorted by the order's key) of the job to run next; 0 is the order's own pick. */
export type Chooser = (sim: Sim) => number;

export class Sim {
  now = 0;
  free: number;
  head: Job | undefined;
  waiting: Job[] = [];
  cost = 0;
  arrivals: readonly Job[] = [];
  next = 0;
  /** The running jobs by end (requested or actual), each with its start. */
  private byEnd = new EndHeap<{ job: Job; start: number }>();
  starts: Float64Array | undefined;
  /** The learned queue's candidates of the current pass (set when the pass has a chooser). */
  visible: Set<Job> | undefined;

  constructor(
    readonly machine: number,
    readonly requested: boolean,
    private readonly chooser?: Chooser,
  ) {
    this.free = machine;
  }

  /** A copy for a rollout: F1 alone, requested durations, running jobs until their requested ends. */
  fork(): Sim {
    const s = new Sim(this.machine, true);
    s.now = this.now;
    s.free = this.free;
    s.head = this.head;
    s.waiting = this.waiting.slice();
    for (const r of this.byEnd.all) s.byEnd.push(r.start + r.job.req, r);
    return s;
  }

  /** The running jobs and their starts (heap order). */
  running(): { job: Job; start: number }[] {
    return this.byEnd.all.slice();
  }

  enqueue(j: Job): void {
    const w = this.waiting;
    let lo = 0;
    let hi = w.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(w[mid] as Job, j)) lo = mid + 1;
      else hi = mid;
    }
    w.splice(lo, 0, j);
  }

  private start(j: Job): void {
    const d = this.requested ? j.req : j.run;
    this.free -= j.procs;
    this.byEnd.push(this.now + d, { job: j, start: this.now });
    this.cost += Math.max(1, (this.now - j.submit + d) / Math.max(d, TAU));
    if (this.starts !== undefined && j.idx >= 0) this.starts[j.idx] = this.now;
  }

  take(i: number): void {
    const j = this.waiting.splice(i, 1)[0] as Job;
    if (j.procs <= this.free) this.start(j);
    else this.head = j;
  }

  pass(): void {
    this.visible = undefined;
    if (this.chooser !== undefined && (this.head === undefined || this.head.procs <= this.free) && this.waiting.length > 0) {
      // LearnedQueue.order: the first MAX_VISIBLE of the waiting jobs (the head among them) in arrival order.
      const all = this.head === undefined ? this.waiting.slice() : [this.head, ...this.waiting];
      all.sort((a, b) => a.seq - b.seq);
      this.visible = new Set(all.slice(0, MAX_VISIBLE));
    }
    for (;;) {
      if (this.head !== undefined) {
        if (this.head.procs > this.free) return;
        this.start(this.head);
        this.head = undefined;
        continue;
      }
      if (this.waiting.length === 0) return;
      this.take(this.waiting.length > 1 && this.chooser !== undefined ? this.chooser(this) : 0);
      if (this.head !== undefined) return;
    }
  }

  run(arrivals: readonly Job[]): void {
    this.arrivals = arrivals;
    this.next = 0;
    for (;;) {
      const a = arrivals[this.next];
      const tA = a === undefined ? Infinity : Math.max(a.submit, this.now);
      while (this.byEnd.first < tA) {
        this.now = this.byEnd.first;
        const j = this.byEnd.pop().job;
        this.free += j.procs;
        this.pass();
      }
      if (a === undefined) break;
      this.now = tA;
      this.next++;
      this.enqueue(a);
      this.pass();
    }
  }
}

// ---- what production's learned queue sees ------------------------------------------------------------

/** The visible candidates still waiting, in arrival order, with their index in `sim.waiting`. */
export function candidates(sim: Sim): { jobs: Job[]; at: number[] } {
  const vis = sim.visible;
  const pairs: [Job, number][] = [];
  sim.waiting.forEach((j, i) => {
    if (vis === undefined || vis.has(j)) pairs.push([j, i]);
  });
  pairs.sort((a, b) => a[0].seq - b[0].seq);
  return { jobs: pairs.map((p) => p[0]), at: pairs.map((p) => p[1]) };
}

const asRequest = (j: Job): Request => ({ id: String(j.idx), tenant: 'swf', arrival: j.submit, demand: [j.procs], duration: j.run, requestedDuration: j.req, priority: 'medium' });

/**
 * The features of the candidates, n × F row-major, computed by production's `queueFeatures` and
 * `FreeCopy` (time-to-fit from the running jobs' requested ends) over a one-node view of the state.
 */
export function candidateFeatures(sim: Sim, jobs: readonly Job[], F: number): Float64Array {
  const running = sim.running();
  const view = {
    pools: [{}],
    upNodes: () => [0],
    free: () => [sim.free],
    capacity: () => [sim.machine],
    allocations: function* () {
      for (const r of running) yield { start: r.start, request: asRequest(r.job) };
    },
  } as unknown as ClusterView;
  const free = new FreeCopy(view, 0, sim.now);
  const x = new Float64Array(jobs.length * F);
  jobs.forEach((j, k) => {
    const q: QueuedRequest = { request: asRequest(j), enqueuedAt: j.submit, seq: j.seq, attempts: 0 };
    const fits = free.find(q.request.demand) >= 0;
    queueFeatures(x, k, q, sim.now, fits, free, jobs.length, 0, F, F > 9 ? free.timeToFit(j.procs, fits) : 0);
  });
  return x;
}

/**
 * The learned queue's own choice with `net`: the argmax of the candidates' scores (the first of equal
 * ones); with no candidate left in the pass, the oldest waiting job (LearnedQueue takes the jobs beyond
 * its candidates in arrival order). `record` collects the feature rows of decisions with n ≥ 2; `rows`
 * computes them (default: production's per-job rows for the model's F features).
 */
export function studentChooser(net: PolicyNet, F: number, record?: Float64Array[], rows: (sim: Sim, jobs: readonly Job[]) => Float64Array = (s, js) => candidateFeatures(s, js, F)): Chooser {
  const scores = new Float64Array(MAX_VISIBLE);
  return (sim) => {
    const c = candidates(sim);
    const n = c.jobs.length;
    if (n === 0) return sim.waiting.reduce((b, j, i) => (j.seq < (sim.waiting[b] as Job).seq ? i : b), 0);
    const x = rows(sim, c.jobs);
    if (record !== undefined && n >= 2) record.push(x);
    net.scoreAll(x, n, scores);
    let best = 0;
    for (let j = 1; j < n; j++) if ((scores[j] as number) > (scores[best] as number)) best = j;
    return c.at[best] as number;
  };
}

/**
 * Production's own pick (the argmax of the scores, the first of equal ones) that also records the
 * feature rows LearnedQueue computed at each decision with n ≥ 2: the other side of the features check.
 */
export function recordingChooser(F: number, into: Float64Array[]): QueueChooser {
  return {
    choose: (x, n, scores) => {
      if (n >= 2) into.push(Float64Array.from(x.subarray(0, n * F)));
      let best = 0;
      for (let j = 1; j < n; j++) if ((scores[j] as number) > (scores[best] as number)) best = j;
      return best;
    },
  };
}

// ---- the teacher ----------------------------------------------------------------------------------------

export type Futures = (sim: Sim) => readonly (readonly Job[])[];

export function rollout(sim: Sim, i: number, future: readonly Job[]): number {
  const s = sim.fork();
  s.take(i);
  s.pass();
  s.run(future);
  return s.cost;
}

/** bench/learn-lookahead.ts's rollout: F1's top k, each followed by F1 on every drawn future; least total cost (ties: F1's order). */
export function rolloutChooser(k: number, futures: Futures): Chooser {
  return (sim) => {
    const n = Math.min(k, sim.waiting.length);
    const fs = futures(sim);
    let best = 0;
    let bestCost = Infinity;
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (const f of fs) c += rollout(sim, i, f);
      if (c < bestCost) {
        bestCost = c;
        best = i;
      }
    }
    return best;
  };
}

/** learn-lookahead's sampled futures: `samples` draws of `future` arrivals from the training part's gaps and jobs. */
export function sampledFutures(rng: Rng, train: readonly BatchJob[], gaps: readonly number[], samples: number, future: number, nodes: number, L: number): Futures {
  return (sim) => {
    const out: Job[][] = [];
    for (let s = 0; s < samples; s++) {
      const f: Job[] = [];
      let t = sim.now;
      for (let m = 0; m < future; m++) {
        t += gaps[rng.int(gaps.length)] as number;
        const j = train[rng.int(train.length)] as BatchJob;
        f.push(makeJob(F1_KEY, t, j.requested, j.requested, Math.min(j.procs, nodes), L + m, -1));
      }
      out.push(f);
    }
    return out;
  };
}
