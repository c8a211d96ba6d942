import type { Allocator, Decision } from '../algorithms/allocator.js';
import type { Request } from '../core/model.js';
import type { Rejection } from '../core/rejection.js';
import type { QueuedRequest } from '../queue/policy.js';
import type { DependencyTracker } from './dependencies.js';
import type { FairShare, QuotaAccount, QuotaRejection } from './quota.js';

/** What rules 2 and 3 let through, in the order given. */
export interface Screened<E> {
  /** Ready to be offered: dependencies completed, within the tenant's maximum. */
  readonly ready: E[];
  /**
   * Offered entries held with `quota` only because of the demand counted before them (on the
   * tenant's usage alone they would be admitted): the follow-up round's candidates.
   */
  readonly held: E[];
  /** `ready` and every entry held only by what was counted before it, in order: rule 7's candidates. */
  readonly escalate: E[];
  /**
   * Offered entries held by their concurrency group only because of the entries admitted before
   * them (on the group's running count alone they would be admitted): offered again once the
   * decision is applied (`SchedulingPass.groupFollowUp`), since what did not start holds no slot.
   */
  readonly grouped: E[];
}

/** How many requests of a concurrency group run now (ClusterState.groupRunning). */
export interface GroupCounts {
  groupRunning(group: string): number;
}

/** How the screening talks back to the pass. */
export interface ScreenHooks<E> {
  isWaiting(e: E): boolean;
  wait?(e: E, rej: QuotaRejection): void;
  reject(e: E, rej: QuotaRejection): void;
}

/**
 * Rules 2 (dependencies), 3a (concurrency groups) and 3 (quota admission) of the pass, over
 * `list` in policy order.
 *
 * Concurrency groups (`Request.concurrency`, given `groups`) count like quotas: an entry is
 * admitted only if the group's running requests plus the entries of the group admitted before it
 * (and offered) stay below its limit:  running(g) + counted(g) < limit. Else it keeps waiting
 * (code `wait`), never rejected for it, and holds nothing.
 *
 * Quota admission is cumulative per tenant so that one decision never starts more of a tenant than
 * its maximum, whichever of the offered entries the allocator places: an entry is admitted only if
 * the tenant's usage (what runs now, including what this pass already started) plus the demand
 * counted before it plus its own stays within the maximum. Only entries that are offered are
 * counted: those in `offered` (all when undefined; a non-blocking pass with nothing freed offers
 * only the newcomers, and the others cannot start in it). (A request no pool can ever take is
 * refused by the driver on arrival and never reaches the queue.)
 *
 * An entry over the maximum on its usage alone keeps waiting (`quota`), or is rejected when its
 * demand alone exceeds the maximum the pools can reach.
 */
export function screen<E extends QueuedRequest>(
  list: readonly E[],
  rules: { readonly quotas?: FairShare | undefined; readonly dependencies?: DependencyTracker | undefined },
  hooks: ScreenHooks<E>,
  offered?: ReadonlySet<E>,
  groups?: GroupCounts,
): Screened<E> {
  const { quotas, dependencies } = rules;
  const deps = dependencies?.used === true ? dependencies : undefined;
  const tenants = new TenantSlots(quotas);
  const ready: E[] = [];
  const held: E[] = [];
  const escalate: E[] = [];
  const grouped: E[] = [];
  const counted = groups === undefined ? undefined : new Map<string, number>();
  for (const e of list) {
    if (!hooks.isWaiting(e)) continue;
    const r = e.request;
    if (deps !== undefined && r.dependsOn !== undefined) {
      const v = deps.check(r);
      if (v.kind === 'failed') {
        hooks.reject(e, { requestId: r.id, code: 'dependency-failed', permanent: true, message: `request '${v.on}' it depends on ${v.how}` });
        continue;
      }
      if (v.kind === 'held') {
        hooks.wait?.(e, { requestId: r.id, code: 'wait', permanent: false, message: `waiting for request '${v.on}' it depends on to complete` });
        continue;
      }
    }
    const group = r.concurrency;
    const counts = offered === undefined || offered.has(e);
    if (group !== undefined && groups !== undefined) {
      const running = groups.groupRunning(group.group);
      const before = (counted as Map<string, number>).get(group.group) ?? 0;
      if (running + before >= group.limit) {
        hooks.wait?.(e, { requestId: r.id, code: 'wait', permanent: false, message: `waiting for a slot of concurrency group '${group.group}' (${running} of its limit ${group.limit} running)` });
        if (counts && running < group.limit) grouped.push(e);
        continue;
      }
    }
    if (quotas !== undefined) {
      const slot = tenants.of(r.tenant);
      const ex = slot.extra;
      const over = quotas.overMaxIn(slot.account, r, ex);
      if (over !== 0) {
        // The rejection (and its message) only where it is used: refused, or a driver that shows why.
        if (over === 2) {
          hooks.reject(e, quotas.checkMax(r, ex) as QuotaRejection);
          continue;
        }
        if (hooks.wait !== undefined) hooks.wait(e, quotas.checkMax(r, ex) as QuotaRejection);
        const alone = ex === undefined || quotas.overMaxIn(slot.account, r) !== 0;
        if (!alone) {
          escalate.push(e);
          if (counts) held.push(e);
        }
        continue;
      }
      if (counts) {
        const add = ex ?? new Float64Array(r.demand.length);
        for (let d = 0; d < add.length; d++) add[d] = (add[d] as number) + (r.demand[d] as number);
        slot.extra = add;
      }
      escalate.push(e);
    }
    if (group !== undefined && counted !== undefined && counts) counted.set(group.group, (counted.get(group.group) ?? 0) + 1);
    ready.push(e);
  }
  return { ready, held, escalate, grouped };
}

