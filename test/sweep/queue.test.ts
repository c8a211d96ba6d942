import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJson } from '../../src/report/json.js';
import { planSweep, runSweepLocal, sweepResult, type SweepPlan } from '../../src/sweep/local.js';
import { redisConnection, runSweepQueue, startQueueWorker } from '../../src/sweep/queue.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { DATA_ROOT } from '../support/data.js';
import { ensureRedis, REDIS_URL } from './redis.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/tiny.yaml');
const run = `${process.pid}-${Date.now()}`;
const queues: string[] = [];
const qname = (what: string): string => {
  const n = `drs-test-${what}-${run}`;
  queues.push(n, `${n}-sweeps`);
  return n;
};

/** `drs worker` as its own process (from the TypeScript source), on queue `name`. */
function spawnWorker(name: string, extra: string[]): ChildProcessWithoutNullStreams {
  const script = path.resolve(import.meta.dirname, 'worker-process.ts');
  return spawn(process.execPath, ['--import', 'tsx', script, 'worker', '--queue', REDIS_URL, '--name', name, '--quiet', ...extra], { env: { ...process.env, DRS_DATA_DIR: DATA_ROOT } });
}

let plan: SweepPlan;
let localJson: string;

beforeAll(async () => {
  await ensureRedis();
  plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
  localJson = toJson(sweepResult(plan, await runSweepLocal(plan, { workers: 0, dataRoot: DATA_ROOT })));
}, 120_000);

afterAll(async () => {
  for (const n of queues) {
    const q = new Queue(n, { connection: redisConnection(REDIS_URL) });
    await q.obliterate({ force: true });
    await q.close();
  }
});

describe('distributed sweep on BullMQ (real Redis)', () => {
  it('two drs worker processes share a sweep; the aggregate is byte-identical to the local run; a repeat adds nothing', async () => {
    const name = qname('share');
    const workers = ['w1', 'w2'].map((id) => spawnWorker(name, ['--id', id]));
    const q = new Queue(name, { connection: redisConnection(REDIS_URL) });
    try {
      const res = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 120_000 });
      expect(toJson(sweepResult(plan, res))).toBe(localJson);
      const by = (await q.getCompleted(0, -1)).map((j) => j.processedBy);
      expect(by).toHaveLength(12);
      expect(new Set(by)).toEqual(new Set(['w1', 'w2'])); // both processes ran cells
    } finally {
      for (const w of workers) w.kill('SIGTERM');
    }
    // Same sweep again, no worker running: every cell is already a completed job with its hash.
    const again = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 10_000 });
    expect(toJson(sweepResult(plan, again))).toBe(localJson);
    expect(await q.getJobCounts('completed', 'wait', 'active', 'failed')).toEqual({ completed: 12, wait: 0, active: 0, failed: 0 });
    await q.close();
  }, 240_000);

  it('a worker killed mid-cell: the cell is retried by another worker and counted once', async () => {
    const name = qname('kill');
    const child = spawnWorker(name, ['--lock-ms', '2000']);
    let childErr = '';
    child.stderr.on('data', (d: Buffer) => void (childErr += d.toString()));
    const q = new Queue(name, { connection: redisConnection(REDIS_URL) });
    let killedJob: string | undefined;
    let second: { close(): Promise<void> } | undefined;
    const sweep = runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 120_000 });
    try {
      // Wait until the child holds a cell, then kill it without warning.
      for (let i = 0; i < 600 && killedJob === undefined; i++) {
        const active = await q.getActive();
        if (active.length > 0) killedJob = active[0]?.id;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(killedJob, `the worker process never took a cell: ${childErr}`).toBeDefined();
      child.kill('SIGKILL');
      second = startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, lockMs: 2000 });
      const res = await sweep;
      expect(toJson(sweepResult(plan, res))).toBe(localJson);
      expect(res.size).toBe(12);
      const job = await q.getJob(killedJob as string);
      expect(job?.stalledCounter ?? 0).toBeGreaterThanOrEqual(1); // BullMQ saw the lost lock and re-queued it
      expect(await job?.getState()).toBe('completed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await second?.close();
      await q.close();
    }
  }, 240_000);
});
