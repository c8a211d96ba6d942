import path from 'node:path';
import { Worker as ThreadWorker } from 'node:worker_threads';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { drs } from '../cli/helpers.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toJson } from '../../src/report/json.js';
import { planSweep, runSweepLocal, sweepResult } from '../../src/sweep/local.js';
import { runSweepQueue, startQueueWorker } from '../../src/sweep/queue.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';
import { ensureRedis, REDIS_URL } from './redis.js';

/**
 * A drs worker whose threads die before finishing any cell (a broken build or machine: its pool
 * gives up, PoolBrokenError) refused every later cell at once, each refusal a spent attempt: being
 * always idle it took the cells faster than any good worker and failed them all for good (both
 * attempts). It must put the cell back unspent and stop taking cells, as a worker of another
 * build does; a good worker then runs the sweep.
 */
const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/tiny.yaml');
const name = `drs-test-broken-pool-${process.pid}-${Date.now()}`;
const cliName = `${name}-cli`;
let redis: Redis;

beforeAll(async () => {
  await ensureRedis();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  vi.restoreAllMocks();
  for (const n of [name, `${name}-sweeps`, cliName, `${cliName}-sweeps`]) {
    const q = new Queue(n, { connection: redis });
    await q.obliterate({ force: true });
    await q.close();
  }
  await redis.quit();
});

describe('a queue worker whose threads keep dying', () => {
  it('puts the cell back without spending an attempt and stops; no cell fails, a good worker completes the sweep', async () => {
    const plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
    const local = toJson(sweepResult(plan, await runSweepLocal(plan, { workers: 0, dataRoot: DATA_ROOT })));
    // Every thread dies as it is sent a cell.
    const spy = vi.spyOn(ThreadWorker.prototype, 'postMessage').mockImplementation(function (this: ThreadWorker) {
      void this.terminate();
    });
    const said: string[] = [];
    let stopped = (): void => undefined;
    const brokenStopped = new Promise<'stopped'>((r) => (stopped = () => r('stopped')));
    const broken = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 1, onBroken: (_c, why) => (said.push(why), stopped()) });
    const sweep = runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 120_000 });
    // Before the fix the sweep ended with every cell failed; now the broken worker stops first.
    const first = await Promise.race([brokenStopped, sweep.then((res) => [...res.values()].filter((r) => r.state === 'failed').length)]);
    await broken.close();
    expect(first).toBe('stopped');
    expect(said[0]).toMatch(/^sweep worker threads keep dying \(3 in a row\): /);
    const q = new Queue(name, { connection: redis });
    try {
      // The three cells whose threads died spent one attempt each (a dead thread is retried); none failed.
      expect(await q.getJobCounts('failed', 'completed', 'active')).toEqual({ failed: 0, completed: 0, active: 0 });
      spy.mockRestore();
      const good = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 2 });
      try {
        const res = await sweep;
        expect([...res.values()].filter((r) => r.state !== 'completed')).toEqual([]);
        expect(toJson(sweepResult(plan, res))).toBe(local);
      } finally {
        await good.close();
      }
    } finally {
      await q.close();
    }
  }, 180_000);

  it('drs worker says so in one line and exits 1, leaving the cells queued', async () => {
    const plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
    vi.spyOn(ThreadWorker.prototype, 'postMessage').mockImplementation(function (this: ThreadWorker) {
      void this.terminate();
    });
    let submitted = (): void => undefined;
    const enqueued = new Promise<void>((r) => (submitted = r));
    // No other worker: the sweep waits (its idle bound ends it once the worker has stopped).
    const sweep = runSweepQueue(plan, { url: REDIS_URL, name: cliName, pollMs: 100, idleTimeoutMs: 5_000, onEnqueued: () => submitted() }).catch((e: unknown) => e);
    await enqueued;
    const r = await drs(['worker', '--queue', REDIS_URL, '--name', cliName, '--quiet']);
    vi.restoreAllMocks();
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/\ndrs worker: sweep worker threads keep dying \(3 in a row\): .*; the cell is back in the queue, and this worker stops\n$/);
    expect(r.err).not.toMatch(/\n\s+at /);
    const q = new Queue(cliName, { connection: redis });
    try {
      expect(await q.getJobCounts('failed', 'completed', 'active', 'wait')).toEqual({ failed: 0, completed: 0, active: 0, wait: plan.cells.length });
    } finally {
      await q.close();
    }
    await sweep;
  }, 60_000);
});
