import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJson } from '../../src/report/json.js';
import { planSweep, runSweepLocal, sweepResult, type SweepPlan } from '../../src/sweep/local.js';
import { isUserError } from '../../src/core/errors.js';
import { connectRedis, runSweepQueue, startQueueWorker } from '../../src/sweep/queue.js';
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

/** `drs worker` as its own process (from the TypeScript source), on queue `name` at `url`. */
function spawnWorkerAt(url: string, name: string, extra: string[] = []): ChildProcessWithoutNullStreams {
  const script = path.resolve(import.meta.dirname, 'worker-process.ts');
  return spawn(process.execPath, ['--import', 'tsx', script, 'worker', '--queue', url, '--name', name, '--quiet', ...extra], { env: { ...process.env, DRS_DATA_DIR: DATA_ROOT } });
}

const spawnWorker = (name: string, extra: string[]): ChildProcessWithoutNullStreams => spawnWorkerAt(REDIS_URL, name, extra);

let plan: SweepPlan;
let localJson: string;
/** The tests' own connection (for inspecting queues), as BullMQ's docs set it up. */
let redis: Redis;

/**
 * The exit code and stderr of a spawned process once it ends; a process still running 20 s after
 * `armed` resolves (an open socket or thread keeping it alive) is killed and reported as 'hung'.
 */
function exited(p: ChildProcessWithoutNullStreams, armed: Promise<unknown> = Promise.resolve()): Promise<{ code: number | 'hung' | null; signal: NodeJS.Signals | null; err: string }> {
  let err = '';
  p.stderr.on('data', (d: Buffer) => void (err += d.toString()));
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    void armed.then(() => {
      timer = setTimeout(() => {
        p.kill('SIGKILL');
        resolve({ code: 'hung', signal: null, err });
      }, 20_000);
    });
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, err });
    });
  });
}

/** Resolves once `p`'s stderr so far matches `re` (fails the test if it exits first). */
function stderrShows(p: ChildProcessWithoutNullStreams, re: RegExp): Promise<void> {
  let err = '';
  return new Promise((resolve, reject) => {
    const look = (d: Buffer): void => {
      err += d.toString();
      if (re.test(err)) done(resolve);
    };
    const gone = (): void => done(() => reject(new Error(`the process exited before its stderr showed ${re}: ${err}`)));
    const done = (then: () => void): void => {
      p.stderr.off('data', look);
      p.off('exit', gone);
      then();
    };
    p.stderr.on('data', look);
    p.on('exit', gone);
  });
}

beforeAll(async () => {
  await ensureRedis();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  plan = await planSweep(await loadSweep(FIXTURE), DATA_ROOT);
  localJson = toJson(sweepResult(plan, await runSweepLocal(plan, { workers: 0, dataRoot: DATA_ROOT })));
}, 120_000);

afterAll(async () => {
  for (const n of queues) {
    const q = new Queue(n, { connection: redis });
    await q.obliterate({ force: true });
    await q.close();
  }
  await redis.quit();
});

