import type { Request } from '../core/model.js';
import { PRIORITIES, type Priority } from '../core/priority.js';
import { LeaseHeap } from './lease-heap.js';
import type { SloCounts, StateChange, StoredWaiting } from './store.js';

/**
 * Queue wait and SLO attainment in production, by the simulator's rule (src/sim/metrics/families.ts,
 * `timing` and `sla`):
 *
 * - wait = first start − arrival (submission), seconds; 0 for a request placed at once. Only the
 *   FIRST start counts: work evicted and requeued (preemption, reclaim, a node failure) keeps its
 *   arrival and is not observed again, as the simulator's `firstStart`.
 * - a request has an SLO when it carries `sloWait` (its own `sloWaitMs`, else its class's
 *   `sloWaitMs[priority]`); it meets it iff it starts with wait ≤ sloWait (the wait to the
 *   microsecond, `waitAt`; 1e-9 s tolerance). A request rejected (any code but `duplicate`, which
 *   names someone else's request) or timed out in the queue misses, as the simulator counts a
 *   rejected or never-started request.
 *
 * When the outcome is decided (the earliest moment it is certain): at the first start; when the
 * request leaves without starting (rejected, timed out); or, while it still waits, once the clock
 * is past arrival + sloWait (then it can only miss): at the next `settle`, which the scheduler runs
 * after each `tick()` has done what fell due. A queued request withdrawn by its owner (`release`,
 * `cancelled`) within its SLO is counted neither way: the service did not fail it, the client gave
 * up (the simulator has no counterpart); withdrawn past it, it had missed (whether a tick decided
 * that first or not).
 *
 * Across restarts (and failovers) the figures cover the service's life as its store keeps it:
 * the counts are committed with every operation that changes them (`takeJournal`, one `slo`
 * change holding all of them) and restored at start, and each queued request keeps what it is
 * still owed (`StoredWaiting.slo`: open, already missed, or requeued after a start), so a request
 * queued before a restart and started (or timed out) after it is counted once, its wait measured
 * from its original submission (its stored `arrival`). A queued request whose outcome `settle`
 * decides has its row rewritten in the same commit (`settle` returns it). Only the waits
 * observed (`drs_wait_seconds`, a histogram) are this process's alone: they start empty at each
 * start, as Prometheus counters may. A store written before these were kept starts the counts at
 * 0, and its queued requests are not counted (whether one had already started once is not known).
 */

/** The SLO wait per priority class, ms (a class left out has no SLO). */
export type SloWaitByClass = Readonly<Partial<Record<Priority, number>>>;

/** Upper bounds (seconds) of `drs_wait_seconds`: placed at once (0), sub-second up to an hour, with the usual SLOs 1 s, 2 s, 30 s, 300 s. */
export const WAIT_BUCKETS: readonly number[] = [0, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** One class's (or all classes') SLO outcomes so far: as the simulator's `SlaClass`, plus `missed`. */
export interface SloClassAttainment {
  /** Requests whose outcome is decided: met + missed. */
  readonly withSlo: number;
  readonly met: number;
  readonly missed: number;
  /** met ÷ withSlo; null when none is decided. */
  readonly attainment: number | null;
}

/** `ResourceScheduler.sloAttainment()`. */
export interface SloAttainment {
  readonly overall: SloClassAttainment;
  readonly byPriority: Readonly<Record<Priority, SloClassAttainment>>;
  /** Requests with an SLO still waiting whose outcome is not decided yet. */
  readonly pending: number;
}

/** Told of every first start (its wait) and every decided SLO outcome, as they happen. */
export interface SloObserver {
  wait?(priority: Priority, seconds: number): void;
  outcome?(priority: Priority, met: boolean): void;
}

interface Followed {
  readonly request: Request;
  /** The SLO outcome is counted (or there is none to count). */
  decided: boolean;
}

/** 1e-9 s, the simulator's tolerance on `wait ≤ sloWait`. */
const TOLERANCE = 1e-9;

/**
 * `r`'s wait at `nowMs`, seconds, to the microsecond. The arrival is epoch seconds (clock ms ÷ 1000),
 * where a double resolves only ~2.4e-7 s: unrounded, a request started exactly 100 ms after it
 * arrived waited 0.10000014305114746 s and missed a 100 ms SLO (and 1.5 s read 1.5000000000000002).
 */
function waitAt(r: Request, nowMs: number): number {
  return Math.round((nowMs / 1000 - r.arrival) * 1e6) / 1e6;
}

/** `r`'s SLO deadline, clock ms (the key of its entry in the deadline heap). */
function deadlineOf(r: Request): number {
  return (r.arrival + (r.sloWait as number)) * 1000;
}

export class SloBook {
  /** Submitted (or restored from the store's queue, still owed a first start) and neither started nor gone, by id (ids are unique among queued and live requests). */
  private readonly followed = new Map<string, Followed>();
  /**
   * SLO deadlines (arrival + sloWait, ms) of followed requests; stale entries (a request started or
   * gone) are skipped when they come to the top, and the heap is rebuilt when they outnumber the
   * followed twice over: `settle` runs only on `tick()`, and with timers off nothing else pops them.
   */
  private deadlines = new LeaseHeap();
  private readonly met = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  private readonly missed = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  private readonly observers = new Set<SloObserver>();
  /** The counts changed since the last `takeJournal`. */
  private changed = false;

