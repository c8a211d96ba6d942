import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Group commit for SqliteStore with the fsync off the event loop.
 *
 * The store's connection runs with `synchronous=NORMAL` in WAL mode: a commit appends its frames
 * to `<file>-wal` (a write into the page cache, no fsync) and returns. The WalFlusher then makes
 * them durable with `fdatasync` of the WAL file on a libuv thread-pool thread; the commit's
 * promise resolves once an fdatasync that started after the commit returned has completed. That
 * is the same durability as `synchronous=FULL` (which fdatasyncs the WAL inside every commit):
 * nothing is acknowledged before its frames are on disk. Commits keep being applied, in order, on
 * the event loop while an fdatasync runs; the next fdatasync covers all of them (the pipeline).
 *
 * Checkpoints (copying the WAL back into the database file, with two fsyncs) would run inside a
 * commit on the event loop; the store turns automatic checkpoints off and the Checkpointer runs
 * them on a worker thread with its own connection (PASSIVE: they never block the writer) once
 * the WAL is larger than CHECKPOINT_BYTES. Under sustained writes such a checkpoint never quite
 * catches up (the writer appends while it copies), and SQLite starts reusing the WAL file only
 * after a checkpoint that copied everything; so once the WAL exceeds 4 × CHECKPOINT_BYTES the
 * store checkpoints once on its own connection, on the loop (copying only what the worker has
 * not, then the file is reused from its start). The store sets `journal_size_limit` to
 * CHECKPOINT_BYTES, so SQLite truncates the file back when it reuses it and the file's size
 * tracks the log's.
 *
 * The log must restart for that, and a PASSIVE checkpoint beside a busy writer never sees the
 * log still: the commits that land while it copies keep the log from restarting, the file grows
 * and every flush asks for another checkpoint (measured: 640-770 in 3 s of 16 clients, each with
 * its fsyncs competing with the WAL's, 0.51-0.57 of the inline path's operations per second).
 * The CommitGate adds a catch-up step: when a checkpoint finished and the log is still over the
 * limit, new commits are held (queued; the event loop is not blocked) while the worker copies the
 * few frames written during that checkpoint; then they are applied in order and the first one
 * restarts the log (26-38 checkpoints in 3 s, 0.69-0.74 of the inline path). Also on the loop: SQLite's one fsync of the WAL header each time it starts
 * reusing the file.
 */
export const CHECKPOINT_BYTES = 16 * 2 ** 20;

export class WalFlusher {
  private readonly fd: number;
  /** Commits written to the WAL / known durable (counters). */
  private written = 0;
  private flushed = 0;
  private inFlight = false;
  private closed = false;
  private failed: Error | undefined;
  private readonly waiters: { seq: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(
    private readonly walPath: string,
    private readonly onFlushed: () => void,
  ) {
    this.fd = openSync(walPath, 'r+');
  }

  /** Note a commit just written to the WAL (not yet durable). */
  wrote(): void {
    this.written++;
  }

  /** Resolves once every commit written so far is on disk (an fdatasync that started after them returned). */
  flush(): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const seq = this.written;
    if (seq <= this.flushed) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
    this.pump();
    return p;
  }

  /** Make every commit written so far durable now, on this thread (per-operation commits, close). Throws if it cannot. */
  flushSync(): void {
    if (this.failed !== undefined) throw this.failed;
    if (this.flushed >= this.written) return;
    const upTo = this.written;
    try {
      fdatasyncSync(this.fd);
    } catch (e) {
      this.fail(new Error(`${this.walPath}: fdatasync failed: ${e instanceof Error ? e.message : String(e)}`));
      throw this.failed;
    }
    this.settle(upTo);
  }

  /** `flushSync` unless the flusher already failed (then nothing can be made durable any more). */
  drain(): void {
    if (this.failed === undefined) this.flushSync();
  }

  /** Size of the WAL file in bytes. */
  walBytes(): number {
    return fstatSync(this.fd).size;
  }

  /**
   * The WAL header's checkpoint sequence number (bytes 12-15, big-endian; SQLite's file format):
   * it changes each time the log restarts from the start of the file. undefined before a header.
   */
  checkpointSeq(): number | undefined {
    const b = Buffer.alloc(4);
    return readSync(this.fd, b, 0, 4, 12) === 4 ? b.readUInt32BE(0) : undefined;
  }

  /** Flush what is written, then close the file (after an fdatasync still in flight returns). */
  close(): void {
    if (this.closed) return;
    try {
      this.drain();
    } finally {
      this.closed = true;
      if (!this.inFlight) closeSync(this.fd);
    }
  }

  private pump(): void {
    if (this.inFlight || this.closed || this.failed !== undefined || this.flushed >= this.written) return;
    const target = this.written;
    this.inFlight = true;
    fdatasync(this.fd, (err) => {
      this.inFlight = false;
      if (this.closed) {
        closeSync(this.fd);
        return;
      }
      if (err !== null) this.fail(new Error(`${this.walPath}: fdatasync failed: ${err.message}`));
      else this.settle(target);
      this.pump();
    });
  }