describe('distributed sweep on BullMQ (real Redis)', () => {
  it('two drs worker processes share a sweep; the aggregate is byte-identical to the local run; a repeat adds nothing', async () => {
    const name = qname('share');
    const workers = ['w1', 'w2'].map((id) => spawnWorker(name, ['--id', id]));
    let stopped = (): void => undefined;
    const stopping = new Promise<void>((r) => (stopped = r));
    const ends = workers.map((w) => exited(w, stopping));
    const q = new Queue(name, { connection: redis });
    try {
      // Both are up before the cells are: a process slower to start could find the sweep done.
      await Promise.all(workers.map((w) => stderrShows(w, /Ctrl-C to stop/)));
      const res = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 120_000 });
      expect(toJson(sweepResult(plan, res))).toBe(localJson);
      const by = (await q.getCompleted(0, -1)).map((j) => j.processedBy);
      expect(by).toHaveLength(12);
      expect(new Set(by)).toEqual(new Set(['w1', 'w2'])); // both processes ran cells
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      stopped();
    }
    // SIGTERM: each worker closes its BullMQ worker, threads and Redis connections and exits 0
    // by itself (an open socket or thread would keep it alive until the test times out).
    for (const e of await Promise.all(ends)) expect(e, e.err).toMatchObject({ code: 0, signal: null });
    // Same sweep again, no worker running: every cell is already a completed job with its hash.
    const again = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 10_000 });
    expect(toJson(sweepResult(plan, again))).toBe(localJson);
    expect(await q.getJobCounts('completed', 'wait', 'active', 'failed')).toEqual({ completed: 12, wait: 0, active: 0, failed: 0 });
    await q.close();
  }, 240_000);

  it('cells that failed on an earlier submission run again, and --fresh does not collect results Redis kept', async () => {
    const name = qname('again');
    // A broken worker: every cell fails (twice, its attempts), as on a machine without the data.
    const broken = new Worker(name, () => Promise.reject(new Error('trace file not found')), { connection: redis, concurrency: 4 });
    let failed;
    try {
      failed = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 60_000 });
    } finally {
      await broken.close();
    }
    expect([...failed.values()].every((r) => r.state === 'failed')).toBe(true);
    // Submitted again with a working worker: the failed cells run, not the old failures collected.
    const worker = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 2 });
    try {
      const res = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 120_000 });
      expect(toJson(sweepResult(plan, res))).toBe(localJson);
    } finally {
      await worker.close();
    }
    // Fresh, with no worker: nothing comes back from Redis at once; the cells wait for a worker.
    const fresh = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 1_500, fresh: true }).catch((e: unknown) => e);
    expect(isUserError(fresh) && fresh.message).toMatch(/no cell finished for 2 s \(12 of 12 pending\)/);
  }, 240_000);

  it('a worker running other DRS code puts the cell back unspent and stops; the same build runs every cell, none failed', async () => {
    const name = qname('code');
    const refused: string[] = [];
    // The stale worker starts first and is always idle, so it meets a cell before the good one does.
    const stale = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 2, code: 'another-build', id: 'w-old', onRefused: (_c, why) => refused.push(why) });
    const good = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 1 });
    try {
      const res = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 120_000 });
      expect([...res.values()].filter((r) => r.state !== 'completed')).toEqual([]);
      expect(toJson(sweepResult(plan, res))).toBe(localJson);
    } finally {
      await stale.close();
      await good.close();
    }
    // It refused what it held at once (at most its concurrency), naming both builds, then took nothing more.
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(refused[0]).toContain(`worker w-old runs other DRS code (fingerprint another-build) than the sweep that planned this cell (${plan.cells[0]!.code})`);
    const q = new Queue(name, { connection: redis });
    expect(await q.getJobCounts('completed', 'failed')).toEqual({ completed: plan.cells.length, failed: 0 });
    await q.close();
  }, 240_000);

  it('drs worker meeting a cell of another build says why (even with --quiet), leaves the cell queued and exits 2', async () => {
    const name = qname('code-cli');
    // Cells as an older build would have planned them; the spawned worker runs this build.
    const older: SweepPlan = { ...plan, cells: plan.cells.map((c) => ({ ...c, code: 'older-build', hash: `${c.hash}-older` })) };
    const child = spawnWorker(name, ['--id', 'w-new']);
    const end = exited(child);
    const submitted = runSweepQueue(older, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 120_000 });
    const e = await end;
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/^drs worker: cell [0-9a-f]{12} \S+ seed \S+: worker w-new runs other DRS code \(fingerprint [0-9a-f]{16}\) than the sweep that planned this cell \(older-build\): .*; the cell is back in the queue, and this worker stops\n$/m);
    expect(e.err).not.toMatch(/\n\s+at /); // no stack trace
    // Nothing failed: a worker of the cells' own build completes the sweep.
    const same = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 2, code: 'older-build' });
    try {
      const res = await submitted;
      expect([...res.values()].every((r) => r.state === 'completed')).toBe(true);
    } finally {
      await same.close();
    }
  }, 240_000);

  it('a worker killed mid-cell: the cell is retried by another worker and counted once', async () => {
    const name = qname('kill');
    const child = spawnWorker(name, ['--lock-ms', '2000']);
    let childErr = '';
    child.stderr.on('data', (d: Buffer) => void (childErr += d.toString()));
    const q = new Queue(name, { connection: redis });
    let killedJob: string | undefined;
    let second: { close(): Promise<void> } | undefined;
    const sweep = runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 120_000 });
    try {
      // Wait until the child holds a cell, then kill it without warning.
      for (let i = 0; i < 600 && (await q.getActiveCount()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await q.getActiveCount(), `the worker process never took a cell: ${childErr}`).toBeGreaterThan(0);
      const dead = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await dead;
      // The cell it died holding: still active, with no worker (the cell seen active before the
      // kill could have finished before the signal landed, and then nothing would be re-queued).
      killedJob = (await q.getActive())[0]?.id;
      expect(killedJob, 'the killed worker held no cell').toBeDefined();
      second = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, lockMs: 2000 });
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

