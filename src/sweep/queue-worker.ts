import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isUserError, type UserError } from '../core/errors.js';
import { withYamlLine } from '../core/yaml-line.js';
import type { CellResult, CellSpec } from './cell.js';
import { cellUserError } from './cell-error.js';
import { codeFingerprint } from './code-version.js';
import { CellPool, PoolBrokenError } from './pool.js';
import { checkQueueName, closeRedis, connectRedis, DEFAULT_QUEUE } from './redis.js';

/**
 * `drs worker`: processes the cells of a queue sweep (queue.ts) on worker threads, so the event
 * loop keeps renewing the job locks while a cell runs.
 */

export interface QueueWorkerOptions {
  readonly url: string;
  readonly name?: string;
  /** Cells run at once, each on its own thread (default 1). */
  readonly concurrency?: number;
  readonly dataRoot: string;
  /** Job lock, ms: a worker that stops renewing it for this long is presumed dead (default 30 000). */
  readonly lockMs?: number;
  readonly onCell?: (cell: CellSpec, result: CellResult) => void;
  /**
   * A cell whose attempt failed on this worker, and why: bad input (the cell fails, not retried),
   * or another error (a thread that died) with its job retried or on its last attempt.
   */
  readonly onCellFailed?: (cell: CellSpec, message: string, outcome: 'bad input' | 'retried' | 'last attempt') => void;
  /** This worker's name, recorded on every job it runs (BullMQ `processedBy`); default host:pid. */
  readonly id?: string;
  /** BullMQ worker errors (e.g. the connection dropped and is being retried). */
  readonly onError?: (error: Error) => void;
  /** The code fingerprint this worker runs (default: codeFingerprint(); tests set another). */
  readonly code?: string;
  /** Told when the worker meets a cell planned by other code: it puts the cell back (no attempt used) and stops taking cells. */
  readonly onRefused?: (cell: CellSpec, message: string) => void;
  /**
   * Told when this worker's threads keep dying before finishing any cell (its pool gave up: a
   * broken build or machine): it puts the cell back (no attempt used) and stops taking cells.
   */
  readonly onBroken?: (cell: CellSpec, message: string) => void;
}

/** Why a worker refuses a cell planned by other DRS code, and what to do. */
function otherCode(planned: string | undefined, mine: string, worker: string): string {
  return `worker ${worker} runs other DRS code (fingerprint ${mine}) than the sweep that planned this cell (${planned ?? 'none: an older DRS'}): its results would be mixed with other code's; run the same DRS build on every worker and the submitting machine (npm ci && npm run build from one commit)`;
}

export interface RunningWorker {
  /**
   * Stop taking cells. With Redis connected, waits for the running cells to finish and be
   * reported; with Redis unreachable, stops them now (nothing could be reported): their jobs
   * keep their lock until it expires, then a worker runs them again.
   */
  close(): Promise<void>;
  /** How many cells this worker is running now (a graceful close waits for them). */
  running(): number;
  /** Whether Redis is connected now (else `close` does not wait for the running cells). */
  reachable(): boolean;
}

/** Connect (a UserError if Redis cannot be reached) and process cells from the queue until closed. */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<RunningWorker> {
  checkQueueName(opts.name ?? DEFAULT_QUEUE);
  const connection = await connectRedis(opts.url, { maxRetriesPerRequest: null });
  try {
    return runWorker(connection, opts);
  } catch (e) {
    await closeRedis(connection);
    throw e;
  }
}

