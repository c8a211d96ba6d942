import type { Allocator } from '../algorithms/allocator.js';
import { decideAndApply, type AppliedDecision } from '../algorithms/decide.js';
import type { ClusterState } from '../core/cluster.js';
import type { Allocation, Request } from '../core/model.js';
import { mayPreempt } from '../core/priority.js';
import { isPermanent } from '../core/rejection.js';
import { staticCompare, type QueuedRequest } from '../queue/policy.js';
import { backfillOffer } from './backfill-step.js';
import { screen, trimmedToQuotas, withinGroups, type GroupCounts, type ScreenHooks } from './admission.js';
import { passedOver, preemptorRank } from './passed-over.js';
import type { EngineRules, PassHooks, PassInput, PassOutcome, PassRejection } from './pass-contract.js';
import { planReclaim, type FairShare } from './quota.js';

export type { EngineRules, EvictionKind, PassHooks, PassInput, PassOutcome, PassRejection } from './pass-contract.js';

/** Chunk sizes of a blocking pass: 1, 4, 16, 64, 256, 256, … */
const FIRST_CHUNK = 1;
const CHUNK_GROWTH = 4;
const MAX_CHUNK = 256;

/**
 * THE scheduling pass, written once; the simulator and the production scheduler both drive it.
 * Rules, in order:
 *
 *  1. **Order.** The queue policy orders the waiting requests (or the driver keeps them sorted
 *     by its static key). With `headOfLine: 'commit'`, the head chosen when it first blocked
 *     stays first until it starts.
 *  2. **Dependencies.** A request whose dependencies have not all completed is not ready: it is
 *     skipped (it holds nothing). One whose dependency failed is rejected (`dependency-failed`).
 *  3a. **Concurrency groups** (`Request.concurrency`, `screen`). Cumulatively in queue order, a
 *     request starts only while fewer than its group's `limit` requests of the group run,
 *     counting the requests of the group admitted before it that this pass offers; otherwise it
 *     keeps waiting (`wait`, never rejected for it) and does not hold the head. Without blocking,
 *     those held only because of what was counted before them are offered again once the decision
 *     is applied (`groupFollowUp`), so a slot that a request which could not start leaves unused
 *     goes to the next in line (as an agent fleet's `max_concurrent_agents` works in production).
 *  3. **Quota admission** (`screen`, admission.ts). Per tenant, cumulatively in queue order: a
 *     request that would put its tenant over its maximum share (counting what the tenant runs and
 *     the requests admitted before it that this pass offers) is skipped (`quota`, it keeps waiting
 *     and does not hold the head), or rejected when its demand alone exceeds the maximum. So no
 *     decision starts more of a tenant than its maximum. Without blocking, a request skipped only
 *     because of what was counted before it is offered once that decision is applied, in a
 *     decision trimmed to the quotas (`followUp`): what did not start holds nothing.
 *  4. **Allocator decision.** Without head-of-line blocking, every ready request is offered in one
 *     decision (only the new ones when nothing was freed since the last pass: capacity only
 *     shrank). With blocking, the ready requests are offered from the head in chunks of 1, 4, 16,
 *     … 256 until one must wait (the allocator gets `blocking: true`; placements behind the first
 *     waiting request are dropped by `decideAndApply`).
 *  5. **Backfilling.** When blocked, the policy's backfilling picks requests behind the head that
 *     may start without delaying it; they are offered in one non-blocking decision that evicts
 *     nothing (`withoutEvictions`: they were checked against the room free now; `backfillOffer`).
 *  6. **Preemption.** Without quotas, preemption is part of the allocator (PreemptingAllocator
 *     wrapped around it); its evictions are reported through `evict`, and `again` asks the driver
 *     for another pass (what they freed beyond the request's need may fit another request). With
 *     blocking, a decision that evicted ends the pass's offer: the evicted work is requeued with
 *     its arrival, so it may be in line before the rest (even before the head); the head, its
 *     reservation and backfilling are chosen by the next pass, with it in the queue.
 *  7. **Reclaim.** With quotas, requests still waiting (only the head when blocking, and then
 *     before rule 5: a backfilled pick must not take room the head then takes by reclaim or
 *     preemption, evicting the pick at the instant it started; without blocking, also
 *     those skipped in rule 3 only for what was counted before them) whose tenant is under its
 *     guarantee and within its maximum reclaim capacity lent to others (`planReclaim`), then, if
 *     still waiting and the rule allows, priority preemption is tried (`rules.preempting`). If
 *     that starts something, `again` asks the driver for another pass. A request that fits some
 *     node as things stand reclaims nothing (`planReclaim`): room already free is the allocator's
 *     to give (room an earlier reclaim or preemption of this pass left is offered by the pass that
 *     `again` asks for). So the node a reclaim frees is the only one the request fits once the
 *     victims are released: the allocator can start it nowhere else, and no victim is evicted
 *     for a request that then starts elsewhere.
 *
 * Permanent rejections leave the queue through `reject`; the rest keep waiting (`wait`).
 */
