import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/local.js';
import { runSweepQueue, startQueueWorker } from '../../src/sweep/queue.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';
import { queueTestFile, REDIS_URL } from './redis.js';

/**
 * Bad input that only one seed meets (seed 3 draws a run time of 4.4e22 s; see
 * cell-bad-input.test.ts for the local runner) on a queue sweep: the cell fails, and its message
 * names the cell (seed, strategy, axis values) as the local runner's does. It named only the
 * scenario's field: which of the sweep's cells met it was left to the table.
 */
const { dir, name, redis } = queueTestFile('queue-bad-cell');

copyFileSync(path.join(import.meta.dirname, 'fixtures', 'heavy-tail.yaml'), path.join(dir, 'sc.yaml'));
writeFileSync(path.join(dir, 'sweep.yaml'), 'scenario: ./sc.yaml\nseeds: [2, 3]\naxes:\n  pools[0].nodes: [2]\n');

describe('a queue sweep cell that meets bad input only with its own seed', () => {
  it('fails that cell with the seed, strategy and axis values before the scenario message', async () => {
    const plan = await planSweep(await loadSweep(path.join(dir, 'sweep.yaml')), DATA_ROOT);
    const worker = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 1 });
    const res = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 60_000 }).finally(() => worker.close());
    const cells = [...res.values()].sort((a, b) => Number(a.seed) - Number(b.seed));
    expect(cells.map((c) => [c.seed, c.state])).toEqual([
      [2, 'completed'],
      [3, 'failed'],
    ]);
    expect(cells[1]?.state === 'failed' && cells[1].error).toBe(
      `${dir}/sc.yaml:11, field 'trace.profiles[0].duration': seed 3, strategy first-fit, at pools[0].nodes=2: request syn-1 drew a run time of 4.352610914483812e+22 s, more than 1e10 s (over 300 years): set max to cap the draws, or check the parameters' unit and scale`,
    );
    // Bad input is the same on every try: the cell fails on its first attempt, not after a retry
    // (a cell job has two attempts, for a worker thread that dies).
    const q = new Queue(name, { connection: redis() });
    const job = await q.getJob(cells[1]?.hash as string);
    await q.close();
    expect([await job?.getState(), job?.attemptsMade]).toEqual(['failed', 1]);
  }, 120_000);
});