function runWorker(connection: Redis, opts: QueueWorkerOptions): RunningWorker {
  const concurrency = opts.concurrency ?? 1;
  const code = opts.code ?? codeFingerprint();
  const pool = new CellPool(concurrency, opts.dataRoot);
  let running = 0;
  const lockDuration = opts.lockMs ?? 30_000;
  const worker = new Worker(
    opts.name ?? DEFAULT_QUEUE,
    async (job: Job, token?: string) => {
      const cell = job.data as CellSpec;
      // A worker built from other code would put its figures beside the submitter's in one aggregate.
      // It puts the cell back without using one of its attempts (an always-idle stale worker took
      // both attempts of most cells, failing them) and takes no more: one of the sweep's build runs it.
      const putBack = async (why: string, tell: ((cell: CellSpec, message: string) => void) | undefined): Promise<never> => {
        // Not awaited here (close waits for this job); a failure surfaces in RunningWorker.close().
        worker.close().catch(() => undefined);
        await job.moveToWait(token);
        tell?.(cell, why);
        throw new WaitingError(why);
      };
      if (cell.code !== code) return putBack(otherCode(cell.code, code, opts.id ?? `${hostname()}:${process.pid}`), opts.onRefused);
      // Bad input becomes the cell's failed job, its reason named as the local runner names it:
      // the cell (seed, strategy, axis values), then the scenario's line (when this worker sees
      // the scenario file at the submitter's path) and field. It fails at once: a retry would
      // meet the same input (the job's second attempt is for a thread that died, which may not).
      // A pool that gave up refuses every cell at once: failing them would let this always-idle
      // worker spend every cell's attempts; it puts the cell back and stops, as for other code.
      // So does a worker that lacks a file the cell reads (InputMissingError).
      let r: CellResult;
      running++;
      try {
        r = await pool.run(cell);
      } catch (e) {
        if (e instanceof PoolBrokenError) return putBack(e.message, opts.onBroken);
        // A file the cell reads is not on this worker (its data root differs): another worker may
        // have it, so the cell goes back unspent and this worker stops, as for other code.
        if (isUserError(e) && e.name === 'InputMissingError') return putBack(`this worker lacks an input file: ${cellUserError(withYamlLine(e) as UserError, cell).message}`, opts.onRefused);
        const failure = isUserError(e) ? new UnrecoverableError(cellUserError(withYamlLine(e) as UserError, cell).message) : e;
        const message = failure instanceof Error ? failure.message : String(failure);
        opts.onCellFailed?.(cell, message, isUserError(e) ? 'bad input' : job.attemptsMade + 1 < (job.opts.attempts ?? 1) ? 'retried' : 'last attempt');
        throw failure;
      } finally {
        running--;
      }
      opts.onCell?.(cell, r);
      return r;
    },
    // BullMQ duplicates `connection` for the worker's own (blocking) connections and closes those.
    { connection, name: opts.id ?? `${hostname()}:${process.pid}`, concurrency, lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: 3 },
  );
  worker.on('error', (e) => opts.onError?.(e));
  return {
    running: () => running,
    reachable: () => connection.status === 'ready',
    async close() {
      // While Redis is unreachable, BullMQ's graceful close waits for its blocking fetch, which
      // retries until Redis is back: a stopped worker would hang. Nothing could be reported then
      // anyway, so it closes without waiting; a cell running now keeps no lock and runs elsewhere.
      const down = connection.status !== 'ready';
      await worker.close(down);
      if (down) await dropBlockedFetch(worker);
      await pool.close();
      await closeRedis(connection);
    },
  };
}

/**
 * After a forced close during an outage: fail the blocking fetch that BullMQ's blocking
 * connection holds for a reconnection that will not come. ioredis keeps a command of a lost
 * connection for the next one (`maxRetriesPerRequest: null`, which BullMQ requires) and, closed
 * while reconnecting, never settles it; BullMQ's watchdog on that fetch (drainDelay 5 s + 1 s)
 * then stayed armed and kept a stopped `drs worker` alive for up to 6 s. Failing the held
 * commands (ioredis `flushQueue`, what its own close does) settles the fetch and clears the
 * watchdog. Skipped when the client has no such method (another Redis client or ioredis version).
 */
async function dropBlockedFetch(worker: Worker): Promise<void> {
  const client = (await worker.getBackend().blockingClient) as unknown as { flushQueue?: (e: Error) => void } | undefined;
  if (typeof client?.flushQueue === 'function') client.flushQueue(new Error('Connection is closed.'));
}
