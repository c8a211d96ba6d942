import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, vi } from 'vitest';

export const REDIS_URL = process.env.DRS_TEST_REDIS ?? 'redis://127.0.0.1:6379';

function ping(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port || 6379), u.hostname);
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * The real Redis server the queue tests talk to: the one running at REDIS_URL, else one started
 * here with the machine's redis-server (Debian package), as `.ci/run` does.
 */
export async function ensureRedis(): Promise<void> {
  if (await ping(REDIS_URL)) return;
  const u = new URL(REDIS_URL);
  const r = spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', u.port || '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) throw new Error(`Redis is not running at ${REDIS_URL} and redis-server could not start it: ${r.error?.message ?? r.stderr}`);
  for (let i = 0; i < 50; i++) {
    if (await ping(REDIS_URL)) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`redis-server started but ${REDIS_URL} does not answer`);
}

/**
 * A queue test file's own temp folder and queue name, and a Redis connection opened before its
 * tests; after them its queue (and the sweep's `-sweeps` queue) is obliterated, mocks restored,
 * the connection closed and the folder removed. Call at the file's top level.
 */
export function queueTestFile(tag: string): { readonly dir: string; readonly name: string; readonly redis: () => Redis } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `drs-${tag}-`));
  const name = `drs-test-${tag}-${process.pid}-${Date.now()}`;
  let redis: Redis | undefined;
  beforeAll(async () => {
    await ensureRedis();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    if (redis !== undefined) {
      for (const n of [name, `${name}-sweeps`]) {
        const q = new Queue(n, { connection: redis });
        await q.obliterate({ force: true });
        await q.close();
      }
      await redis.quit();
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    name,
    redis: () => {
      if (redis === undefined) throw new Error('queueTestFile: Redis is connected in beforeAll');
      return redis;
    },
  };
}

/**
 * A Redis server of the test's own (the machine's redis-server, no persistence) on a free port,
 * answering once this resolves: for tests that shut Redis down under a worker. `stop()` kills it.
 */
export async function privateRedis(): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGKILL');
    await gone;
  };
  for (let i = 0; i < 100; i++) {
    if (await ping(url)) return { url, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`redis-server on port ${port} did not answer`);
}