  /**
   * Start from what the store kept: the counts so far, and the queued requests whose first start
   * is still to come (`open`, `missed`), followed as if submitted to this process.
   */
  restore(counts: SloCounts | null, waiting: readonly StoredWaiting[]): void {
    for (const p of PRIORITIES) {
      this.met[p] = counts?.met[p] ?? 0;
      this.missed[p] = counts?.missed[p] ?? 0;
    }
    for (const w of [...waiting].sort((a, b) => a.seq - b.seq)) {
      if (w.slo !== 'open' && w.slo !== 'missed') continue;
      const r = w.request;
      const decided = r.sloWait === undefined || w.slo === 'missed';
      this.followed.set(r.id, { request: r, decided });
      if (!decided) this.deadlines.push(deadlineOf(r), r.id);
    }
  }

  /** The store change for the counts, if they changed since the last call (taken at the end of each operation). */
  takeJournal(): StateChange[] {
    if (!this.changed) return [];
    this.changed = false;
    const of = (c: Record<Priority, number>): Partial<Record<Priority, number>> => Object.fromEntries(PRIORITIES.filter((p) => c[p] > 0).map((p) => [p, c[p]]));
    return [{ kind: 'slo', counts: { met: of(this.met), missed: of(this.missed) } }];
  }

  /** A request entered the scheduler (after its id was found free). */
  submitted(r: Request): void {
    this.followed.set(r.id, { request: r, decided: r.sloWait === undefined });
    if (r.sloWait === undefined) return;
    if (this.deadlines.size > 2 * this.followed.size + 64) this.rebuildDeadlines();
    this.deadlines.push(deadlineOf(r), r.id);
  }

  /** The earliest SLO deadline of a request still waiting (clock ms), Infinity if none; it may be stale (started or gone since), which `settle` drops. */
  nextDeadlineAt(): number {
    return this.deadlines.peek()?.at ?? Infinity;
  }

  /** Entries in the deadline heap, stale ones included (tests). */
  get deadlineEntries(): number {
    return this.deadlines.size;
  }

  /** `r` started at `nowMs` (a later start of requeued work is not followed any more: ignored). */
  started(r: Request, nowMs: number): void {
    const f = this.take(r);
    if (f === undefined) return;
    const seconds = Math.max(0, waitAt(r, nowMs));
    for (const o of this.observers) o.wait?.(r.priority, seconds);
    if (!f.decided) this.decide(r.priority, seconds <= (r.sloWait as number) + TOLERANCE);
  }

  /**
   * `r` left without starting at `nowMs`: rejected or timed out (missed), or cancelled by its owner
   * (not counted, unless its SLO had already run out: then it had missed, tick or no tick since).
   */
  left(r: Request, how: 'rejected' | 'timed-out' | 'cancelled', nowMs: number): void {
    const f = this.take(r);
    if (f === undefined || f.decided) return;
    if (how !== 'cancelled' || waitAt(r, nowMs) > (r.sloWait as number) + TOLERANCE) this.decide(r.priority, false);
  }

  /**
   * Every followed request still waiting whose SLO ran out by `nowMs` misses (call once what fell
   * due by then is done). Returns their ids: they still wait, and their queue rows must say so.
   */
  settle(nowMs: number): string[] {
    const out: string[] = [];
    for (;;) {
      const top = this.deadlines.peek();
      if (top === undefined) return out;
      const f = this.followed.get(top.id);
      const live = f !== undefined && !f.decided && deadlineOf(f.request) === top.at;
      if (live && !(waitAt(f.request, nowMs) > (f.request.sloWait as number) + TOLERANCE)) return out;
      this.deadlines.pop();
      if (live) {
        f.decided = true;
        this.decide(f.request.priority, false);
        out.push(top.id);
      }
    }
  }

  /** Outcomes so far, by class and overall. */
  attainment(): SloAttainment {
    const cls = (met: number, missed: number): SloClassAttainment => ({ withSlo: met + missed, met, missed, attainment: met + missed > 0 ? met / (met + missed) : null });
    let met = 0;
    let missed = 0;
    for (const p of PRIORITIES) {
      met += this.met[p];
      missed += this.missed[p];
    }
    let pending = 0;
    for (const f of this.followed.values()) if (!f.decided) pending++;
    return { overall: cls(met, missed), byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, cls(this.met[p], this.missed[p])])) as Record<Priority, SloClassAttainment>, pending };
  }

  /** Returns an unsubscribe function. */
  observe(o: SloObserver): () => void {
    this.observers.add(o);
    return () => void this.observers.delete(o);
  }

  /** The heap again from the undecided requests alone (in their submission order, as pushed). */
  private rebuildDeadlines(): void {
    this.deadlines = new LeaseHeap();
    for (const f of this.followed.values()) if (!f.decided) this.deadlines.push(deadlineOf(f.request), f.request.id);
  }

  private take(r: Request): Followed | undefined {
    const f = this.followed.get(r.id);
    if (f === undefined) return undefined;
    this.followed.delete(r.id);
    return f;
  }

  private decide(p: Priority, met: boolean): void {
    if (met) this.met[p]++;
    else this.missed[p]++;
    this.changed = true;
    for (const o of this.observers) o.outcome?.(p, met);
  }
}
