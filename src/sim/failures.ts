import type { ClusterState } from '../core/cluster.js';
import { UserError } from '../core/errors.js';
import type { Allocation } from '../core/model.js';
import type { Rng } from '../core/rng.js';
import { EV, type EventLog } from './log.js';

/**
 * Node failures injected by the scenario.
 *
 * - `events`: at time `at`, `count` up nodes of `pool` fail (lowest ids first, so runs are
 *   reproducible); after `repairAfter` seconds they come back (never, if absent).
 * - `random`: failures as a Poisson process over the up nodes, each node failing at rate
 *   1 / mtbf; the node is chosen uniformly with the run's seeded Rng and repaired after
 *   `repairSeconds`. The process's rate is (up nodes) / mtbf: whenever the number of up nodes
 *   changes (a failure, a repair, a node booted or retired) the next failure is drawn again at
 *   the new rate (exact, the exponential having no memory). While every node is down nothing is
 *   drawn until one comes up. It stops once the trace is over and nothing runs, if nothing waits
 *   or no node is due back (failed with a repair to come, or booting): what waits then can never
 *   start, and must not keep the clock going for ever.
 *
 * Work running on a failed node is requeued (counted as `failEvict`), except work whose end
 * (completion or lease expiry) falls at the failure's instant: that ends first, as it would have; the node keeps being billed
 * until it is repaired or removed (a failed VM still costs money until someone replaces it). The
 * autoscaler removes it when it acts on the pool (`planScaleSteps`); its repair, if one was due,
 * then never comes.
 */
export interface FailureSpec {
  readonly events?: readonly { readonly at: number; readonly pool: string; readonly count: number; readonly repairAfter?: number }[];
  readonly random?: { readonly mtbfSeconds: number; readonly repairSeconds: number };
}

interface Hooks {
  /** Schedule `run` at `at`; returns an id for `cancel`. */
  schedule(at: number, run: () => void): number;
  /** Withdraw a scheduled event that has not run (it never runs, and the clock never goes to it). */
  cancel(id: number): void;
  evict(a: Allocation, now: number): void;
  /** A node is about to fail: the work whose end (completion or lease expiry) falls at this instant ends first. */
  endsDue(): void;
  /** A node failed (its work already evicted through `evict`). */
  failed(): void;
  freed(): void;
  /** Work is running. */
  busy(): boolean;
  /** Work is waiting. */
  waiting(): boolean;
}

export class FailureInjector {
  private done = false;
  /** Draws of the random process: a pending draw whose number is not the last one is void. */
  private draw = 0;
  /** Up nodes the pending random draw was made for (0: none pending). */
  private drawnFor = 0;
  /** The kernel event of the pending random draw, if any (withdrawn when voided, so it cannot move the clock). */
  private pendingDraw: number | undefined;
  /** Failed nodes whose repair is scheduled and has not come yet: node id → the repair's event id. */
  private readonly repairsDue = new Map<number, number>();
  /** Of those, the nodes the random process failed (their repairs wind down with it; a scenario event's are kept). */
  private readonly randomRepairs = new Set<number>();

  constructor(
    private readonly spec: FailureSpec | undefined,
    private readonly state: ClusterState,
    private readonly log: EventLog,
    private readonly rng: Rng,
    private readonly hooks: Hooks,
  ) {
    for (const [i, ev] of (spec?.events ?? []).entries()) {
      const pool = state.poolIndex(ev.pool);
      if (pool < 0) throw new UserError(`failure event ${i} names unknown pool '${ev.pool}'`, { field: `failures.events[${i}].pool` });
      hooks.schedule(ev.at, () => {
        const victims = state.upNodes(pool).slice(0, ev.count);
        for (const id of victims) this.fail(id, ev.at, ev.repairAfter);
        this.upChanged(ev.at);
      });
    }
    if (spec?.random !== undefined) this.scheduleRandom(0);
  }

  /** The number of up nodes may have changed (a node booted or was retired): redraw at the new rate. */
  upChanged(now: number): void {
    if (this.spec?.random !== undefined && this.upCount() !== this.drawnFor) this.scheduleRandom(now);
  }

  /**
   * Node `id` was retired (scale-in, or replaced while failed): its pending repair, if any, is
   * withdrawn (it must neither bring the node back nor keep the run going until its time).
   */
  nodeRemoved(id: number, now: number): void {
    const ev = this.repairsDue.get(id);
    if (ev !== undefined) {
      this.repairsDue.delete(id);
      this.randomRepairs.delete(id);
      this.hooks.cancel(ev);
    }
    this.upChanged(now);
  }

