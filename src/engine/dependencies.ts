import { UserError } from '../core/errors.js';
import type { Request } from '../core/model.js';

/** What became of a request others may depend on. */
export type DependencyState = 'pending' | 'completed' | 'failed';

/** Why a waiting request may not start yet, or must be rejected. */
export type DependencyVerdict = { readonly kind: 'ready' } | { readonly kind: 'held'; readonly on: string } | { readonly kind: 'failed'; readonly on: string; readonly how: string };

const READY: DependencyVerdict = { kind: 'ready' };

/**
 * The dependency rule of the scheduling pass (`Request.dependsOn`).
 *
 * - A request may start only once every request it depends on has **completed** (finished its
 *   work; in production: released by its owner). Until then it waits and does not hold the head
 *   of the queue (it is not ready, as if it had not arrived yet).
 * - If a dependency **failed** (rejected, lease expired before the work was done, timed out in
 *   the queue, or itself failed through a dependency), the dependent is rejected with code
 *   `dependency-failed`, naming the dependency; so failure propagates down the DAG.
 * - A dependency must be **known when the dependent arrives** (submitted earlier). An unknown id
 *   or a request depending on itself is a UserError; since dependencies always point to earlier
 *   requests, a cycle cannot form (a cycle in a scenario file shows up as an unknown id at its
 *   first request, and `checkDependencyGraph` names the whole cycle up front).
 *
 * Memory: one entry per request id seen (ids are the trace's own).
 */
export class DependencyTracker {
  private readonly state = new Map<string, DependencyState>();
  private readonly how = new Map<string, string>();

  /**
   * @param lookup where ids this tracker has not seen are found (production: the scheduler's
   *   queue, live allocations and recently ended ids); undefined = unknown.
   */
  constructor(private readonly lookup?: (id: string) => { readonly state: DependencyState; readonly how?: string } | undefined) {}
  /** Some request named a dependency (until then the pass need not look). */
  used = false;
  /** Some request named a concurrency group (`Request.concurrency`; until then the pass need not count). */
  grouped = false;

  /** Record a new request (call at arrival, before `check`). Throws UserError on a bad reference. */
  arrive(r: Request): void {
    this.validate(r);
    if (!this.state.has(r.id)) this.state.set(r.id, 'pending');
  }

  /** Check `r`'s references without recording it (production: ids live in the scheduler). */
  validate(r: Request): void {
    const c = r.concurrency;
    if (c !== undefined) {
      if (typeof c.group !== 'string' || c.group === '') throw new UserError(`request '${r.id}': concurrency.group must be a non-empty name`, { field: 'concurrency.group' });
      if (!Number.isInteger(c.limit) || c.limit < 1) throw new UserError(`request '${r.id}': concurrency.limit must be a whole number ≥ 1, got ${String(c.limit)}`, { field: 'concurrency.limit' });
      this.grouped = true;
    }
    const deps = r.dependsOn;
    if (deps !== undefined && deps.length > 0) this.used = true;
    for (const d of deps ?? []) {
      if (d === r.id) throw new UserError(`request '${r.id}' depends on itself`, { field: 'dependsOn' });
      if (this.stateOf(d) === undefined) {
        throw new UserError(`request '${r.id}' depends on unknown request '${d}' (a dependency must be submitted before its dependents)`, { field: 'dependsOn' });
      }
    }
  }

  /** Mark an id as known without a request (production: ids the scheduler already ended). */
  remember(id: string, s: DependencyState): void {
    this.state.set(id, s);
  }

  completed(id: string): void {
    this.state.set(id, 'completed');
  }

  failed(id: string, how: string): void {
    this.state.set(id, 'failed');
    this.how.set(id, how);
  }

  stateOf(id: string): DependencyState | undefined {
    return this.state.get(id) ?? this.lookup?.(id)?.state;
  }

  private howOf(id: string): string {
    return this.how.get(id) ?? this.lookup?.(id)?.how ?? 'failed';
  }

  /** May `r` start now? (`ready` also for requests without dependencies.) */
  check(r: Request): DependencyVerdict {
    const deps = r.dependsOn;
    if (deps === undefined || deps.length === 0) return READY;
    let held: string | undefined;
    for (const d of deps) {
      const s = this.stateOf(d);
      if (s === 'failed') return { kind: 'failed', on: d, how: this.howOf(d) };
      if (s !== 'completed' && held === undefined) held = d;
    }
    return held === undefined ? READY : { kind: 'held', on: held };
  }
}

/**
 * Check a whole set of requests up front (scenario files): every `dependsOn` id names a request
 * of the set, and the graph has no cycle. Throws UserError naming the unknown id or the cycle.
 * Iterative three-colour depth-first search, O(requests + edges).
 */
export function checkDependencyGraph(requests: readonly Pick<Request, 'id' | 'dependsOn'>[]): void {
  const byId = new Map<string, Pick<Request, 'id' | 'dependsOn'>>();
  for (const r of requests) byId.set(r.id, r);
  for (const r of requests) {
    for (const d of r.dependsOn ?? []) {
      if (!byId.has(d)) throw new UserError(`request '${r.id}' depends on unknown request '${d}'`, { field: 'dependsOn' });
    }
  }
  const colour = new Map<string, 1 | 2>();
  for (const root of requests) {
    if (colour.has(root.id)) continue;
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    colour.set(root.id, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number };
      const deps = byId.get(top.id)?.dependsOn ?? [];
      if (top.next >= deps.length) {
        colour.set(top.id, 2);
        stack.pop();
        continue;
      }
      const d = deps[top.next++] as string;
      const c = colour.get(d);
      if (c === 1) {
        const from = stack.findIndex((s) => s.id === d);
        const cycle = [...stack.slice(from).map((s) => s.id), d];
        throw new UserError(`dependency cycle: ${cycle.join(' → ')}`, { field: 'dependsOn' });
      }
      if (c === undefined) {
        colour.set(d, 1);
        stack.push({ id: d, next: 0 });
      }
    }
  }
}
