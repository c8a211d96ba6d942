import { EndHeap } from '../core/end-heap.js';
import type { PlannerSpec } from '../core/planner-spec.js';
import { estimatedDuration } from '../core/model.js';
import { Rng } from '../core/rng.js';
import { F1_KEY } from './keys.js';
import { MAX_FEATURE_SECONDS, type Release } from './learned-free.js';
import type { QueuedRequest } from './policy.js';

/** The bounded-slowdown threshold (seconds) of the rollouts' cost, as the reference protocol's. */
const TAU = 10;

/** A job in a rollout: submit, requested seconds, width, F1 key, queue rank. */
interface Job {
  readonly submit: number;
  readonly req: number;
  readonly width: number;
  readonly key: number;
  readonly seq: number;
}

const before = (a: Job, b: Job): boolean => a.key < b.key || (a.key === b.key && a.seq < b.seq);

/**
 * The planner of a queue model (`planner` in its file; src/core/planner-spec.ts): at a pick among
 * two or more candidates, for each of F1's first K candidates, simulate "this job now, then F1 for
 * everything else" under S futures drawn from the model's workload (the same S for every
 * candidate), and take the candidate with the least total bounded slowdown of the simulated jobs;
 * ties go to F1's order. The simulation is the reference protocol without backfilling on one
 * machine of the up nodes' summed width (exact on the protocol's one node): head-of-line blocking
 * with a committed head, requested durations, running jobs until their requested ends, an
 * arrival before a completion at the same time.
 *
 * A pick is a function of what it is given: the draws are seeded from the model's seed, the time
 * and the K candidates' ids, so the simulator and a production scheduler that see the same queue
 * and machine pick the same job.
 */
export class RolloutPlanner {
  /** Picks planned (each one K × S rollouts), for tests and diagnostics. */
  picks = 0;

  constructor(readonly spec: PlannerSpec) {}

  /**
   * The job to take, as an index into `cand` followed by `others` (an index ≥ cand.length is
   * others[index − cand.length]): F1's first K of all of them are rolled out, as round 14's
   * teacher ranked every waiting job (of those no wider than `capacity`: the others cannot start
   * on this machine, and are taken only when no job can). `releases`: the width each running job
   * (and each pick of this pass that starts) gives back at its requested end; `capacity`: the
   * machine's width.
   */
  pick(cand: readonly QueuedRequest[], others: readonly QueuedRequest[], now: number, freeWidth: number, capacity: number, releases: readonly Release[], dim: number): number {
    const given = cand.concat(others);
    const jobs = given.map((q) => asJob(q, dim));
    const byF1 = [...jobs.keys()].sort((a, b) => (before(jobs[a] as Job, jobs[b] as Job) ? -1 : before(jobs[b] as Job, jobs[a] as Job) ? 1 : 0));
    // A job wider than the machine (production: nodes down or booting) never starts in a rollout,
    // and what never starts costs nothing: taken first, it blocked every rollout at cost 0, and the
    // queue was committed to a head that cannot start. The rollouts are of the jobs that can.
    const startable = capacity > 0 ? byF1.filter((i) => (jobs[i] as Job).width <= capacity) : byF1;
    const k = Math.min(this.spec.candidates, startable.length);
    if (k < 2) return startable[0] ?? byF1[0] ?? 0;
    this.picks++;
    const base = new Roll(now, freeWidth);
    for (const r of releases) base.push(Math.max(now, r.end), r.width);
    base.waiting = startable.map((i) => jobs[i] as Job);
    const top = startable.slice(0, k);
    const futures = this.futures(now, capacity, top.map((i) => (given[i] as QueuedRequest).request.id), jobs);
    let best = top[0] as number;
    let bestCost = Infinity;
    top.forEach((i, at) => {
      let cost = 0;
      for (const f of futures) {
        const s = base.clone();
        s.take(at);
        s.pass();
        s.run(f);
        cost += s.cost;
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = i;
      }
    });
    return best;
  }

  /**
   * The S futures of a pick at `now` with these K candidates (ids): `future` arrivals each, gaps
   * and jobs drawn from the workload (public for tests).
   */
  futures(now: number, capacity: number, ids: readonly string[], waiting: readonly Job[]): Job[][] {
    const { samples, future, seed, workload } = this.spec;
    // The time in ms: a production clock counts ms, and the simulator's seconds may differ from it
    // in the last bits, which must not change the draws.
    const rng = new Rng(`${seed}|${Math.round(now * 1000)}|${ids.join(',')}`);
    let seq = 0;
    for (const j of waiting) seq = Math.max(seq, j.seq + 1);
    const out: Job[][] = [];
    for (let s = 0; s < samples; s++) {
      const f: Job[] = [];
      let t = now;
      for (let m = 0; m < future; m++) {
        t += workload.gaps[rng.int(workload.gaps.length)] as number;
        const [width, req] = workload.jobs[rng.int(workload.jobs.length)] as readonly [number, number];
        f.push(makeJob(t, req, capacity > 0 ? Math.min(width, capacity) : width, seq + m));
      }
      out.push(f);
    }
    return out;
  }
}

function makeJob(submit: number, req: number, width: number, seq: number): Job {
  return { submit, req, width, key: F1_KEY.key({ submit, requested: req, procs: width }, 0), seq };
}

function asJob(q: QueuedRequest, dim: number): Job {
  const req = Math.min(MAX_FEATURE_SECONDS, Math.max(0, estimatedDuration(q.request)));
  return makeJob(q.request.arrival, req, q.request.demand[dim] ?? 0, q.seq);
}

/** One rollout's state: the protocol without backfilling, one machine, F1 order. */
class Roll {
  head: Job | undefined;
  waiting: Job[] = [];
  cost = 0;
  /** Running jobs by end: the width each gives back. */
  private running = new EndHeap<number>();

  constructor(
    private now: number,
    private free: number,
  ) {}

  clone(): Roll {
    const c = new Roll(this.now, this.free);
    c.head = this.head;
    c.waiting = this.waiting.slice();
    c.running = this.running.clone();
    return c;
  }

  push(end: number, width: number): void {
    this.running.push(end, width);
  }

  private start(j: Job): void {
    this.free -= j.width;
    this.running.push(this.now + j.req, j.width);
    this.cost += Math.max(1, (this.now - j.submit + j.req) / Math.max(j.req, TAU));
  }

  /** Take waiting[i]: it starts if it fits, else it becomes the committed head. */
  take(i: number): void {
    const j = this.waiting.splice(i, 1)[0] as Job;
    if (j.width <= this.free) this.start(j);
    else this.head = j;
  }

  /** Start the head, then jobs in F1 order, until one does not fit (it becomes the head). */
  pass(): void {
    for (;;) {
      if (this.head !== undefined) {
        if (this.head.width > this.free) return;
        this.start(this.head);
        this.head = undefined;
      }
      if (this.waiting.length === 0) return;
      this.take(0);
    }
  }

  private enqueue(j: Job): void {
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

  /** Play the arrivals (in submit order), then every completion, with a pass after each event. */
  run(arrivals: readonly Job[]): void {
    for (let next = 0; ; ) {
      const a = arrivals[next];
      const tA = a === undefined ? Infinity : Math.max(a.submit, this.now);
      while (this.running.first < tA) {
        this.now = this.running.first;
        this.free += this.running.pop();
        this.pass();
      }
      if (a === undefined) return;
      this.now = tA;
      next++;
      this.enqueue(a);
      this.pass();
    }
  }
}
