import type { TypedEmitter } from './emitter.js';
import type { StateChange, StateStore } from './store.js';
import type { AllocationInfo, PreemptionRecord, SchedulerEvents, SchedulerRejection } from './types.js';

/** How a request submitted in this operation was decided (for `allocate` to report on its own). */
export type Outcome =
  | { readonly kind: 'allocated'; readonly allocation: AllocationInfo; readonly preempted: PreemptionRecord[] }
  | { readonly kind: 'rejected'; readonly rejection: SchedulerRejection };

/**
 * One operation in progress: the store changes it made (committed together when it ends) and
 * the events it recorded (emitted after that commit, in the order recorded).
 */
export class Tx {
  readonly changes: StateChange[] = [];
  readonly outcomes = new Map<string, Outcome>();
  /**
   * Allocations started by this operation. Reclaim never picks them: an operation must not
   * evict what it is about to report as allocated.
   */
  readonly started = new Set<string>();
  private readonly pending: (() => void)[] = [];

  /** `now` is the clock (ms) read once when the operation began. */
  constructor(
    readonly now: number,
    private readonly events: TypedEmitter<SchedulerEvents>,
  ) {}

  /** Record an event to emit once the operation has committed. */
  emit<K extends keyof SchedulerEvents>(name: K, payload: SchedulerEvents[K]): void {
    this.pending.push(() => this.events.emit(name, payload));
  }

  /** True when someone listens to `name` (lets callers skip building a payload). */
  listens(name: keyof SchedulerEvents): boolean {
    return this.events.has(name);
  }

  /** Emit the recorded events; a listener's error is rethrown once all of them have run. */
  emitAll(): void {
    let first: { error: unknown } | undefined;
    for (const emit of this.pending) {
      try {
        emit();
      } catch (error) {
        first ??= { error };
      }
    }
    if (first !== undefined) throw first.error;
  }
}

/**
 * How the scheduler runs: every operation is a transaction against the StateStore; background
 * work runs on unref'd timers; an operation that throws midway (or a failed group commit) marks
 * the scheduler broken, and a broken or closed scheduler refuses every further operation.
 *
 * `per-operation`: each operation commits its changes before it returns. `group`: operations
 * stage their changes, and one commit, scheduled for the end of the event-loop turn, covers
 * everything staged; `durable()` resolves once it has happened.
 */
export class Runtime {
  private broken: unknown;
  private closed = false;
  private staged: StateChange[] = [];
  private flushing: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: StateStore,
    private readonly clock: () => number,
    private readonly events: TypedEmitter<SchedulerEvents>,
    private readonly groupCommit: boolean,
    /** Errors thrown by background work (default: rethrown, i.e. an uncaught exception). */
    private readonly onBackgroundError: (error: unknown) => void = rethrow,
  ) {}

  /** False after an operation failed midway or after close(). */
  get healthy(): boolean {
    return this.broken === undefined && !this.closed;
  }

  assertUsable(): void {
    if (this.closed) throw new Error('the scheduler is closed');
    if (this.broken !== undefined) {
      throw new Error(`the scheduler stopped after an internal error (${errorText(this.broken)}); restart it to restore the last committed state from ${this.store.description}`);
    }
  }

  /** Run one operation: mutate, commit (or stage) its changes, then emit its events. */
  run<T>(fn: (tx: Tx) => T): T {
    const tx = new Tx(this.clock(), this.events);
    let result: T;
    try {
      result = fn(tx);
      if (!this.groupCommit) this.store.commit(tx.changes);
      else if (tx.changes.length > 0) {
        for (const c of tx.changes) this.staged.push(c);
        this.durable().catch(() => {}); // schedule the group commit; failures mark the scheduler broken
      }
    } catch (e) {
      this.broken = e;
      throw e;
    }
    tx.emitAll();
    return result;
  }

  /** Resolves once every change made so far is committed; rejects if that commit failed. */
  durable(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken instanceof Error ? this.broken : new Error(String(this.broken)));
    if (this.staged.length === 0) return this.flushing ?? Promise.resolve();
    this.flushing ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.flushing = undefined;
        try {
          this.flush();
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    return this.flushing;
  }

  /** Run `fn` every `ms` on an unref'd timer while the scheduler is healthy; its errors go to onBackgroundError. */
  every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(() => this.background(fn), ms).unref());
  }

  /** Stop the timers, commit anything staged (unless broken), and close the store. Further operations throw. */
  close(): void {
    if (this.closed) return;
    if (this.broken === undefined) this.flush();
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.store.close();
  }

  private background(fn: () => void): void {
    if (this.closed || this.broken !== undefined) return;
    try {
      fn();
    } catch (e) {
      this.onBackgroundError(e);
    }
  }

  /** Commit what is staged (group mode) now. */
  private flush(): void {
    if (this.staged.length === 0) return;
    const batch = this.staged;
    this.staged = [];
    try {
      this.store.commit(batch);
    } catch (e) {
      this.broken = e;
      throw e;
    }
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function rethrow(error: unknown): never {
  throw error;
}
