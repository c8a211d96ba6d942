import { createHook } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/local.js';
import { startQueueWorker } from '../../src/sweep/queue.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';
import { privateRedis, queueTestFile } from './redis.js';

/**
 * A worker stopped while Redis is unreachable closes without waiting (it could report nothing),
 * but its process lingered 2 to 6 s: BullMQ's watchdog on the blocking fetch (drainDelay 5 s
 * + 1 s) stayed armed, as the fetch ioredis holds for the lost connection never settles, and
 * ioredis waited its 2 s disconnect timeout on each socket that was already closed. And
 * `drs worker` said it was "stopping once the running cell finishes" while it stopped at once.
 */
const { dir } = queueTestFile('redis-down');
const name = 'drs-test-redis-down';

/** Waits until the worker's blocking fetch is on the server (the worker is idle and connected). */
async function fetching(url: string): Promise<void> {
  const probe = new Redis(url, { maxRetriesPerRequest: null });
  try {
    for (let i = 0; i < 200 && !/cmd=bzpopmin/.test(String(await probe.client('LIST'))); i++) await new Promise((r) => setTimeout(r, 50));
    expect(String(await probe.client('LIST'))).toMatch(/cmd=bzpopmin/);
  } finally {
    await probe.quit();
  }
}

describe('a queue worker closed while Redis is unreachable', () => {
  it('leaves no timer of a second or more behind (the process ends at once)', async () => {
    const redis = await privateRedis();
    // Every timer armed from here on, with its delay, while it is pending.
    const pending = new Map<number, { readonly ms: number; readonly timer: NodeJS.Timeout }>();
    const hook = createHook({
      init(id, type, _trigger, resource) {
        if (type === 'Timeout') pending.set(id, { ms: (resource as { _idleTimeout: number })._idleTimeout, timer: resource as NodeJS.Timeout });
      },
      destroy(id) {
        pending.delete(id);
      },
    });
    let worker: Awaited<ReturnType<typeof startQueueWorker>> | undefined;
    try {
      let lost = (): void => undefined;
      const errored = new Promise<void>((r) => (lost = r));
      hook.enable();
      worker = await startQueueWorker({ url: redis.url, name, dataRoot: DATA_ROOT, onError: () => lost() });
      await fetching(redis.url);
      const before = new Set(pending.keys());
      await redis.stop();
      await errored;
      // BullMQ's fetch loop, on the lost connection, arms its next blocking fetch with a 6 s
      // watchdog a moment later: the close comes after it (a Ctrl-C a second into the outage).
      const long = (): boolean => [...pending].some(([id, t]) => !before.has(id) && t.timer.hasRef() && t.ms >= 1000);
      for (let i = 0; i < 100 && !long(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(worker.reachable()).toBe(false);
      await worker.close();
      worker = undefined;
      const left = [...pending.values()].filter((t) => t.timer.hasRef() && t.ms >= 1000).map((t) => t.ms);
      expect(left).toEqual([]);
    } finally {
      hook.disable();
      await worker?.close();
      await redis.stop();
    }
  }, 60_000);
});

// One cell of a day of the default scenario: it runs far longer than the test waits.
writeFileSync(
  path.join(dir, 'sweep.yaml'),
  `scenario: ${path.resolve(import.meta.dirname, '../../scenarios/default.yaml')}\nstrategies: [first-fit]\nseeds: [1]\nset:\n  horizon: 24h\n  trace.horizon: 24h\n`,
);

describe('drs worker on Ctrl-C while Redis is unreachable and a cell runs', () => {
  it('says it stops now and that the cell runs again elsewhere, not that it waits for the cell; exits 0', async () => {
    const redis = await privateRedis();
    const plan = await planSweep(await loadSweep(path.join(dir, 'sweep.yaml')), DATA_ROOT);
    const script = path.resolve(import.meta.dirname, 'worker-process.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, 'worker', '--queue', redis.url, '--name', name, '--quiet', '--lock-ms', '5000'], { env: { ...process.env, DRS_DATA_DIR: DATA_ROOT } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const ended = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const shows = (re: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const look = (): void => void (re.test(err) && resolve());
        child.stderr.on('data', look);
        child.on('exit', () => reject(new Error(`exited before its stderr showed ${re}: ${err}`)));
        look();
      });
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new Queue(name, { connection: conn });
    q.on('error', () => undefined);
    conn.on('error', () => undefined);
    try {
      await q.add('cell', plan.cells[0], { jobId: plan.cells[0]?.hash });
      for (let i = 0; i < 600 && (await q.getActiveCount()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await q.getActiveCount(), err).toBe(1);
      await q.close();
      conn.disconnect();
      await redis.stop();
      await shows(/worker: Redis redis:\/\/127\.0\.0\.1:\d+: /);
      child.kill('SIGINT');
      expect(await ended, err).toBe(0);
      expect(err).toMatch(
        /\nworker: Redis redis:\/\/127\.0\.0\.1:\d+ is unreachable: stopping now without the running cell; it runs again on a worker once Redis is back \(after its 5 s lock, --lock-ms\)\n$/,
      );
      expect(err).not.toContain('stopping once');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      conn.disconnect();
      await redis.stop();
    }
  }, 240_000);
});
