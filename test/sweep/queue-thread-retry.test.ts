import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker as ThreadWorker } from 'node:worker_threads';
import { Queue } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { planSweep } from '../../src/sweep/local.js';
import { runSweepQueue, startQueueWorker } from '../../src/sweep/queue.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';
import { queueTestFile, REDIS_URL } from './redis.js';

/**
 * The other side of failing bad input at once (queue-bad-input.test.ts): a worker thread that
 * dies holding a cell (out of memory, a native crash) is transient, and the cell's job keeps its
 * second attempt, which completes it.
 */
const { dir, name, redis } = queueTestFile('queue-thread-retry');

copyFileSync(path.join(import.meta.dirname, 'fixtures', 'heavy-tail.yaml'), path.join(dir, 'sc.yaml'));
writeFileSync(path.join(dir, 'sweep.yaml'), 'scenario: ./sc.yaml\nseeds: [2]\n');

describe('a queue sweep cell whose worker thread dies', () => {
  it('is run again (its second attempt) and completes', async () => {
    const plan = await planSweep(await loadSweep(path.join(dir, 'sweep.yaml')), DATA_ROOT);
    expect(plan.cells).toHaveLength(1);
    const send = ThreadWorker.prototype.postMessage;
    let sent = 0;
    // The first cell sent to a thread: the thread is terminated instead (it dies holding the cell).
    vi.spyOn(ThreadWorker.prototype, 'postMessage').mockImplementation(function (this: ThreadWorker, msg: unknown) {
      if (++sent === 1) {
        void this.terminate();
        return;
      }
      send.call(this, msg);
    });
    const failed: string[][] = [];
    const worker = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 1, onCellFailed: (_c, why, outcome) => failed.push([why, outcome]) });
    const res = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 60_000 }).finally(() => worker.close());
    expect(sent).toBe(2);
    expect(failed).toEqual([[expect.stringMatching(/^sweep worker thread exited with code \d+$/), 'retried']]);
    expect([...res.values()].map((r) => r.state)).toEqual(['completed']);
    const q = new Queue(name, { connection: redis() });
    const job = await q.getJob(plan.cells[0]?.hash as string);
    await q.close();
    expect(await job?.getState()).toBe('completed');
  }, 120_000);
});
