import { shownUrl } from '../core/url.js';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { FlowProducer, Queue, UnrecoverableError, WaitingError, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { isUserError, UserError } from '../core/errors.js';
import { withYamlLine } from '../core/yaml-line.js';
import type { CellResult, CellSpec } from './cell.js';
import { cellUserError } from './cell-error.js';
import { codeFingerprint } from './code-version.js';
import { cachedResults, type SweepPlan, type SweepProgress } from './local.js';
import { CellPool, PoolBrokenError } from './pool.js';
import type { ResultStore } from './store.js';

/**
 * Distributed sweeps on BullMQ (Redis). The submitter adds one flow per sweep: a parent job in
 * `<name>-sweeps` (nobody processes it; it records the sweep) whose children are the cells in
 * `<name>`, each with the cell hash as job id, so submitting the same sweep again adds nothing
 * and a cell any earlier sweep already ran is collected at once. `drs worker` processes the
 * cells on worker threads (so the event loop keeps renewing the job locks while a cell runs);
 * a worker that dies mid-cell loses its lock, BullMQ's stalled-job check moves the cell back to
 * the wait list and another worker runs it. The submitter polls the finished jobs and keeps one
 * result per cell hash, so a retried cell is counted once.
 */

export const DEFAULT_QUEUE = 'drs-sweep';

/** How long connecting to Redis (TCP, login, first PING) may take before it is an error, ms. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * How many reconnection attempts a submitter's command waits through before it fails (ioredis
 * `maxRetriesPerRequest`). With the reconnect delay min(50 ms × attempt, 2 s), 20 attempts are
 * about 10 s: a short Redis restart is ridden out, a Redis gone for good ends the sweep with an
 * error (finished cells are in the results folder; running the sweep again resumes).
 */
const SUBMIT_RETRIES = 20;

/**
 * How long ioredis waits for a socket it ends to close before destroying it, ms (its default is
 * 2 s). A socket Redis already dropped never reports closing, so each connection closed during an
 * outage (the worker's and BullMQ's copies of it) kept the process alive for the full wait.
 */
const DISCONNECT_MS = 100;

/** `redis://[user:pass@]host:port[/db]` or `rediss://…` is accepted; anything else is a UserError. */
export function checkRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue expects a Redis URL such as redis://127.0.0.1:6379, got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UserError(`--queue expects a redis:// URL, got '${shownUrl(url)}'`);
  if (u.hostname === '') throw new UserError(`--queue ${shownUrl(url)}: no host`);
}

/**
 * BullMQ refuses an empty queue name or one with ':' (its key separator) only when a Queue or
 * Worker is built, after the connection (and a worker's threads) are up: checked first instead.
 */
export function checkQueueName(name: string): void {
  if (name === '' || name.includes(':')) throw new UserError(`--name expects a queue name that is not empty and has no ':' (BullMQ's key separator), got '${name}'`);
}

