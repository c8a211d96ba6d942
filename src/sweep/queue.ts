import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { createBunRedisClient, FlowProducer, Queue, RedisConnection, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { UserError } from '../core/errors.js';
import type { CellResult, CellSpec } from './cell.js';
import { cachedResults, type SweepPlan, type SweepProgress } from './local.js';
import { CellPool } from './pool.js';
import { RespClient } from './resp.js';
import type { ResultStore } from './store.js';

// BullMQ opens its connections through this factory (see resp.ts for why it is ours).
RedisConnection.clientFactory = (opts) => createBunRedisClient(new RespClient(String(opts.url)));

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

/** `redis://[user:pass@]host:port[/db]` → BullMQ connection options; anything else is a UserError. */
export function redisConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue expects a Redis URL such as redis://127.0.0.1:6379, got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UserError(`--queue expects a redis:// URL, got '${url}'`);
  return { url, maxRetriesPerRequest: null };
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
}

/** Enqueue a sweep's missing cells and wait until every cell has a result. */
export async function runSweepQueue(plan: SweepPlan, opts: QueueSweepOptions): Promise<Map<string, CellResult>> {
  const name = opts.name ?? DEFAULT_QUEUE;
  const connection = redisConnection(opts.url);
  const results = cachedResults(plan, opts.store);
  const cached = results.size;
  const total = plan.cells.length;
  const todo = plan.cells.filter((c) => !results.has(c.hash));
  opts.onProgress?.(results.size, total, cached);
  if (todo.length === 0) return results;
  const flow = new FlowProducer({ connection });
  const queue = new Queue(name, { connection });
  try {
    await flow.add({
      name: 'sweep',
      queueName: `${name}-sweeps`,
      data: { sweep: plan.spec.name, cells: plan.cells.length },
      opts: { jobId: sweepId(plan.cells) },
      children: todo.map((c) => ({ name: 'cell', queueName: name, data: c, opts: { jobId: c.hash, attempts: 2, removeOnComplete: false, removeOnFail: false } })),
    });
    opts.onEnqueued?.(todo.length);
    const pending = new Map(todo.map((c) => [c.hash, c]));
    let lastChange = Date.now();
    while (pending.size > 0) {
      const states = await Promise.all([...pending.keys()].map(async (id) => [id, await queue.getJobState(id)] as const));
      for (const [id, state] of states) {
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
        throw new UserError(`no cell finished for ${(opts.idleTimeoutMs / 1000).toFixed(0)} s (${pending.size} of ${total} pending); is a 'drs worker --queue ${opts.url}${name === DEFAULT_QUEUE ? '' : ` --name ${name}`}' running?`);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    }
  } finally {
    await flow.close();
    await queue.close();
  }
  return results;
}

/** A finished job's cell result; a job that failed for good becomes the cell's failed result. */
function finished(job: Job, state: 'completed' | 'failed'): CellResult | undefined {
  if (state === 'completed') return (job.returnvalue as CellResult | null) ?? undefined;
  if (state === 'failed' && job.attemptsMade >= (job.opts.attempts ?? 1)) {
    const c = job.data as CellSpec;
    return { state: 'failed', hash: c.hash, point: c.point, strategy: c.strategy, seed: c.seed, error: job.failedReason ?? 'failed' };
  }
  return undefined;
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
  /** This worker's name, recorded on every job it runs (BullMQ `processedBy`); default host:pid. */
  readonly id?: string;
}

export interface RunningWorker {
  close(): Promise<void>;
}

/** Process cells from the queue until closed. */
export function startQueueWorker(opts: QueueWorkerOptions): RunningWorker {
  const concurrency = opts.concurrency ?? 1;
  const pool = new CellPool(concurrency, opts.dataRoot);
  const lockDuration = opts.lockMs ?? 30_000;
  const worker = new Worker(
    opts.name ?? DEFAULT_QUEUE,
    async (job: Job) => {
      const cell = job.data as CellSpec;
      const r = await pool.run(cell);
      opts.onCell?.(cell, r);
      return r;
    },
    { connection: redisConnection(opts.url), name: opts.id ?? `${hostname()}:${process.pid}`, concurrency, lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: 3 },
  );
  return {
    async close() {
      await worker.close();
      await pool.close();
    },
  };
}