export class SchedulingPass<E extends QueuedRequest> {
  /** With a `commit` head-of-line policy: the head chosen when it first blocked, until it starts. */
  committedHead: E | undefined;

  private readonly screenHooks: ScreenHooks<E>;
  /** Some decision of the current run evicted work. */
  private evicted = false;
  /** The blocked head of the current run started through reclaim or preemption. */
  private headEscalated = false;
  /** Some decision of the current run left a request that may preempt waiting beside lower-priority preemptible work it started (`passedOver`). */
  private preemptorPassedOver = false;

  constructor(
    readonly rules: EngineRules,
    private readonly hooks: PassHooks<E>,
  ) {
    this.screenHooks = {
      isWaiting: (e) => hooks.isWaiting(e),
      ...(hooks.wait === undefined ? {} : { wait: (e: E, rej: PassRejection) => hooks.wait?.(e, rej) }),
      reject: (e, rej) => this.rejectEntry(e, rej),
    };
  }

  /** The allocator the pass offers its batches to. */
  private get batchAllocator(): Allocator {
    return this.rules.quotas === undefined && this.rules.preempting !== undefined ? this.rules.preempting : this.rules.allocator;
  }

  /**
   * After a node failed: must the next pass offer every waiting request (as if capacity was
   * freed)? It freed none, but with quotas every share is a fraction of the capacity that is up,
   * so the shares shrank with it (and the tenants of its work hold less): a blocking head may now
   * be held for quota, so what is behind it may start, and a request held for quota may start.
   * So with quotas, yes, whether or not the node ran any work; without, only the work it evicted
   * (offered as new) can start. Both drivers ask here (the simulator's failure events,
   * `ResourceScheduler.failNode`).
   */
  nodeFailureOffersAll(): boolean {
    return this.rules.quotas !== undefined;
  }

  /**
   * After a waiting request left the queue without starting (a cancel): must the next pass offer
   * every waiting request? It freed no capacity. Without head-of-line blocking, screening (quotas,
   * dependencies, concurrency groups) or preemption, and with an `exhaustive` allocator, no: every
   * request the last pass left waiting fit no node (the allocator tried it on every node), and
   * capacity only shrank since (a driver offers everything after capacity is freed or added), so
   * offering them again starts nothing, exactly as the pass's own rule for a pass with nothing
   * freed (only newcomers). Otherwise yes: the head (or the request backfilling kept room for)
   * may have left; the request may have been counted before others against a quota or a group,
   * or have dependents to reject now; work started since may be evictable for a waiting request;
   * a batch search may have left a request that fits unplaced.
   */
  leavingOffersAll(): boolean {
    const { policy, quotas, dependencies } = this.rules;
    const screening = quotas !== undefined || dependencies?.used === true || dependencies?.grouped === true;
    return policy.blocking || screening || this.batchAllocator.exhaustive !== true;
  }

  /** Forget the committed head if it is `e` (the driver removed it from the queue). */
  forget(e: E): void {
    if (this.committedHead === e) this.committedHead = undefined;
  }

