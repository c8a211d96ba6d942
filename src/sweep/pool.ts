import type { Worker } from 'node:worker_threads';
import type { ErrorLocation } from '../core/errors.js';
import { startThread } from '../core/thread.js';
import { runCell, type CellResult, type CellSpec } from './cell.js';
import { userErrorOf } from './cell-error.js';

/**
 * The pool gave up: its threads died several times in a row without finishing a cell (a broken
 * build or machine, not one bad cell). Every cell still to run is refused with it.
 */
export class PoolBrokenError extends Error {
  override readonly name = 'PoolBrokenError';
}

/** A thread on the sweep's entry (`thread.ts` / `thread.js`, see core/thread.ts). */
function startSweepThread(workerData: unknown): Worker {
  return startThread(import.meta.url, 'thread', workerData);
}

interface Task {
  readonly id: number;
  readonly cell: CellSpec;
  resolve(r: CellResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  /** When the running task was sent (performance.now), for the per-strategy durations. */
  sentAt: number;
}

/** Mean time of the finished cells of one strategy (ms): longest-first scheduling of the rest. */
interface Seen {
  n: number;
  ms: number;
}

/**
 * Which waiting cell (by its strategy, in submission order) a free thread takes: one of a
 * strategy never timed (the fewest cells started, then submission order), else one of the
 * strategy whose finished cells took longest on average (ms), the first such in order. -1 if none.
 */
export function nextCell(strategies: readonly string[], seen: ReadonlyMap<string, { readonly ms: number }>, started: ReadonlyMap<string, number>): number {
  let best = -1;
  let bestKey = -Infinity;
  for (let i = 0; i < strategies.length; i++) {
    const strategy = strategies[i] as string;
    const s = seen.get(strategy);
    const key = s === undefined ? 1e15 - (started.get(strategy) ?? 0) : s.ms;
    if (key > bestKey) {
      best = i;
      bestKey = key;
    }
  }
  return best;
}

/**
 * Runs cells on `size` worker threads (size 0: in this thread, one at a time). Each thread runs
 * one cell at a time. A free thread takes a cell of a strategy not yet timed first (in order),
 * then a cell of the strategy whose finished cells took longest on average: the long cells start
 * early and the sweep does not end waiting on one (strategies differ several-fold, e.g. with
 * preemption). The order only affects when cells run, never their results. A thread that dies
 * fails its cell with the error and is replaced.
 */
export class CellPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 0;
  private closed = false;
  /**
   * Threads lost in a row without finishing a cell; at 3, before any cell has finished, the pool
   * gives up (a build whose threads cannot run anything). Once a cell has finished the threads can
   * work, so a death is its cell's (a point whose cells all run out of memory fails those cells,
   * and the sweep goes on).
   */
  private crashes = 0;
  private finishedAny = false;
  private broken: Error | undefined;
  private readonly seen = new Map<string, Seen>();
  private readonly started = new Map<string, number>();
  /** Size 0: the cell running in this thread, or the last one queued behind it. */
  private inline: Promise<unknown> = Promise.resolve();

  constructor(
    readonly size: number,
    private readonly dataRoot: string,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startSweepThread({ dataRoot: this.dataRoot }), task: undefined, sentAt: 0 };
    slot.worker.on('message', (msg: { id: number; result?: CellResult; error?: string; stack?: string; user?: boolean; kind?: string; detail?: string; location?: ErrorLocation }) => {
      const t = slot.task;
      if (t === undefined || t.id !== msg.id) return;
      slot.task = undefined;
      this.crashes = 0;
      this.finishedAny = true;
      const k = this.seen.get(t.cell.strategy) ?? { n: 0, ms: 0 };
      k.ms = (k.ms * k.n + (performance.now() - slot.sentAt)) / (k.n + 1);
      k.n++;
      this.seen.set(t.cell.strategy, k);
      if (msg.result !== undefined) t.resolve(msg.result);
      else if (msg.user === true) t.reject(userErrorOf(msg.kind, msg.detail ?? msg.error ?? 'error', msg.location));
      else {
        const e = new Error(msg.error ?? 'error');
        if (msg.stack !== undefined) e.stack = msg.stack;
        t.reject(e);
      }
      this.pump();
    });
    slot.worker.on('error', (e) => this.lost(slot, e));
    slot.worker.on('exit', (code) => {
      if (!this.closed) this.lost(slot, new Error(`sweep worker thread exited with code ${code}`));
    });
    return slot;
  }

  private lost(slot: Slot, e: Error): void {
    const t = slot.task;
    slot.task = undefined;
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.crashes++;
    if (this.crashes >= 3 && !this.finishedAny && this.broken === undefined) {
      this.broken = new PoolBrokenError(`sweep worker threads keep dying (${this.crashes} in a row): ${e.message}`);
      for (const w of this.waiting.splice(0)) w.reject(this.broken);
    }
    if (!this.closed && this.broken === undefined) this.slots[i] = this.spawn();
    else this.slots.splice(i, 1);
    t?.reject(e);
    this.pump();
  }

  run(cell: CellSpec): Promise<CellResult> {
    if (this.closed) return Promise.reject(new Error('CellPool is closed'));
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.size === 0) {
      // One cell after another: started together, the cells' simulations interleave at every
      // await (reading the trace), so all are held in memory at once and none finishes (nor is
      // stored, for a resume) before all do.
      const r = this.inline.then(() => (this.closed ? Promise.reject(new Error('CellPool closed')) : runCell(cell, this.dataRoot)));
      this.inline = r.catch(() => undefined);
      return r;
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, cell, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task !== undefined) continue;
      const t = this.next();
      if (t === undefined) return;
      slot.task = t;
      slot.sentAt = performance.now();
      slot.worker.postMessage({ id: t.id, cell: t.cell });
    }
  }

  /** Take the next waiting cell (see `nextCell`). */
  private next(): Task | undefined {
    const i = nextCell(
      this.waiting.map((t) => t.cell.strategy),
      this.seen,
      this.started,
    );
    if (i < 0) return undefined;
    const t = this.waiting.splice(i, 1)[0] as Task;
    this.started.set(t.cell.strategy, (this.started.get(t.cell.strategy) ?? 0) + 1);
    return t;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0)) t.reject(new Error('CellPool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