export interface RedisConnectOptions {
  /**
   * ioredis `maxRetriesPerRequest`: null (a command waits through any number of reconnections;
   * BullMQ requires it for workers) or how many reconnection attempts a command may wait through.
   */
  readonly maxRetriesPerRequest: number | null;
  /** Bound on connecting, ms (default CONNECT_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/**
 * An ioredis connection to `url`, returned once Redis has answered a PING. A bad URL, a refused
 * or unreachable server, or no answer within `timeoutMs` is a UserError naming the URL, and no
 * reconnection keeps running. Once connected, a lost connection is retried (delay
 * min(50 ms × attempt, 2 s)). The caller closes it (`quit()`); BullMQ leaves a connection it was
 * given open.
 */
export async function connectRedis(url: string, opts: RedisConnectOptions): Promise<Redis> {
  checkRedisUrl(url);
  const timeoutMs = opts.timeoutMs ?? CONNECT_TIMEOUT_MS;
  let ready = false;
  let lastError: Error | undefined;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: opts.maxRetriesPerRequest,
    // BullMQ's copies of this connection (a worker's blocking one) take its options, this one too.
    disconnectTimeout: DISCONNECT_MS,
    // No retry before the first success: a wrong URL fails now instead of retrying for ever.
    retryStrategy: (attempt) => (ready ? Math.min(attempt * 50, 2000) : null),
  });
  client.on('error', (e: Error) => void (lastError = e));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    // ioredis reports a refused SELECT of the URL's database (`/99`: "DB index is out of range")
    // as an 'error' event and carries on in database 0, where other sweeps' jobs are. Its reply
    // comes before the PING's, so any such error is known here.
    if (lastError !== undefined) throw lastError;
    ready = true;
    return client;
  } catch (e) {
    if (client.status !== 'end') client.disconnect();
    const why = lastError?.message ?? (e as Error).message;
    throw new UserError(`cannot connect to Redis at ${shownUrl(url)} (--queue): ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

/** An error from BullMQ/ioredis while the connection is down → a UserError naming the URL. */
function lostConnection(e: unknown, url: string, client: Redis): unknown {
  if (isUserError(e) || client.status === 'ready') return e;
  return new UserError(`lost the connection to Redis at ${shownUrl(url)}: ${(e as Error).message}`);
}

/** The id of a sweep's parent job: the hash of its cells' hashes. */
export function sweepId(cells: readonly CellSpec[]): string {
  const h = createHash('sha256');
  for (const c of cells) h.update(c.hash);
  return `sweep-${h.digest('hex').slice(0, 32)}`;
}

export interface QueueSweepOptions {
  readonly url: string;
  readonly name?: string;
  readonly store?: ResultStore;
  readonly onProgress?: SweepProgress;
  /** How often to look for finished cells, ms (default 250). */
  readonly pollMs?: number;
  /** Give up after this long without any cell finishing, ms (default: wait forever). */
  readonly idleTimeoutMs?: number;
  /** Called once the cells are enqueued (tests start workers here). */
  readonly onEnqueued?: (jobs: number) => void;
  /**
   * Told once, in words, when no worker has taken any cell for `hintAfterMs` (default 30 s): a
   * queue sweep waits for workers for ever, and `cells 0/N` alone does not say why.
   */
  readonly onNoWorker?: (message: string) => void;
  readonly hintAfterMs?: number;
  /** Run every cell again: results kept in Redis from earlier sweeps are dropped, not collected (`drs sweep --fresh`). */
  readonly fresh?: boolean;
}

/** Enqueue a sweep's missing cells and wait until every cell has a result. */
export async function runSweepQueue(plan: SweepPlan, opts: QueueSweepOptions): Promise<Map<string, CellResult>> {
  const name = opts.name ?? DEFAULT_QUEUE;
  checkRedisUrl(opts.url);
  checkQueueName(name);
  const results = cachedResults(plan, opts.store);
  const cached = results.size;
  const total = plan.cells.length;
  const todo = plan.cells.filter((c) => !results.has(c.hash));
  opts.onProgress?.(results.size, total, cached);
  if (todo.length === 0) return results;
  const connection = await connectRedis(opts.url, { maxRetriesPerRequest: SUBMIT_RETRIES });
  // Both share `connection` and leave it open; their 'error' events (a dropped connection while
  // ioredis reconnects) need a listener, and a command that fails for good is reported below.
  const flow = new FlowProducer({ connection });
  const queue = new Queue(name, { connection });
  flow.on('error', () => undefined);
  queue.on('error', () => undefined);
  try {
    // A cell that failed for good on an earlier submission (e.g. a worker without the data) runs
    // again, as the local runner reruns it; with `fresh`, so does one Redis holds a result of.
    // Their jobs are removed first (a job id is the cell hash: adding it again would add nothing).
    let cleared = 0;
    for (const c of todo) {
      const state = await queue.getJobState(c.hash);
      if (state !== 'failed' && !(opts.fresh === true && state === 'completed')) continue;
      await (await queue.getJob(c.hash))?.remove();
      cleared++;
    }
    await flow.add({
      name: 'sweep',
      queueName: `${name}-sweeps`,
      data: { sweep: plan.spec.name, cells: plan.cells.length },
      // A new parent for cells run again (the first submission's parent already exists).
      opts: { jobId: cleared > 0 ? `${sweepId(plan.cells)}-again-${Date.now().toString(36)}` : sweepId(plan.cells) },
      children: todo.map((c) => ({ name: 'cell', queueName: name, data: c, opts: cellJob(c) })),
    });
    opts.onEnqueued?.(todo.length);
    const pending = new Map(todo.map((c) => [c.hash, c]));
    let lastChange = Date.now();
    const enqueuedAt = lastChange;
    let taken = false;
    while (pending.size > 0) {
      const states = await Promise.all([...pending.keys()].map(async (id) => [id, await queue.getJobState(id)] as const));
      if (!taken && states.some(([, st]) => st === 'active' || st === 'completed' || st === 'failed')) taken = true;
      if (!taken && opts.onNoWorker !== undefined && Date.now() - enqueuedAt > (opts.hintAfterMs ?? 30_000)) {
        taken = true; // said once
        opts.onNoWorker(`no worker has taken a cell for ${((opts.hintAfterMs ?? 30_000) / 1000).toFixed(0)} s; the ${pending.size} cells wait in queue '${name}' for one: ${workerCommand(opts.url, name)}`);
      }
      for (const [id, state] of states) {
        // Gone from Redis (restarted without its data, or flushed): no worker would ever see it.
        if (state === 'unknown') await queue.add('cell', pending.get(id), cellJob(pending.get(id) as CellSpec));
        if (state !== 'completed' && state !== 'failed') continue;
        const job = await queue.getJob(id);
        const r = job === undefined ? undefined : finished(job, state);
        if (r === undefined) continue;
        pending.delete(id);
        opts.store?.put(r);
        results.set(id, r);
        lastChange = Date.now();
        opts.onProgress?.(results.size, total, cached);
      }
      if (pending.size === 0) break;
      if (opts.idleTimeoutMs !== undefined && Date.now() - lastChange > opts.idleTimeoutMs) {
        throw new UserError(`no cell finished for ${(opts.idleTimeoutMs / 1000).toFixed(0)} s (${pending.size} of ${total} pending); is a '${workerCommand(opts.url, name)}' running?`);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    }
  } catch (e) {
    throw lostConnection(e, opts.url, connection);
  } finally {
    await flow.close();
    await queue.close();
    await closeRedis(connection);
  }
  return results;
}

/** The command that starts a worker for this queue (the URL as shown: no password). */
const workerCommand = (url: string, name: string): string => `drs worker --queue ${shownUrl(url)}${name === DEFAULT_QUEUE ? '' : ` --name ${name}`}`;

/** A cell's job options: the cell hash as job id, kept once finished (later sweeps collect it). */
const cellJob = (c: CellSpec): JobsOptions => ({ jobId: c.hash, attempts: 2, removeOnComplete: false, removeOnFail: false });

/**
 * A finished job's cell result; a failed job becomes the cell's failed result. 'failed' is final
 * in BullMQ (a job with attempts left goes back to wait), even with attempts left: a job stalled
 * more often than the workers' maxStalledCount fails after one attempt and is never run again.
 */
function finished(job: Job, state: 'completed' | 'failed'): CellResult | undefined {
  if (state === 'completed') return (job.returnvalue as CellResult | null) ?? undefined;
  const c = job.data as CellSpec;
  return { state: 'failed', hash: c.hash, point: c.point, strategy: c.strategy, seed: c.seed, error: job.failedReason ?? 'failed' };
}

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

/** QUIT when connected (pending replies arrive first), else drop the socket and stop reconnecting. */
async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: the connection went away meanwhile
    }
  }
  if (client.status !== 'end') client.disconnect();
}

export { shownUrl };