  run(state: ClusterState, input: PassInput<E>): PassOutcome {
    const { policy, quotas, dependencies } = this.rules;
    const hooks = this.hooks;
    const now = input.now;
    const groups: GroupCounts | undefined = dependencies?.grouped === true ? state : undefined;
    const screening = quotas !== undefined || dependencies?.used === true || groups !== undefined;
    this.evicted = false;
    this.preemptorPassedOver = false;
    if (!policy.blocking && !input.freed && !screening) {
      // Nothing freed since the last pass: only newcomers can start (capacity only shrank).
      const counter = { decisions: 0 };
      this.offer(state, this.inOrder(input.fresh.filter((e) => hooks.isWaiting(e)), now, state), false, counter);
      return { decisions: counter.decisions, again: this.evicted || this.preemptorPassedOver };
    }
    const live = input.sorted ? input.waiting : input.waiting.filter((e) => hooks.isWaiting(e));
    let ordered: readonly E[] = input.sorted ? live : (policy.order(live, now, state) as E[]);
    let from = input.sorted ? (input.from ?? 0) : 0;
    // A committed head displaced from the front goes first, the rest in order: for the blocking
    // offer it is passed as `front` (no copy of the queue at every pass); screening gets the list.
    let front: E | undefined;
    const head = this.committedHead;
    if (head !== undefined && ordered[from] !== head) {
      if (!hooks.isWaiting(head)) this.committedHead = undefined;
      else if (screening) [ordered, from] = [[head, ...ordered.filter((w) => w !== head)], 0];
      else front = head;
    }
    // Without blocking and with nothing freed, only the newcomers are offered (capacity only shrank).
    const offered = !policy.blocking && !input.freed ? new Set(input.fresh) : undefined;
    const counter = { decisions: 0 };
    // Without screening, `ordered` may still hold entries that left the queue: skipped lazily.
    const screened = screening ? screen(ordered, this.rules, this.screenHooks, offered, groups) : undefined;
    this.headEscalated = false;
    // A blocked head is escalated (rule 7) in `decide`, before backfilling.
    if (screened === undefined) this.decide(state, ordered, offered, now, counter, from, front);
    else this.decide(state, screened.ready, offered, now, counter, 0, undefined, groups);
    let still: readonly E[] = [];
    if (screened !== undefined && screened.grouped.length > 0 && !policy.blocking) this.groupFollowUp(state, screened.grouped, counter);
    if (screened !== undefined && quotas !== undefined && !policy.blocking) {
      if (screened.held.length > 0) this.followUp(state, screened.held, counter, groups);
      still = screened.escalate;
    }
    const again = this.escalate(state, still, counter, groups) || this.headEscalated || this.evicted || this.preemptorPassedOver;
    return { decisions: counter.decisions, again };
  }

  /**
   * Rules 4 and 5 over `ready` (policy order); only the entries in `offered` (all when undefined)
   * are offered. A blocked head is escalated (rule 7) before the backfilling. Returns the head,
   * when blocked and still waiting. Those before `from` have left the queue: the
   * blocking offer starts there (not to walk them at every pass; the other cases read all anyway).
   * `front` (blocking only, a waiting entry of `ready`): the committed head, first, and `ready`
   * without it after it.
   */
  private decide(state: ClusterState, ready: readonly E[], offered: ReadonlySet<E> | undefined, now: number, counter: { decisions: number }, from: number, front?: E, groups?: GroupCounts): E | undefined {
    const { policy } = this.rules;
    const hooks = this.hooks;
    if (!policy.blocking) {
      this.offer(state, ready.filter((e) => hooks.isWaiting(e) && (offered === undefined || offered.has(e))), false, counter);
      return undefined;
    }
    const waitingAfter = (e: E): boolean => e !== front && hooks.isWaiting(e);
    let i = from;
    let size = FIRST_CHUNK;
    let blocked = false;
    let pending = front;
    while ((pending !== undefined || i < ready.length) && !blocked) {
      const chunk: E[] = [];
      if (pending !== undefined) chunk.push(pending);
      pending = undefined;
      while (i < ready.length && chunk.length < size) {
        const e = ready[i++] as E;
        if (waitingAfter(e)) chunk.push(e);
      }
      blocked = this.offer(state, chunk, true, counter);
      // Evicted work is requeued, maybe in line before the rest: the next pass (`again`) offers it (rule 6).
      if (this.evicted) return undefined;
      size = Math.min(size * CHUNK_GROWTH, MAX_CHUNK);
    }
    if (!blocked) return undefined;
    let first = front !== undefined && hooks.isWaiting(front) ? front : undefined;
    for (let k = from; k < ready.length && first === undefined; k++) if (waitingAfter(ready[k] as E)) first = ready[k];
    if (first === undefined) return undefined;
    if (policy.headOfLine === 'commit') this.committedHead = first;
    // Rule 7 for the head before rule 5: what the head takes at once by reclaim or preemption must
    // not first go to backfilling (a pick started in its room would be evicted at the instant it
    // started). Started: the pass that `again` asks for offers the rest.
    if (this.escalate(state, [first], counter, groups)) {
      this.headEscalated = true;
      return undefined;
    }
    if (policy.backfill !== undefined) {
      // The waiting entries in order (those before `from` have left): one copy, the head first.
      const rest: E[] = first === front ? [first] : [];
      for (let k = from; k < ready.length; k++) if (waitingAfter(ready[k] as E)) rest.push(ready[k] as E);
      if (rest.length > 1 || policy.backfill.seesHeadAlone === true) {
        const o = backfillOffer(policy.backfill, rest, first, state, now, (e) => hooks.isWaiting(e), this.batchAllocator);
        if (o !== undefined) this.offer(state, o.batch, false, counter, o.allocator);
      }
    }
    return hooks.isWaiting(first) ? first : undefined;
  }