describe('a queue sweep with no worker', () => {
  it('says once that no worker has taken a cell, with the command that starts one', async () => {
    const name = qname('noworker');
    const said: string[] = [];
    const e = await runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, hintAfterMs: 1_000, idleTimeoutMs: 3_000, onNoWorker: (m) => said.push(m) }).catch((x: unknown) => x);
    expect(isUserError(e) && e.message).toMatch(/no cell finished for 3 s \(12 of 12 pending\)/);
    expect(said).toEqual([`no worker has taken a cell for 1 s; the 12 cells wait in queue '${name}' for one: drs worker --queue ${REDIS_URL} --name ${name}`]);
  }, 60_000);
});

describe('a sweep whose jobs Redis lost (restarted without its data)', () => {
  it('submits the missing cells again and completes', async () => {
    const name = qname('lost');
    let enqueued = (): void => undefined;
    const queued = new Promise<void>((r) => (enqueued = r));
    const sweep = runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 30_000, onEnqueued: () => enqueued() });
    await queued;
    // Every key of the queue gone, as after a restart of a Redis that does not persist.
    const q = new Queue(name, { connection: redis });
    await q.obliterate({ force: true });
    await q.close();
    const worker = await startQueueWorker({ url: REDIS_URL, name, dataRoot: DATA_ROOT, concurrency: 2 });
    try {
      const res = await sweep;
      expect(toJson(sweepResult(plan, res))).toBe(localJson);
    } finally {
      await worker.close();
    }
  }, 120_000);
});

describe('a cell whose workers keep dying', () => {
  it('is a failed cell once BullMQ gives up on it (stalled too often), not a wait for ever', async () => {
    const name = qname('stalled');
    const q = new Queue(name, { connection: redis });
    const sweep = runSweepQueue(plan, { url: REDIS_URL, name, pollMs: 100, idleTimeoutMs: 20_000 }).catch((e: unknown) => e);
    // Takes every cell and never finishes one, then vanishes holding them (as under kill -9).
    // (Its stalled-check interval is the queue's next check: short, as the next worker's.)
    const dying = new Worker(name, () => new Promise(() => undefined), { connection: redis, concurrency: 12, lockDuration: 1000, stalledInterval: 300 });
    let next: Worker | undefined;
    try {
      for (let i = 0; i < 200 && (await q.getActiveCount()) < 12; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await q.getActiveCount()).toBe(12);
      await dying.close(true);
      // The next worker finds them stalled beyond its limit: BullMQ fails them after one attempt
      // of the two the cells have (attemptsMade 1), and never runs them again.
      next = new Worker(name, () => Promise.reject(new Error('not reached')), { connection: redis, lockDuration: 1000, stalledInterval: 300, maxStalledCount: 0 });
      const res = await sweep;
      expect(res).toBeInstanceOf(Map);
      const cells = [...(res as Map<string, { state: string; error?: string }>).values()];
      expect(cells).toHaveLength(12);
      for (const c of cells) expect(c).toMatchObject({ state: 'failed', error: expect.stringContaining('stalled') as unknown });
    } finally {
      await dying.close(true);
      await next?.close(true);
      await q.close();
    }
  }, 60_000);
});

