import { createHash } from 'node:crypto';
import { FlowProducer, Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { UserError } from '../core/errors.js';
import { shownUrl } from '../core/url.js';
import type { CellResult, CellSpec } from './cell.js';
import { cachedResults, type SweepPlan, type SweepProgress } from './local.js';
import { checkQueueName, checkRedisUrl, closeRedis, connectRedis, DEFAULT_QUEUE, lostConnection, SUBMIT_RETRIES } from './redis.js';
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

export { checkQueueName, checkRedisUrl, connectRedis, CONNECT_TIMEOUT_MS, DEFAULT_QUEUE, type RedisConnectOptions } from './redis.js';
export { startQueueWorker, type QueueWorkerOptions, type RunningWorker } from './queue-worker.js';
export { shownUrl };

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
    for (const [id, state] of await finishedIds(connection, queue, todo.map((c) => c.hash))) {
      if (state !== 'failed' && !(opts.fresh === true && state === 'completed')) continue;
      await (await queue.getJob(id))?.remove();
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
    // The queue's job counts at the last look: while the finished ones (and all of them) stay
    // the same, no cell of this sweep finished (nor was lost), and nothing more is read. The
    // whole sweep's states were read every 250 ms: a 10,000-cell sweep ran 10,000 Lua state
    // scripts per look, which took longer than the interval.
    let lastEnded: number | undefined;
    let lastAll = 0;
    let lostCheckAt = -Infinity; // the first look checks
    while (pending.size > 0) {
      const counts = await queue.getJobCounts();
      const ended = (counts.completed ?? 0) + (counts.failed ?? 0);
      const all = Object.values(counts).reduce((a, b) => a + b, 0);
      if ((counts.active ?? 0) > 0 || (lastEnded !== undefined && ended > lastEnded)) taken = true;
      // Jobs gone (fewer than before: Redis restarted without its data, or flushed), or a while
      // since the last check: a cell whose job is gone is submitted again (no worker would see it).
      const lostDue = all < lastAll || Date.now() - lostCheckAt >= LOST_CHECK_MS;
      const done = ended !== lastEnded || lostDue ? await finishedIds(connection, queue, [...pending.keys()]) : new Map<string, 'completed' | 'failed'>();
      lastEnded = ended;
      lastAll = all;
      if (done.size > 0) taken = true;
      if (!taken && opts.onNoWorker !== undefined && Date.now() - enqueuedAt > (opts.hintAfterMs ?? 30_000)) {
        taken = true; // said once
        opts.onNoWorker(`no worker has taken a cell for ${((opts.hintAfterMs ?? 30_000) / 1000).toFixed(0)} s; the ${pending.size} cells wait in queue '${name}' for one: ${workerCommand(opts.url, name)}`);
      }
      if (lostDue) {
        lostCheckAt = Date.now();
        for (const id of await missingJobs(connection, queue, [...pending.keys()].filter((id) => !done.has(id)))) await queue.add('cell', pending.get(id), cellJob(pending.get(id) as CellSpec));
      }
      for (const [id, state] of done) {
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

/** How often the submitter checks that its pending cells' jobs still exist in Redis, ms. */
const LOST_CHECK_MS = 30_000;

/** Ids looked up in one Redis command. */
const CHUNK = 1000;

/** Which of `ids` are jobs in the queue's completed or failed set: two ZMSCOREs per 1,000 ids. */
async function finishedIds(connection: Redis, queue: Queue, ids: readonly string[]): Promise<Map<string, 'completed' | 'failed'>> {
  const out = new Map<string, 'completed' | 'failed'>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const [completed, failed] = await Promise.all([scores(connection, queue.keys.completed as string, chunk), scores(connection, queue.keys.failed as string, chunk)]);
    chunk.forEach((id, j) => {
      if (completed[j] !== null) out.set(id, 'completed');
      else if (failed[j] !== null) out.set(id, 'failed');
    });
  }
  return out;
}

/** ZMSCORE (Redis 6.2+), else one pipelined ZSCORE per member. */
async function scores(connection: Redis, key: string, members: readonly string[]): Promise<(string | null)[]> {
  try {
    return await connection.zmscore(key, ...members);
  } catch (e) {
    if (!/unknown command/i.test((e as Error).message)) throw e;
    const p = connection.pipeline();
    for (const m of members) p.zscore(key, m);
    return ((await p.exec()) ?? []).map(([err, v]) => (err === null ? (v as string | null) : null));
  }
}

/** Which of `ids` have no job in Redis: one pipelined EXISTS per 1,000 ids. */
async function missingJobs(connection: Redis, queue: Queue, ids: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const p = connection.pipeline();
    for (const id of chunk) p.exists(queue.toKey(id));
    const res = (await p.exec()) ?? [];
    chunk.forEach((id, j) => {
      const [err, n] = res[j] ?? [null, 1];
      if (err === null && n === 0) out.push(id);
    });
  }
  return out;
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