  /**
   * Rule 3's follow-up, without head-of-line blocking: entries held (`quota`) only because the
   * entries counted before them were offered too get their chance once that decision is applied,
   * since what did not start holds nothing. They are admitted one by one on their tenant's usage,
   * which now holds what started, and offered in one decision whose placements are trimmed to the
   * quotas in queue order (`trimmedToQuotas`): a request starts only if its tenant's usage plus
   * what starts before it stays within the maximum, so no decision overruns a maximum. While a trim
   * left room unused, the entries that kept waiting are offered again.
   *
   * A blocking policy has none: every entry counted before its head started (a request no pool can
   * take is refused on arrival), so what it holds before the head is held rightly; behind the head
   * the counted entries wait in line before the held ones, and starting a held one would take
   * quota the head or an entry before it needs, delaying it, which backfilling must never do.
   */
  private followUp(state: ClusterState, held: readonly E[], counter: { decisions: number }, groups: GroupCounts | undefined): void {
    const quotas = this.rules.quotas as FairShare;
    const hooks = this.hooks;
    const trimmed = new Set<string>();
    const allocator = trimmedToQuotas(this.batchAllocator, quotas, trimmed);
    let pending = held;
    for (;;) {
      const admitted = withinGroups(
        pending.filter((e) => hooks.isWaiting(e) && quotas.overMax(e.request) === 0),
        groups,
      );
      if (admitted.length === 0) return;
      trimmed.clear();
      this.offer(state, admitted, false, counter, allocator);
      if (trimmed.size === 0) return;
      pending = admitted.filter((e) => !trimmed.has(e.request.id));
    }
  }

  /**
   * Rule 3a's follow-up, without head-of-line blocking: entries held by their concurrency group
   * only because of the entries counted before them get the slots those left unused (they could
   * not start, so they hold nothing). Screened again (all rules) on the group's running count,
   * which now holds what started, and offered in one decision; then the entries still held that
   * way, and so on. Each round offers at least one entry and leaves it out of the next, so at most
   * `grouped.length` rounds run: what production's `max_concurrent_agents` does, trying pending
   * runs in order until the limit is reached.
   */
  private groupFollowUp(state: ClusterState, grouped: readonly E[], counter: { decisions: number }): void {
    const hooks = this.hooks;
    let pending = grouped;
    while (pending.length > 0) {
      const again = screen(pending, this.rules, this.screenHooks, undefined, state);
      const ready = again.ready.filter((e) => hooks.isWaiting(e));
      if (ready.length === 0) return;
      this.offer(state, ready, false, counter);
      pending = again.grouped;
    }
  }

  /** `subset` of the queue in policy order. */
  private inOrder(subset: E[], now: number, state: ClusterState): E[] {
    if (subset.length < 2) return subset;
    const { staticKey, staticTie } = this.rules.policy;
    if (staticKey === undefined) return this.rules.policy.order(subset, now, state) as E[];
    return subset.sort(staticCompare(staticKey, staticTie));
  }