  private settle(upTo: number): void {
    if (upTo <= this.flushed) return;
    this.flushed = upTo;
    let n = 0;
    while (n < this.waiters.length && (this.waiters[n] as { seq: number }).seq <= upTo) n++;
    for (const w of this.waiters.splice(0, n)) w.resolve();
    this.onFlushed();
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }
}

/** The checkpoint worker: its own connection; one PASSIVE checkpoint per message. */
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const shared = new Int32Array(workerData.shared);
parentPort.on('message', (m) => {
  if (m.close) { db.close(); Atomics.store(shared, 0, 1); Atomics.notify(shared, 0); parentPort.close(); return; }
  let error = null;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { error = String((e && e.message) || e); }
  parentPort.postMessage({ error });
});
`;

/** Runs PASSIVE checkpoints of one database file on a worker thread, one at a time. */
export class Checkpointer {
  private worker: Worker | undefined;
  /** A checkpoint is in progress on the worker. */
  running = false;
  /** [0]: 1 once the worker closed its connection. */
  private readonly shared = new Int32Array(new SharedArrayBuffer(4));
  /** Checkpoints done (tests look at it) and the last error (checkpoints are retried; a failure loses nothing). */
  done = 0;
  lastError: string | undefined;
  /** Called on the loop after each checkpoint, whether it succeeded or not (the CommitGate's step). */
  onDone: (() => void) | undefined;

  constructor(private readonly path: string) {}

  /** Start a checkpoint unless one is running. */
  request(): void {
    if (this.running) return;
    this.running = true;
    this.start().postMessage({});
  }

  /** Close the worker's connection (waits at most 5 s for a checkpoint in progress). */
  close(): void {
    const w = this.worker;
    if (w === undefined) return;
    this.worker = undefined;
    w.postMessage({ close: true });
    Atomics.wait(this.shared, 0, 0, 5000);
    void w.terminate();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = new Worker(CHECKPOINT_WORKER, { eval: true, workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path: this.path, shared: this.shared.buffer } });
    w.unref();
    w.on('message', (m: { error: string | null }) => {
      this.running = false;
      if (m.error === null) this.done++;
      else this.lastError = m.error;
      this.onDone?.();
    });
    w.on('error', (e) => {
      this.running = false;
      this.lastError = e.message;
      this.worker = undefined;
      this.onDone?.();
    });
    this.worker = w;
    return w;
  }
}

/** After a catch-up that did not restart the log (a reader kept it), wait this long before the next, ms. */
const CATCH_UP_BACKOFF_MS = 1000;

/**
 * The catch-up step (see the top of this file): holds new commits while the checkpoint worker
 * copies what landed during its previous checkpoint, then applies them in order. It only ever
 * delays a commit (nothing is acknowledged earlier or differently), and never blocks the loop.
 */
export class CommitGate {
  private held: (() => void)[] | undefined;
  /** Set when held commits are released: the next write tells whether the log restarted. */
  private seqAtRelease: number | undefined;
  private backoffUntil = -Infinity;
  /** Catch-up steps started, and those after which the log restarted (tests and the bench read them). */
  catchUps = 0;
  restarts = 0;

  constructor(
    private readonly flusher: WalFlusher,
    private readonly checkpointer: Checkpointer,
    private readonly overLimit: () => boolean,
  ) {
    checkpointer.onDone = () => this.checkpointDone();
  }

  /** A catch-up is in progress: new commits wait. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** Run `commit` now, or once the catch-up in progress is done (in call order). */
  run(commit: () => Promise<void>): Promise<void> {
    const held = this.held;
    if (held === undefined) return commit();
    return new Promise<void>((resolve, reject) => held.push(() => void commit().then(resolve, reject)));
  }

  /** Apply every held commit now (a synchronous commit, a drain or close must not overtake them). */
  release(): void {
    const held = this.held;
    this.held = undefined;
    for (const run of held ?? []) run();
  }

  /** Call after each write to the WAL. */
  wrote(): void {
    if (this.seqAtRelease === undefined) return;
    if (this.flusher.checkpointSeq() === this.seqAtRelease) this.backoffUntil = performance.now() + CATCH_UP_BACKOFF_MS;
    else this.restarts++;
    this.seqAtRelease = undefined;
  }

  private checkpointDone(): void {
    if (this.held !== undefined) {
      this.seqAtRelease = this.flusher.checkpointSeq();
      this.release();
    } else if (!this.checkpointer.running && this.overLimit() && performance.now() >= this.backoffUntil) {
      this.catchUps++;
      this.held = [];
      this.checkpointer.request();
    }
  }
}
