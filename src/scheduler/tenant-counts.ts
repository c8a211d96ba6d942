/**
 * How many items (live allocations, or queued requests) each tenant has, kept up to date as they
 * come and go, so a read is O(1) instead of a walk over all of them. A tenant whose count falls
 * to zero is dropped, so the map holds only tenants with something live.
 */
export class TenantCounts {
  private readonly counts = new Map<string, number>();

  add(tenant: string): void {
    this.counts.set(tenant, (this.counts.get(tenant) ?? 0) + 1);
  }

  /** One item of `tenant` went; a tenant without any is a bug in the caller's books. */
  remove(tenant: string): void {
    const n = this.counts.get(tenant);
    if (n === undefined) throw new Error(`tenant count: '${tenant}' has nothing to remove`);
    if (n <= 1) this.counts.delete(tenant);
    else this.counts.set(tenant, n - 1);
  }

  of(tenant: string): number {
    return this.counts.get(tenant) ?? 0;
  }

  /**
   * The counts against a full recount of `tenants` (one entry per item): `fail` names the first
   * tenant whose count differs. For invariant checks.
   */
  check(tenants: Iterable<string>, what: string, fail: (msg: string) => never): void {
    const recount = new Map<string, number>();
    for (const t of tenants) recount.set(t, (recount.get(t) ?? 0) + 1);
    for (const [t, n] of recount) if (this.counts.get(t) !== n) fail(`tenant ${t} has ${n} ${what} but its count says ${this.counts.get(t) ?? 0}`);
    for (const [t, n] of this.counts) if (!recount.has(t)) fail(`tenant ${t} has no ${what} but its count says ${n}`);
  }
}