  /** Offer `batch` (policy order) in one decision and report it; true when some request must wait. */
  private offer(state: ClusterState, batch: readonly E[], blocking: boolean, counter: { decisions: number }, allocator = this.batchAllocator): boolean {
    if (batch.length === 0) return false;
    counter.decisions++;
    const res = decideAndApply(allocator, batch.map((e) => e.request), state, this.hooks.context(blocking), this.idFor(batch));
    this.report(res, batch);
    let mustWait = false;
    let preemptor = Number.POSITIVE_INFINITY;
    res.rejections.forEach((j, k) => {
      const e = batch[res.rejectedAt[k] as number] as E;
      if (isPermanent(j.code)) this.rejectEntry(e, { ...j, permanent: true });
      else {
        this.hooks.wait?.(e, { ...j, permanent: false });
        mustWait = true;
        preemptor = Math.min(preemptor, preemptorRank(e.request));
      }
    });
    if (!this.preemptorPassedOver && passedOver(allocator, res, preemptor)) this.preemptorPassedOver = true;
    return mustWait;
  }

  /** Evictions (booked against the request they were made for), then starts; `batch` as decided. */
  private report(res: AppliedDecision, batch: readonly E[]): void {
    if (res.solver !== undefined) this.hooks.solver?.(res.solver);
    if (res.evicted.length > 0) {
      this.evicted = true;
      const byId = new Map<string, E>();
      for (const e of batch) byId.set(e.request.id, e);
      for (const ev of res.evicted) {
        const forEntry = byId.get(ev.preemption.forRequestId) as E;
        this.hooks.evict(ev.allocation, forEntry, 'priority', ev.preemption.reason);
      }
    }
    res.started.forEach((a, k) => {
      const e = batch[res.startedAt[k] as number] as E;
      this.forget(e);
      this.hooks.start(e, a);
    });
  }

  /** The entries of the decision being applied (for `allocationId`); one function, no closure per decision. */
  private deciding: readonly E[] = [];
  private readonly idOfRequest = (_r: Request, i: number): string => (this.hooks.allocationId as (e: E) => string)(this.deciding[i] as E);

  private idFor(batch: readonly E[]): ((r: Request, i: number) => string) | undefined {
    if (this.hooks.allocationId === undefined) return undefined;
    this.deciding = batch;
    return this.idOfRequest;
  }

  private rejectEntry(e: E, rej: PassRejection): void {
    this.forget(e);
    this.hooks.reject(e, rej);
  }

  /** Rule 7: reclaim, then priority preemption, for entries still waiting (with quotas only). */
  private escalate(state: ClusterState, still: readonly E[], counter: { decisions: number }, groups: GroupCounts | undefined): boolean {
    const { quotas, preempting, allocator } = this.rules;
    if (quotas === undefined) return false;
    const hooks = this.hooks;
    let started = false;
    for (const e of still) {
      if (!hooks.isWaiting(e)) continue;
      const r = e.request;
      if (quotas.overMax(r) !== 0) continue;
      if (groups !== undefined && r.concurrency !== undefined && groups.groupRunning(r.concurrency.group) >= r.concurrency.limit) continue;
      if (quotas.withinGuarantee(r.tenant, r.demand)) {
        const isBorrowed = hooks.isBorrowed ?? (() => false);
        const plan = planReclaim(state, quotas, r, isBorrowed);
        if (plan !== undefined) {
          for (const v of plan.victims) state.release(v.id);
          counter.decisions++;
          const res = decideAndApply(allocator, [r], state, hooks.context(false), this.idFor([e]));
          if (res.started.length > 0) {
            for (const v of plan.victims) hooks.evict(v, e, 'reclaim', `tenant '${r.tenant}' (under its guarantee) reclaims capacity borrowed by '${v.request.tenant}'`);
            this.report(res, [e]);
            started = true;
            continue;
          }
          for (const v of plan.victims) restoreAllocation(state, v);
        }
      }
      if (preempting !== undefined && mayPreempt(r.priority)) {
        counter.decisions++;
        const res = decideAndApply(preempting, [r], state, hooks.context(false), this.idFor([e]));
        if (res.started.length > 0) {
          this.report(res, [e]);
          started = true;
        }
      }
    }
    return started;
  }
}

/** Put an allocation released a moment ago back exactly as it was (nothing else changed since), on the same GPU devices. */
export function restoreAllocation(state: ClusterState, a: Allocation): void {
  state.allocate(a.request, a.nodeId, a.start, a.id, a.devices);
  state.renew(a.id, a.leaseExpiry);
}