  /** The trace has no more arrivals: the random process winds down once nothing runs. */
  streamDone(): void {
    this.done = true;
  }

  /**
   * Once the state at an instant is final (its events handled, the passes run): once the trace
   * is over and nothing runs, if nothing waits (or what waits
   * can never start), the pending random draw is withdrawn. It would otherwise fire later (a
   * mean time between failures of 10⁶ s puts it days after the last job), moving the clock, and
   * with it the run's end and every node's bill, to a failure nothing could notice. For the same
   * reason, if nothing waits, the random process's repairs still to come are withdrawn with it: a
   * node back up 10 hours after the last job ended would stretch the run (and bill every node) to
   * it for nothing. A scenario event's `repairAfter` is kept: it is the scenario's own timeline
   * (and production's, where someone calls repairNode then).
   */
  settle(): void {
    if (!this.done || this.hooks.busy()) return;
    const waiting = this.hooks.waiting();
    if (waiting && !this.stuck()) return;
    if (this.pendingDraw !== undefined) {
      this.hooks.cancel(this.pendingDraw);
      this.pendingDraw = undefined;
      this.draw++;
      this.drawnFor = 0;
    }
    if (waiting) return; // stuck: no repair is due (stuck() says so)
    for (const id of this.randomRepairs) {
      const ev = this.repairsDue.get(id);
      if (ev !== undefined) this.hooks.cancel(ev);
      this.repairsDue.delete(id);
    }
    this.randomRepairs.clear();
  }

  private upCount(): number {
    let n = 0;
    for (let p = 0; p < this.state.pools.length; p++) n += this.state.upNodes(p).length;
    return n;
  }

  private scheduleRandom(from: number): void {
    const r = this.spec?.random;
    if (r === undefined) return;
    const draw = ++this.draw; // voids the pending draw, if any
    if (this.pendingDraw !== undefined) this.hooks.cancel(this.pendingDraw);
    this.pendingDraw = undefined;
    this.drawnFor = 0;
    if (this.done && !this.hooks.busy() && !this.hooks.waiting()) return;
    const up = this.upCount();
    if (up === 0) return; // the next node up draws again (upChanged)
    this.drawnFor = up;
    const at = from + this.rng.exponential(up / r.mtbfSeconds);
    this.pendingDraw = this.hooks.schedule(at, () => {
      if (draw !== this.draw) return;
      this.pendingDraw = undefined;
      this.drawnFor = 0;
      if (this.stuck()) return;
      const ups: number[] = [];
      for (let p = 0; p < this.state.pools.length; p++) ups.push(...this.state.upNodes(p));
      if (ups.length > 0) this.fail(this.rng.pick(ups), at, r.repairSeconds, true);
      this.scheduleRandom(at);
    });
  }

  /**
   * The trace is over, nothing runs, work waits and no node will come back without a failure (no
   * repair is scheduled, none boots): what waits can never start, the process must stop.
   */
  private stuck(): boolean {
    if (!this.done || this.hooks.busy() || !this.hooks.waiting() || this.repairsDue.size > 0) return false;
    for (let p = 0; p < this.state.pools.length; p++) if (this.state.countNodes(p, 'booting') > 0) return false;
    return true;
  }

  private fail(id: number, now: number, repairAfter: number | undefined, random = false): void {
    if (this.state.nodeStatus(id) !== 'up') return;
    // Work done at this instant is done: a failure at the same time cannot evict it (whichever
    // event was scheduled first), as production's failNode cannot evict work already released.
    this.hooks.endsDue();
    // ClusterState's rule, as in production (ResourceScheduler.failNode): the node's work is
    // released in the node's order, then requeued in that order.
    for (const a of this.state.failNode(id)) this.hooks.evict(a, now);
    this.log.push(EV.nodeFail, now, this.state.nodePool(id), id);
    this.hooks.failed();
    if (repairAfter !== undefined) {
      const ev = this.hooks.schedule(now + repairAfter, () => {
        this.repairsDue.delete(id);
        this.randomRepairs.delete(id);
        this.state.bringUp(id);
        this.log.push(EV.nodeUp, now + repairAfter, this.state.nodePool(id), id);
        this.hooks.freed();
        this.upChanged(now + repairAfter);
      });
      this.repairsDue.set(id, ev);
      if (random) this.randomRepairs.add(id);
    }
  }
}
