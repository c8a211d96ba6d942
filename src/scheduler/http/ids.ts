import type { EventRecord } from '../store.js';
import type { AllocateResult, AllocationInfo, PreemptionRecord, ReleaseResult, RequestStatus, SchedulerEvents, SchedulerRejection } from '../types.js';

/**
 * Tenant isolation of ids. The service stores every allocation under `<tenant>~<id>` (ids may not
 * contain `~`, so the split at the last `~` is unambiguous). Two tenants may therefore use the
 * same id without meeting: nothing about another tenant's ids can leak through a `duplicate`
 * (409), a 404 or any other answer. A tenant token names and sees its ids without the prefix;
 * an admin token sees and names the scoped ids (`team-a~job-1`). Where an answer to a tenant
 * refers to another tenant's work (a preemption record), that id is replaced by null.
 */
export const ID_SEPARATOR = '~';

export type Principal = { readonly admin: true; readonly tenant?: string; readonly actor: string } | { readonly admin: false; readonly tenant: string; readonly actor: string };

export function scopedId(tenant: string, id: string): string {
  return `${tenant}${ID_SEPARATOR}${id}`;
}

/** How one principal names ids and sees answers. */
export class IdView {
  private readonly prefix: string | undefined;

  constructor(readonly p: Principal) {
    this.prefix = p.admin ? undefined : `${p.tenant}${ID_SEPARATOR}`;
  }

  /** The stored id a caller means by `id` (a URL parameter). */
  internal(id: string): string {
    return this.prefix === undefined ? id : `${this.prefix}${id}`;
  }

  /** The id as this caller sees it; null for another tenant's id. */
  out(id: string): string | null {
    if (this.prefix === undefined) return id;
    return id.startsWith(this.prefix) ? id.slice(this.prefix.length) : null;
  }

  private own(id: string): string {
    return this.out(id) ?? id;
  }

  /** A message as this caller may read it: its own ids bare, other tenants' ids replaced. */
  private text(s: string): string {
    if (this.prefix === undefined) return s;
    return s.replace(/[^\s'"`]+~[A-Za-z0-9._:@-]+/g, (id) => this.out(id) ?? "another tenant's work");
  }

  allocation(a: AllocationInfo): AllocationInfo {
    return this.prefix === undefined ? a : { ...a, id: this.own(a.id) };
  }

  preemption(r: PreemptionRecord): Omit<PreemptionRecord, 'allocationId' | 'forRequestId'> & { allocationId: string | null; forRequestId: string | null } {
    return this.prefix === undefined ? r : { ...r, allocationId: this.out(r.allocationId), forRequestId: this.out(r.forRequestId), reason: this.text(r.reason) };
  }

  rejection(r: SchedulerRejection): SchedulerRejection {
    return this.prefix === undefined ? r : { ...r, requestId: this.own(r.requestId), message: this.text(r.message) };
  }

  result(r: AllocateResult): unknown {
    switch (r.status) {
      case 'allocated':
      case 'preempted':
        return { ...r, allocation: this.allocation(r.allocation), preempted: r.preempted.map((x) => this.preemption(x)) };
      case 'queued':
        return { ...r, requestId: this.own(r.requestId), reason: this.rejection(r.reason) };
      case 'rejected':
        return { ...r, requestId: this.own(r.requestId), rejection: this.rejection(r.rejection) };
    }
  }

  release(r: ReleaseResult): unknown {
    switch (r.status) {
      case 'released':
        return { ...r, allocation: this.allocation(r.allocation) };
      case 'cancelled':
        return { ...r, requestId: this.own(r.requestId) };
      case 'not-found':
        return { ...r, id: this.own(r.id) };
    }
  }

  status(s: RequestStatus): unknown {
    switch (s.status) {
      case 'allocated':
        return { ...s, allocation: this.allocation(s.allocation) };
      case 'queued':
        return { ...s, requestId: this.own(s.requestId) };
      case 'ended':
      case 'unknown':
        return { ...s, id: this.own(s.id) };
    }
  }

  /** An event's payload as this caller sees it (undefined: not for this caller). */
  event(e: EventRecord): unknown {
    if (this.prefix !== undefined && e.tenant !== null && e.tenant !== (this.p as { tenant: string }).tenant) return undefined;
    if (this.prefix === undefined) return e.data;
    switch (e.type) {
      case 'allocated':
      case 'released':
      case 'expired':
      case 'renewed':
      case 'lost': {
        const d = e.data as SchedulerEvents['released'];
        return { ...d, allocation: this.allocation(d.allocation) };
      }
      case 'preempted': {
        const d = e.data as SchedulerEvents['preempted'];
        return { allocation: this.allocation(d.allocation), record: this.preemption(d.record) };
      }
      case 'queued': {
        const d = e.data as SchedulerEvents['queued'];
        return { ...d, requestId: this.own(d.requestId), reason: this.rejection(d.reason) };
      }
      case 'rejected': {
        const d = e.data as SchedulerEvents['rejected'];
        return { ...d, requestId: this.own(d.requestId), rejection: this.rejection(d.rejection) };
      }
      case 'timed-out':
      case 'cancelled': {
        const d = e.data as SchedulerEvents['timed-out'];
        return { ...d, requestId: this.own(d.requestId) };
      }
      case 'scaled':
      case 'pool-added':
      case 'node-failed':
      case 'node-repaired':
        return e.data;
      default:
        // Another component's event (recordEvent): shown as recorded, to its tenant (or everyone if null).
        return e.data;
    }
  }
}
