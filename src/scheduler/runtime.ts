import type { TypedEmitter } from './emitter.js';
import { eventTenant } from './event-log.js';
import type { EventRecord, EventType, StateChange, StateStore } from './store.js';
import type { AllocationInfo, PreemptionRecord, SchedulerEvents, SchedulerRejection } from './types.js';

/** How a request submitted in this operation was decided (for `allocate` to report on its own). */
export type Outcome =
  | { readonly kind: 'allocated'; readonly allocation: AllocationInfo; readonly preempted: PreemptionRecord[] }
  /** `reported`: the pass already emitted the `rejected` event (in decision order) and remembered the id as ended. */
  | { readonly kind: 'rejected'; readonly rejection: SchedulerRejection; readonly reported?: boolean };

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
  /** The events recorded, in order (for the event log). */
  readonly recorded: { readonly type: EventType; readonly payload: unknown }[] = [];

  /** `now` is the clock (ms) read once when the operation began. */
  constructor(
    readonly now: number,
    private readonly events: TypedEmitter<SchedulerEvents>,
    /** Every event goes to the event log, so payloads are always built. */
    private readonly logging = true,
  ) {}

  /** Record an event to emit once the operation has committed. */
  emit<K extends keyof SchedulerEvents>(name: K, payload: SchedulerEvents[K]): void {
    this.recorded.push({ type: name, payload });
  }

  /** True when the event would be used (the event log takes all of them). */
  listens(name: keyof SchedulerEvents): boolean {
    return this.logging || this.events.has(name);
  }

  /** Emit the recorded events; a listener's error is rethrown once all of them have run. */
  emitAll(): void {
    let first: { error: unknown } | undefined;
    for (const { type, payload } of this.recorded) {
      try {
        this.events.emit(type, payload as SchedulerEvents[typeof type]);
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
 * everything staged; `durable()` resolves once it has happened. With a store that has
 * `commitAsync` (SQLite's WAL flush on a libuv thread, PostgreSQL) that commit's wait runs off
 * the event loop, and operations keep being served (and staged for the next commit) while it is
 * in flight. Commits never overlap, except on a `pipelined` store, which applies them in order
 * at once and settles them in order once durable (the next group is applied while the previous
 * one's fsync runs).
 *
 * Besides each operation's own changes, the runtime collects the changes recorded by the
 * journals (the wait queue, the ended-ids memory) and one `event` change per event (the event
 * log, ids consecutive from the last committed one). Listeners of `onCommitted` get the event
 * records once their commit is durable (the SSE stream).
 */
export class Runtime {
  private broken: unknown;
  private closed = false;
  private staged: StateChange[] = [];
  private stagedRecords: EventRecord[] = [];
  /** The commit scheduled for what is staged now (not yet started). */
  private pending: Promise<void> | undefined;
  /** The latest commit started or scheduled. */
  private inflight: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly journals: (() => StateChange[])[] = [];
  private readonly committedListeners = new Set<(records: readonly EventRecord[]) => void>();
  private readonly failureListeners = new Set<(error: unknown) => void>();
  /** Id of the last event recorded. */
  lastEventId = 0;

  constructor(
    private readonly store: StateStore,
    private readonly clock: () => number,
    private readonly events: TypedEmitter<SchedulerEvents>,
    private readonly groupCommit: boolean,
    /** Errors thrown by background work (default: rethrown, i.e. an uncaught exception). */
    private readonly onBackgroundError: (error: unknown) => void = rethrow,
  ) {
    if (store.asyncOnly === true && !groupCommit) throw new Error(`${store.description} commits asynchronously: use durability 'group'`);
  }

  /** Operations running (`run` nested in one: a read's catch-up is skipped there). */
  private depth = 0;

  /** The clock, ms (what the next transaction's `now` will be). */
  now(): number {
    return this.clock();
  }

  /** False after an operation failed midway or after close(). */
  get healthy(): boolean {
    return this.broken === undefined && !this.closed;
  }

  /** Why the scheduler stopped (undefined while healthy). */
  get failure(): unknown {
    return this.broken;
  }

  assertUsable(): void {
    if (this.closed) throw new Error('the scheduler is closed');
    if (this.broken !== undefined) {
      throw new Error(`the scheduler stopped after an internal error (${errorText(this.broken)}); restart it to restore the last committed state from ${this.store.description}`);
    }
  }

  /** Collect the changes a journal recorded, at the end of every operation. */
  addJournal(take: () => StateChange[]): void {
    this.journals.push(take);
  }

  /** `fn` gets the event records of every commit once it is durable. Returns an unsubscribe function. */
  onCommitted(fn: (records: readonly EventRecord[]) => void): () => void {
    this.committedListeners.add(fn);
    return () => this.committedListeners.delete(fn);
  }

  /**
   * `fn` gets the error once, when the scheduler stops after an internal error or a failed commit
   * (on a later turn of the event loop, not inside the operation that failed). A PostgreSQL
   * leader gives up the lead then, so that a standby restores the last committed state.
   */
  onFailure(fn: (error: unknown) => void): () => void {
    this.failureListeners.add(fn);
    return () => this.failureListeners.delete(fn);
  }

  /** Stage changes that belong to no operation (audit records); committed with the next commit. */
  append(changes: readonly StateChange[]): void {
    this.assertUsable();
    if (!this.groupCommit) {
      this.commitNow([...changes], []);
      return;
    }
    for (const c of changes) this.staged.push(c);
    this.durable().catch(() => {});
  }

  /**
   * Append an event that is no change of the scheduler's own (another component's, e.g. agent
   * state) to the event log: it gets the next id, is committed like any change (staged in group
   * mode), and reaches `onCommitted` listeners (the SSE stream) once durable.
   */
  record(type: string, tenant: string | null, data: unknown): EventRecord {
    const event: EventRecord = { id: ++this.lastEventId, type, tenant, atMs: this.clock(), data };
    if (!this.groupCommit) this.commitNow([{ kind: 'event', event }], [event]);
    else {
      this.staged.push({ kind: 'event', event });
      this.stagedRecords.push(event);
      this.durable().catch(() => {});
    }
    return event;
  }

  /** Run one operation: mutate, commit (or stage) its changes, then emit its events. */
  run<T>(fn: (tx: Tx) => T): T {
    const tx = new Tx(this.clock(), this.events);
    let result: T;
    this.depth++;
    try {
      result = fn(tx);
      for (const take of this.journals) for (const c of take()) tx.changes.push(c);
      const records: EventRecord[] = [];
      for (const { type, payload } of tx.recorded) {
        const event: EventRecord = { id: ++this.lastEventId, type, tenant: eventTenant(type, payload as SchedulerEvents[typeof type]), atMs: tx.now, data: payload };
        records.push(event);
        tx.changes.push({ kind: 'event', event });
      }
      if (!this.groupCommit) this.commitNow(tx.changes, records);
      else if (tx.changes.length > 0) {
        for (const c of tx.changes) this.staged.push(c);
        for (const r of records) this.stagedRecords.push(r);
        this.durable().catch(() => {}); // schedule the group commit; failures mark the scheduler broken
      }
    } catch (e) {
      this.fail(e);
      throw e;
    } finally {
      this.depth--;
    }
    tx.emitAll();
    return result;
  }

  /**
   * An operation is running (its `fn`, up to its commit; not its listeners, which run after): a
   * read made now, from an observer called mid-operation, must not start a transaction of its own.
   */
  get inOperation(): boolean {
    return this.depth > 0;
  }

  /** Resolves once every change made so far is committed; rejects if that commit failed. */
  durable(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(asError(this.broken));
    if (this.staged.length === 0) return this.inflight;
    this.pending ??= this.scheduleCommit();
    return this.pending;
  }

  /**
   * Run `fn` every `ms` on an unref'd timer while the scheduler is healthy; its errors go to
   * onBackgroundError. With `atStart`, also once at the next turn of the event loop.
   */
  every(ms: number, fn: () => void, atStart = false): void {
    if (atStart) this.timers.push(setTimeout(() => this.background(fn), 0).unref());
    this.timers.push(setInterval(() => this.background(fn), ms).unref());
  }

  /**
   * Stop the timers and refuse further operations. A synchronous store commits what is staged
   * and closes at once; an asynchronous one finishes in the background (use `shutdown` to wait).
   */
  close(): void {
    if (this.closed) return;
    this.stopTimers();
    if (this.store.asyncOnly === true) {
      void this.finish().catch(() => {});
      return;
    }
    // A store that can commit synchronously: let a commit in flight finish, commit the rest now.
    this.store.drainSync?.();
    if (this.broken === undefined && this.staged.length > 0) this.commitStaged();
    void this.store.close();
  }

  /** Stop the timers, refuse further operations, commit what is staged, wait for it, close the store. */
  async shutdown(): Promise<void> {
    if (this.closed) return this.finishing ?? Promise.resolve();
    this.stopTimers();
    await this.finish();
  }

  private finishing: Promise<void> | undefined;

  private finish(): Promise<void> {
    this.finishing ??= (async () => {
      try {
        if (this.broken === undefined) await this.durable();
        else await this.inflight.catch(() => {});
      } finally {
        await this.store.close();
      }
    })();
    return this.finishing;
  }

  private stopTimers(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  private background(fn: () => void): void {
    if (this.closed || this.broken !== undefined) return;
    try {
      fn();
    } catch (e) {
      this.onBackgroundError(e);
    }
  }

  private scheduleCommit(): Promise<void> {
    const previous = this.inflight;
    // A pipelined store applies overlapping commits in call order and settles them in that
    // order, so the next commit starts while the previous one's fsync is still running.
    const pipelined = this.store.pipelined === true && this.store.commitAsync !== undefined;
    const p = (async () => {
      if (!pipelined) await previous.catch(() => {}); // one commit at a time, in order
      await new Promise<void>((resolve) => setImmediate(resolve)); // gather the rest of this turn
      this.pending = undefined;
      if (this.broken !== undefined) throw asError(this.broken);
      const batch = this.staged;
      const records = this.stagedRecords;
      this.staged = [];
      this.stagedRecords = [];
      let done: Promise<void> | undefined;
      try {
        if (batch.length > 0) {
          if (this.store.commitAsync !== undefined) done = this.store.commitAsync(batch);
          else this.store.commit(batch);
        }
      } catch (e) {
        this.fail(e);
        throw asError(e);
      }
      // Mark the scheduler broken as soon as the commit fails (not only when it is awaited).
      done?.catch((e: unknown) => this.fail(e));
      if (pipelined) await previous; // settle in order; an earlier failure fails this one too
      try {
        await done;
      } catch (e) {
        this.fail(e);
        throw asError(e);
      }
      this.notify(records);
    })();
    this.inflight = p;
    p.catch(() => {});
    return p;
  }

  /** Synchronous commit of what is staged (close() of a synchronous store). */
  private commitStaged(): void {
    const batch = this.staged;
    const records = this.stagedRecords;
    this.staged = [];
    this.stagedRecords = [];
    this.commitNow(batch, records);
  }

  private commitNow(changes: StateChange[], records: readonly EventRecord[]): void {
    if (changes.length === 0) return;
    try {
      this.store.commit(changes);
    } catch (e) {
      this.fail(e);
      throw e;
    }
    this.notify(records);
  }

  /** Mark the scheduler broken (the first error wins) and tell the failure listeners, once. */
  private fail(e: unknown): void {
    if (this.broken !== undefined) return;
    this.broken = e;
    if (this.failureListeners.size === 0) return;
    queueMicrotask(() => {
      for (const fn of [...this.failureListeners]) {
        try {
          fn(e);
        } catch (err) {
          this.onBackgroundError(err);
        }
      }
    });
  }

  private notify(records: readonly EventRecord[]): void {
    if (records.length === 0) return;
    for (const fn of [...this.committedListeners]) {
      try {
        fn(records);
      } catch (e) {
        this.onBackgroundError(e);
      }
    }
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function rethrow(error: unknown): never {
  throw error;
}