describe('a drs worker whose Redis went away', () => {
  it('stops on SIGTERM (exit 0) instead of waiting for Redis to come back', async () => {
    // A Redis of its own (the machine's redis-server, as ensureRedis uses), to shut down.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    const url = `redis://127.0.0.1:${port}`;
    let worker: ChildProcessWithoutNullStreams | undefined;
    try {
      for (let i = 0; i < 50; i++) {
        const ok = await connectRedis(url, { maxRetriesPerRequest: 1, timeoutMs: 500 }).then((c) => c.quit().then(() => true), () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      worker = spawnWorkerAt(url, 'drs-test-outage');
      let stopped = (): void => undefined;
      const stopping = new Promise<void>((r) => (stopped = r));
      const end = exited(worker, stopping);
      await stderrShows(worker, /Ctrl-C to stop/);
      // The worker is waiting for a job: its blocking fetch is on the server.
      const probe = new Redis(url, { maxRetriesPerRequest: null });
      try {
        for (let i = 0; i < 200 && !/cmd=bzpopmin/.test(String(await probe.client('LIST'))); i++) await new Promise((r) => setTimeout(r, 50));
        expect(String(await probe.client('LIST'))).toMatch(/cmd=bzpopmin/);
      } finally {
        probe.disconnect();
      }
      server.kill('SIGKILL');
      // The worker saw the connection drop: it says so (once) on stderr.
      await stderrShows(worker, new RegExp(`worker: Redis redis://127\\.0\\.0\\.1:${port}: `));
      worker.kill('SIGTERM');
      stopped();
      const r = await end;
      expect(r, r.err).toMatchObject({ code: 0, signal: null });
    } finally {
      if (worker !== undefined && worker.exitCode === null) worker.kill('SIGKILL');
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  }, 60_000);
});

describe('Redis connection errors are UserErrors naming the URL, without hanging', () => {
  it('a URL that is not redis://, a refused port and a server that never answers', async () => {
    const fails = async (url: string, timeoutMs?: number): Promise<string> => {
      try {
        const c = await connectRedis(url, { maxRetriesPerRequest: null, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
        await c.quit();
      } catch (e) {
        expect(isUserError(e), String(e)).toBe(true);
        return (e as Error).message;
      }
      throw new Error(`connected to ${url}`);
    };
    expect(await fails('localhost:6379')).toMatch(/expects a redis:\/\/ URL, got 'localhost:6379'/);
    expect(await fails('not a url')).toMatch(/expects a Redis URL .* got 'not a url'/);
    expect(await fails('redis://127.0.0.1:1')).toMatch(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:1 .*ECONNREFUSED/);
    expect(await fails('redis://:hunter2@127.0.0.1:1')).not.toContain('hunter2'); // password masked
    // A database the server does not have: ioredis reports the refused SELECT and carries on in
    // database 0, where the sweep's jobs would mix with everyone's.
    expect(await fails(`${REDIS_URL.replace(/\/\d*$/, '')}/99999`)).toMatch(/cannot connect to Redis at redis:\/\/.*\/99999 \(--queue\): ERR DB index is out of range/);
    // Accepts TCP but never answers (not Redis, or hung): bounded by the timeout.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const t0 = performance.now();
      const msg = await fails(`redis://127.0.0.1:${port}`, 500);
      expect(performance.now() - t0).toBeLessThan(3000); // the bound holds (0.5 s asked)
      expect(msg).toMatch(new RegExp(`at redis://127\\.0\\.0\\.1:${port} .*no answer within 0\\.5 s`));
    } finally {
      silent.close();
    }
  });

  it('drs worker and drs sweep --queue on an unreachable Redis exit 2 with the URL, and do not hang', async () => {
    const w = exited(spawnWorkerAt('redis://127.0.0.1:1', 'drs-test-unreachable'));
    const r = await w;
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/^drs worker: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1 \(--queue\): .*ECONNREFUSED/m);
    const script = path.resolve(import.meta.dirname, 'worker-process.ts');
    const results = path.join(os.tmpdir(), `drs-unreachable-${run}`);
    const sr = await exited(spawn(process.execPath, ['--import', 'tsx', script, 'sweep', FIXTURE, '--queue', 'redis://127.0.0.1:1', '--fresh', '--quiet', '--results', results], { env: { ...process.env, DRS_DATA_DIR: DATA_ROOT } }));
    rmSync(results, { recursive: true, force: true });
    expect(sr.code, sr.err).toBe(2);
    expect(sr.err).toMatch(/^drs sweep: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1 \(--queue\)/m);
    // A queue name BullMQ refuses (its key separator ':'), on a Redis that answers: exit 2 with the
    // name, not BullMQ's stack trace with the connection and the worker's threads left running.
    const bad = await exited(spawnWorkerAt(REDIS_URL, 'drs-test:bad'), Promise.resolve());
    expect(bad.code, bad.err).toBe(2);
    expect(bad.err).toMatch(/^drs worker: --name expects a queue name that is not empty and has no ':' \(BullMQ's key separator\), got 'drs-test:bad'$/m);
    const empty = await runSweepQueue(plan, { url: REDIS_URL, name: '', pollMs: 100, idleTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect(isUserError(empty) && empty.message).toMatch(/--name expects a queue name that is not empty .*, got ''/);
  }, 60_000);
});