/** `list` (queue order) cut to what each entry's concurrency group admits: running + counted before it < limit. */
export function withinGroups<E extends QueuedRequest>(list: E[], groups: GroupCounts | undefined): E[] {
  if (groups === undefined) return list;
  const counted = new Map<string, number>();
  return list.filter((e) => {
    const c = e.request.concurrency;
    if (c === undefined) return true;
    const n = counted.get(c.group) ?? 0;
    if (groups.groupRunning(c.group) + n >= c.limit) return false;
    counted.set(c.group, n + 1);
    return true;
  });
}

/** Per tenant, for one screening: its quota account and the demand counted so far. */
interface TenantSlot {
  readonly tenant: string;
  readonly account: QuotaAccount;
  extra: Float64Array | undefined;
}

/**
 * The slots of the tenants met in one screening, found by a scan of the first few (a pass checks
 * every waiting request, and fleets have few tenants) and by a map beyond them.
 */
class TenantSlots {
  private readonly few: TenantSlot[] = [];
  private readonly many = new Map<string, TenantSlot>();

  constructor(private readonly quotas: FairShare | undefined) {}

  of(tenant: string): TenantSlot {
    const few = this.few;
    for (let i = 0; i < few.length; i++) if ((few[i] as TenantSlot).tenant === tenant) return few[i] as TenantSlot;
    let slot = this.many.get(tenant);
    if (slot === undefined) {
      slot = { tenant, account: (this.quotas as FairShare).account(tenant), extra: undefined };
      if (few.length < 8) few.push(slot);
      else this.many.set(tenant, slot);
    }
    return slot;
  }
}

/**
 * `inner` with its placements trimmed to the quotas: in request order, a placement that would take
 * its tenant over its maximum (usage plus what the decision places before it) becomes a `quota`
 * wait, and its request id is added to `trimmed`. For decisions on requests admitted one by one
 * (the follow-up rounds), so that such a decision cannot overrun a maximum either. Fewer placements
 * keep a decision valid; preemptions are kept as they are (only a strategy that preempts inside
 * its decision makes any, and later placements may use what they free).
 */
export function trimmedToQuotas(inner: Allocator, quotas: FairShare, trimmed: Set<string>): Allocator {
  return {
    name: inner.name,
    allocate: (requests, cluster, ctx) => trim(inner.allocate(requests, cluster, ctx), requests, quotas, trimmed),
  };
}

function trim(decision: Decision, requests: readonly Request[], quotas: FairShare, trimmed: Set<string>): Decision {
  if (decision.placements.length === 0) return decision;
  const placed = new Set<string>();
  for (const p of decision.placements) placed.add(p.requestId);
  const extra = new Map<string, Float64Array>();
  const over: Rejection[] = [];
  for (const r of requests) {
    if (!placed.has(r.id)) continue;
    const ex = extra.get(r.tenant);
    const q = quotas.checkMax(r, ex);
    if (q !== undefined) {
      const { permanent: _, ...rej } = q;
      over.push(rej);
      trimmed.add(r.id);
      continue;
    }
    const add = ex ?? new Float64Array(r.demand.length);
    for (let d = 0; d < add.length; d++) add[d] = (add[d] as number) + (r.demand[d] as number);
    extra.set(r.tenant, add);
  }
  if (over.length === 0) return decision;
  return { ...decision, placements: decision.placements.filter((p) => !trimmed.has(p.requestId)), rejections: [...decision.rejections, ...over] };
}
